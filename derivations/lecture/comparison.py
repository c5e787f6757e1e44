"""Derivation 4: Adaline and logistic regression share the update (a - y) x_j."""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.engine import Derivation
from derivations.lecture.chain_rule import adaline_gradient, logistic_gradient, sigmoid_mse_gradient
from derivations.lecture.symbols import a, b, mul, s, w_j, x_j, y, z

i = sp.Symbol("i", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
A, Y, X, S = (sp.IndexedBase(name) for name in ("a", "y", "x_j", "s"))


@cache
def adaline_comparison() -> Derivation:
    r"""Adaline's gradient in the 1/2 and 1/n conventions, and dL/dz side by side.

    >>> adaline_comparison().result("squared")
    2*(a - y)*x_j
    """
    d = Derivation("Adaline and logistic regression compared", name="adaline-comparison",
                   where=[(A[i], w_j * X[i] + b + S[i]), (a, z), (z, w_j * x_j + b + s)],
                   intro=(
        r"Adaline uses the identity activation $a = z$ and the squared error. Its "
        r"gradient has the same form as logistic regression's: only how $a$ is "
        r"computed differs."))
    d.from_(mul(a - y, x_j), r"Adaline, per example, loss $\frac{1}{2}(a-y)^2$",
            adaline_gradient(), "weight", name="adaline")
    d.given(sp.Derivative((a - y) ** 2, w_j), r"without the $\frac{1}{2}$: loss $(a-y)^2$",
            name="squared")
    d.equal(mul(2, a - y, x_j), r"the 2 from the square stays")
    mean = sp.Sum((A[i] - Y[i]) ** 2, (i, 1, n)) / (2 * n)
    d.given(sp.Derivative(mean, w_j), r"mean over $n$ examples, with the $\frac{1}{2}$",
            name="mean")
    d.equal(sp.Sum(mul(A[i] - Y[i], X[i]), (i, 1, n)) / n,
            r"the $\frac{1}{2}$ cancels the 2; the $\frac{1}{n}$ stays")
    for source, why, name in (
            (logistic_gradient(), r"logistic regression: sigmoid and NLL", "logistic-delta"),
            (adaline_gradient(), r"Adaline: identity and squared error", "adaline-delta"),
            (sigmoid_mse_gradient(), r"sigmoid with squared error: nothing cancels",
             "sigmoid-mse-delta")):
        d.from_(source.result("delta"), why, source, "delta", name=name)
    return d
