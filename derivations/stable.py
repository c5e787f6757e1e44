"""Numerically stable forms, each proven equal to the lecture's form.

These are the expressions :mod:`logreg.kernels` prints to NumPy:

- sigma(z) = e^{min(z, 0)} / (1 + e^{-|z|}): no exponent is ever positive;
- L(z, y) = softplus((1 - 2y) z) for y in {0, 1}, with
  softplus(t) = max(t, 0) + log1p(e^{-|t|}): no overflow, no cancellation;
- dL/dz = (1 - 2y) sigma((1 - 2y) z): a - y without cancelling 1 - a near a = 1;
- d^2L/dz^2 = e^{-|z|} / (1 + e^{-|z|})^2.
"""

from __future__ import annotations

from functools import cache

import sympy as sp
from sympy.codegen.cfunctions import log1p

from derivations.chain_rule import DELTA, logistic_gradient
from derivations.core import Derivation
from derivations.curvature import NET_INPUT, curvature
from derivations.symbols import SIGMOID, a, mul, sigma, softplus, t, y, z

_p = sp.Symbol("p", positive=True)
_q = sp.Symbol("q", nonnegative=True)
_L = sp.Function("L")


def sign_cases(var: sp.Symbol) -> tuple[tuple[sp.Basic, sp.Expr], ...]:
    """The cases var > 0 and var <= 0, as (condition, replacement) pairs."""
    return ((var > 0, _p), (var <= 0, -_q))


#: the cases y = 0 and y = 1, with the domain they cover
LABEL_CASES = ((sp.Eq(y, 0), sp.S.Zero), (sp.Eq(y, 1), sp.S.One))
LABELS = sp.FiniteSet(0, 1)


def _stable_sigmoid_expr(arg: sp.Expr) -> sp.Expr:
    return sp.exp(sp.Min(arg, 0)) / (1 + sp.exp(-sp.Abs(arg)))


@cache
def stable_sigmoid() -> Derivation:
    """sigma(z) = e^{min(z,0)} / (1 + e^{-|z|}), which never overflows.

    >>> stable_sigmoid().verify().result()
    exp(Min(0, z))/(1 + exp(-Abs(z)))
    """
    d = Derivation("An overflow-free sigmoid", (z,), name="stable-sigmoid",
                   functions={sigma: SIGMOID}, intro=(
                       r"For $z \ll 0$, $e^{-z}$ overflows. Multiplying by $e^z/e^z$ "
                       r"when $z \leq 0$ keeps every exponent at or below zero."))
    d.given(1 / (1 + sp.exp(-z)), "the lecture's definition", label=sigma(z))
    d.by_cases(_stable_sigmoid_expr(z),
               r"$z > 0$: unchanged; $z \leq 0$: multiply by $e^{z}/e^{z}$", z, sign_cases(z))
    return d


@cache
def stable_loss() -> Derivation:
    """L(z, y) = max(t, 0) + log1p(e^{-|t|}) with t = (1 - 2y) z, for y in {0, 1}."""
    d = Derivation("A stable logistic loss", (z, y), name="stable-loss",
                   functions={sigma: SIGMOID,
                              softplus: sp.Lambda(t, sp.log(1 + sp.exp(t)))}, intro=(
        r"Written in the net input $z$, the loss is a softplus. The form "
        r"$\operatorname{softplus}(z) - y z$ would lose every digit for $y = 1$ and "
        r"large $z$; flipping the sign of $z$ with the label does not."))
    d.given(sp.log(1 + sp.exp(t)), "definition", label=softplus(t))
    d.by_cases(sp.Max(t, 0) + log1p(sp.exp(-sp.Abs(t))),
               r"$t > 0$: take $e^t$ out of the logarithm", t, sign_cases(t))
    d.given(mul(-1, y * sp.log(sigma(z)) + (1 - y) * sp.log(1 - sigma(z))),
            r"the NLL loss with $a = \sigma(z)$", label=_L(z, y))
    d.by_cases(softplus((1 - 2 * y) * z),
               r"$y = 1$: $\log(1+e^{-z})$; $y = 0$: $\log(1+e^{z})$", y, LABEL_CASES, LABELS)
    tt = (1 - 2 * y) * z
    d.apply(sp.Max(tt, 0) + log1p(sp.exp(-sp.Abs(tt))),
            r"the softplus identity above, $t = (1-2y) z$", t, chain=0)
    return d


@cache
def stable_delta() -> Derivation:
    """dL/dz = (1 - 2y) sigma((1 - 2y) z) for y in {0, 1}, in the stable sigmoid."""
    d = Derivation("A stable error signal", (z, y), name="stable-delta",
                   where=[(a, sigma(z))], functions={sigma: SIGMOID}, intro=(
                       r"For $y = 1$, $a - 1$ cancels when $a \approx 1$; "
                       r"$-\sigma(-z)$ is the same number without the cancellation."))
    d.from_(a - y, "the chain rule", logistic_gradient(), chain=DELTA,
            label=sp.Derivative(sp.Symbol("L"), z))
    d.equal(sigma(z) - y, r"$a = \sigma(z)$")
    s = 1 - 2 * y
    d.by_cases(mul(s, sigma(s * z)), r"$y = 1$: $\sigma(z) - 1 = -\sigma(-z)$", y,
               LABEL_CASES, LABELS)
    d.apply(mul(s, _stable_sigmoid_expr(s * z)), "the overflow-free sigmoid", z,
            source=stable_sigmoid())
    return d


@cache
def stable_curvature() -> Derivation:
    """d^2L/dz^2 = a(1 - a) = e^{-|z|} / (1 + e^{-|z|})^2."""
    d = Derivation("A stable curvature", (z,), name="stable-curvature",
                   where=[(a, sigma(z))], functions={sigma: SIGMOID}, intro=(
                       r"$a(1-a)$ rounds to 0 long before it underflows when "
                       r"$a \approx 1$; one exponential of $-|z|$ keeps it accurate."))
    d.from_(mul(a, 1 - a), "the curvature", curvature(), chain=NET_INPUT,
            label=sp.Derivative(sp.Symbol("L"), (z, 2)))
    d.equal(mul(sigma(z), 1 - sigma(z)), r"$a = \sigma(z)$")
    d.equal(mul(sigma(z), sigma(-z)), r"$1 - \sigma(z) = \sigma(-z)$")
    d.apply(mul(_stable_sigmoid_expr(z), _stable_sigmoid_expr(-z)),
            "the overflow-free sigmoid", z, source=stable_sigmoid())
    d.by_cases(sp.exp(-sp.Abs(z)) / (1 + sp.exp(-sp.Abs(z))) ** 2,
               r"$\min(z, 0) + \min(-z, 0) = -|z|$", z, sign_cases(z))
    return d
