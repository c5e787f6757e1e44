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
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import ClassVar

from latex2mathml.converter import convert

from derivations.engine import Derivation, note_text, step_parts
from derivations.lecture import Lecture, Section
from figures import FIGURES, natural_size
from figures.outputs.base import Context, Output
from figures.outputs.files import write_atomic
from figures.outputs.images import write_figures

# ---------------------------------------------------------------- MathML --
NS = "http://www.w3.org/1998/Math/MathML"
ET.register_namespace("", NS)
#: MathML Core's elements: anything else in a converted formula (``\text{<b>}``) is refused
ELEMENTS = {"math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext",
            "mspace", "msub", "msup", "msubsup", "munder", "mover", "munderover", "mfrac",
            "msqrt", "mroot", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom"}
TALL = {"mfrac", "munder", "mover", "munderover", "msubsup", "mtable"}
MINUS_LIKE = {"\u2212", "+", "-"}
CLOSERS = {")", "]", "}", "|", "\u2032", "\u2033", "!", "\u221e"}  # end an operand


def _tag(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _new(tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.Element(f"{{{NS}}}{tag}", attrs)
    el.text = text
    return el


def operator_names(root: ET.Element) -> None:
    r"""``\operatorname{log1p}`` and ``\mathrm{diag}`` as one identifier, not letter by letter."""
    for parent in root.iter():
        kids = list(parent)
        for i, kid in enumerate(kids):
            letters = list(kid) if _tag(kid) == "mrow" else []
            if letters and len(letters) > 1 and all(
                    _tag(k) in {"mi", "mn"} and len(k.text or "") == 1 and not len(k)
                    for k in letters) and ((i > 0 and _tag(kids[i - 1]) == "mo"
                                           and not (kids[i - 1].text or "").strip())
                                           or letters[0].get("mathvariant") == "normal"):
                if i > 0 and _tag(kids[i - 1]) == "mo" and not (kids[i - 1].text or "").strip():
                    parent.remove(kids[i - 1])
                name = _new("mi", "".join(k.text for k in letters))
                parent.insert(list(parent).index(kid), name)
                parent.remove(kid)


def function_names(root: ET.Element, display: bool) -> None:
    """``log``, ``max``, ``softplus`` as upright names with a thin space before, as TeX sets
    them; ``lim`` keeps its limits underneath in a displayed step."""
    for parent in root.iter():
        for i, kid in enumerate(list(parent)):
            text = kid.text or ""
            if _tag(kid) not in {"mi", "mo"} or len(text) < 2 or not text.isalnum():
                continue
            if text == "lim":
                if display and _tag(parent) == "msub" and i == 0:
                    parent.tag = f"{{{NS}}}munder"
                continue
            kid.tag = f"{{{NS}}}mi"
            if _tag(parent) == "mrow" and i > 0:
                parent.insert(list(parent).index(kid), _new("mspace", width="0.1667em"))


def primes(root: ET.Element) -> None:
    """``σ'`` as σ followed by a prime at full size, not a tiny superscript."""
    for parent in root.iter():
        for kid in list(parent):
            if _tag(kid) == "msup" and len(kid) == 2 and (kid[1].text or "") in {"\u2032",
                                                                                "\u2033"}:
                base, mark = kid[0], _new("mo", kid[1].text, lspace="0", rspace="0")
                at = list(parent).index(kid)
                parent.remove(kid)
                parent.insert(at, base)
                parent.insert(at + 1, mark)


def operator_spacing(root: ET.Element) -> None:
    """A unary minus and a slash without binary-operator space; brackets as TeX sets them:
    no inner space, and at their natural size around nothing taller than a line."""
    for parent in root.iter():
        kids = list(parent)
        tall = any(_tag(d) in TALL for k in kids for d in k.iter())
        for i, kid in enumerate(kids):
            if _tag(kid) != "mo":
                continue
            text = kid.text or ""
            before = kids[i - 1] if i else None
            if text in MINUS_LIKE and (before is None or (_tag(before) == "mo"
                                       and (before.text or "") not in CLOSERS)):
                kid.set("lspace", "0")
                kid.set("rspace", "0")
            elif text == "/":
                kid.set("lspace", "0")
                kid.set("rspace", "0")
            elif kid.get("fence") == "true":
                kid.set("lspace", "0")
                kid.set("rspace", "0")
                if not tall:
                    kid.set("stretchy", "false")


#: symbols latex2mathml makes operators that TeX sets as ordinary symbols, with no space
ORDINARY = {"∞": "mi", "|": "mo", "‖": "mo"}


def ordinary_symbols(root: ET.Element) -> None:
    """∞ as an identifier, and the bars of |z| and ‖v‖ with no space either side, as TeX
    sets them (latex2mathml's infix bars read "|z |")."""
    for el in root.iter():
        if _tag(el) == "mo" and (el.text or "") in ORDINARY:
            if ORDINARY[el.text] == "mi":
                el.tag = el.tag[:-2] + "mi"
                el.attrib.clear()
            else:
                el.set("lspace", "0")
                el.set("rspace", "0")


def mathml(latex: str, display: bool = False) -> str:
    r"""One formula as MathML Core, checked and tidied, with its LaTeX as an annotation.

    ``display`` sets fractions, sums and limits at display size, as in ``align*``.
    Raises ValueError for LaTeX that does not convert to MathML Core's elements.

    >>> print(mathml(r"\sigma'(z)"))  # doctest: +ELLIPSIS
    <math ...><mi>σ</mi><mo lspace="0" rspace="0">′</mo>...\sigma'(z)</annotation>...
    """
    try:
        raw = convert(latex, display="block" if display else "inline")
        root = ET.fromstring(raw)
    except Exception as exc:  # latex2mathml's own errors, or markup inside \text{}
        raise ValueError(f"cannot print ${latex}$ as MathML ({type(exc).__name__}: "
                         f"{exc})") from None
    strange = sorted({_tag(el) for el in root.iter()} - ELEMENTS)
    if strange or any(el.tag.startswith("{") and not el.tag.startswith(f"{{{NS}}}")
                      for el in root.iter()):
        raise ValueError(f"cannot print ${latex}$ as MathML: it would contain "
                         f"<{', '.join(strange) or 'foreign'}> elements")
    operator_names(root)
    function_names(root, display)
    primes(root)
    operator_spacing(root)
    ordinary_symbols(root)
    root.set("display", "inline")
    if display:
        root.set("displaystyle", "true")
    body = _new("mrow")
    body.extend(list(root))
    for kid in list(root):
        root.remove(kid)
    semantics = _new("semantics")
    semantics.append(body)
    semantics.append(_new("annotation", latex, encoding="application/x-tex"))
    root.append(semantics)
    return ET.tostring(root, encoding="unicode")


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
main p, main li, h1, .note { overflow-x: auto; overflow-y: hidden; }  /* wide inline math */
footer { color: var(--muted); font-size: 0.8rem; margin-top: 2rem; }
.note .num { text-decoration: none; margin-right: 0.3rem; }
.nobr { white-space: nowrap; }
.step:target > * { background: var(--box); }
.box { background: var(--box); border: 1px solid var(--accent); border-radius: 0.4rem;
  padding: 0.5rem 1rem; overflow-x: auto; }
figure { margin: 1.5rem 0; }
figure img { width: 100%; height: auto; border-radius: 0.3rem; }
figcaption { color: var(--muted); font-size: 0.85rem; }
ol.contents li { margin: 0.3rem 0; }
main ol { list-style-position: inside; padding-left: 0; }  /* numbers stay in the scroll box */
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


MARKER = "<!-- generated by logreg site: edit derivations/, not this file -->"


def _page(title: str, body: str, lecture: Lecture) -> str:
    return ("<!DOCTYPE html>\n" + MARKER + "\n<html lang=\"en\">\n<head>\n"
            "<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n"
            "<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n"
            f"{body}\n<footer><p>{html.escape(lecture.title)}. Generated by logreg from "
            "derivations SymPy proved.</p></footer>\n</body>\n</html>\n")


def _step_id(d: Derivation, number: int) -> str:
    return f"{d.name}-step-{number}"


def _chain(d: Derivation, chain: list) -> str:
    rows = []
    for step in chain:
        n = d.number(step)
        left, right = step_parts(step)
        note = note_text(d, step).removeprefix(f"({n}) ")  # every step is numbered here
        try:
            lhs = mathml(left, display=True) if left else ""
            rhs, why = mathml(right, display=True), linked(prose(note), d)
        except ValueError as exc:
            raise ValueError(f"{d.title!r}, step {n}: {exc}") from None
        rows.append(f'<div class="step" id="{_step_id(d, n)}">'
                    f'<div class="lhs">{lhs}</div><div class="rhs">{rhs}</div>'
                    f'<p class="note"><a class="num" href="#{_step_id(d, n)}" '
                    f'aria-label="step {n}">({n})</a>{why}</p></div>')
    return '<div class="chain">\n' + "\n".join(rows) + "\n</div>"


def linked(note_html: str, d: Derivation) -> str:
    """A note's step references, "(19)" and "from (19)", as links to those steps.

    >>> from derivations import threshold
    >>> linked("as in (2), not 2", threshold())
    'as in <a href="#threshold-step-2">(2)</a>, not 2'
    """
    def link(match: re.Match) -> str:
        return f'<a href="#{_step_id(d, int(match.group(1)))}">({match.group(1)})</a>'
    parts = re.split(r"(<math.*?</math>)", note_html)  # never inside a formula
    parts[::2] = [re.sub(r"\((\d+)\)", link, p) for p in parts[::2]]
    return "".join(parts)


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
                     f'height="{round(700 * height / width)}">'
                     f'<figcaption aria-hidden="true">{alt}</figcaption></figure>')
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
        sections = list(lecture)
        pages = {"index.html": index_page(lecture)}  # every page made before any is written
        for i, section in enumerate(sections):
            before = sections[i - 1] if i else None
            after = sections[i + 1] if i + 1 < len(sections) else None
            pages[f"{section.name}.html"] = derivation_page(section, lecture, before, after)
        (folder / "figures").mkdir(exist_ok=True)
        written = write_figures(folder / "figures", ("svg",), lecture.figures())
        written.append(write_atomic(folder / "style.css", CSS))
        written += [write_atomic(folder / name, page) for name, page in pages.items()]
        for stale in set(folder.glob("*.html")) - set(written):
            with stale.open(errors="replace") as fh:
                if fh.readline() and fh.readline().rstrip() == MARKER:
                    stale.unlink()  # a page the lecture no longer has; pages of yours stay
        return written
