r"""The lecture's derivations offered as exercises: a start, a goal, and milestones.

Each exercise points at a proven result of the lecture (by name): its start is
what the lecture's chain starts from, its goal what the lecture proved, and the
checker uses that derivation's definitions (``where``), functions and declared
conditions. A milestone is an intermediate line the exercise wants to see, such
as the three chain-rule factors; a proven step that skips it is accepted but
flagged.

>>> ex = EXERCISES["logistic-gradient"]
>>> ex.parts[0].start[0], ex.parts[0].goal.doit()
(Derivative(L, w_j), x_j*(a - y))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

import sympy as sp

from derivations.chain_rule import logistic_gradient
from derivations.core import Derivation
from derivations.loss import loss_of, nll_loss
from derivations.printing import tex
from derivations.relations import Apply, ByCases, Equal, Equivalent
from derivations.sigmoid import sigmoid_derivative
from derivations.symbols import LABELS, NLL, SIGMOID, L, a, b, mul, s, sigma, w_j, x_j, y, z
from derivations.threshold import threshold


@dataclass(frozen=True)
class Milestone:
    """A line the exercise wants shown: a product of ``factors`` (each may be written out)."""

    name: str
    factors: tuple[sp.Expr, ...]

    @property
    def ask(self) -> str:
        """What completes "proven, but ..." in the feedback, the factors printed by SymPy."""
        return f"show the {self.name} ${tex(mul(*self.factors))}$"


@dataclass(frozen=True)
class Part:
    """One chain of an exercise: from one of ``start`` to ``goal`` by ``relation``.

    ``goal`` is the lecture's proven result as it prints (a product in its written order).
    """

    result: str | None
    start: tuple[sp.Basic, ...]
    goal: sp.Basic
    relation: str = "="
    var: sp.Symbol | None = None  # the variable of an equivalence chain
    milestones: tuple[Milestone, ...] = ()


@dataclass(frozen=True)
class Exercise:
    """An exercise built from the result(s) ``results`` of the lecture's ``source``."""

    name: str
    title: str
    task: str  # words only: the formulas come from the proven parts (see prompt)
    source: Callable[[], Derivation]
    results: tuple[str | None, ...]
    milestones: tuple[tuple[str | None, Milestone], ...] = ()  # (result, milestone)
    #: the lecture's meanings the source derivation does not need but a student may use
    where: tuple[tuple[sp.Symbol, sp.Basic], ...] = ()
    conditions: tuple[tuple[sp.Symbol, sp.Set], ...] = ()

    @property
    def context(self) -> Derivation:
        """The source derivation's definitions and conditions, with the exercise's own."""
        return _context(self)

    @property
    def parts(self) -> tuple[Part, ...]:
        return _parts(self)

    @property
    def prompt(self) -> str:
        """The task, with each part's start and goal printed from the lecture's proof."""
        sign = {"=": "to", r"\iff": "equivalently to"}
        legs = [f"from ${tex(p.start[0])}$ {sign[p.relation]} ${tex(p.goal)}$"
                for p in self.parts]
        return f"{self.task}: " + "; then, after a blank line, ".join(legs) + "."


@cache
def _context(ex: Exercise) -> Derivation:
    src = ex.source()
    if not ex.where and not ex.conditions:
        return src
    return Derivation(src.title, name=src.name, where=[*src.where, *ex.where],
                      functions=src.functions,
                      conditions={**dict(ex.conditions), **src.conditions})


@cache
def _parts(ex: Exercise) -> tuple[Part, ...]:
    d = ex.source().verify()
    out = []
    for result in ex.results:
        chain = d.chain(result)
        first = chain[0]
        left, sign, right, _ = d.key(result)
        if sign == "=":
            along = all(isinstance(s.relation, (Equal, Apply, ByCases)) for s in chain[1:])
            starts = tuple(dict.fromkeys((left, first.expr) if along else (left,)))
            out.append(Part(result, starts, right, "=",
                            milestones=tuple(m for r, m in ex.milestones if r == result)))
        else:
            var = next(s.relation.var for s in chain if isinstance(s.relation, Equivalent))
            out.append(Part(result, (left,), right, r"\iff", var,
                            tuple(m for r, m in ex.milestones if r == result)))
    return tuple(out)


def _chain_factors(param: sp.Symbol) -> Milestone:
    return Milestone("chain-rule factors",
                     (sp.Derivative(L, a), sp.Derivative(a, z), sp.Derivative(z, param)))


EXERCISES: Mapping[str, Exercise] = MappingProxyType({ex.name: ex for ex in (
    Exercise("sigmoid-derivative", "The derivative of the sigmoid",
             "Differentiate the sigmoid and write the result with the sigmoid itself",
             sigmoid_derivative, ("slope",),
             where=((a, sigma(z)),)),
    Exercise("nll-cases", "The two cases of the NLL loss",
             "Write out the loss for each label", nll_loss,
             ("positive", "negative")),
    Exercise("logistic-gradient", "The gradient for a weight",
             "Derive the gradient of the loss for a weight through the chain rule",
             logistic_gradient, ("weight",),
             (("weight", _chain_factors(w_j)),), conditions=((y, LABELS),)),
    Exercise("bias-gradient", "The gradient for the bias",
             "Derive the gradient of the loss for the bias through the chain rule",
             logistic_gradient, ("bias",),
             (("bias", _chain_factors(b)),), conditions=((y, LABELS),)),
    Exercise("threshold", "The decision threshold",
             "Show, one equivalence per line, when the model predicts class 1", threshold,
             (None,),
             where=((a, sigma(z)),)),
)})


@cache
def free_context() -> Derivation:
    """What the lecture's names mean when no exercise is given.

    σ the sigmoid, ``L(a, y)`` and ``L`` the NLL loss, ``a = σ(z)``, ``z = w^T x + b``
    (written ``w_j x_j + b + s``, ``s`` the other features' share), ``y`` in {0, 1}.
    """
    return Derivation("the lecture's notation", name="free",
                      where=[(L, NLL(a, y)), (a, sigma(z)), (z, w_j * x_j + b + s)],
                      functions={sigma: SIGMOID, loss_of: NLL}, conditions={y: LABELS})
