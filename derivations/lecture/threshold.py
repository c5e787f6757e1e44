"""Derivation 6: predicting a > 1/2 is the same as predicting z > 0."""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.engine import Derivation
from derivations.lecture.symbols import SIGMOID, sigma, z


@cache
def threshold() -> Derivation:
    r"""sigma(z) > 1/2 exactly when z > 0, so the classifier never needs the sigmoid.

    >>> threshold().result()
    z > 0
    """
    d = Derivation("The decision threshold", name="threshold",
                   functions={sigma: SIGMOID}, intro=(
                       r"The model predicts class 1 when $p(y=1 \mid x) = a > 1/2$. "
                       r"Because $\sigma$ is increasing with $\sigma(0) = 1/2$, this is "
                       r"the same as $z > 0$: the decision boundary $w^T x + b = 0$ "
                       r"is a hyperplane."))
    half = sp.S.Half
    d.given(sp.Gt(sigma(z), half, evaluate=False), "predict class 1 when $a > 1/2$")
    d.iff(sp.Gt(1 / (1 + sp.exp(-z)), half, evaluate=False), r"definition of $\sigma$", z)
    d.iff(sp.Lt(1 + sp.exp(-z), 2, evaluate=False),
          "take reciprocals of two positive numbers", z)
    d.iff(sp.Lt(sp.exp(-z), 1, evaluate=False), "subtract 1", z)
    d.iff(sp.Lt(-z, 0, evaluate=False), r"take logarithms ($\log$ is increasing)", z)
    d.iff(sp.Gt(z, 0, evaluate=False), "multiply by $-1$", z)
    return d
