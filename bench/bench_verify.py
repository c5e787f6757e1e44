"""How long proving every shipped derivation takes, against its 12 s budget on one core.

Each run is a fresh process (no cached proofs), pinned to one core where the
system allows it. Both the wall-clock time and the process's CPU time are
printed: on a shared machine the CPU time is the steadier of the two. The
reference, measured in the same run, is the bare check the first release did:
expand both sides and simplify their difference, with no conditions,
singularity, kink or label checks. The ratio is what soundness costs.

    python bench/bench_verify.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

BUDGET = 12.0  # seconds on one core, for every shipped derivation

FULL = """
import json, time
import derivations as dv
t, cpu = time.perf_counter(), time.process_time(); per = {}
for build in (*(s.derivation for s in dv.LECTURE), dv.adaline_gradient, dv.sigmoid_mse_gradient,
              dv.composed_gradient_symbolic):
    s = time.perf_counter(); build().verify(); per[build.__name__] = time.perf_counter() - s
print(json.dumps({"total": time.perf_counter() - t, "cpu": time.process_time() - cpu,
                  "per": per}))
"""

BARE = """
import json, time
import sympy as sp
import derivations as dv
from derivations.engine import Equal
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
    pin = ["taskset", "-c", str(min(os.sched_getaffinity(0)))] \
        if shutil.which("taskset") and hasattr(os, "sched_getaffinity") else []
    out = subprocess.run([*pin, sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def main() -> None:
    full = min((run(FULL) for _ in range(3)), key=lambda r: r["total"])
    bare = min(run(BARE)["total"] for _ in range(3))
    print(f"verify every shipped derivation on one core: {full['total']:.2f} s "
          f"({full['total'] / BUDGET:.2f} of the {BUDGET:.0f} s budget; {full['cpu']:.2f} s "
          "of CPU)")
    print(f"bare simplify of the '=' steps only (reference): {bare:.2f} s; "
          f"full / bare = {full['total'] / bare:.1f}x")
    for name, secs in sorted(full["per"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:28s} {secs:6.2f} s")


if __name__ == "__main__":
    main()
