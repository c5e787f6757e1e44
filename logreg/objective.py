"""The objective a fit lowers, J = mean loss + ½λ‖w‖², apart from the solvers that lower it
(as scikit-learn keeps its losses in ``sklearn._loss``): the loss object for two classes or
for K >= 3, the penalty, J itself, and the proven bound L on its curvature with the
descent lemma's step 1/L. Every formula comes from the printed kernels (``logreg.kernels``).

>>> import numpy as np
>>> X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1])
>>> problem = make_problem(X, y, 2, None)
>>> bool(np.isclose(loss(problem, np.zeros((1, 2)), np.zeros(1), l2=0.0), np.log(2)))
True
>>> descent_step(smoothness(4.0, 0.0, softmax=False))      # L = G/4 + λ = 1
1.0
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from logreg import kernels as K
from logreg import multinomial, solvers


def make_problem(X: np.ndarray, index: np.ndarray, n_classes: int,
                 weights: np.ndarray | None) -> Any:
    """The loss on the data: logistic (two classes, one row of weights) or softmax (K >= 3),
    with each label's position ``index`` in the sorted classes; weights made relative."""
    if weights is not None:
        weights = weights / weights.mean()   # relative weights: the loss is their mean
    if n_classes == 2:
        return solvers.BinaryProblem(X, index.astype(X.dtype), weights)
    return multinomial.SoftmaxProblem(X, index, n_classes, weights)


def penalty(W: np.ndarray, l2: float) -> float:
    """½λ‖W‖² (the biases are not penalised)."""
    return float(K.l2_penalty(W, l2).sum()) if l2 else 0.0


def loss(problem: Any, W: np.ndarray, b: np.ndarray, l2: float) -> float:
    """J at (W, b), the penalised mean loss: log K at zero weights, else one pass over X."""
    if not (W.any() or b.any()):
        return math.log(max(problem.rows, 2))
    with np.errstate(over="ignore", invalid="ignore"):
        total = problem.full_pass(W, b)[0]
    return total / problem.X.shape[0] + penalty(W, l2)


# ----------------------------------------------------------------- the seam --
# The proven step size, from derivations.lecture.stepsize through the printed kernels
# (logreg/_kernels.py): smoothness() for two classes, softmax_smoothness() for K >= 3,
# descent_lemma()'s step. Nothing here is typed by hand.
def smoothness(G: float, lam: float, softmax: bool) -> float:
    """L, the proven bound on the loss's curvature, at G and λ."""
    kernel = K.softmax_smoothness if softmax else K.smoothness
    return float(kernel(G, lam))


def descent_step(L: float) -> float:
    """The descent lemma's step 1/L."""
    return float(K.descent_step(L))
