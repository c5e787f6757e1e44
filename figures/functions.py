"""The curves the figures plot: the trainer's kernels and the derivations' results.

Nothing here is typed by hand; each is a kernel of :mod:`logreg.kernels` or a
derivation's proven result through ``sympy.lambdify``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import sympy as sp

import derivations as dv
from derivations.lecture.symbols import a, y
from logreg import kernels

#: σ(z), and σ'(z) = a(1 − a): the trainer's kernels (proven in stable_sigmoid,
#: sigmoid_derivative and stable_curvature)
sigmoid: Callable = kernels.sigmoid
sigmoid_slope: Callable = kernels.curvature
#: row-wise (a_1, ..., a_K) and (log a_1, ..., log a_K) of a matrix of net inputs:
#: the trainer's kernel (proven in derivations.lecture.softmax: shift_invariance and
#: stable_log_softmax)
softmax: Callable = kernels.softmax


@cache
def loss_cases() -> tuple[Callable, Callable]:
    """(−log a, −log(1 − a)): the y = 1 and y = 0 cases of ``nll_loss()``."""
    d = dv.nll_loss()
    return sp.lambdify(a, d.result("positive")), sp.lambdify(a, d.result("negative"))


@cache
def peak() -> tuple[float, float]:
    """(z, σ'(z)) at the slope's maximum: z from ``sigmoid_derivative()``'s σ''(z) = 0."""
    where = dv.sigmoid_derivative().result("stationary")  # the statement z = 0
    return float(where.rhs), float(sigmoid_slope(float(where.rhs)))


@cache
def _delta(derivation: Callable[[], dv.Derivation]) -> Callable:
    expr = derivation().result("delta").doit()
    return sp.lambdify((a, y), expr)


def nll_gradient(z: np.ndarray, label: float) -> np.ndarray:
    """∂L/∂z = a − y for the NLL loss (the trainer's delta kernel)."""
    return kernels.delta(z, np.full_like(z, label))


def mse_gradient(z: np.ndarray, label: float) -> np.ndarray:
    """∂L/∂z = (a − y) a (1 − a) for a sigmoid with squared error."""
    return _delta(dv.sigmoid_mse_gradient)(sigmoid(z), label)
