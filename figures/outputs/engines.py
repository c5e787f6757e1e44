"""The two PDF engines: a TeX program on PATH, or matplotlib's mathtext (pure Python).

The choice is made once per build (:func:`choose_engine`); TeX sources are
compiled by :func:`compile_tex`, atomically, with a one-line error on failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from figures.outputs.files import write_atomic

ENGINES = ("auto", "tex", "mathtext")
#: TeX engines we can drive, in order of preference: name -> command builder
TEX_COMMANDS: dict[str, Callable[[str, str], list[str]]] = {
    "latexmk": lambda tex, out: ["latexmk", "-pdf", "-interaction=nonstopmode",
                                 "-halt-on-error", f"-outdir={out}", tex],
    "pdflatex": lambda tex, out: ["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                                  f"-output-directory={out}", tex],
    "lualatex": lambda tex, out: ["lualatex", "-interaction=nonstopmode", "-halt-on-error",
                                  f"-output-directory={out}", tex],
    "xelatex": lambda tex, out: ["xelatex", "-interaction=nonstopmode", "-halt-on-error",
                                 f"-output-directory={out}", tex],
    "tectonic": lambda tex, out: ["tectonic", "--outdir", out, tex],
}
INSTALL_TEX = ("install one, e.g. on Debian/Ubuntu: apt install texlive-latex-base "
               "texlive-latex-recommended texlive-pictures latexmk; or use --engine mathtext")


class PdfError(RuntimeError):
    """A PDF could not be made; the message says what, where, and what to do."""


def find_tex() -> str | None:
    """The first TeX engine on PATH, by preference, or None."""
    return next((name for name in TEX_COMMANDS if shutil.which(name)), None)


def choose_engine(requested: str) -> tuple[str, str | None]:
    """(engine, TeX program) for ``auto``, ``tex`` or ``mathtext``."""
    if requested not in ENGINES:
        raise PdfError(f"unknown engine {requested!r}; choose from {', '.join(ENGINES)}")
    program = find_tex() if requested != "mathtext" else None
    if requested == "tex" and program is None:
        raise PdfError(f"--engine tex: no TeX engine ({', '.join(TEX_COMMANDS)}) on PATH; "
                       + INSTALL_TEX)
    return ("tex", program) if program else ("mathtext", None)


def _tex_error(log: str) -> str:
    """The TeX error line and the source line it points at, from a log."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            where = next((ln for ln in lines[i:i + 30] if re.match(r"l\.\d+", ln)), "")
            missing = re.search(r"File `([^']+)' not found", line)
            hint = f" ({INSTALL_TEX})" if missing else ""
            return f"{line} {where}".strip() + hint
    return "no '!' error line in the log; see the log"


def compile_tex(tex: Path, pdf: Path, program: str, label: str) -> Path:
    """Compile ``tex`` with ``program`` into ``pdf`` (atomically).

    On failure the log is kept beside the ``.tex`` and PdfError names the
    document, the TeX error line and both paths; the old PDF stays.
    """
    env = dict(os.environ)
    if "SOURCE_DATE_EPOCH" in env:
        env["FORCE_SOURCE_DATE"] = "1"
    with tempfile.TemporaryDirectory(prefix="logreg-tex-") as tmp:
        cmd = TEX_COMMANDS[program](tex.name, tmp)
        try:
            res = subprocess.run(cmd, cwd=tex.parent, env=env, capture_output=True, text=True,
                                 timeout=300, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{label}: {program} did not finish in 300 s ({tex})") from None
        built = Path(tmp) / (tex.stem + ".pdf")
        log_file = Path(tmp) / (tex.stem + ".log")
        if res.returncode != 0 or not built.exists():
            kept = tex.with_suffix(".log")
            log = log_file.read_text(errors="replace") if log_file.exists() else res.stdout
            write_atomic(kept, log)
            raise PdfError(f"{label}: {program} failed: {_tex_error(log)}\n"
                           f"  source: {tex}\n  log:    {kept}")
        write_atomic(pdf, built.read_bytes())
    tex.with_suffix(".log").unlink(missing_ok=True)  # a stale failure log would mislead
    return pdf
