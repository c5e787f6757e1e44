"""Derivation 3: the chain rule for one weight, for any activation and loss.

Logistic regression (sigmoid + NLL), Adaline (identity + MSE) and the
cautionary sigmoid + MSE are three calls of :func:`chain_rule`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import sympy as sp

from derivations.engine import Derivation
from derivations.lecture.symbols import MSE, NLL, SIGMOID, L, a, b, mul, s, sigma, w_j, x_j, y, z


def chain_rule(activation: sp.Expr, loss: sp.Lambda, *, title: str, name: str,
               dL_da: sp.Expr, da_dz: sp.Expr, da_dz_why: str,
               delta_steps: Sequence[tuple[sp.Expr, str]], intro: str = "") -> Derivation:
    r"""dL/dw_j = dL/da * da/dz * dz/dw_j for ``L = loss(a, y)``, ``a = activation``.

    ``activation`` is written in ``z``: ``sigma(z)`` or ``z`` itself.

    ``dL_da`` and ``da_dz`` are the two factors written in ``a`` and ``y``;
    ``delta_steps`` simplify their product, the last one being dL/dz.
    Three named results: ``"weight"`` (dL/dw_j), ``"bias"`` (dL/db), ``"delta"`` (dL/dz).
    The net input is ``z = w_j x_j + b + s``, ``s`` the other features' share.
    """
    d = Derivation(title, name=name, intro=intro,
                   where=[(L, loss(a, y)), (a, activation), (z, w_j * x_j + b + s)],
                   functions={sigma: SIGMOID})
    dL, da, dz = sp.Derivative(L, a), sp.Derivative(a, z), sp.Derivative
    factors_why = (r"differentiate the loss; " + da_dz_why + r"; $z$ is linear in $w_j$")
    for param, dz_dp, result in ((w_j, x_j, "weight"), (b, sp.S.One, "bias")):
        d.given(sp.Derivative(L, param), "the loss through the activation and the net input",
                name=result)
        d.equal(mul(dL, da, dz(z, param)), "chain rule")
        extra = (dz_dp,) if param is w_j else ()
        d.equal(mul(dL_da, da_dz, *extra), factors_why if extra else
                r"the same factors; $\partial z/\partial b = 1$")
        for expr, why in delta_steps:
            d.equal(mul(expr, *extra) if extra else expr, why)
    d.given(sp.Derivative(L, z), "the error signal at the net input", name="delta")
    d.equal(mul(dL, da), "chain rule")
    d.equal(mul(dL_da, da_dz), "the same two factors")
    for expr, why in delta_steps:
        d.equal(expr, why)
    return d


@cache
def logistic_gradient() -> Derivation:
    """Sigmoid + NLL: dL/dw_j = (a - y) x_j, dL/db = a - y, dL/dz = a - y.

    >>> logistic_gradient().result("delta")
    a - y
    """
    return chain_rule(
        sigma(z), NLL, title="The gradient of the logistic loss", name="logistic-gradient",
        dL_da=-y / a + (1 - y) / (1 - a), da_dz=mul(a, 1 - a),
        da_dz_why=r"$\sigma' = \sigma(1-\sigma) = a(1-a)$",
        delta_steps=[(-y * (1 - a) + (1 - y) * a, "multiply out"),
                     (a - y, r"the $a y$ terms cancel")],
        intro=(r"Three factors: how the loss changes with the activation, how the "
               r"activation changes with the net input, and how the net input changes "
               r"with the weight. For the sigmoid and the NLL loss the first two "
               r"collapse to $a - y$."))


@cache
def adaline_gradient() -> Derivation:
    """Identity + MSE (Adaline): dL/dw_j = (a - y) x_j, the same rule."""
    return chain_rule(
        z, MSE, title="The gradient of Adaline's loss", name="adaline-gradient",
        dL_da=a - y, da_dz=sp.S.One, da_dz_why=r"$a = z$, so $\partial a/\partial z = 1$",
        delta_steps=[(a - y, r"multiply by 1")],
        intro=r"Adaline: identity activation $a = z$ and the loss $\frac{1}{2}(a-y)^2$.")


@cache
def sigmoid_mse_gradient() -> Derivation:
    """Sigmoid + MSE: dL/dz = (a - y) a (1 - a), which vanishes when a is near 0 or 1."""
    return chain_rule(
        sigma(z), MSE, title="The gradient of the sigmoid with squared error",
        name="sigmoid-mse-gradient", dL_da=a - y, da_dz=mul(a, 1 - a),
        da_dz_why=r"$\sigma' = a(1-a)$",
        delta_steps=[(mul(a - y, a, 1 - a), r"nothing cancels: $a(1-a)$ stays")],
        intro=(r"With the squared error the factor $a(1-a)$ does not cancel: when the "
               r"prediction is confidently wrong, $a(1-a) \approx 0$ and so is the "
               r"gradient."))


@cache
def composed_gradient_symbolic() -> Derivation:
    """Cross-check for any number m of features: d/dw_j L(sigma(sum_k w_k x_k + b), y).

    SymPy differentiates the sum through a Kronecker delta and answers with a
    case split on j <= m; writing m = j + p with p >= 0 (feature j exists)
    settles it.
    """
    m = sp.Symbol("m", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    j = sp.Symbol("j", integer=True, positive=True)
    p = sp.Symbol("p", integer=True, nonnegative=True)
    w, x = sp.IndexedBase("w", real=True), sp.IndexedBase("x", real=True)
    net = sp.Sum(w[k] * x[k], (k, 1, m)) + b
    d = Derivation("The composed gradient, any m", name="composed-gradient",
                   where=[(a, SIGMOID(net)), (m, j + p)])
    d.given(sp.Derivative(NLL(SIGMOID(net), y), w[j]), r"the composed loss, feature $j \leq m$")
    d.equal(mul(a - y, x[j]), r"equals the chain-rule result $(a - y) x_j$")
    return d


def composed_gradient(m: int, j: int = 1) -> Derivation:
    """Cross-check: differentiate L(sigma(sum_k w_k x_k + b), y) directly, m features.

    No chain-rule bookkeeping: the composed function is differentiated in one go
    and must agree with :func:`logistic_gradient`'s (a - y) x_j.
    """
    if not 1 <= j <= m:
        raise ValueError(f"feature index j must be in 1..{m}, got {j}")
    ws = sp.symbols(f"w_1:{m + 1}", real=True)
    xs = sp.symbols(f"x_1:{m + 1}", real=True)
    net = sum(w * x for w, x in zip(ws, xs, strict=True)) + b
    d = Derivation(f"The composed gradient, m = {m}", name=f"composed-gradient-{m}",
                   where=[(a, SIGMOID(net))])
    d.given(sp.Derivative(NLL(SIGMOID(net), y), ws[j - 1]), "the composed loss")
    d.equal(mul(a - y, xs[j - 1]), r"equals the chain-rule result $(a - y) x_j$")
    return d
