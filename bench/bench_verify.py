"""How long proving every shipped derivation takes, against its 10 s budget.

Each run is a fresh process (no cached proofs). The reference, measured in the
same run, is the bare check the first release did: expand both sides and
simplify their difference, with no conditions, singularity, kink or label
checks. The ratio is what soundness costs.

    python bench/bench_verify.py
"""

from __future__ import annotations

import json
import subprocess
import sys

BUDGET = 10.0  # seconds, for every shipped derivation on this 2-core machine

FULL = """
import json, time
import derivations as dv
t = time.perf_counter(); per = {}
for build in (*(s.derivation for s in dv.LECTURE), dv.adaline_gradient, dv.sigmoid_mse_gradient,
              dv.composed_gradient_symbolic):
    s = time.perf_counter(); build().verify(); per[build.__name__] = time.perf_counter() - s
print(json.dumps({"total": time.perf_counter() - t, "per": per}))
"""

BARE = """
import json, time
import sympy as sp
import derivations as dv
from derivations.relations import Equal
ds = [b() for b in (*(s.derivation for s in dv.LECTURE), dv.adaline_gradient,
                    dv.sigmoid_mse_gradient, dv.composed_gradient_symbolic)]
t = time.perf_counter()
for d in ds:
    for step in d.steps:
        prev = d.previous(step)
        if prev is not None and isinstance(step.relation, Equal):
            sp.simplify(d.expand(prev.expr) - d.expand(step.expr))
print(json.dumps({"total": time.perf_counter() - t}))
"""


def run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def main() -> None:
    full = min((run(FULL) for _ in range(3)), key=lambda r: r["total"])
    bare = min(run(BARE)["total"] for _ in range(3))
    print(f"verify every shipped derivation: {full['total']:.2f} s "
          f"({full['total'] / BUDGET:.2f} of the {BUDGET:.0f} s budget)")
    print(f"bare simplify of the '=' steps only (reference): {bare:.2f} s; "
          f"full / bare = {full['total'] / bare:.1f}x")
    for name, secs in sorted(full["per"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:28s} {secs:6.2f} s")


if __name__ == "__main__":
    main()
