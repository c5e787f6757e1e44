"""``<name>.pdf`` per derivation, with the build's engine: TeX, or mathtext on A4 pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from derivations.engine import Derivation
from derivations.lecture import Lecture
from figures.outputs.base import Context, Output
from figures.outputs.files import write_atomic
from figures.outputs.latex import write_tex
from figures.outputs.pages import pdf_bytes


def mathtext_pdf(d: Derivation, pdf: Path) -> Path:
    """One derivation as an A4 PDF drawn by matplotlib's mathtext."""
    d.verify()
    return write_atomic(pdf, pdf_bytes(lambda pages: pages.derivation(d), d.title))


class PdfOutput(Output):
    """``<name>.pdf`` per derivation (its ``.tex`` compiled, or drawn with mathtext)."""

    name: ClassVar[str] = "pdf"
    folder: ClassVar[str] = "derivations"
    uses_engine: ClassVar[bool] = True

    def describe(self, lecture: Lecture, ctx: Context) -> str:
        return f"{len(lecture.sections)} derivations as .pdf"

    def write(self, lecture: Lecture, ctx: Context) -> list[Path]:
        folder = ctx.folder(self)
        written = []
        for section in lecture:
            d = section.derivation()
            pdf = folder / f"{d.name}.pdf"
            if ctx.engine == "tex":
                tex = write_tex(d, folder)
                written += [tex, ctx.compile(tex, pdf, d.title)]
            else:
                ctx.run(_mathtext_pdf_of, section.derivation, pdf)
                written.append(pdf)
        return written


def _mathtext_pdf_of(make: Callable[[], Derivation], pdf: Path) -> Path:
    return mathtext_pdf(make(), pdf)
