"""Benchmark a softmax-regression epoch against plain NumPy, timing whole fits.

    python bench/bench_softmax.py            # 200k x 100, K = 10, float64
    python bench/bench_softmax.py --quick    # 20k x 100

Prints ratios (ours / reference), never absolute claims: the machine is shared.
Target (issue 11, kept by issue 21): an epoch at most 0.6x the plain NumPy epoch, each
epoch's cost being (fit with 6 epochs - fit with 1) / 5 (see bench_trainer.py).
"""

from __future__ import annotations

import argparse
import json
import tracemalloc
import warnings

from bench_trainer import epoch_ratio, plain_softmax_fit, problem  # run from this folder

from logreg import LogisticRegression

warnings.simplefilter("ignore")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, d, k = (20_000 if args.quick else 200_000), 100, 10
    X, y = problem(n, d, classes=k)
    LogisticRegression(max_iter=1, tol=0).fit(X[:100], y[:100])  # warm
    res = epoch_ratio(lambda e: LogisticRegression(max_iter=e, tol=0).fit(X, y),
                      lambda e: plain_softmax_fit(X, y, e), 3 if args.quick else 7)
    tracemalloc.start()
    LogisticRegression(max_iter=2, tol=0).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({
        "shape": [n, d], "classes": k,
        "epoch vs plain NumPy epoch (whole fits; target <= 0.6)": res,
        "peak_traced_bytes / X bytes (a copy of X would be >= 1)": peak / X.nbytes},
        indent=2))


if __name__ == "__main__":
    main()
