"""Derivation 7: the curvature a(1 - a) behind Newton's method, and the L2 penalty."""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.engine import Derivation
from derivations.lecture.symbols import (
    NLL,
    SIGMOID,
    L,
    a,
    b,
    lam,
    mul,
    s,
    sigma,
    w_j,
    w_k,
    x_j,
    x_k,
    y,
    z,
)

#: one weight's share of the L2 penalty R = sum_k lambda/2 w_k^2
PENALTY = lam / 2 * w_j**2


@cache
def curvature() -> Derivation:
    r"""d^2L/dz^2 = a(1 - a) and d^2L/(dw_j dw_k) = a(1 - a) x_j x_k.

    >>> curvature().result("net-input")
    a*(1 - a)
    """
    d = Derivation("The curvature and Newton's method", name=(
        "curvature"), where=[(L, NLL(a, y)), (a, sigma(z)), (z, w_j * x_j + w_k * x_k + b + s)],
        functions={sigma: SIGMOID}, intro=(
            r"Newton's method divides the gradient by the curvature. Over $n$ examples "
            r"the Hessian is $H = \frac{1}{n} X^T \mathrm{diag}(a(1-a)) X$, always "
            r"positive semi-definite, so the loss is convex; each iteration solves "
            r"$H \Delta = \nabla L$ and sets $w \leftarrow w - \Delta$."))
    d.given(sp.Derivative(L, (z, 2)), "differentiate the loss twice in the net input",
            name="net-input")
    d.equal(sp.Derivative(a - y, z), r"$\partial L/\partial z = a - y$ (chain rule)")
    d.equal(sp.Derivative(a, z), "the label does not depend on $z$")
    d.equal(mul(a, 1 - a), r"$\sigma' = \sigma(1 - \sigma)$")
    d.given(sp.Derivative(L, w_j, w_k), "one entry of the Hessian", name="hessian")
    d.equal(mul(sp.Derivative(L, (z, 2)), x_j, x_k), r"$z$ is linear in $w_j$ and $w_k$")
    d.equal(mul(a, 1 - a, x_j, x_k), "the curvature above")
    return d


@cache
def l2_penalty() -> Derivation:
    r"""R = lambda/2 * sum_k w_k^2 adds lambda w_j to the gradient, lambda to the diagonal.

    >>> l2_penalty().result("gradient")
    lambda*w_j
    """
    q = sp.Symbol("q", nonnegative=True)  # the other weights' squares
    d = Derivation("The L2 penalty", name="l2-penalty", intro=(
        r"The penalty $R = \frac{\lambda}{2} \sum_k w_k^2$ (the bias is not penalised) "
        r"is added to the mean loss. It shrinks every weight by $\eta\lambda w_j$ per "
        r"step and adds $\lambda$ to the Hessian's diagonal."))
    d.given(sp.Derivative(PENALTY + lam / 2 * q, w_j), r"$R$ with the other weights in $q$",
            name="gradient")
    d.equal(lam * w_j, "power rule")
    d.given(sp.Derivative(PENALTY + lam / 2 * q, (w_j, 2)), "the diagonal of its Hessian",
            name="diagonal")
    d.equal(lam, "differentiate again")
    d.given(sp.Derivative(lam / 2 * (w_j**2 + w_k**2 + q), w_j, w_k),
            r"off the diagonal, $j \neq k$", name="off-diagonal")
    d.equal(sp.S.Zero, r"$\partial R/\partial w_j$ does not involve $w_k$")
    return d
