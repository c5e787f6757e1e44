"""Benchmark a multinomial (softmax) epoch against plain NumPy, measured in the same run.

    python bench/bench_softmax.py            # 200k x 100, K = 10, float64
    python bench/bench_softmax.py --quick    # 20k x 100

Prints ratios (ours / reference), never absolute claims: the machine is shared.
Target (issue 11): a full-batch epoch at most 0.6x the plain NumPy epoch.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc
import warnings

import numpy as np

from logreg import LogisticRegression
from logreg.multinomial import full_pass

warnings.simplefilter("ignore")


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plain_epoch(X: np.ndarray, Y: np.ndarray, W: np.ndarray, b: np.ndarray, eta: float = 0.1):
    """The textbook epoch: X @ W, softmax, loss, Xᵀ(A − Y)."""
    Z = X @ W + b
    Z -= Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    A = E / E.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(A[Y.astype(bool)]))
    G = X.T @ (A - Y) / X.shape[0]
    return W - eta * G, b - eta * (A - Y).mean(axis=0), loss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, d, k = (20_000 if args.quick else 200_000), 100, 10
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=(d, k)) + rng.gumbel(size=(n, k))).argmax(axis=1)
    Y = np.eye(k)[y]
    W, b = np.zeros((d, k)), np.zeros(k)
    repeat = 5
    plain = median_time(lambda: plain_epoch(X, Y, W, b), repeat)
    one_pass = median_time(lambda: X @ W, repeat)

    def fit(epochs: int) -> None:
        LogisticRegression(max_iter=epochs, tol=None).fit(X, y)

    Wk = np.zeros((k, d))
    ours = median_time(lambda: full_pass(X, Y, Wk, b), repeat)  # one epoch's pass over X
    t1, t11 = median_time(lambda: fit(1), 3), median_time(lambda: fit(11), 3)
    tracemalloc.start()
    fit(2)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"shape": [n, d], "classes": k, "plain_numpy_epoch_s": plain,
                      "ours_epoch_s": ours, "fit_epoch_s (from fit(11) - fit(1))":
                          (t11 - t1) / 10, "ratio_to_plain_numpy (target <= 0.6)": ours / plain,
                      "ratio_to_one_X@W_pass": ours / one_pass,
                      "peak_traced_bytes / X bytes (a copy of X would be >= 1)":
                          peak / X.nbytes}, indent=2))


if __name__ == "__main__":
    main()
