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

from derivations.engine import Derivation
from derivations.lecture.chain_rule import logistic_gradient
from derivations.lecture.curvature import curvature
from derivations.lecture.loss import loss_of
from derivations.lecture.symbols import LABELS, NLL, SIGMOID, a, mul, sigma, softplus, t, y, z


def sign_cases(var: sp.Symbol) -> tuple[sp.Basic, sp.Basic]:
    """The cases var > 0 and var <= 0."""
    return (var > 0, var <= 0)


#: the cases y = 0 and y = 1
LABEL_CASES = (sp.Eq(y, 0), sp.Eq(y, 1))


def _stable_sigmoid_expr(arg: sp.Expr) -> sp.Expr:
    return sp.exp(sp.Min(arg, 0)) / (1 + sp.exp(-sp.Abs(arg)))


@cache
def stable_sigmoid() -> Derivation:
    """sigma(z) = e^{min(z,0)} / (1 + e^{-|z|}), which never overflows.

    >>> stable_sigmoid().result()
    exp(Min(0, z))/(1 + exp(-Abs(z)))
    """
    d = Derivation("An overflow-free sigmoid", name="stable-sigmoid",
                   functions={sigma: SIGMOID}, intro=(
                       r"For $z \ll 0$, $e^{-z}$ overflows. Multiplying by $e^z/e^z$ "
                       r"when $z \leq 0$ keeps every exponent at or below zero."))
    d.given(1 / (1 + sp.exp(-z)), "the lecture's definition", label=sigma(z), name="sigmoid")
    d.by_cases(_stable_sigmoid_expr(z),
               r"$z > 0$: unchanged; $z \leq 0$: multiply by $e^{z}/e^{z}$", z, sign_cases(z))
    return d


@cache
def stable_loss() -> Derivation:
    """L(z, y) = max(t, 0) + log1p(e^{-|t|}) with t = (1 - 2y) z, for y in {0, 1}.

    >>> stable_loss().result("loss")
    log1p(exp(-Abs(z*(2*y - 1)))) + Max(0, z*(1 - 2*y))
    """
    d = Derivation("A stable logistic loss", name="stable-loss", conditions={y: LABELS},
                   functions={sigma: SIGMOID, loss_of: NLL,
                              softplus: sp.Lambda(t, sp.log(1 + sp.exp(t)))}, intro=(
        r"Written in the net input $z$, the loss is a softplus. The form "
        r"$\operatorname{softplus}(z) - y z$ would lose every digit for $y = 1$ and "
        r"large $z$; flipping the sign of $z$ with the label does not."))
    d.given(sp.log(1 + sp.exp(t)), "definition", label=softplus(t), name="softplus")
    d.by_cases(sp.Max(t, 0) + log1p(sp.exp(-sp.Abs(t))),
               r"$t > 0$: take $e^t$ out of the logarithm", t, sign_cases(t))
    d.given(mul(-1, y * sp.log(sigma(z)) + (1 - y) * sp.log(1 - sigma(z))),
            r"the NLL loss at $a = \sigma(z)$", label=loss_of(sigma(z), y), name="loss")
    d.by_cases(softplus((1 - 2 * y) * z),
               r"$y = 1$: $\log(1+e^{-z})$; $y = 0$: $\log(1+e^{z})$", y, LABEL_CASES)
    tt = (1 - 2 * y) * z
    d.apply(sp.Max(tt, 0) + log1p(sp.exp(-sp.Abs(tt))),
            r"the softplus identity above at $t = (1-2y) z$", t, result="softplus")
    return d


@cache
def stable_delta() -> Derivation:
    """dL/dz = (1 - 2y) sigma((1 - 2y) z) for y in {0, 1}, in the stable sigmoid."""
    d = Derivation("A stable error signal", name="stable-delta", conditions={y: LABELS},
                   where=[(a, sigma(z))], functions={sigma: SIGMOID}, intro=(
                       r"For $y = 1$, $a - 1$ cancels when $a \approx 1$; "
                       r"$-\sigma(-z)$ is the same number without the cancellation."))
    d.from_(a - y, "the chain rule", logistic_gradient(), "delta", name="delta")
    d.equal(sigma(z) - y, r"$a = \sigma(z)$")
    s = 1 - 2 * y
    d.by_cases(mul(s, sigma(s * z)), r"$y = 1$: $\sigma(z) - 1 = -\sigma(-z)$", y,
               LABEL_CASES)
    d.apply(mul(s, _stable_sigmoid_expr(s * z)), "the overflow-free sigmoid", z,
            source=stable_sigmoid(), result="sigmoid")
    return d


@cache
def stable_curvature() -> Derivation:
    """d^2L/dz^2 = a(1 - a) = e^{-|z|} / (1 + e^{-|z|})^2."""
    d = Derivation("A stable curvature", name="stable-curvature",
                   where=[(a, sigma(z))], functions={sigma: SIGMOID}, intro=(
                       r"$a(1-a)$ rounds to 0 long before it underflows when "
                       r"$a \approx 1$; one exponential of $-|z|$ keeps it accurate."))
    d.from_(mul(a, 1 - a), "the curvature", curvature(), "net-input", name="curvature")
    d.equal(mul(sigma(z), 1 - sigma(z)), r"$a = \sigma(z)$")
    d.equal(mul(sigma(z), sigma(-z)), r"$1 - \sigma(z) = \sigma(-z)$")
    d.apply(mul(_stable_sigmoid_expr(z), _stable_sigmoid_expr(-z)),
            "the overflow-free sigmoid", z, source=stable_sigmoid(), result="sigmoid")
    d.by_cases(sp.exp(-sp.Abs(z)) / (1 + sp.exp(-sp.Abs(z))) ** 2,
               r"$\min(z, 0) + \min(-z, 0) = -|z|$", z, sign_cases(z))
    return d
