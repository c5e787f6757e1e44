r"""Lecture slides: a 16:9 deck whose derivation steps appear one at a time.

The deck is planned once from the manifest (:func:`deck`): an opening frame,
each derivation chain on frames of its own (split where a frame is full, never
shrunk), the algorithm boxes, the figures, and a summary of the key results.
Two engines draw the same plan on Beamer's 16:9 page (160 mm × 90 mm, 11 pt):

- TeX: ``slides.tex`` with one ``frames/<slug>.tex`` per frame (each can be
  ``\input`` into an instructor's own Beamer deck); overlays ``\uncover<k->``
  reveal each step with its justification;
- mathtext: the same frames drawn by matplotlib, one PDF page per reveal state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import ClassVar

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties

from derivations.core import Derivation
from derivations.lecture import Lecture, Section
from derivations.printing import (
    escape_text,
    note_text,
    shown_text,
    step_parts,
    tex,
    verbatim_latex,
)
from figures.outputs.base import Context, Output
from figures.outputs.engines import compile_tex
from figures.outputs.files import write_atomic
from figures.outputs.pages import Geometry, Pages, display, pdf_bytes, wrap
from figures.style import BLUE, GREY

SLIDE = Geometry(160 / 25.4, 90 / 25.4, 0.4)  # Beamer's 16:9 page; 1 cm side margins
BODY, NOTE, TITLE = 11.0, 10.0, 14.4          # pt: text and math, notes (\small), titles
TOP = SLIDE.height - 0.62                     # inches from the bottom: content starts here
HEIGHT = 2.6                                  # inches of content a frame may hold
GAP = 0.25                                    # inches between the math and its note
ROW_GAP = 0.1                                 # inches between rows
LINE = NOTE / 72 * 1.3                        # a note line's height


@dataclass(frozen=True)
class Row:
    """One step on a frame: math either side of its sign, the note, when it appears."""

    left: str
    right: str
    note: str
    reveal: int = 1


@dataclass(frozen=True)
class Frame:
    """One frame of the deck; ``slug`` names its ``frames/<slug>.tex``."""

    slug: str
    title: str
    intro: str = ""
    rows: tuple[Row, ...] = ()
    figure: str | None = None
    items: tuple[str, ...] = ()   # an algorithm box's lines, or the title frame's
    title_page: bool = False

    @property
    def reveals(self) -> int:
        """How many reveal states (overlays) the frame has."""
        return max((r.reveal for r in self.rows), default=1)


# ------------------------------------------------------------ measuring --
@cache
def _math(text: str) -> tuple[float, float, float]:
    """(width, height above baseline, depth) in inches of display math at the body size."""
    if not text:
        return 0.0, 0.0, 0.0
    renderer = RendererAgg(10, 10, 72)
    w, h, d = renderer.get_text_width_height_descent(f"${display(text)}$",
                                                     FontProperties(size=BODY), ismath=True)
    return w / 72, (h - d) / 72, d / 72


def _columns(rows: tuple[Row, ...]) -> tuple[float, float]:
    """(left width, note x offset) for rows aligned at their relation signs."""
    lw = max((_math(r.left)[0] for r in rows), default=0.0)
    rw = max((_math(r.right)[0] for r in rows), default=0.0)
    return lw, lw + rw + GAP


def _note_lines(row: Row, width: float) -> list[str]:
    return wrap(row.note, NOTE, width)


def _row_height(row: Row, note_width: float) -> float:
    ascent = max(_math(row.left)[1], _math(row.right)[1], NOTE / 72)
    depth = max(_math(row.left)[2], _math(row.right)[2])
    return max(ascent + depth, len(_note_lines(row, note_width)) * LINE) + ROW_GAP


def _intro_lines(intro: str) -> list[str]:
    return wrap(intro, BODY, SLIDE.text_width) if intro else []


def _intro_height(intro: str) -> float:
    return len(_intro_lines(intro)) * BODY / 72 * 1.3 + (0.12 if intro else 0)


# ------------------------------------------------------------- planning --
def _rows(d: Derivation, chain: list) -> list[Row]:
    rows = []
    for k, step in enumerate(chain, 1):
        left, right = step_parts(step)
        rows.append(Row(left, right, note_text(d, step), k))
    return rows


def _split(rows: list[Row], budget_first: float) -> list[tuple[Row, ...]]:
    """Rows packed into frames of at most HEIGHT; a continuation repeats the last row."""
    note_width = SLIDE.text_width - _columns(tuple(rows))[1]
    frames: list[list[Row]] = [[]]
    used, budget = 0.0, budget_first
    for row in rows:
        h = _row_height(row, note_width)
        if frames[-1] and used + h > budget:
            carried = replace(frames[-1][-1], reveal=1)
            frames.append([carried])
            used, budget = _row_height(carried, note_width), HEIGHT
        frames[-1].append(row)
        used += h
    # one reveal per row, counted again on each frame (a carried row shows from the start)
    return [tuple(replace(r, reveal=k) for k, r in enumerate(part, 1)) for part in frames]


def _chain_frames(section: Section) -> Iterator[Frame]:
    d = section.derivation().verify()
    chains = d.chains()
    for c, chain in enumerate(chains):
        name = next((s.name for s in chain if s.name), None) or f"chain{c + 1}"
        intro = d.intro if c == 0 else ""
        parts = _split(_rows(d, chain), HEIGHT - _intro_height(intro))
        for p, rows in enumerate(parts):
            slug = f"{d.name}-{name}" + (f"-{p + 1}" if len(parts) > 1 else "")
            yield Frame(slug, d.title, intro if p == 0 else "", rows)


def _numbered(frames: list[Frame]) -> list[Frame]:
    """A derivation's frames titled "(k/n)" when there are several."""
    n = len(frames)
    return [replace(f, title=f"{f.title} ({k}/{n})") if n > 1 else f
            for k, f in enumerate(frames, 1)]


def _summary(lecture: Lecture) -> list[Frame]:
    rows = []
    for d, name in lecture.key_results():
        left, sign, right, relied = d.key(name)
        note = "; ".join([f"proven in: {d.title}", *(shown_text(i) for i in relied)])
        rows.append(Row(tex(left), f"{sign} {tex(right)}", note, 1))
    if not rows:
        return []
    parts = _split(rows, HEIGHT)
    frames = [Frame("summary" + (f"-{k}" if len(parts) > 1 else ""), "Key results",
                    rows=tuple(replace(r, reveal=1) for r in part))
              for k, part in enumerate(parts, 1)]
    return _numbered(frames)


def deck(lecture: Lecture, ctx: Context | None = None) -> list[Frame]:
    """The frames of the lecture's slides, in order; both engines draw exactly these."""
    info = [x for x in (ctx.author, ctx.course, ctx.date) if x] if ctx else []
    frames = [Frame("title", lecture.title, items=tuple(info), title_page=True)]
    for section in lecture:
        d = section.derivation()
        frames += _numbered(list(_chain_frames(section)))
        if section.algorithm:
            frames.append(Frame(f"{d.name}-algorithm", section.algorithm.title,
                                items=section.algorithm.lines()))
        frames += [Frame(f"{d.name}-figure-{f}", d.title, figure=f) for f in section.figures]
    return frames + _summary(lecture)


# ------------------------------------------------------------------ TeX --
def _rgb(hex_colour: str) -> str:
    """``#0072B2`` as xcolor's ``0,114,178``: frames name no colour a deck must define."""
    return ",".join(str(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5))


def _uncover(k: int, text: str) -> str:
    return text if k <= 1 or not text else rf"\uncover<{k}->{{{text}}}"


def frame_tex(frame: Frame, figure_path: str | None) -> str:
    if frame.title_page:
        return "\\begin{frame}\n\\titlepage\n\\end{frame}\n"
    out = [rf"\begin{{frame}}[t]{{{escape_text(frame.title)}}}"]
    if frame.intro:
        out.append(escape_text(frame.intro))
    if frame.rows:
        note_x = _columns(frame.rows)[1]
        width = f"{SLIDE.text_width - note_x - 0.05:.2f}in"
        rows = []
        for r in frame.rows:
            note = (rf"\parbox[t]{{{width}}}{{\raggedright\small\color[RGB]{{{_rgb(GREY)}}} "
                    rf"{escape_text(r.note)}\strut}}")
            rows.append(f"{_uncover(r.reveal, r.left)} & {_uncover(r.reveal, '{}' + r.right)}"
                        rf" & \hspace{{{GAP}in}} & {_uncover(r.reveal, note)}")
        out += [r"\begin{alignat*}{2}", " \\\\\n".join(rows), r"\end{alignat*}"]
    if frame.items:
        out += [r"\begin{enumerate}", *(r"\item " + escape_text(i) for i in frame.items),
                r"\end{enumerate}"]
    if frame.figure:
        out += [r"\begin{center}",
                r"\includegraphics[width=\linewidth,height=0.8\textheight,keepaspectratio]"
                f"{{{figure_path}}}", r"\end{center}"]
    return "\n".join([*out, r"\end{frame}"]) + "\n"


def slides_tex(lecture: Lecture, ctx: Context, frames: list[Frame]) -> str:
    """The Beamer document: preamble, title details, one ``\\input`` per frame."""
    blue, grey = _rgb(BLUE), _rgb(GREY)
    head = [r"\documentclass[aspectratio=169,11pt]{beamer}",
            r"\usepackage{amsmath,amssymb}",
            r"\setbeamertemplate{navigation symbols}{}",
            rf"\definecolor{{lecture}}{{RGB}}{{{blue}}}",
            rf"\definecolor{{note}}{{RGB}}{{{grey}}}",
            r"\setbeamercolor{frametitle}{fg=lecture}",
            r"\setbeamercolor{title}{fg=lecture}",
            r"\setbeamerfont{frametitle}{series=\bfseries}",
            r"\setbeamertemplate{footline}{\hfill{\usebeamercolor[fg]{note}\scriptsize"
            r"\insertframenumber}\hspace{2em}\vspace{1.2em}}",
            r"\ifdefined\pdftrailerid\pdftrailerid{}\fi",
            rf"\title{{{escape_text(lecture.title)}}}",
            rf"\author{{{verbatim_latex(ctx.author or '')}}}",
            rf"\institute{{{verbatim_latex(ctx.course or '')}}}",
            rf"\date{{{verbatim_latex(ctx.date or '')}}}"]
    body = [rf"\input{{frames/{f.slug}}}" for f in frames]
    return "\n".join([*head, r"\begin{document}", *body, r"\end{document}"]) + "\n"


# ------------------------------------------------------------- mathtext --
def _draw(pages: Pages, frame: Frame, number: int, state: int) -> None:
    """One reveal state of a frame as one page."""
    pages.new_page()
    page, g = pages.page, SLIDE
    page.texts.clear()  # the footer Pages writes is the handout's; slides number frames
    page.text((g.width - 0.3) / g.width, 0.18 / g.height, str(number), ha="right",
              fontsize=7, color=GREY)
    if frame.title_page:
        y = g.height * 0.62
        for line in wrap(frame.title, 20, g.text_width, "bold"):
            pages.text_at(g.width / 2, y, line, fontsize=20, weight="bold", color=BLUE, ha="center")
            y -= 20 / 72 * 1.4
        for item in frame.items:  # plain text from the command line: "$" is not math here
            y -= 0.12
            pages.text_at(g.width / 2, y, item.replace("$", r"\$"), fontsize=BODY,
                          ha="center")
            y -= BODY / 72 * 1.4
        return
    pages.text_at(g.margin, g.height - 0.22, frame.title, fontsize=TITLE, weight="bold",
              color=BLUE)
    y = TOP
    for line in _intro_lines(frame.intro):
        pages.text_at(g.margin, y, line, fontsize=BODY)
        y -= BODY / 72 * 1.3
    y -= 0.12 if frame.intro else 0
    if frame.rows:
        left_w, note_x = _columns(frame.rows)
        note_w = g.text_width - note_x
        for r in frame.rows:
            h = _row_height(r, note_w)
            if r.reveal <= state:
                ascent = max(_math(r.left)[1], _math(r.right)[1], NOTE / 72)
                base = (y - ascent) / g.height
                x = g.margin + left_w
                page.text(x / g.width, base, f"${display(r.left)}$" if r.left else "",
                          fontsize=BODY, ha="right", va="baseline")
                page.text(x / g.width, base, f"${display(r.right)}$", fontsize=BODY,
                          ha="left", va="baseline")
                lines = _note_lines(r, note_w)
                for k, line in enumerate(lines):
                    pages.text_at(g.margin + note_x, y - k * LINE, line, fontsize=NOTE, color=GREY)
            y -= h
    for k, item in enumerate(frame.items, 1):
        for j, line in enumerate(wrap(item, BODY, g.text_width - 0.3)):
            pages.text_at(g.margin + 0.3 * (j > 0), y, f"{k}.  {line}" if j == 0 else line,
                      fontsize=BODY)
            y -= BODY / 72 * 1.5
    if frame.figure:
        pages.y = y - 0.05
        pages.figure(frame.figure, height=pages.y - g.margin - 0.15)


def _mathtext(frames: list[Frame], pages: Pages) -> None:
    for number, frame in enumerate(frames, 1):
        for state in range(1, frame.reveals + 1):
            _draw(pages, frame, number, state)


# --------------------------------------------------------------- output --
class SlidesOutput(Output):
    """``slides.pdf`` (16:9) with ``slides.tex`` and ``frames/<slug>.tex`` beside it."""

    name: ClassVar[str] = "slides"
    folder: ClassVar[str] = "slides"

    def describe(self, lecture: Lecture, ctx: Context) -> str:
        return "slides.tex, frames/*.tex, slides.pdf (16:9)"

    def write(self, lecture: Lecture, ctx: Context) -> list[Path]:
        folder = ctx.folder(self)
        (folder / "frames").mkdir(exist_ok=True)
        frames = deck(lecture, ctx)
        written = []
        for frame in frames:
            path = None
            if frame.figure:
                fig = ctx.figure_pdf(frame.figure)
                path = os.path.relpath(fig, folder).replace(os.sep, "/")
            written.append(write_atomic(folder / "frames" / f"{frame.slug}.tex",
                                        frame_tex(frame, path)))
        for stale in set((folder / "frames").glob("*.tex")) - set(written):
            stale.unlink()  # a frame the deck no longer has
        tex = write_atomic(folder / "slides.tex", slides_tex(lecture, ctx, frames))
        pdf = folder / "slides.pdf"
        if ctx.engine == "tex":
            return [*written, tex, compile_tex(tex, pdf, ctx.program, "slides")]
        data = pdf_bytes(lambda pages: _mathtext(frames, pages), lecture.title, SLIDE)
        return [*written, tex, write_atomic(pdf, data)]
