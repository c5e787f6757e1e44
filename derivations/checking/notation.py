r"""What a student's LaTeX may say, and what each name means in an exercise.

Two tables: how commands are spelled (``\dfrac`` is ``\frac``, ``\leqslant`` is
``\le``, ``\mathrm{d}`` is ``d``), and a :class:`Notation` saying what the
names mean. The lecture's binary notation (σ the sigmoid, ``L(a, y)`` the NLL
loss, ``x_j``, ``w_j``) is :data:`LOGISTIC`; the softmax exercises' notation
(indexed ``a_k``, ``y_k``, ``z_j``, ``\delta_{kj}``, sums over the K classes,
``L`` the cross-entropy) is :data:`SOFTMAX`. An exercise says which it uses.

>>> LOGISTIC.symbol("x", "j")
x_j
>>> SOFTMAX.symbol("a", "k")
a[k]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from derivations.lecture.loss import loss_of
from derivations.lecture.softmax import A, B, K, W, X, Y, Z
from derivations.lecture.symbols import L, a, b, eta, lam, s, t, w_j, w_k, x_j, x_k, y, z

#: the relations a line may start with (or have between its sides), as the checker names them
RELATIONS = {"=": "=", r"\iff": r"\iff", r"\Leftrightarrow": r"\iff",
             r"\Longleftrightarrow": r"\iff", r"\longleftrightarrow": r"\iff",
             r"\leftrightarrow": r"\iff", "<": "<", r"\lt": "<", ">": ">", r"\gt": ">",
             r"\le": r"\le", r"\leq": r"\le", r"\leqslant": r"\le", r"\ge": r"\ge",
             r"\geq": r"\ge", r"\geqslant": r"\ge"}
#: commands spelled another way (every relation by its name in RELATIONS' values)
ALIASES = {r"\dfrac": r"\frac", r"\tfrac": r"\frac", r"\cfrac": r"\frac",
           r"\lbrace": r"\{", r"\rbrace": r"\}", r"\lbrack": "[", r"\rbrack": "]",
           r"\lparen": "(", r"\rparen": ")", r"\ast": "*", r"\cdotp": r"\cdot",
           r"\centerdot": r"\cdot", r"\cdots": r"\dots", r"\ldots": r"\dots",
           r"\dotsb": r"\dots", r"\rightarrow": r"\to", r"\varsigma": r"\sigma",
           r"\intercal": r"\top",
           **{k: v for k, v in RELATIONS.items() if k != v}}
#: bracket sizes: \left( is (, \Bigr] is ]
SIZING = frozenset(rf"\{size}{side}" for size in ("big", "Big", "bigg", "Bigg")
                   for side in ("", "l", "r", "m")) | {r"\left", r"\right", r"\middle"}
#: spacing and style commands that mean nothing in the math
IGNORED = frozenset({r"\,", r"\;", r"\:", r"\!", r"\ ", "~", r"\quad", r"\qquad",
                     r"\enspace", r"\thinspace", r"\medspace", r"\thickspace", r"\negthinspace",
                     r"\negmedspace", r"\negthickspace", r"\limits", r"\nolimits",
                     r"\displaystyle", r"\textstyle", r"\scriptstyle", r"\nonumber",
                     r"\notag", r"\mathstrut", r"\strut"})
#: commands whose {group} is dropped with them (\hspace{1em}, \label{eq:1})
DROPPED = frozenset({r"\hspace", r"\hspace*", r"\label", r"\tag", r"\tag*", r"\vphantom",
                     r"\phantom", r"\hphantom", r"\vspace"})
#: font commands around a name: \mathrm{d} is d, \mathcal{L} is L, \operatorname{exp} is \exp
FONTS = frozenset({r"\mathrm", r"\mathit", r"\mathbf", r"\mathsf", r"\mathtt", r"\mathcal",
                   r"\mathscr", r"\mathnormal", r"\boldsymbol", r"\bm", r"\mathbfit",
                   r"\operatorname", r"\operatorname*", r"\text", r"\textrm", r"\textit",
                   r"\mbox"})
#: a word inside a font command, read as the command it names
WORDS = {"exp": r"\exp", "log": r"\log", "ln": r"\ln", "lim": r"\lim", "tanh": r"\tanh",
         "sigma": r"\sigma", "T": r"\top"}
#: characters a student may paste instead of the command (read as the command)
UNICODE = {"\u2212": "-", "\u2013": "-", "\u00b7": r"\cdot", "\u22c5": r"\cdot",
           "\u2219": r"\cdot", "\u00d7": r"\times", "\u03c3": r"\sigma", "\u03b7": r"\eta",
           "\u03bb": r"\lambda", "\u03b4": r"\delta", "\u2202": r"\partial", "\u2264": r"\le",
           "\u2265": r"\ge", "\u2a7d": r"\le", "\u2a7e": r"\ge", "\u21d4": r"\iff",
           "\u27fa": r"\iff", "\u2194": r"\iff", "\u221e": r"\infty", "\u2032": "'",
           "\u2019": "'",  # a word processor's apostrophe, pasted as a prime
           "\u2211": r"\sum", "\u2192": r"\to", "\u2026": r"\dots", "\u22ef": r"\dots",
           "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\ufeff": " "}
#: commands the parser knows (for the error that names an unknown one)
KNOWN = frozenset({r"\frac", r"\cdot", r"\times", r"\exp", r"\log", r"\ln", r"\tanh",
                   r"\sqrt", r"\sigma", r"\eta", r"\lambda", r"\delta", r"\partial",
                   r"\infty", r"\lim", r"\to", r"\sum", r"\prime", r"\top", r"\dots",
                   r"\{", r"\}", r"\iff", r"\le", r"\ge"}) | SIZING


@dataclass(frozen=True)
class Notation:
    """What the names in a student's answer mean.

    ``symbols`` maps a letter or command (``z``, ``\\eta``) to its symbol,
    ``subscripted`` a (letter, subscript) pair (``x``, ``j``) to its symbol, and
    ``indexed`` a letter to an IndexedBase read with integer indices (``a_k``).
    ``loss`` is the function ``L(a, y)`` means, if any; ``classes`` the upper
    end of a sum written without one (``\\sum_k`` means ``\\sum_{k=1}^{K}``).
    """

    name: str
    symbols: dict[str, sp.Basic] = field(default_factory=dict)
    subscripted: dict[tuple[str, str], sp.Basic] = field(default_factory=dict)
    indexed: dict[str, sp.IndexedBase] = field(default_factory=dict)
    loss: sp.FunctionClass | None = None
    classes: sp.Symbol | None = None
    transpose: sp.Basic | None = None  # what w^T x means

    def symbol(self, letter: str, sub: str | None = None) -> sp.Basic:
        """The symbol ``letter`` or ``letter_sub`` stands for (a real symbol if unknown)."""
        if sub is None:
            return self.symbols.get(letter, sp.Symbol(letter, real=True))
        if (letter, sub) in self.subscripted:
            return self.subscripted[(letter, sub)]
        if letter in self.indexed:
            return self.indexed[letter][tuple(self.index(c) for c in _index_parts(sub))]
        return sp.Symbol(f"{letter}_{sub}", real=True)

    @staticmethod
    def index(name: str) -> sp.Basic:
        """A class or feature index: a positive integer symbol, or a number."""
        if name.isdigit():
            return sp.Integer(int(name))
        return sp.Symbol(name, integer=True, positive=True)


def _index_parts(sub: str) -> list[str]:
    """``jk`` is two indices (j, k); ``12`` one number; ``j,k`` two."""
    if sub.isdigit():
        return [sub]
    return [c for c in sub.replace(",", "") if c.strip()]


LOGISTIC = Notation(
    "logistic",
    symbols={"z": z, "a": a, "y": y, "L": L, "b": b, "s": s, "t": t, r"\eta": eta,
             r"\lambda": lam},
    subscripted={("x", "j"): x_j, ("w", "j"): w_j, ("x", "k"): x_k, ("w", "k"): w_k},
    loss=loss_of, transpose=w_j * x_j + s)

SOFTMAX = Notation(
    "softmax",
    symbols={"L": L, "K": K, r"\eta": eta, r"\lambda": lam},
    indexed={"a": A, "y": Y, "z": Z, "w": W, "x": X, "b": B},
    classes=K)

NOTATIONS = {n.name: n for n in (LOGISTIC, SOFTMAX)}
