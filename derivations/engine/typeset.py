r"""Expressions and prose as LaTeX: the one printer of SymPy objects every output uses.

:func:`tex` prints any expression in the lecture's notation (one line of plain LaTeX that
matplotlib's mathtext also parses: no ``cases``, ``\iff`` or ``\tfrac``, so the PDF engine
without TeX can draw the same steps line by line); :func:`escape_text` and its neighbours
put prose with ``$...$`` math into TeX; :func:`looks` is what a symbol looks like once
printed, so that two that look alike can be told apart (:mod:`.lookalikes`).
Nothing here knows a derivation: the printers of whole derivations are
:mod:`derivations.engine.printing`, the top floor.

>>> import sympy as sp
>>> tex(sp.Symbol("eta") / 2)
'\\frac{\\eta}{2}'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter


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

    def _print_ImageSet(self, expr: sp.ImageSet) -> str:
        """``2\\mathbb{Z}`` and ``2\\mathbb{Z} + 1`` for the even and odd integers."""
        lam, base = expr.lamda, expr.base_sets
        if base == (sp.S.Integers,) and len(lam.variables) == 1:
            k = lam.variables[0]
            slope, rest = lam.expr.coeff(k), lam.expr - lam.expr.coeff(k) * k
            if slope.is_Integer and rest.is_Integer and slope > 1:
                return rf"{slope}\mathbb{{Z}}" + (f" + {rest}" if rest else "")
        return super()._print_ImageSet(expr)

    def _print_log1p(self, expr: Any) -> str:
        return r"\operatorname{log1p}\left(" + self._print(expr.args[0]) + r"\right)"


_PRINTER = LectureLatexPrinter()


def tex(expr: Any) -> str:
    """LaTeX for one expression, or a label given as a LaTeX string."""
    if isinstance(expr, str):
        return expr
    return _PRINTER.doprint(expr)


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


def note_box(text: str, width: str = r"0.36\linewidth") -> str:
    r"""A note for a TeX document: a ragged-right paragraph box that wraps."""
    return rf"\parbox[t]{{{width}}}{{\raggedright\small " + escape_text(text) + r"\strut}"


# ------------------------------------------------------------ look-alikes --
#: TeX commands that only change spacing, braces or the font: a reader cannot tell
#: ``x`` from ``\mathrm{x}`` or ``x_{1}`` from ``x_1``
_INVISIBLE = re.compile(r"\\(?:left|right|operatorname|mathrm|mathit|mathsf|mathbf|boldsymbol"
                        r"|text|displaystyle|[,;:! ])(?![A-Za-z])|[\s{}]")
#: TeX commands a symbol's or function's name may print as (besides Greek letters):
#: SymPy's accents and fonts for names such as ``xhat`` or ``x_bm``
NAME_COMMANDS = frozenset("""hat bar dot ddot tilde vec breve check acute grave overline
    underline widehat widetilde mathbf boldsymbol mathcal mathscr mathfrak mathrm operatorname
    mathit mathsf prime left right""".split())


def looks(expr: Any) -> str:
    r"""What a reader sees of ``expr`` in any output, reduced to what tells things apart:
    spacing, braces and fonts dropped, Greek commands as their letters, then every
    character by its Unicode confusables skeleton (UTS #39), so that Cyrillic у looks
    like Latin y.

    >>> looks(sp.Symbol("x_{1}")) == looks(sp.Symbol("x_1"))
    True
    >>> looks(sp.Symbol("у")) == looks(sp.Symbol("y"))
    True
    >>> looks(sp.Symbol("sigma")) == looks(sp.Symbol("σ"))
    True
    """
    text = _INVISIBLE.sub("", tex(expr))
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _greek().get(m.group(1), m.group(0)), text)
    return skeleton(text)


def skeleton(text: str) -> str:
    """``text``'s UTS #39 confusables skeleton (NFD, each character by its prototype, NFD),
    for the characters beyond ASCII: in math type an ASCII letter is italic and a digit
    upright, so ``b_1`` and ``b_l`` look different, but Cyrillic у is Latin y.

    >>> skeleton("у") == "y", skeleton("1") == skeleton("l")
    (True, False)
    """
    table = _prototypes()
    out = "".join(ch if ch.isascii() else table.get(ch, ch)
                  for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", out)


@functools.cache
def _greek() -> dict[str, str]:
    from sympy.printing.pretty.pretty_symbology import greek_unicode
    return {**{k: v for k, v in greek_unicode.items() if isinstance(v, str)},
            "ell": "ℓ", "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ"}


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each character that Unicode's confusables.txt lists, mapped to one representative of
    its class (the pairs come from the ``confusable-homoglyphs`` package's copy of it)."""
    from confusable_homoglyphs.confusables import confusables_data
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    def bare(c: str) -> str:  # the data wraps right-to-left letters in direction marks
        return c.replace("\u200e", "").replace("\u200f", "") or c

    for ch, alikes in confusables_data.items():
        for other in alikes:
            a, b = find(bare(ch)), find(bare(other["c"]))
            if a != b:
                parent[a] = b
    # each class's prototype: every other member lists it, so it has the most entries
    # (a multi-character one, like "rn" for m, is always the prototype)
    entries = {bare(c): len(v) for c, v in confusables_data.items()}
    best: dict[str, str] = {}
    for c in parent:
        root = find(c)
        rank = (len(c) > 1, entries.get(c, 0), -ord(c[0]))
        if root not in best or rank > (len(best[root]) > 1, entries.get(best[root], 0),
                                       -ord(best[root][0])):
            best[root] = c
    return {c: best[find(c)] for c in parent if len(c) == 1}
