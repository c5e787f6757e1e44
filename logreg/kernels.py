"""The trainer's formulas, lambdified from the proven stable forms in ``derivations``.

| kernel | formula | proven in |
| --- | --- | --- |
| ``sigmoid(z)`` | e^{min(z,0)} / (1 + e^{-abs(z)}) = σ(z) | ``derivations.stable_sigmoid`` |
| ``loss(z, y)`` | max(t,0) + log1p(e^{-abs(t)}), t = (1-2y)z | ``derivations.stable_loss`` |
| ``delta(z, y)`` | (1-2y) σ((1-2y)z) = a - y = ∂L/∂z | ``derivations.stable_delta`` |
| ``curvature(z)`` | e^{-abs(z)} / (1+e^{-abs(z)})^2 = a(1-a) | ``derivations.stable_curvature`` |
| ``l2_penalty(w, lam)`` | λ/2 w² (per weight; sum for ½λ‖w‖²) | ``derivations.curvature.PENALTY`` |
| ``l2_gradient(w, lam)`` | λ w | ``derivations.l2_penalty`` |
| ``l2_hessian(lam)`` | λ (the Hessian's diagonal) | ``derivations.l2_penalty`` |

No exponent is ever positive, so no kernel overflows or warns for any finite
input; NumPy kernels keep the input's dtype (float32 in, float32 out). The
``*_scalar`` twins are printed for Python's ``math`` module, for the
per-example loop. Labels must be 0 or 1.

>>> float(sigmoid(0.0)), float(delta(800.0, 1.0)), float(loss(-800.0, 0.0))
(0.5, -0.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp

from derivations import stable_curvature, stable_delta, stable_loss, stable_sigmoid
from derivations.curvature import PENALTY
from derivations.curvature import l2_penalty as l2_penalty_derivation
from derivations.symbols import lam, w_j, y, z

__all__ = [
    "curvature",
    "delta",
    "delta_scalar",
    "l2_gradient", "l2_hessian", "l2_penalty",
    "loss",
    "loss_and_delta",
    "loss_scalar",
    "sigmoid",
    "sigmoid_scalar",
]


def compile_numpy(args: tuple[sp.Symbol, ...] | sp.Symbol,
                  expr: sp.Expr | list[sp.Expr]) -> Callable:
    """``lambdify`` for NumPy, with common subexpressions computed once.

    A list of expressions gives one function returning a list, sharing work
    (the loss and the delta share e^{-|z|}).
    """
    # the module object itself, not "numpy": lambdify then reads np.__dict__ instead of
    # running "from numpy import *", which costs 0.1 s of `import logreg` (measured)
    body = [e.doit() for e in expr] if isinstance(expr, list) else expr.doit()
    return sp.lambdify(args, body, modules=[np], cse=True)


def compile_math(args: tuple[sp.Symbol, ...] | sp.Symbol, expr: sp.Expr) -> Callable:
    """``lambdify`` for Python floats (``math`` module), for per-example loops."""
    return sp.lambdify(args, expr.doit(), modules="math", cse=True)


_SIGMOID = stable_sigmoid().result()
_LOSS = stable_loss().result("loss")
_DELTA = stable_delta().result()
_CURVATURE = stable_curvature().result()
_L2 = l2_penalty_derivation().result("gradient")

sigmoid = compile_numpy(z, _SIGMOID)
loss = compile_numpy((z, y), _LOSS)
delta = compile_numpy((z, y), _DELTA)
curvature = compile_numpy(z, _CURVATURE)
#: ``loss(z, y), delta(z, y)`` in one call that computes e^{-|z|} once
loss_and_delta = compile_numpy((z, y), [_LOSS, _DELTA])
l2_penalty = compile_numpy((w_j, lam), PENALTY)
l2_gradient = compile_numpy((w_j, lam), _L2)
l2_hessian = compile_numpy(lam, l2_penalty_derivation().result("diagonal"))

sigmoid_scalar = compile_math(z, _SIGMOID)
loss_scalar = compile_math((z, y), _LOSS)
delta_scalar = compile_math((z, y), _DELTA)
