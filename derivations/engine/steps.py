r"""The bottom floor of the engine: a step, the two errors, and what may go into a note.

- :class:`Step` — one line of a derivation: ``label  <relation sign>  expr`` and its
  justification (the relation is one of :mod:`derivations.engine.relation` and those
  beside it).
- :class:`StepError` — a step that could not be proven (what a user sees);
  :class:`ProofGap` — what a proof helper raises when SymPy cannot do a part of it
  (always turned into a StepError that names the step).
- :func:`text_problem` and :data:`MATH_COMMANDS` — prose with ``$...$`` math that may go
  into TeX, Markdown and MathML.
- :class:`DerivationLike` — what a relation reads of a derivation (it sits below one).

>>> text_problem(r"$\sigma' = \sigma(1-\sigma)$") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

Math = Any  # a SymPy expression, equation, inequality or boolean statement


class StepError(ValueError):
    """A step that SymPy could not prove; names the derivation, the step and both sides."""


class ProofGap(Exception):  # noqa: N818 - always turned into a StepError
    """SymPy could not carry out a step of a proof; the text says what is missing."""


@dataclass(frozen=True, eq=False)  # steps are told apart by identity: two may state the same
class Step:
    """One line: ``label  <relation sign>  expr``, with its justification.

    ``name`` names a result: on a chain's first step the chain's last line,
    on a later step that line itself.
    """

    expr: Math
    why: str
    relation: Any  # a Relation (derivations.engine.relation, the floor above)
    label: Math = None
    name: str | None = None


def _no_free_text(label: Any) -> None:
    if isinstance(label, str):
        raise TypeError("label must be a SymPy expression that the checker proves equal to "
                        "the step (e.g. Derivative(sigma(z), z)), not text")


def _of(of: Any) -> Step | None:
    if of is not None and not isinstance(of, Step):
        raise TypeError("of= takes the Step returned by the builder method (e.g. "
                        "first = d.given(...); d.equal(..., of=first)), not a number")
    return of


def _renamed(kwargs: dict, **replacements: str) -> None:
    for old, new in replacements.items():
        if old in kwargs:
            raise TypeError(f"{old}= was removed: {new}")
    if kwargs:
        raise TypeError(f"unexpected keyword arguments {sorted(kwargs)}")


#: the only TeX commands allowed inside a justification's (or introduction's) $...$ math:
#: what the shipped derivations use and a few harmless symbols, each of which pdfLaTeX,
#: matplotlib's mathtext, MathML and MathJax all draw; nothing that defines, reads, writes
#: or re-catcodes (\\def, \\input, \\write, \\catcode, \\csname, ...)
MATH_COMMANDS = frozenset("""
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu
    xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma
    Upsilon Phi Psi Omega ell nabla partial infty
    frac sqrt log ln exp max min sum prod int lim sin cos tan sinh cosh tanh
    cdot times approx leq le geq ge neq ne ll gg to in notin mid pm mp prime
    leftarrow rightarrow Leftarrow Rightarrow Leftrightarrow ldots cdots
    mathrm operatorname mathbb mathbf tilde hat bar vert Vert left right quad qquad
""".split()) | frozenset(",;:! {}|_")


def text_problem(text: str) -> str | None:
    r"""Why ``text`` (prose with ``$...$`` math) may not go into TeX, Markdown or MathML.

    Inside math only :data:`MATH_COMMANDS` are allowed, and no ``^^`` (TeX's
    character codes), ``%`` or ``#``; None when it is fine.

    >>> text_problem(r"$\sigma' = \sigma(1-\sigma)$") is None
    True
    >>> print(text_problem(r"see $\input{/etc/passwd}$").split(", which")[0])
    its $...$ math uses \input
    """
    parts = text.split("$")
    for math in parts[1::2]:
        if "^^" in math or "%" in math or "#" in math:
            return ("its $...$ math contains ^^, % or #, which TeX reads as character codes, "
                    "comments or parameters")
        if any(ord(ch) < 32 for ch in math):
            return "its $...$ math contains a control character"
        for cmd in re.findall(r"\\([A-Za-z]+|.)", math):
            if cmd not in MATH_COMMANDS:
                return (f"its $...$ math uses \\{cmd}, which is not allowed (allowed: "
                        "Greek letters, \\frac, \\partial, \\log, \\sum, \\leq, \\operatorname, "
                        "... see derivations.engine.MATH_COMMANDS)")
    return None


class DerivationLike(Protocol):
    """What a relation reads of the derivation whose step it checks.

    The relations sit below :class:`~derivations.engine.derivation.Derivation` (which has
    all of this), so they name it by this protocol instead of importing it.
    """

    title: str
    where: tuple[tuple[Any, Any], ...]
    functions: Any  # a read-only mapping: function -> Lambda
    conditions: Any  # a read-only mapping: symbol -> SymPy set

    def expand(self, expr: Math) -> Math: ...
    def unfold(self, expr: Math) -> Math: ...
    def definitions_of(self, *exprs: Math) -> list: ...
    def conditions_of(self, *exprs: Math) -> list: ...
    def chains(self) -> list[list[Step]]: ...
    def chain(self, name: str | None = None) -> list[Step]: ...
    def statement(self, name: str | None = None) -> tuple[Math, Math]: ...
    def premises(self, name: str | None = None) -> tuple: ...
    def inequality(self, name: str | None = None) -> tuple[Math, str, Math]: ...
    def number(self, step: Step) -> int: ...
    def previous(self, step: Step) -> Step | None: ...
    def verify(self) -> DerivationLike: ...
    def _subject(self, step: Step) -> Math: ...
