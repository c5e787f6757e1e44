"""The top floor: a derivation printed as LaTeX, Markdown or mathtext lines.

Each printer is a function of a (verified) derivation; the outputs in ``figures`` are
made of these and of :func:`~derivations.engine.typeset.tex`. :func:`latex`,
:func:`markdown` and :func:`lines` register themselves with
:func:`~derivations.engine.derivation.printer`, which is how ``d.latex()``,
``d.markdown()`` and ``d.lines()`` reach them without the Derivation importing this floor.

>>> import derivations
>>> print(markdown(derivations.threshold().verify()).splitlines()[0])
## The decision threshold
"""

from __future__ import annotations

from collections.abc import Callable

from derivations.engine.derivation import Derivation, printer
from derivations.engine.relation import Shown
from derivations.engine.steps import Step
from derivations.engine.typeset import note_box, tex, why_latex


def step_parts(step: Step) -> tuple[str, str]:
    """The math left and right of the alignment point of one step: ``("\\sigma'(z)", "= ...")``."""
    rel = step.relation
    body = tex(step.expr)
    if step.label is not None:
        return tex(step.label), f"{rel.sign} {body}"
    if rel.starts_chain:
        return "", body
    return "", f"{rel.sign} {body}"


def step_line(step: Step) -> str:
    """One step as a single mathtext-safe line, e.g. ``\\sigma'(z) = ...``."""
    left, right = step_parts(step)
    return f"{left} {right}".strip()


def shown_text(item: Shown) -> str:
    math = ", ".join(f"${tex(m)}$" for m in item.math)
    return " ".join(p for p in (item.word, item.text, math) if p)


def note_text(d: Derivation, step: Step) -> str:
    r"""The justification and every condition the check used, as text with ``$math$``.

    >>> import derivations
    >>> d = derivations.threshold().verify()
    >>> print(note_text(d, d.steps[1]))
    definition of $\sigma$; for $z \in \mathbb{R}$
    """
    items = d.shown(step)
    number = [i.word for i in items if i.word.startswith("(") and not i.math]
    rest = [shown_text(i) for i in items if i.word not in number]
    return " ".join([*number, "; ".join([step.why, *rest])])


def _aligned(d: Derivation, chain: list[Step], note: Callable[[str], str]) -> str:
    rows = []
    for step in chain:
        left, right = step_parts(step)
        rows.append(f"{left} &{right} && {note(note_text(d, step))}")
    return " \\\\\n".join(rows)


@printer("latex")
def latex(d: Derivation) -> str:
    """Each chain of ``d`` as an ``align*`` environment, justification on the right."""
    return "\n".join(f"\\begin{{align*}}\n{_aligned(d, chain, note_box)}\n\\end{{align*}}"
                     for chain in d.chains())


@printer("markdown")
def markdown(d: Derivation) -> str:
    """``d`` as Markdown: a heading, the introduction, ``$$`` blocks per chain."""
    out = [f"## {d.title}", ""]
    if d.intro:
        out += [d.intro, ""]
    for chain in d.chains():
        out += ["$$", r"\begin{aligned}", _aligned(d, chain, why_latex), r"\end{aligned}", "$$",
                ""]
    return "\n".join(out)


@printer("lines")
def lines(d: Derivation) -> list[tuple[str, str]]:
    """One ``(mathtext, note)`` pair per step of ``d``, for line-by-line engines."""
    return [(step_line(s), note_text(d, s)) for s in d.steps]
