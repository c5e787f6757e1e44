"""How long checking a 20-line student answer takes (3 s budget), and listing the
exercises (0.5 s budget).

Each measurement is a fresh process. The reference, measured in the same run, is
proving the same 20 steps in-process with the lecture's own ``Derivation`` (no
child processes, no milestones, goal or hints): the ratio is what the limits,
the exercise's own proof and the feedback cost. A wrong answer (every other step
wrong) is timed too, since refuting and finding hints is the slower path. The
list is timed as ``logreg check --list`` runs, with its cache made first, against
a bare ``python -c pass`` in the same run.

    python bench/bench_check.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

BUDGET = 3.0  # seconds for a 20-line answer (issue 20)
LIST_BUDGET = 0.5  # seconds for logreg check --list in a fresh process

ANSWER = r"""\sigma'(z) = \frac{d}{dz}\frac{1}{1+e^{-z}}
  = \frac{d}{dz}\left(1+e^{-z}\right)^{-1}
  = -\left(1+e^{-z}\right)^{-2} \frac{d}{dz}\left(1+e^{-z}\right)
  = -\frac{\frac{d}{dz}(1+e^{-z})}{(1+e^{-z})^2}
  = -\frac{\frac{d}{dz} e^{-z}}{(1+e^{-z})^2}
  = -\frac{e^{-z} \cdot \frac{d}{dz}(-z)}{(1+e^{-z})^2}
  = -\frac{e^{-z} \cdot (-1)}{(1+e^{-z})^2}
  = \frac{e^{-z}}{(1+e^{-z})^2}
  = \frac{1}{1+e^{-z}} \cdot \frac{e^{-z}}{1+e^{-z}}
  = \frac{1}{1+e^{-z}} \cdot \frac{1 + e^{-z} - 1}{1+e^{-z}}
  = \frac{1}{1+e^{-z}} \left(\frac{1+e^{-z}}{1+e^{-z}} - \frac{1}{1+e^{-z}}\right)
  = \frac{1}{1+e^{-z}} \left(1 - \frac{1}{1+e^{-z}}\right)
  = \sigma(z) \left(1 - \frac{1}{1+e^{-z}}\right)
  = \sigma(z)(1-\sigma(z))
  = \sigma(z) - \sigma(z)^2
  = \sigma(z) - \sigma(z) \cdot \sigma(z)
  = \sigma(z)(1 - \sigma(z))
  = (1 - \sigma(z)) \sigma(z)
  = \sigma(z)\left(1-\sigma(z)\right)
  = \sigma(z)(1-\sigma(z))"""

#: every other step's sign flipped: ten wrong steps, each refuted and given a hint
WRONG = "\n".join(("  = -" + line.split("= ", 1)[1]) if k % 2 and k else line
                  for k, line in enumerate(ANSWER.splitlines()))

CHECK = """
import json, sys, time
from derivations.checking import check
t = time.perf_counter()
report = check(sys.argv[1], "sigmoid-derivative")
print(json.dumps({"seconds": time.perf_counter() - t, "steps": len(report.steps) - 1,
                  "counts": report.counts()}))
"""

REFERENCE = """
import json, sys, time
from derivations.engine import Derivation, StepError
from derivations.checking import EXERCISES, evaluated, parse_answer
ctx = EXERCISES["sigmoid-derivative"].context
lines = parse_answer(sys.argv[1])
t = time.perf_counter()
for prev, cur in zip(lines, lines[1:]):
    d = Derivation("ref", functions=ctx.functions)
    d.given(evaluated(prev.expr), "before")
    d.equal(evaluated(cur.expr), "step")
    try:
        d.verify()
    except StepError:
        pass
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def run(code: str, answer: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, answer], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    logreg = [sys.executable, "-m", "logreg.cli", "check", "--list"]
    seconds(logreg)  # the cache, made from the proofs once
    listed = min(seconds(logreg) for _ in range(5))
    bare = min(seconds([sys.executable, "-c", "pass"]) for _ in range(5))
    print(f"logreg check --list: {listed:.2f} s ({listed / LIST_BUDGET:.2f} of the "
          f"{LIST_BUDGET} s budget); a bare python: {bare:.2f} s")
    for label, answer in (("correct", ANSWER), ("wrong", WRONG)):
        got = min((run(CHECK, answer) for _ in range(3)), key=lambda r: r["seconds"])
        ref = min(run(REFERENCE, answer)["seconds"] for _ in range(3))
        print(f"{label} 20-line answer: {got['seconds']:.2f} s "
              f"({got['seconds'] / BUDGET:.2f} of the {BUDGET:.0f} s budget); "
              f"in-process proof of the same steps (reference): {ref:.2f} s; "
              f"check / reference = {got['seconds'] / ref:.1f}x; verdicts {got['counts']}")


if __name__ == "__main__":
    main()
