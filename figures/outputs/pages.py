"""The mathtext engine's page layout: text, derivation steps, boxes and figures flow
onto pages drawn by matplotlib, so a machine without TeX still gets every PDF.

Pages have a :class:`Geometry` (A4 for the handout, Beamer's 16:9 for slides).
Measuring text is what this engine spends its time on, so measurements are cached.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.patches import FancyBboxPatch

from derivations.engine import Derivation
from derivations.lecture import Algorithm
from figures import FIGURES, natural_size
from figures.style import BLUE, GREY, SIZES, metadata, style


@dataclass(frozen=True)
class Geometry:
    """A page: its size and margins in inches."""

    width: float
    height: float
    margin: float

    @property
    def text_width(self) -> float:
        return self.width - 2 * self.margin


A4 = Geometry(8.27, 11.69, 0.75)


@cache
def measure(text: str, size: float, weight: str = "normal") -> tuple[float, float]:
    """(width, height) in inches of ``text`` (mathtext allowed) at ``size`` points."""
    page = _scratch()
    probe = page.text(0, 0, text, fontsize=size, weight=weight)
    box = probe.get_window_extent(page.canvas.get_renderer())
    probe.remove()
    return box.width / page.dpi, box.height / page.dpi


@cache
def _scratch() -> Figure:
    page = Figure(figsize=(8, 8), dpi=72)
    FigureCanvasAgg(page)
    return page


def math_pieces(word: str) -> list[str]:
    r"""``$math$`` split after its top-level ``=``, ``+`` and ``-``, as TeX breaks inline math.

    >>> math_pieces(r"$L = - y \log{\left(a \right)} - \left(1 - y\right)$;")
    ['$L =$', '$- y \\log{\\left(a \\right)} -$', '$\\left(1 - y\\right)$;']
    """
    head, _, tail = word[1:].partition("$")
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(head):
        if head.startswith(r"\left", i) or head[i] == "{":
            depth += 1
        elif head.startswith(r"\right", i) or head[i] == "}":
            depth -= 1
        elif depth == 0 and head[i - 1:i + 2] in (" = ", " + ", " - ") and head[start:i].strip():
            pieces.append(head[start:i + 1].strip())
            start = i + 1
        i += 1
    pieces.append(head[start:].strip())
    out = [f"${p}$" for p in pieces if p]
    out[-1] += tail
    return out


#: how far an estimated line width (its words' widths added up) may be from the measured
#: one before the estimate is trusted to decide a break without measuring the line
ESTIMATE_SLACK = 0.15


def wrap(text: str, size: float, width: float, weight: str = "normal") -> list[str]:
    """``text`` broken into lines no wider than ``width`` inches; ``$math$`` is broken
    only after a top-level relation or operator, and only when it does not fit whole.

    Greedy: each line takes as many words as fit (at least one). Measuring a line
    parses all its math, so candidate lines are first sized by adding up their words'
    (cached) widths, and only lines whose estimate is within ESTIMATE_SLACK of
    ``width`` are measured; every line found is then measured. A text whose words
    would not size alike on their own (a lone ``$`` turns a line into math or out of
    it) is wrapped by measuring every candidate line.
    """
    words = _words(text, size, width, weight)
    if any(w.replace(r"\$", "").count("$") not in (0, 2) or r"\$" in w for w in words):
        return _greedy(words, size, width, weight)
    space = measure("a b", size, weight)[0] - measure("ab", size, weight)[0]

    def fits(line: list[str]) -> bool:
        estimate = sum(measure(w, size, weight)[0] for w in line) + space * (len(line) - 1)
        if abs(estimate - width) > ESTIMATE_SLACK * width:
            return estimate < width
        return measure(" ".join(line), size, weight)[0] <= width

    lines, start = [], 0
    while start < len(words):
        stop = start + 1  # the longest run of words from ``start`` that fits
        while stop < len(words) and fits(words[start:stop + 1]):
            stop += 1
        lines.append(" ".join(words[start:stop]))
        start = stop
    if any(" " in line and measure(line, size, weight)[0] > width for line in lines):
        return _greedy(words, size, width, weight)  # an estimate was off by the slack
    return lines


def _words(text: str, size: float, width: float, weight: str) -> list[str]:
    """The words of ``text``, with ``$math$`` too wide for a line cut into pieces."""
    words = []
    for word in re.findall(r"\$[^$]*\$[^\s$]*|\S+", text):
        fits = not word.startswith("$") or measure(word, size, weight)[0] <= width
        words += [word] if fits else math_pieces(word)
    return words


def _greedy(words: list[str], size: float, width: float, weight: str) -> list[str]:
    """Lines of ``words``, each as long as fits, measuring every candidate line."""
    lines, line = [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and measure(trial, size, weight)[0] > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def _wrap_measuring_every_line(text: str, size: float, width: float,
                               weight: str = "normal") -> list[str]:
    """:func:`wrap` measuring every candidate line (slow; the tests compare the two)."""
    return _greedy(_words(text, size, width, weight), size, width, weight)


def display(math: str) -> str:
    r"""A step's math at display size, as ``align*`` sets it (``\dfrac``)."""
    return math.replace(r"\frac", r"\dfrac")


class Pages:
    """Pages that text, derivation steps, boxes and figures flow onto, top to bottom."""

    def __init__(self, pdf: PdfPages, footer: str, geometry: Geometry = A4) -> None:
        self.pdf = pdf
        self.footer = footer
        self.g = geometry
        self.number = 0
        self.page: Figure | None = None
        self.y = 0.0  # inches from the bottom of the page to the next free line

    # -- pages ------------------------------------------------------------
    def new_page(self) -> None:
        if self.page is not None:
            self.pdf.savefig(self.page)
        self.page = Figure(figsize=(self.g.width, self.g.height))
        FigureCanvasAgg(self.page)
        self.number += 1
        self.page.text(0.5, 0.35 / self.g.height, f"{self.footer}  -  {self.number}",
                       ha="center", fontsize=9, color=GREY)
        self.y = self.g.height - self.g.margin

    def finish(self) -> int:
        if self.page is not None:
            self.pdf.savefig(self.page)
        return self.number

    def _room(self, height: float) -> None:
        if self.page is None or self.y - height < self.g.margin:
            self.new_page()

    def text_at(self, x: float, y: float, text: str, **kw: object) -> None:
        """Text with its top-left corner ``x``, ``y`` inches from the bottom-left."""
        self.page.text(x / self.g.width, y / self.g.height, text, va="top", **kw)

    # -- content ----------------------------------------------------------
    def paragraph(self, text: str, size: float = 11, gap: float = 0.12,
                  weight: str = "normal", color: str = "black") -> None:
        if self.page is None:
            self.new_page()
        for line in wrap(text, size, self.g.text_width, weight):
            h = max(measure(line, size, weight)[1], size / 72 * 1.25)
            self._room(h)
            self.text_at(self.g.margin, self.y, line, fontsize=size, weight=weight, color=color)
            self.y -= h + 0.04
        self.y -= gap

    def heading(self, text: str, size: float = 16) -> None:
        self._room(1.6)  # never a heading alone at the foot of a page
        self.paragraph(text, size=size, gap=0.15, weight="bold", color=BLUE)

    def step(self, math: str, note: str) -> None:
        """One derivation step: the math on the left, its justification on the right."""
        if self.page is None:
            self.new_page()
        math = display(math)
        math_width = 0.6 * self.g.text_width
        why_x = self.g.margin + 0.63 * self.g.text_width
        size = 12.0
        while size > 6 and measure(f"${math}$", size)[0] > math_width:
            size -= 0.5
        math_h = measure(f"${math}$", size)[1]
        why_lines = wrap(note, 9.5, self.g.width - self.g.margin - why_x)
        h = max(math_h, len(why_lines) * 0.19) + 0.16
        self._room(h)
        self.text_at(self.g.margin + 0.02, self.y, f"${math}$", fontsize=size)
        self.text_at(why_x, self.y, "\n".join(why_lines), fontsize=9.5, color=GREY,
                 linespacing=1.4)
        self.y -= h

    def derivation(self, d: Derivation) -> None:
        self.heading(d.title)
        if d.intro:
            self.paragraph(d.intro)
        lines = iter(d.lines())  # verifies; each line with every condition it relied on
        for chain in d.chains():
            for _ in chain:
                self.step(*next(lines))
            self.y -= 0.15

    def box(self, algorithm: Algorithm) -> None:
        """A framed, numbered algorithm box."""
        inner = [f"{i}.  {line}" for i, line in enumerate(algorithm.lines(), 1)]
        wrapped = [w for line in inner for w in wrap(line, 10.5, self.g.text_width - 0.6)]
        h = 0.45 + 0.24 * len(wrapped)
        self._room(h + 0.2)
        m, y = self.g.margin, self.y
        self.page.patches.append(FancyBboxPatch(
            (m / self.g.width, (y - h) / self.g.height), self.g.text_width / self.g.width,
            h / self.g.height, boxstyle="round,pad=0.004", transform=self.page.transFigure,
            facecolor="#F2F7FB", edgecolor=BLUE, lw=1.2, figure=self.page))
        self.text_at(m + 0.2, y - 0.12, algorithm.title, fontsize=11, weight="bold")
        self.text_at(m + 0.3, y - 0.42, "\n".join(wrapped), fontsize=10.5, linespacing=1.55)
        self.y -= h + 0.25

    def figure(self, name: str, width: float | None = None, height: float | None = None) -> None:
        """Draw a lecture figure here as vectors: the text width, or what fits in ``height``."""
        nat_w, nat_h = natural_size(name)
        width = width or self.g.text_width
        h = nat_h * width / nat_w
        if height is not None and h > height:
            width, h = width * height / h, height
        self._room(h + 0.1)
        left = self.g.margin + (self.g.text_width - width) / 2
        top = self.y
        # subfigures follow a grid's ratios only, so the grid spans the whole page
        grid = GridSpec(3, 3, figure=self.page, height_ratios=[self.g.height - top, h, top - h],
                        width_ratios=[left, width, self.g.width - left - width],
                        hspace=0, wspace=0)
        with style(SIZES["default"].shrunk(width) if width < nat_w else "default"):
            FIGURES[name](self.page.add_subfigure(grid[1, 1]))  # fonts shrink with it
        self.y -= h + 0.15


def pdf_bytes(fill: Callable[[Pages], None], footer: str, geometry: Geometry = A4) -> bytes:
    """The bytes of a PDF whose pages ``fill`` draws (deterministic metadata)."""
    buf = io.BytesIO()
    with style(), PdfPages(buf, metadata=metadata("pdf")) as pdf:
        pages = Pages(pdf, footer, geometry)
        fill(pages)
        pages.finish()
    return buf.getvalue()


__all__ = ["A4", "Geometry", "Pages", "display", "measure", "pdf_bytes", "wrap"]
