r"""How much of a 16:9 frame a slide's pieces take, in the engine that draws them.

The planner (:mod:`figures.outputs.slides`) fills frames with steps until the next one
does not fit; it asks a *metrics* object how tall a run of steps or a line of text is:

- :class:`Mathtext`: matplotlib's mathtext metrics, the fonts the mathtext engine draws;
- :class:`Tex`: the boxes the TeX engine draws, each typeset once by the build's TeX
  program in one batch run (:func:`tex_metrics`): every step's two sides, every note at
  each width a frame may give it, every paragraph a frame may open with. The run writes
  each box's width, height and depth to its log; the planner stacks them as ``alignat*``
  does (rows ``\baselineskip + \jot`` apart unless taller). Runs are cached by content.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties

from derivations.engine import escape_text
from figures.outputs.engines import TEX_COMMANDS, PdfError
from figures.outputs.pages import Geometry, display, measure, wrap

SLIDE = Geometry(160 / 25.4, 90 / 25.4, 0.4)  # Beamer's 16:9 page; 1 cm side margins
BODY, TITLE = 11.0, 14.4                      # pt: text, math and notes; titles
TOP = SLIDE.height - 0.62                     # inches from the bottom: content starts here
HEIGHT = 2.7                                  # inches of content a frame may hold
GAP = 0.25                                    # inches between the math and its note
ROW_GAP = 0.06                                # inches between rows
CHAIN_GAP = 0.14                              # inches more above a chain that follows another
LINE = BODY / 72 * 1.3                        # a line of text: notes, intro, the where line
NOTE_COLOUR = "#4D4D4D"                       # notes: grey, but dark enough for the back row
STEP = 0.1                                    # inches: TeX notes start on this grid
PT = 72.27                                    # TeX points per inch


class Step(Protocol):
    left: str
    right: str
    note: str
    chain_start: bool


def rgb(hex_colour: str) -> str:
    """``#0072B2`` as xcolor's ``0,114,178``: frames name no colour a deck must define."""
    return ",".join(str(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5))


def note_box(note: str, offset: str) -> str:
    r"""A step's note as TeX: a top-aligned paragraph ``\linewidth`` minus ``offset`` wide."""
    return (rf"\parbox[t]{{\dimexpr\linewidth-{offset}\relax}}{{\raggedright\leavevmode"
            rf"\color[RGB]{{{rgb(NOTE_COLOUR)}}} {escape_text(note)}\strut}}")


# ------------------------------------------------------------ mathtext --
@cache
def math_size(text: str) -> tuple[float, float, float]:
    """(width, height above baseline, depth) in inches of display math at the body size."""
    if not text:
        return 0.0, 0.0, 0.0
    renderer = RendererAgg(10, 10, 72)
    w, h, d = renderer.get_text_width_height_descent(f"${display(text)}$",
                                                     FontProperties(size=BODY), ismath=True)
    return w / 72, (h - d) / 72, d / 72


def columns(rows: Sequence[Step]) -> tuple[float, float]:
    """(left width, note x offset) for rows aligned at their relation signs (mathtext)."""
    lw = max((math_size(r.left)[0] for r in rows), default=0.0)
    rw = max((math_size(r.right)[0] for r in rows), default=0.0)
    return lw, lw + rw + GAP


def note_lines(row: Step, width: float) -> list[str]:
    return wrap(row.note, BODY, width) if row.note else []


def row_height(row: Step, note_width: float) -> float:
    """The row's own height and the gap below it (a chain's gap above is not counted)."""
    ascent = max(math_size(row.left)[1], math_size(row.right)[1], BODY / 72)
    depth = max(math_size(row.left)[2], math_size(row.right)[2])
    return max(ascent + depth, sum(line_heights(note_lines(row, note_width)))) + ROW_GAP


def text_lines(text: str) -> list[str]:
    return wrap(text, BODY, SLIDE.text_width) if text else []


def line_heights(lines: list[str]) -> list[float]:
    """Each line's height: LINE, or more for a line whose math is taller (a sum's limits)."""
    return [max(LINE, measure(line, BODY)[1]) for line in lines]


class Mathtext:
    """The mathtext engine's measures: what :func:`figures.outputs.slides._draw` draws."""

    def text_height(self, text: str) -> float:
        return sum(line_heights(text_lines(text))) + (0.12 if text else 0)

    def rows_height(self, rows: Sequence[Step]) -> float:
        note_width = SLIDE.text_width - columns(rows)[1]
        return sum(row_height(r, note_width) + CHAIN_GAP * r.chain_start for r in rows)

    def note_offset(self, rows: Sequence[Step]) -> float:
        """Where the notes start, from the left (a TeX frame's note is that much narrower)."""
        return round(columns(rows)[1] + 0.05, 2)


# ------------------------------------------------------------------ TeX --
@dataclass(frozen=True)
class Tex:
    """Boxes measured by TeX (inches): ``math`` (w, h, d) by ``"L"``/``"R"`` + math;
    ``notes``: note -> {offset: (h, d)} below its natural width, with ``"one"`` for one
    line; ``paragraphs``: text -> height; ``skips``: TeX's lengths that stack them."""

    math: dict[str, tuple[float, float, float]]
    notes: dict[str, dict[str, tuple[float, float]]]
    paragraphs: dict[str, float]
    skips: dict[str, float]

    def text_height(self, text: str) -> float:
        """A paragraph and the space to what follows it (a frame's intro or where line);
        one TeX was not given is sized by mathtext, whose lines are taller."""
        if text not in self.paragraphs:
            return Mathtext().text_height(text)
        return self.paragraphs[text] + self.skips["parskip"] if text else 0.0

    def note_offset(self, rows: Sequence[Step]) -> float:
        lw = max((self.math["L" + r.left][0] for r in rows), default=0.0)
        rw = max((self.math["R" + r.right][0] for r in rows), default=0.0)
        return math.ceil((lw + rw + GAP + 0.05) / STEP - 1e-6) * STEP

    def _note(self, note: str, offset: float) -> tuple[float, float]:
        if not note:
            return 0.0, 0.0
        sizes = self.notes[note]
        key = f"{offset:.2f}"
        if key in sizes:
            return sizes[key]
        narrower = [float(k) for k in sizes if k != "one"]
        if narrower and offset > max(narrower):
            return 0.0, 99.0  # narrower than any note is measured at: never fits
        return sizes["one"]

    def rows_height(self, rows: Sequence[Step]) -> float:
        r"""From the first row's top to the last row's bottom, as ``alignat*`` stacks
        rows: baselines ``\baselineskip + \jot`` apart, or ``\lineskip + \jot`` between
        rows too tall for that; a chain that follows another ``CHAIN_GAP`` lower."""
        if not rows:
            return 0.0
        offset, s = self.note_offset(rows), self.skips
        total, depth = 0.0, None
        for r in rows:
            nh, nd = self._note(r.note, offset)
            h = max(self.math["L" + r.left][1], self.math["R" + r.right][1], nh)
            d = max(self.math["L" + r.left][2], self.math["R" + r.right][2], nd)
            if depth is None:
                total = h
            else:
                glue = s["baselineskip"] - depth - h
                glue = glue if glue >= s["lineskiplimit"] else s["lineskip"]
                total += depth + glue + h + CHAIN_GAP * r.chain_start
            depth = d
        return total + depth + s["display"]


_LENGTHS = ("baselineskip", "lineskip", "lineskiplimit", "jot", "linewidth",
            "abovedisplayskip", "abovedisplayshortskip")

_PREAMBLE = r"""\documentclass[aspectratio=169,11pt]{beamer}
\usepackage{amsmath,amssymb}
\def\lgout#1{\immediate\write16{LOGREG:#1}}
\def\lgm#1#2{\setbox0\hbox{#2}\lgout{#1:\the\wd0:\the\ht0:\the\dp0}}
\def\lgp#1#2{\setbox0\vbox{\hsize\linewidth #2\par}\lgout{P#1:\the\ht0:\the\dp0}}
\def\lgn#1#2{\setbox2\hbox{#2}\def\do##1{\ifdim\dimexpr\linewidth-##1in\relax<\wd2
  \ifdim\dimexpr\linewidth-##1in\relax>0.5in
  \setbox0\hbox{\parbox[t]{\dimexpr\linewidth-##1in\relax}{\raggedright\leavevmode #2\strut}}%
  \lgout{N#1:##1:\the\ht0:\the\dp0}\fi\fi}\lgoffsets
  \setbox0\hbox{\parbox[t]{\linewidth}{\raggedright\leavevmode #2\strut}}%
  \lgout{N#1:one:\the\ht0:\the\dp0}}
"""


def _job(maths: list[str], notes: list[str], paragraphs: list[str]) -> str:
    offsets = "".join(rf"\do{{{k * STEP:.2f}}}" for k in range(int(SLIDE.width / STEP)))
    colour = rf"\color[RGB]{{{rgb(NOTE_COLOUR)}}} "
    body = [rf"\def\lgoffsets{{{offsets}}}", r"\begin{document}", r"\begin{frame}",
            *(rf"\lgout{{S{n}:\the\{n}}}" for n in _LENGTHS)]
    body += [rf"\lgm{{M{k}}}{{$\displaystyle {'{}' if m[0] == 'R' else ''}{m[1:]}$}}"
             for k, m in enumerate(maths)]
    body += [rf"\lgn{{{k}}}{{{colour}{escape_text(n)}}}" for k, n in enumerate(notes)]
    body += [rf"\lgp{{{k}}}{{{escape_text(p)}}}" for k, p in enumerate(paragraphs)]
    return "\n".join([_PREAMBLE, *body, r"\end{frame}", r"\end{document}", ""])


_CACHE: dict[str, Tex] = {}


def tex_metrics(rows: Iterable[Step], paragraphs: Iterable[str], program: str) -> Tex:
    """Every step's math and note and every paragraph measured by ``program`` in one run
    (cached by content within the process); raises PdfError when TeX fails."""
    rows = list(rows)
    maths = sorted({"L" + r.left for r in rows} | {"R" + r.right for r in rows})
    notes = sorted({r.note for r in rows if r.note})
    paragraphs = sorted({p for p in paragraphs if p})
    source = _job(maths, notes, paragraphs)
    key = hashlib.sha256(f"{program}\n{source}".encode()).hexdigest()
    if key not in _CACHE:
        _CACHE[key] = _parse(_run(source, program), maths, notes, paragraphs)
    return _CACHE[key]


def measurer(program: str | None) -> str | None:
    """The TeX program that measures for ``program`` (latexmk runs pdflatex), or None
    (tectonic keeps no log: mathtext's larger measures plan its deck)."""
    program = "pdflatex" if program == "latexmk" else program
    return program if program in ("pdflatex", "lualatex", "xelatex") else None


def _run(source: str, program: str) -> str:
    with tempfile.TemporaryDirectory(prefix="logreg-measure-") as tmp:
        Path(tmp, "measure.tex").write_text(source)
        try:
            res = subprocess.run(TEX_COMMANDS[program]("measure.tex", tmp), cwd=tmp,
                                 capture_output=True, text=True, timeout=300,
                                 stdin=subprocess.DEVNULL, env=dict(os.environ))
        except subprocess.TimeoutExpired:
            raise PdfError(f"slides: {program} did not measure the frames in 300 s") from None
        log = Path(tmp, "measure.log")
        text = log.read_text(errors="replace") if log.exists() else res.stdout
        if res.returncode != 0:
            error = next((ln for ln in text.splitlines() if ln.startswith("!")), "")
            raise PdfError(f"slides: {program} failed measuring the frames: {error}")
        return text


def _parse(log: str, maths: list[str], notes: list[str], paragraphs: list[str]) -> Tex:
    inch = {}
    tex = Tex({}, {n: {} for n in notes}, {}, {})
    for line in re.findall(r"^LOGREG:(.*)$", log, re.M):
        kind, _, rest = line.partition(":")
        *words, = rest.split(":")
        values = [float(re.match(r"-?[\d.]+", v)[0]) / PT for v in words if "pt" in v]
        if kind.startswith("S"):
            inch[kind[1:]] = values[0]
        elif kind.startswith("M"):
            tex.math[maths[int(kind[1:])]] = tuple(values)
        elif kind.startswith("N"):
            tex.notes[notes[int(kind[1:])]][words[0]] = tuple(values)
        elif kind.startswith("P"):
            tex.paragraphs[paragraphs[int(kind[1:])]] = sum(values)
    jot = inch["jot"]
    tex.skips.update(baselineskip=inch["baselineskip"] + jot, lineskip=inch["lineskip"] + jot,
                     lineskiplimit=inch["lineskiplimit"] + jot,
                     parskip=inch["baselineskip"] - 0.7 * BODY / PT,
                     display=inch["abovedisplayskip"] - 0.6 * inch["baselineskip"],
                     linewidth=inch["linewidth"])
    missing = len(maths) - len(tex.math) + len(paragraphs) - len(tex.paragraphs)
    if missing or any("one" not in v for v in tex.notes.values()):
        raise PdfError("slides: TeX did not report the size of every box it was given")
    return tex
