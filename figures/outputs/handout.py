r"""The handout: the whole lecture on A4, each derivation with its figures and boxes.

With TeX it is ``handout.tex`` (``\input`` of each derivation's ``.tex``, the
figures as vector PDFs); with mathtext the same sections flow onto A4 pages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from derivations.engine import escape_text
from derivations.lecture import Algorithm, Lecture
from figures import natural_size
from figures.outputs.base import Context, Output
from figures.outputs.files import write_atomic
from figures.outputs.latex import ARTICLE_PACKAGES, preamble, write_tex
from figures.outputs.pages import Pages, pdf_bytes
from figures.style import BLUE, GREY

#: a page break only where less than #1 is left (the needspace package's idea)
NEEDSPACE = (r"\newcommand{\needspace}[1]{\par\vskip 0pt plus #1\penalty-200"
             r"\vskip 0pt plus -#1\relax}")


def algorithm_tex(box: Algorithm) -> str:
    r"""An algorithm box as a framed ``enumerate``."""
    items = "\n".join(r"\item " + escape_text(line) for line in box.lines())
    return ("\\par\\medskip\\noindent\\fbox{\\begin{minipage}{0.96\\linewidth}\n"
            f"\\textbf{{{escape_text(box.title)}}}\n\\begin{{enumerate}}\n{items}\n\\end{{enumerate}}\n"
            "\\end{minipage}}\\par\\medskip")


def handout_tex(lecture: Lecture, folder: Path, ctx: Context) -> str:
    r"""The handout as LaTeX: ``\input`` of each derivation, figures as vector PDFs."""
    parts = []
    for section in lecture:
        d = section.derivation().verify()
        write_tex(d, folder)
        parts.append(rf"\needspace{{0.25\textheight}}\input{{{d.name}}}")
        if section.algorithm:
            parts.append(algorithm_tex(section.algorithm))
        for name in section.figures:
            rel = os.path.relpath(ctx.figure_pdf(name), folder).replace(os.sep, "/")
            width, height = natural_size(name)
            share = min(0.6, 0.6 * height / width)  # of the text height
            parts.append("\\begin{center}\\includegraphics[width=\\linewidth,height="
                         f"{share:.2f}\\textheight,keepaspectratio]{{{rel}}}\\end{{center}}")
    head = preamble(packages=(*ARTICLE_PACKAGES, "graphicx"))
    return (head + NEEDSPACE + "\n" + f"\\title{{{escape_text(lecture.title)}}}\n\\date{{}}\n"
            "\\begin{document}\n\\maketitle\n" + escape_text(lecture.intro) + "\n"
            + "\n".join(parts)
            + "\n\\end{document}\n")


def _mathtext(lecture: Lecture, pages: Pages) -> None:
    pages.new_page()
    pages.y -= 0.6
    pages.paragraph(lecture.title, size=20, weight="bold", color=BLUE)
    pages.paragraph(lecture.intro, size=11, color=GREY)
    for section in lecture:
        pages.derivation(section.derivation().verify())
        if section.algorithm:
            pages.box(section.algorithm)
        for name in section.figures:
            pages.figure(name)


class HandoutOutput(Output):
    """``handout.pdf``: every section in order with its algorithm box and figures."""

    name: ClassVar[str] = "handout"
    folder: ClassVar[str] = "derivations"
    uses_engine: ClassVar[bool] = True

    def describe(self, lecture: Lecture, ctx: Context) -> str:
        return f"handout.pdf ({len(lecture.sections)} sections, {len(lecture.figures())} figures)"

    def write(self, lecture: Lecture, ctx: Context) -> list[Path]:
        folder = ctx.folder(self)
        pdf = folder / "handout.pdf"
        if ctx.engine == "tex":
            tex = write_atomic(folder / "handout.tex", handout_tex(lecture, folder, ctx))
            return [tex, ctx.compile(tex, pdf, "handout")]
        ctx.run(_mathtext_handout, lecture, pdf)
        return [pdf]


def _mathtext_handout(lecture: Lecture, pdf: Path) -> Path:
    return write_atomic(pdf, pdf_bytes(lambda p: _mathtext(lecture, p), lecture.title))
