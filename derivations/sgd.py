"""Derivation 5: the stochastic gradient descent rule, per example and per minibatch."""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.chain_rule import BIAS, WEIGHT, logistic_gradient
from derivations.core import Derivation
from derivations.symbols import L, a, b, eta, mul, w_j, x_j, y

i = sp.Symbol("i", integer=True, positive=True)
B = sp.Symbol("B", integer=True, positive=True)

ALGORITHM = (
    r"initialise $w_j \leftarrow 0$, $b \leftarrow 0$",
    r"for each epoch: shuffle the training examples",
    r"for each example $(x, y)$: $z \leftarrow w^T x + b$, $a \leftarrow \sigma(z)$",
    r"$w_j \leftarrow w_j - \eta (a - y) x_j$ for every $j$; "
    r"$b \leftarrow b - \eta (a - y)$",
)


@cache
def sgd_rule() -> Derivation:
    r"""w_j <- w_j - eta (a - y) x_j and b <- b - eta (a - y); minibatches average.

    >>> sgd_rule().verify().steps[1].expr
    w_j - eta*(a - y)*x_j
    """
    d = Derivation("Stochastic gradient descent", (w_j, b, eta), name="sgd-rule", intro=(
        r"Gradient descent takes a step of size $\eta$ (the learning rate) against "
        r"the gradient. Stochastic gradient descent uses one example's gradient at a "
        r"time; minibatch gradient descent averages it over a batch of $B$ examples."))
    d.given(w_j - mul(eta, sp.Derivative(L, w_j)), "a step against the gradient", label=w_j,
            symbol=r"\leftarrow")
    d.update(w_j, w_j - mul(eta, a - y, x_j), r"per example: $\partial L/\partial w_j$",
             logistic_gradient(), eta, chain=WEIGHT)
    d.update(b, b - mul(eta, a - y), r"per example: $\partial L/\partial b$",
             logistic_gradient(), eta, chain=BIAS)
    A, Y, X = (sp.IndexedBase(v) for v in ("a", "y", "x_j"))
    d.update(w_j, w_j - mul(eta / B, sp.Sum(mul(A[i] - Y[i], X[i]), (i, 1, B))),
             "minibatch: the mean gradient over the batch", logistic_gradient(), eta,
             chain=WEIGHT, batch=(i, B), per_example=(a, y, x_j))
    d.update(b, b - mul(eta / B, sp.Sum(A[i] - Y[i], (i, 1, B))),
             "minibatch, bias", logistic_gradient(), eta, chain=BIAS, batch=(i, B),
             per_example=(a, y))
    return d
