"""PDFs of the derivations and the lecture handout, with two engines and one content.

- ``tex``: the derivation's ``.tex`` compiled by a TeX engine on PATH (latexmk,
  pdflatex, lualatex, xelatex or tectonic): amsmath ``align*``, proper fonts.
- ``mathtext``: pure Python; matplotlib's mathtext draws the same steps line by
  line onto A4 pages, so a machine with only ``pip install`` still gets PDFs.

Every PDF is written to a temporary file and renamed, so a failed or
interrupted build never replaces a good PDF. With ``SOURCE_DATE_EPOCH`` set,
both engines give byte-identical files run after run.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.patches import FancyBboxPatch

import derivations as dv
from derivations.core import Derivation
from derivations.document import PREAMBLE, write_atomic, write_sources
from derivations.sgd import algorithm
from figures import FIGURES
from figures.style import BLUE, GREY, metadata, style

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
INSTALL_TEX = ("install one, e.g. on Debian/Ubuntu: apt install texlive-latex-base latexmk; "
               "or use --engine mathtext")

#: the handout: each derivation with the figures that illustrate it, in lecture order
HANDOUT: tuple[tuple[Callable[[], Derivation], tuple[str, ...]], ...] = (
    (dv.sigmoid_derivative, ("sigmoid",)),
    (dv.nll_loss, ("loss",)),
    (dv.logistic_gradient, ("graph",)),
    (dv.adaline_comparison, ("adaline", "nll-vs-mse")),
    (dv.sgd_rule, ("training",)),
    (dv.threshold, ("threshold",)),
    (dv.curvature, ()),
    (dv.l2_penalty, ()),
    (dv.stable_sigmoid, ()),
    (dv.stable_loss, ()),
    (dv.stable_delta, ()),
    (dv.stable_curvature, ()),
)
HANDOUT_TITLE = "Training logistic regression: the derivations"


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


# ----------------------------------------------------------------- TeX --
def _tex_error(log: str) -> str:
    """The TeX error line and the source line it points at, from a log."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            where = next((ln for ln in lines[i:i + 30] if re.match(r"l\.\d+", ln)), "")
            return f"{line} {where}".strip()
    return "no '!' error line in the log; see the log"


def compile_tex(tex: Path, pdf: Path, program: str, label: str) -> Path:
    """Compile ``tex`` with ``program`` into ``pdf`` (atomically).

    On failure the log is kept beside the ``.tex`` and PdfError names the
    derivation, the TeX error line and both paths; the old PDF stays.
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


# ------------------------------------------------------------ mathtext --
A4 = (8.27, 11.69)
MARGIN = 0.75
TEXT_WIDTH = A4[0] - 2 * MARGIN


@dataclass
class _Cursor:
    page: Figure
    y: float  # inches from the bottom of the page to the next free line


class Pages:
    """A4 pages that text, derivation steps, boxes and figures flow onto."""

    def __init__(self, pdf: PdfPages, footer: str) -> None:
        self.pdf = pdf
        self.footer = footer
        self.number = 0
        self.cur: _Cursor | None = None

    # -- pages ------------------------------------------------------------
    def new_page(self) -> None:
        if self.cur is not None:
            self.pdf.savefig(self.cur.page)
        page = Figure(figsize=A4)
        FigureCanvasAgg(page)
        self.number += 1
        page.text(0.5, 0.35 / A4[1], f"{self.footer}  -  {self.number}", ha="center",
                  fontsize=9, color=GREY)
        self.cur = _Cursor(page, A4[1] - MARGIN)

    def finish(self) -> int:
        if self.cur is not None:
            self.pdf.savefig(self.cur.page)
        return self.number

    def _room(self, height: float) -> None:
        if self.cur is None or self.cur.y - height < MARGIN:
            self.new_page()

    def _measure(self, text: str, size: float, **kw: object) -> tuple[float, float]:
        probe = self.cur.page.text(0, 0, text, fontsize=size, **kw)
        box = probe.get_window_extent(self.cur.page.canvas.get_renderer())
        probe.remove()
        return box.width / self.cur.page.dpi, box.height / self.cur.page.dpi

    # -- content ----------------------------------------------------------
    def _wrap(self, text: str, size: float, width: float) -> list[str]:
        words = re.findall(r"\$[^$]*\$[^\s$]*|\S+", text)  # math stays whole
        lines, line = [], ""
        for word in words:
            trial = f"{line} {word}".strip()
            if line and self._measure(trial, size)[0] > width:
                lines.append(line)
                line = word
            else:
                line = trial
        return [*lines, line] if line else lines

    def paragraph(self, text: str, size: float = 11, gap: float = 0.12, x: float = MARGIN,
                  width: float = TEXT_WIDTH, **kw: object) -> None:
        if self.cur is None:
            self.new_page()
        for line in self._wrap(text, size, width):
            h = max(self._measure(line, size, **kw)[1], size / 72 * 1.25)
            self._room(h)
            self.cur.page.text(x / A4[0], self.cur.y / A4[1], line, fontsize=size, va="top",
                               **kw)
            self.cur.y -= h + 0.04
        self.cur.y -= gap

    def heading(self, text: str, size: float = 16) -> None:
        self._room(1.6)  # never a heading alone at the foot of a page
        self.paragraph(text, size=size, gap=0.15, weight="bold", color=BLUE)

    def step(self, math: str, why: str) -> None:
        """One derivation step: the math on the left, its justification on the right."""
        if self.cur is None:
            self.new_page()
        math = math.replace(r"\frac", r"\dfrac")  # display-size fractions, as in align*
        math_width, why_x = 0.6 * TEXT_WIDTH, MARGIN + 0.63 * TEXT_WIDTH
        size = 12.0
        while size > 6 and self._measure(f"${math}$", size)[0] > math_width:
            size -= 0.5
        math_h = self._measure(f"${math}$", size)[1]
        why_lines = self._wrap(why, 9.5, A4[0] - MARGIN - why_x)
        why_h = len(why_lines) * 0.19
        h = max(math_h, why_h) + 0.16
        self._room(h)
        top = self.cur.y / A4[1]
        self.cur.page.text(MARGIN / A4[0] + 0.02, top, f"${math}$", fontsize=size, va="top")
        self.cur.page.text(why_x / A4[0], top, "\n".join(why_lines), fontsize=9.5, va="top",
                           color=GREY, linespacing=1.4)
        self.cur.y -= h

    def derivation(self, d: Derivation) -> None:
        self.heading(d.title)
        if d.intro:
            self.paragraph(d.intro)
        lines = iter(d.lines())  # verifies; each line with every condition it relied on
        for chain in d.chains():
            for _ in chain:
                self.step(*next(lines))
            self.cur.y -= 0.15

    def box(self, title: str, lines: Sequence[str]) -> None:
        """A framed algorithm box."""
        inner = [f"{i}.  {line}" for i, line in enumerate(lines, 1)]
        wrapped = [w for line in inner for w in self._wrap(line, 10.5, TEXT_WIDTH - 0.6)]
        h = 0.45 + 0.24 * len(wrapped)
        self._room(h + 0.2)
        page, y = self.cur.page, self.cur.y
        page.patches.append(FancyBboxPatch(
            (MARGIN / A4[0], (y - h) / A4[1]), TEXT_WIDTH / A4[0], h / A4[1],
            boxstyle="round,pad=0.004", transform=page.transFigure, facecolor="#F2F7FB",
            edgecolor=BLUE, lw=1.2, figure=page))
        page.text((MARGIN + 0.2) / A4[0], (y - 0.12) / A4[1], title, fontsize=11,
                  weight="bold", va="top")
        page.text((MARGIN + 0.3) / A4[0], (y - 0.42) / A4[1], "\n".join(wrapped),
                  fontsize=10.5, va="top", linespacing=1.55)
        self.cur.y -= h + 0.25

    def figure(self, name: str) -> None:
        """Draw a lecture figure into this page as vectors, the width of the text."""
        height = 3.3 * (2 if name == "adaline" else 1)
        self._room(height + 0.1)
        page, top = self.cur.page, self.cur.y
        # subfigures follow a grid's ratios only, so the grid spans the whole page
        grid = GridSpec(3, 3, figure=page, height_ratios=[A4[1] - top, height, top - height],
                        width_ratios=[MARGIN, TEXT_WIDTH, MARGIN], hspace=0, wspace=0)
        with style():
            FIGURES[name](page.add_subfigure(grid[1, 1]))
        self.cur.y -= height + 0.15


def _pdf_bytes(fill: Callable[[Pages], None], footer: str) -> tuple[bytes, int]:
    buf = io.BytesIO()
    with style(), PdfPages(buf, metadata=metadata("pdf")) as pdf:
        pages = Pages(pdf, footer)
        fill(pages)
        count = pages.finish()
    return buf.getvalue(), count


def mathtext_pdf(d: Derivation, pdf: Path) -> Path:
    """One derivation as an A4 PDF drawn by matplotlib's mathtext."""
    data, _ = _pdf_bytes(lambda pages: pages.derivation(d.verify()), d.title)
    return write_atomic(pdf, data)


def _handout_content(pages: Pages) -> None:
    pages.new_page()
    pages.cur.y -= 0.6
    pages.paragraph(HANDOUT_TITLE, size=20, weight="bold", color=BLUE)
    pages.paragraph("Every step below was proven by SymPy; every curve is the function the "
                    "trainer uses. Generated by logreg-lecture.", size=11, color=GREY)
    for build, names in HANDOUT:
        d = build().verify()
        pages.derivation(d)
        if d.name == "sgd-rule":
            pages.box("Algorithm: stochastic gradient descent", algorithm())
        for name in names:
            pages.figure(name)


def mathtext_handout(pdf: Path) -> tuple[Path, int]:
    """The whole lecture: title, every derivation in order, the figures beside them."""
    data, count = _pdf_bytes(_handout_content, HANDOUT_TITLE)
    return write_atomic(pdf, data), count


# ---------------------------------------------------------- TeX handout --
def handout_tex(folder: Path, figure_dir: Path) -> str:
    r"""The handout as LaTeX: ``\input`` of each derivation, figures as vector PDFs."""
    rel = os.path.relpath(figure_dir, folder).replace(os.sep, "/")
    items = "\n".join(r"\item " + line for line in algorithm())
    parts = []
    for build, names in HANDOUT:
        d = build()
        parts.append(rf"\needspace{{0.25\textheight}}\input{{{d.name}}}")
        if d.name == "sgd-rule":
            parts.append("\\par\\medskip\\noindent\\fbox{\\begin{minipage}{0.96\\linewidth}\n"
                         "\\textbf{Algorithm: stochastic gradient descent}\n"
                         f"\\begin{{enumerate}}\n{items}\n\\end{{enumerate}}\n"
                         "\\end{minipage}}\\par\\medskip")
        for name in names:
            height = "0.5\\textheight" if name == "adaline" else "0.3\\textheight"
            parts.append("\\begin{center}\\includegraphics[width=\\linewidth,height="
                         f"{height},keepaspectratio]{{{rel}/{name}.pdf}}\\end{{center}}")
    body = "\n".join(parts)
    return (PREAMBLE.replace(r"\usepackage{amsmath,amssymb}",
                             r"\usepackage{amsmath,amssymb,graphicx}")
            # a page break only where less than #1 is left (the needspace package's idea)
            + "\\newcommand{\\needspace}[1]{\\par\\vskip 0pt plus #1\\penalty-200"
            "\\vskip 0pt plus -#1\\relax}\n"
            + f"\\title{{{HANDOUT_TITLE}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n"
            "Every step below was proven by SymPy; every curve is the function the "
            "trainer uses.\n" + body + "\n\\end{document}\n")


# ---------------------------------------------------------------- build --
def build_pdfs(out: Path, figure_dir: Path, engine: str = "auto",
               progress: Callable[[int, int, str], None] | None = None) -> tuple[str, list[Path]]:
    """Write each derivation's .tex/.md/.pdf and the handout into ``out``.

    ``figure_dir`` must hold the figures as PDFs (for the TeX handout).
    Returns the engine used ("tex (pdflatex)" or "mathtext") and the paths.
    """
    used, program = choose_engine(engine)
    out.mkdir(parents=True, exist_ok=True)
    todo = [build() for build, _ in HANDOUT]
    written: list[Path] = []
    total = len(todo) + 1
    for i, d in enumerate(todo, 1):
        if progress:
            progress(i, total, f"{d.name}: verify, .tex, .md, .pdf ({used})")
        tex, md = write_sources([d], out)  # verifies first
        written += [tex, md]
        pdf = out / f"{d.name}.pdf"
        written.append(compile_tex(tex, pdf, program, d.title) if program
                       else mathtext_pdf(d, pdf))
    if progress:
        progress(total, total, f"handout.pdf ({used})")
    if program:
        tex = write_atomic(out / "handout.tex", handout_tex(out, figure_dir))
        written += [tex, compile_tex(tex, out / "handout.pdf", program, "handout")]
    else:
        written.append(mathtext_handout(out / "handout.pdf")[0])
    return (f"tex ({program})" if program else "mathtext"), written
