"""The lecture's figures as an output of the build: PNG for screens, PDF for TeX."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from derivations.lecture import Lecture
from figures.outputs import images
from figures.outputs.base import Context, Output


class FiguresOutput(Output):
    """The lecture's figures as PNG (for screens) and PDF (vectors, for TeX documents)."""

    name: ClassVar[str] = "figures"
    folder: ClassVar[str] = "figures"
    formats: ClassVar[tuple[str, ...]] = ("png", "pdf")

    def describe(self, lecture: Lecture, ctx: Context) -> str:
        return f"{len(lecture.figures())} figures as {', '.join(self.formats)}"

    def write(self, lecture: Lecture, ctx: Context) -> list[Path]:
        folder, names = ctx.root / "figures", lecture.figures()
        ctx.drawing = ctx.submit(images.write_figures, folder, self.formats, names)
        if ctx.drawing is not None:  # a build: drawn beside the proofs (figure_pdf waits)
            return [folder / f"{n}.{f}" for n in names for f in self.formats]
        written = images.write_figures(folder, self.formats, names)
        ctx.figure_pdfs.update({p.stem: p for p in written if p.suffix == ".pdf"})
        return written
