"""The figures as files: atomically, headless, byte-identical on every run.

(The build's figures output, :class:`~figures.outputs.lecture_figures.FiguresOutput`,
writes them with :func:`write_figures`; so does a build's ``Context.figure_pdf``.)
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from derivations.lecture import Lecture
from figures import FIGURES
from figures.outputs.files import write_atomic
from figures.style import metadata, style

FORMATS = ("png", "pdf", "svg")


def figure_bytes(draw: Callable, fmt: str = "png", dpi: int | None = None,
                 size: str = "default", usetex: bool = False) -> bytes:
    """Draw one figure in the house style and return the file's bytes."""
    with style(size, usetex):
        fig = draw(Figure())
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata(fmt))
    return buf.getvalue()


def check_request(formats: Iterable[str], only: Sequence[str] | None, dpi: int | None,
                  usetex: bool = False) -> None:
    """Raise ValueError naming what is wrong and what is accepted."""
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    for name in only or ():
        if name not in FIGURES:
            raise ValueError(f"unknown figure {name!r}; choose from {', '.join(FIGURES)}")
    if dpi is not None and not (isinstance(dpi, int) and 10 <= dpi <= 1200):
        raise ValueError(f"--dpi must be a whole number from 10 to 1200, got {dpi!r}")
    if usetex and not (shutil.which("latex") and shutil.which("dvipng")):
        raise ValueError("--usetex needs latex and dvipng on PATH (Debian: apt install "
                         "texlive-latex-extra cm-super dvipng); drop --usetex to use mathtext")


def write_figures(out: Path | str, formats: Sequence[str] = ("png",),
                  only: Sequence[str] | None = None, dpi: int | None = None,
                  size: str = "default", usetex: bool = False,
                  progress: Callable[[int, int, str], None] | None = None) -> list[Path]:
    """Write each requested figure as ``<name>.<fmt>`` into ``out``; return the paths."""
    check_request(formats, only, dpi, usetex)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = list(only) if only else list(FIGURES)
    jobs = [(n, f) for n in names for f in formats]
    written = []
    for i, (name, fmt) in enumerate(jobs, 1):
        if progress:
            progress(i, len(jobs), f"figure {name}.{fmt}")
        data = figure_bytes(FIGURES[name], fmt, dpi, size, usetex)
        written.append(write_atomic(out / f"{name}.{fmt}", data))
    return written


def check_lecture(lecture: Lecture) -> None:
    """ValueError if a section names a figure that ``figures.FIGURES`` does not draw."""
    for section in lecture:
        for name in section.figures:
            if name not in FIGURES:
                raise ValueError(f"section {section.name!r} names figure {name!r}; "
                                 f"figures are: {', '.join(FIGURES)}")
