"""Derivation 5: the stochastic gradient descent rule, per example and per minibatch."""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.engine import Derivation
from derivations.lecture.chain_rule import logistic_gradient
from derivations.lecture.symbols import SIGMOID, a, b, eta, mul, s, sigma, w_j, x_j, y, z

i = sp.Symbol("i", integer=True, positive=True)
B = sp.Symbol("B", integer=True, positive=True)


@cache
def sgd_rule() -> Derivation:
    r"""w_j <- w_j - eta (a - y) x_j and b <- b - eta (a - y); minibatches average.

    >>> sgd_rule().result("weight")
    w_j - eta*(a - y)*x_j
    """
    d = Derivation("Stochastic gradient descent", name="sgd-rule",
                   where=[(a, sigma(z)), (z, w_j * x_j + b + s)], functions={sigma: SIGMOID},
                   intro=(
        r"Gradient descent takes a step of size $\eta$ (the learning rate) against "
        r"the gradient. Stochastic gradient descent uses one example's gradient at a "
        r"time; minibatch gradient descent averages it over a batch of $B$ examples."))
    d.update(w_j, w_j - mul(eta, a - y, x_j), "per example: a step against the gradient",
             logistic_gradient(), eta, "weight", name="weight")
    d.update(b, b - mul(eta, a - y), "per example, the bias", logistic_gradient(), eta,
             "bias", name="bias")
    A, Y, X = (sp.IndexedBase(v) for v in ("a", "y", "x_j"))
    d.update(w_j, w_j - mul(eta / B, sp.Sum(mul(A[i] - Y[i], X[i]), (i, 1, B))),
             "minibatch: the mean gradient over the batch", logistic_gradient(), eta,
             "weight", batch=(i, B), per_example=(a, y, x_j), name="weight-minibatch")
    d.update(b, b - mul(eta / B, sp.Sum(A[i] - Y[i], (i, 1, B))),
             "minibatch, the bias", logistic_gradient(), eta, "bias", batch=(i, B),
             per_example=(a, y), name="bias-minibatch")
    return d


def algorithm() -> tuple[str, ...]:
    r"""The SGD algorithm box: its update line is printed from the proven rule.

    >>> print(algorithm()[-1].split("; ")[0])
    $w_{j} \leftarrow w_{j} - \eta \left(a - y\right) x_{j}$ for every $j$
    """
    from derivations.engine import step_line

    d = sgd_rule().verify()
    weight, bias = (d.chain(name)[-1] for name in ("weight", "bias"))
    return ("initialise every weight and the bias to 0",
            "for each epoch: shuffle the training examples",
            "for each example $(x, y)$: compute the net input $z$ and the activation $a$",
            f"${step_line(weight)}$ for every $j$; ${step_line(bias)}$")
