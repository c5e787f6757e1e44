"""How long ``logreg build`` takes with each engine, against the issue's budgets.

Each build (every output, the notebook written clean: running it is a test) runs in a
fresh process into an empty folder, as a user would run it
(``SOURCE_DATE_EPOCH`` set). The reference, measured in the same run, is proving
every derivation of the manifest in a fresh process: a build cannot be faster than
that, and the ratio says what writing every output costs on top of the proofs.

    python bench/bench_build.py            # both engines (TeX only when on PATH)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

BUDGETS = {"tex": 40.0, "mathtext": 60.0}  # seconds, the whole build, 2-core machine
PROVE = ("import derivations as dv\n"
         "for d in dv.all_derivations(): d.verify()\n")


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "MPLBACKEND": "Agg"}
    reference = timed([sys.executable, "-c", PROVE], env)
    print(f"reference: prove every derivation of the manifest  {reference:6.1f} s")
    engines = ["tex", "mathtext"] if shutil.which("pdflatex") else ["mathtext"]
    failed = False
    for engine in engines:
        with tempfile.TemporaryDirectory() as out:
            seconds = timed([sys.executable, "-m", "logreg.cli", "build", "--out", out,
                             "--engine", engine], env)
        ok = seconds < BUDGETS[engine]
        failed |= not ok
        print(f"logreg build --engine {engine:8s}  {seconds:6.1f} s  "
              f"({seconds / reference:4.1f}x the proofs; budget {BUDGETS[engine]:.0f} s: "
              f"{'ok' if ok else 'OVER'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
