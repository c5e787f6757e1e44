r"""The lecture as a static web site: native MathML, no scripts, opens from ``file://``.

``index.html`` lists the manifest's sections in order; each derivation has a page
whose steps are anchored (``logistic-gradient.html#logistic-gradient-step-3``) and
show their relation sign, justification and conditions, and whose figures are SVG.
The math is the LaTeX the project's printer makes from the proven SymPy objects,
converted to MathML by ``latex2mathml`` and tidied by the small, named
transformations below; each formula keeps its LaTeX as an annotation to copy.
"""

from __future__ import annotations

import html
import inspect
import re
from pathlib import Path
from typing import ClassVar

from latex2mathml.converter import convert

from derivations.core import Derivation
from derivations.lecture import Lecture, Section
from derivations.printing import note_text, step_parts
from figures import FIGURES, natural_size
from figures.outputs.base import Context, Output
from figures.outputs.files import write_atomic
from figures.outputs.images import write_figures

# ---------------------------------------------------------------- MathML --
_LETTERS = re.compile(r"<mo />((?:<mrow>)?(?:<m[in](?: [^>]*)?>[A-Za-z0-9]</m[in]>){2,}"
                      r"(?:</mrow>)?)")


def operator_names(mathml: str) -> str:
    r"""``\operatorname{log1p}`` as one identifier, not five letters.

    >>> operator_names("<mo /><mrow><mi>l</mi><mi>o</mi><mi>g</mi><mn>1</mn><mi>p</mi></mrow>")
    '<mi>log1p</mi>'
    """
    def join(match: re.Match) -> str:
        name = "".join(re.findall(r">([A-Za-z0-9])<", match.group(1)))
        return f"<mi>{name}</mi>"
    return _LETTERS.sub(join, mathml)


_FENCE = re.compile(r'<mo stretchy="true" fence="true" form="(prefix|postfix)"')
_TALL = ("<mfrac", "<munder", "<mover", "<msubsup", "<mtable")


def flat_fences(mathml: str) -> str:
    r"""Brackets around nothing taller than a line at their natural size, as TeX does.

    Chromium sets a stretchy bracket from a larger glyph, with wide side bearings.

    >>> flat_fences('<mo stretchy="true" fence="true" form="prefix">(</mo><mi>a</mi>'
    ...             '<mo stretchy="true" fence="true" form="postfix">)</mo>').count("false")
    2
    """
    out, opened = list(mathml), []
    for m in _FENCE.finditer(mathml):
        if m.group(1) == "prefix":
            opened.append(m)
        elif opened:
            start = opened.pop()
            if not any(tag in mathml[start.end():m.start()] for tag in _TALL):
                for fence in (start, m):
                    at = fence.start() + len('<mo stretchy="')
                    out[at:at + 4] = ["false", "", "", ""]
    return "".join(out)


def tight_fences(mathml: str) -> str:
    r"""``\left( … \right)`` with no operator spacing inside the brackets, as TeX sets them.

    >>> tight_fences('<mo stretchy="true" fence="true" form="prefix">(</mo>')
    '<mo stretchy="true" fence="true" form="prefix" lspace="0" rspace="0">(</mo>'
    """
    return re.sub(r'(<mo [^>]*fence="true"[^>]*)>', r'\1 lspace="0" rspace="0">', mathml)


def annotated(mathml: str, latex: str) -> str:
    """The formula inside ``<semantics>`` with its LaTeX source as an annotation."""
    head, _, rest = mathml.partition(">")
    body = rest.rsplit("</math>", 1)[0]
    source = html.escape(latex, quote=False)
    return (f"{head}><semantics><mrow>{body}</mrow>"
            f'<annotation encoding="application/x-tex">{source}</annotation>'
            "</semantics></math>")


def displayed(mathml: str) -> str:
    """Fractions and limits at display size, as in the lecture's ``align*``."""
    return mathml.replace('display="inline"', 'display="inline" displaystyle="true"', 1)


def mathml(latex: str, display: bool = False) -> str:
    r"""One formula as MathML Core: converted, operator names joined, LaTeX annotated.

    >>> print(mathml("a - y"))  # doctest: +ELLIPSIS
    <math ...><semantics>...<mi>y</mi>...<annotation ...>a - y</annotation>...
    """
    out = tight_fences(flat_fences(operator_names(convert(latex))))
    return annotated(displayed(out) if display else out, latex)


def prose(text: str) -> str:
    """Text with ``$math$`` as HTML: the words escaped, each formula as inline MathML."""
    parts = text.split("$")
    if len(parts) % 2 == 0:  # an odd number of $: none of it is math
        return html.escape(text, quote=False)
    out = [html.escape(parts[0], quote=False)]
    for formula, words in zip(parts[1::2], parts[2::2], strict=True):
        stuck = re.match(r"[,;:.)]+", words)  # punctuation never starts a line
        glued = stuck.group(0) if stuck else ""
        out.append(f'<span class="nobr">{mathml(formula)}{glued}</span>' if glued
                   else mathml(formula))
        out.append(html.escape(words[len(glued):], quote=False))
    return "".join(out)


# ----------------------------------------------------------------- pages --
CSS = """\
:root { color-scheme: light dark; --ink: #1b1b1b; --paper: #fdfdfc; --muted: #5a5a5a;
  --accent: #0072b2; --rule: #d9d9d9; --box: #f2f7fb; }
@media (prefers-color-scheme: dark) {
  :root { --ink: #e8e8e6; --paper: #161718; --muted: #a9a9a9; --accent: #56b4e9;
    --rule: #3a3a3a; --box: #1f2a33; }
  figure img { background: #ffffff; }  /* the figures are drawn for white paper */
}
* { box-sizing: border-box; }
html { font-size: 112.5%; -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 48rem; padding: 1rem 1.1rem 3rem; line-height: 1.55;
  color: var(--ink); background: var(--paper);
  font-family: "Latin Modern Roman", "STIX Two Text", Georgia, "DejaVu Serif", serif; }
math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", math; }
h1, h2, h3 { color: var(--accent); line-height: 1.25; }
a { color: var(--accent); }
nav.crumbs { font-size: 0.9rem; display: flex; justify-content: space-between; gap: 1rem; }
.chain { display: grid; grid-template-columns: max-content minmax(0, max-content) minmax(9rem, 1fr);
  column-gap: 0.4rem; row-gap: 0.5rem; align-items: baseline; margin: 1.2rem 0;
  padding: 0.6rem 0; border-top: 1px solid var(--rule); }
.step { display: contents; }
.lhs { text-align: right; }
.lhs, .rhs { overflow-x: auto; overflow-y: hidden; min-width: 0; padding: 0.15rem 0; }
.note { color: var(--muted); font-size: 0.85rem; margin: 0; padding-left: 0.8rem;
  min-width: 0; overflow-wrap: anywhere; }
.note .num { text-decoration: none; margin-right: 0.3rem; }
.nobr { white-space: nowrap; }
.step:target > * { background: var(--box); }
.box { background: var(--box); border: 1px solid var(--accent); border-radius: 0.4rem;
  padding: 0.5rem 1rem; overflow-x: auto; }
figure { margin: 1.5rem 0; }
figure img { width: 100%; height: auto; border-radius: 0.3rem; }
figcaption { color: var(--muted); font-size: 0.85rem; }
ol.contents li { margin: 0.3rem 0; }
@media (max-width: 40rem) {
  .chain { grid-template-columns: minmax(0, 1fr); row-gap: 0.1rem; }
  .lhs { text-align: left; }
  .note { padding-left: 0; margin-bottom: 0.6rem; }
}
@media print {
  :root { --ink: #000; --paper: #fff; --muted: #333; }
  body { max-width: none; font-size: 10.5pt; }
  nav.crumbs { display: none; }
  .lhs, .rhs, .box { overflow: visible; }
  .chain, figure { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _page(title: str, body: str, lecture: Lecture) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n"
            "<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n"
            f"{body}\n<footer><p class=\"note\">{html.escape(lecture.title)}: generated by "
            "logreg from proven SymPy derivations.</p></footer>\n</body>\n</html>\n")


def _step_id(d: Derivation, number: int) -> str:
    return f"{d.name}-step-{number}"


def _chain(d: Derivation, chain: list) -> str:
    rows = []
    for step in chain:
        n = d.number(step)
        left, right = step_parts(step)
        lhs = mathml(left, display=True) if left else ""
        rows.append(f'<div class="step" id="{_step_id(d, n)}">'
                    f'<div class="lhs">{lhs}</div>'
                    f'<div class="rhs">{mathml(right, display=True)}</div>'
                    f'<p class="note"><a class="num" href="#{_step_id(d, n)}" '
                    f'aria-label="step {n}">({n})</a>{prose(note_text(d, step))}</p></div>')
    return '<div class="chain">\n' + "\n".join(rows) + "\n</div>"


def alt_text(name: str) -> str:
    """A figure's alt text: the first line of its drawing function's docstring."""
    return inspect.getdoc(FIGURES[name]).splitlines()[0]


def derivation_page(section: Section, lecture: Lecture, before: Section | None,
                    after: Section | None) -> str:
    """One derivation: its steps with notes, its algorithm box and figures."""
    d = section.derivation().verify()
    crumbs = ['<nav class="crumbs" aria-label="lecture">',
              f'<a href="{before.name}.html">&#8592; previous</a>' if before else "<span></span>",
              '<a href="index.html">contents</a>',
              f'<a href="{after.name}.html">next &#8594;</a>' if after else "<span></span>",
              "</nav>"]
    parts = ["\n".join(crumbs), f"<main>\n<h1>{prose(d.title)}</h1>"]
    if d.intro:
        parts.append(f"<p>{prose(d.intro)}</p>")
    parts += [_chain(d, chain) for chain in d.chains()]
    if section.algorithm:
        items = "".join(f"<li>{prose(line)}</li>" for line in section.algorithm.lines())
        parts.append(f'<section class="box"><h2>{prose(section.algorithm.title)}</h2>'
                     f"<ol>{items}</ol></section>")
    for name in section.figures:
        width, height = natural_size(name)
        alt = html.escape(alt_text(name))
        parts.append(f'<figure><img src="figures/{name}.svg" alt="{alt}" width="700" '
                     f'height="{round(700 * height / width)}"><figcaption>{alt}'
                     "</figcaption></figure>")
    return _page(f"{d.title} - {lecture.title}", "\n".join(parts) + "\n</main>", lecture)


def index_page(lecture: Lecture) -> str:
    """The contents: every section in the manifest's order, with its introduction."""
    items = []
    for section in lecture:
        d = section.derivation()
        intro = f"<br>{prose(d.intro)}" if d.intro else ""
        items.append(f'<li><a href="{d.name}.html">{prose(d.title)}</a>{intro}</li>')
    body = (f"<main>\n<h1>{prose(lecture.title)}</h1>\n<p>{prose(lecture.intro)}</p>\n"
            '<h2 id="contents">Contents</h2>\n<ol class="contents">\n' + "\n".join(items)
            + "\n</ol>\n</main>")
    return _page(lecture.title, body, lecture)


class SiteOutput(Output):
    """``index.html``, one page per derivation, ``style.css`` and the figures as SVG."""

    name: ClassVar[str] = "site"
    folder: ClassVar[str] = "site"

    def describe(self, lecture: Lecture, ctx: Context) -> str:
        return f"index.html and {len(lecture.sections)} pages with MathML, figures as SVG"

    def write(self, lecture: Lecture, ctx: Context) -> list[Path]:
        folder = ctx.folder(self)
        (folder / "figures").mkdir(exist_ok=True)
        written = write_figures(folder / "figures", ("svg",), lecture.figures())
        written.append(write_atomic(folder / "style.css", CSS))
        written.append(write_atomic(folder / "index.html", index_page(lecture)))
        sections = list(lecture)
        for i, section in enumerate(sections):
            before = sections[i - 1] if i else None
            after = sections[i + 1] if i + 1 < len(sections) else None
            page = derivation_page(section, lecture, before, after)
            written.append(write_atomic(folder / f"{section.name}.html", page))
        return written
