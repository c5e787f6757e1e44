r"""The lecture's derivations offered as exercises: a start, a goal, and milestones.

Each exercise points at a proven result of the lecture (by name): its start is
what the lecture's chain starts from, its goal what the lecture proved, and the
checker uses that derivation's definitions (``where``), functions and declared
conditions. A milestone is an intermediate line the exercise wants to see, such
as the three chain-rule factors; a proven step that skips it is accepted but
flagged.

>>> ex = EXERCISES["logistic-gradient"]
>>> ex.parts[0].start[0], ex.parts[0].goal
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
from derivations.relations import Apply, ByCases, Equal, Equivalent
from derivations.sigmoid import sigmoid_derivative
from derivations.symbols import LABELS, NLL, SIGMOID, L, a, b, s, sigma, w_j, x_j, y, z
from derivations.threshold import threshold


@dataclass(frozen=True)
class Milestone:
    """A line the exercise wants shown: a product of ``factors`` (each may be written out).

    ``ask`` completes "proven, but ..." in the feedback.
    """

    name: str
    ask: str
    factors: tuple[sp.Expr, ...]


@dataclass(frozen=True)
class Part:
    """One chain of an exercise: from one of ``start`` to ``goal`` by ``relation``."""

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
    prompt: str
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
            out.append(Part(result, starts, right.doit(), "=",
                            milestones=tuple(m for r, m in ex.milestones if r == result)))
        else:
            var = next(s.relation.var for s in chain if isinstance(s.relation, Equivalent))
            out.append(Part(result, (left,), right, r"\iff", var,
                            tuple(m for r, m in ex.milestones if r == result)))
    return tuple(out)


def _chain_factors(param: sp.Symbol) -> Milestone:
    return Milestone("chain-rule factors", "show the three chain-rule factors "
                     r"$\frac{\partial L}{\partial a} \frac{\partial a}{\partial z} "
                     r"\frac{\partial z}{\partial " + sp.latex(param) + "}$",
                     (sp.Derivative(L, a), sp.Derivative(a, z), sp.Derivative(z, param)))


EXERCISES: Mapping[str, Exercise] = MappingProxyType({ex.name: ex for ex in (
    Exercise("sigmoid-derivative", "The derivative of the sigmoid",
             r"Show that $\sigma'(z) = \sigma(z)(1 - \sigma(z))$, starting from "
             r"$\sigma(z) = 1/(1+e^{-z})$.", sigmoid_derivative, ("slope",),
             where=((a, sigma(z)),)),
    Exercise("nll-cases", "The two cases of the NLL loss",
             r"Write out the loss $L(a, y) = -[y \log a + (1-y)\log(1-a)]$ for each label: "
             r"$L(a, 1)$, then (after a blank line) $L(a, 0)$.", nll_loss,
             ("positive", "negative")),
    Exercise("logistic-gradient", "The gradient for a weight",
             r"Derive $\partial L/\partial w_j$ for the sigmoid and the NLL loss, where "
             r"$a = \sigma(z)$ and $z = w^T x + b$, through the chain rule.",
             logistic_gradient, ("weight",),
             (("weight", _chain_factors(w_j)),), conditions=((y, LABELS),)),
    Exercise("bias-gradient", "The gradient for the bias",
             r"Derive $\partial L/\partial b$ for the sigmoid and the NLL loss, where "
             r"$a = \sigma(z)$ and $z = w^T x + b$, through the chain rule.",
             logistic_gradient, ("bias",),
             (("bias", _chain_factors(b)),), conditions=((y, LABELS),)),
    Exercise("threshold", "The decision threshold",
             r"Show that predicting $\sigma(z) > \frac{1}{2}$ is the same as $z > 0$, "
             r"one equivalence ($\iff$) per line.", threshold, (None,),
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
