"""Rendering derivations to LaTeX, Markdown and matplotlib mathtext.

Every step's math is one line of plain LaTeX that matplotlib's mathtext also
parses (no ``cases``, ``\\iff`` or ``\\tfrac``), so the PDF engine without TeX
can draw the same steps line by line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

if TYPE_CHECKING:
    from collections.abc import Callable

    from derivations.core import Derivation, Step
    from derivations.relations import Shown


class LectureLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer in the lecture's notation: σ(z), ∂L/∂w_j, σ'(z)."""

    def __init__(self, settings: dict | None = None) -> None:
        super().__init__(settings or {})

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        if sp.Add(*expr.args) != expr:  # built unevaluated: keep the order it was written in
            order = "none"
        return super()._print_Add(expr, order)

    def _needs_mul_brackets(self, expr: Any, first: bool = False, last: bool = False) -> bool:
        if isinstance(expr, sp.UnevaluatedExpr):  # a factor of mul(): judged by what it holds
            inner = expr.args[0]
            if not first and inner.could_extract_minus_sign():
                return True
            return super()._needs_mul_brackets(inner, first, last)
        return super()._needs_mul_brackets(expr, first, last)

    def _print_Mul(self, expr: sp.Mul) -> str:
        first = expr.args[0]
        if isinstance(first, sp.UnevaluatedExpr) and first.args[0] == -1:
            rest = sp.Mul(*expr.args[1:], evaluate=False)
            return r"-\left[" + self._print(rest) + r"\right]"
        return super()._print_Mul(expr)

    def _print_Function(self, expr: Any, exp: str | None = None) -> str:
        if isinstance(expr, AppliedUndef):
            name = self._deal_with_super_sub(expr.func.__name__)
            if len(name) > 1 and not name.startswith("\\") and name.isalpha():
                name = "\\" + name if name in {"sigma", "phi", "ell"} else name
            args = ", ".join(self._print(arg) for arg in expr.args)
            out = f"{name}({args})"
            return f"{out}^{{{exp}}}" if exp else out
        return super()._print_Function(expr, exp)

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        fn, pairs = expr.expr, expr.variable_count
        total = sum(int(n) for _, n in pairs)
        if isinstance(fn, AppliedUndef) and len(fn.args) == 1 and total <= 2 \
                and len(pairs) == 1 and pairs[0][0] == fn.args[0]:
            primes = "'" * total
            return self._print_Function(fn).replace("(", primes + "(", 1)
        # d for a function of one variable, the partial sign otherwise
        ordinary = not isinstance(fn, sp.Symbol) and fn.free_symbols == {pairs[0][0]} \
            and len(pairs) == 1
        dee = "d" if ordinary else r"\partial"
        bottom = " ".join(f"{dee} " + self._print(v) + (f"^{{{n}}}" if n != 1 else "")
                          for v, n in pairs)
        top = dee + (f"^{{{total}}}" if total != 1 else "")
        if isinstance(fn, (sp.Symbol, AppliedUndef)):
            return rf"\frac{{{top} {self._print(fn)}}}{{{bottom}}}"
        return rf"\frac{{{top}}}{{{bottom}}}\left({self._print(fn)}\right)"

    def _print_Indexed(self, expr: Any) -> str:
        """``a^{(i)}`` for the i-th example (index ``i``), else a subscript ``w_{k}``."""
        base = self._deal_with_super_sub(str(expr.base.label))
        index = ",".join(self._print(i) for i in expr.indices)
        if [str(i) for i in expr.indices] == ["i"]:
            return f"{base}^{{({index})}}"
        return f"{base}_{{{index}}}"

    def _print_Pow(self, expr: sp.Pow) -> str:
        out = super()._print_Pow(expr)
        base = self._print(expr.base)
        if isinstance(expr.base, sp.Indexed) and "^" in base and out.startswith(base + "^"):
            return "{" + base + "}" + out[len(base):]  # x^{(i)} squared: {x^{(i)}}^{2}
        return out

    def _print_Range(self, expr: sp.Range) -> str:
        last = self._print(expr.sup)
        return r"\left\{" + self._print(expr.inf) + r", \ldots, " + last + r"\right\}"

    def _print_Subs(self, expr: sp.Subs) -> str:
        inner, (var,), (point,) = expr.expr, expr.variables, expr.point
        if isinstance(inner, sp.Derivative) and isinstance(inner.expr, AppliedUndef) \
                and inner.expr.args == (var,):
            return self._print(inner).replace(f"({self._print(var)})", f"({self._print(point)})")
        return (r"\left. " + self._print(inner) + r" \right|_{" + self._print(var) + "="
                + self._print(point) + "}")

    def _print_log1p(self, expr: Any) -> str:
        return r"\operatorname{log1p}\left(" + self._print(expr.args[0]) + r"\right)"


_PRINTER = LectureLatexPrinter()


def tex(expr: Any) -> str:
    """LaTeX for one expression, or a label given as a LaTeX string."""
    if isinstance(expr, str):
        return expr
    return _PRINTER.doprint(expr)


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


def escape_text(text: str) -> str:
    r"""Prose with ``$math$`` for LaTeX: every special character escaped outside the math.

    >>> escape_text("50% of $x_j$ & more_")
    '50\\% of $x_j$ \\& more\\_'
    """
    parts = text.split("$")
    if len(parts) % 2 == 0:  # an odd number of $: none of it is math
        return verbatim_latex(text)
    parts[::2] = ["".join(_SPECIALS.get(c, c) for c in t) for t in parts[::2]]
    return "$".join(parts)


_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
             "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}


def verbatim_latex(text: str) -> str:
    r"""Plain text (no math) for LaTeX, every special character escaped; one line.

    For text from the command line (``--author``), which must never act as TeX:

    >>> print(verbatim_latex(r"R&D \input{x} 100%"))
    R\&D \textbackslash{}input\{x\} 100\%
    """
    flat = " ".join(text.split())  # a newline would end a paragraph inside \title
    return "".join(_SPECIALS.get(c, c) for c in flat)


def why_latex(why: str) -> str:
    r"""A justification as LaTeX text: ``\text{...}`` with its ``$...$`` math kept."""
    return r"\text{" + escape_text(why) + "}"


def _aligned(d: Derivation, chain: list[Step], note: Callable[[str], str]) -> str:
    rows = []
    for step in chain:
        left, right = step_parts(step)
        rows.append(f"{left} &{right} && {note(note_text(d, step))}")
    return " \\\\\n".join(rows)


def note_box(text: str, width: str = r"0.36\linewidth") -> str:
    r"""A note for a TeX document: a ragged-right paragraph box that wraps."""
    return rf"\parbox[t]{{{width}}}{{\raggedright\small " + escape_text(text) + r"\strut}"


def latex(d: Derivation) -> str:
    """Each chain of ``d`` as an ``align*`` environment, justification on the right."""
    return "\n".join(f"\\begin{{align*}}\n{_aligned(d, chain, note_box)}\n\\end{{align*}}"
                     for chain in d.chains())


def markdown(d: Derivation) -> str:
    """``d`` as Markdown: a heading, the introduction, ``$$`` blocks per chain."""
    out = [f"## {d.title}", ""]
    if d.intro:
        out += [d.intro, ""]
    for chain in d.chains():
        out += ["$$", r"\begin{aligned}", _aligned(d, chain, why_latex), r"\end{aligned}", "$$",
                ""]
    return "\n".join(out)
