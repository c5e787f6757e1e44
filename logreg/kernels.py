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
| ``softmax(Z)`` | e^{z_k-M}/S, z_k-M-log S; S = Σ e^{z_c-M} | ``shift_invariance`` and co. |
| ``softmax_delta(A, Y)`` | a_j - y_j = ∂L/∂z_j | ``derivations.softmax_gradient`` |
| ``softmax_curvature(aj, ak, δ)`` | a_j(δ_jk - a_k) = ∂²L/∂z_j∂z_k | ``softmax_hessian`` |

No exponent is ever positive, so no kernel overflows or warns for any finite
input; NumPy kernels keep the input's dtype (float32 in, float32 out). The
``*_scalar`` twins are printed for Python's ``math`` module, for the
per-example loop. Labels must be 0 or 1.

>>> float(sigmoid(0.0)), float(delta(800.0, 1.0)), float(loss(-800.0, 0.0))
(0.5, -0.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import sympy as sp

from derivations import stable_curvature, stable_delta, stable_loss, stable_sigmoid
from derivations.curvature import PENALTY
from derivations.curvature import l2_penalty as l2_penalty_derivation
from derivations.softmax import (
    A,
    M,
    Y,
    j,
    k,
    shift_invariance,
    softmax_gradient,
    softmax_hessian,
    stable_log_softmax,
)
from derivations.symbols import lam, w_j, y, z

__all__ = [
    "curvature",
    "delta",
    "delta_scalar",
    "l2_gradient", "l2_hessian", "l2_penalty",
    "loss",
    "loss_and_delta", "loss_and_delta_signed",
    "loss_scalar",
    "sigmoid",
    "sigmoid_scalar",
    "softmax", "softmax_curvature", "softmax_delta", "softmax_loss", "split_sum", "split_sums",
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
#: the same two in the label's sign s = 1 - 2y (y = (1 - s)/2; s = +1 for y = 0, -1 for
#: y = 1), which a pass computes once: a third fewer operations per element
_SIGN = sp.Symbol("s", real=True)
_SIGNED = [e.subs(y, (1 - _SIGN) / 2) for e in (_LOSS, _DELTA)]
loss_and_delta_signed = compile_numpy((z, _SIGN), _SIGNED)
l2_penalty = compile_numpy((w_j, lam), PENALTY)
l2_gradient = compile_numpy((w_j, lam), _L2)
l2_hessian = compile_numpy(lam, l2_penalty_derivation().result("diagonal"))

sigmoid_scalar = compile_math(z, _SIGMOID)
loss_scalar = compile_math((z, y), _LOSS)
delta_scalar = compile_math((z, y), _DELTA)



# ----------------------------------------------------------------- softmax --
# Rows of Z hold the net inputs z_1, ..., z_K of one example. Each proven formula
# sums over the classes; :func:`split_sum` cuts it into the sum's term (computed
# elementwise) and the rest (computed from the row sum S), so NumPy sums along rows.

def split_sum(expr: sp.Expr, index: sp.Symbol) -> tuple[sp.Expr, sp.Expr | None]:
    """``(outer, term)``: ``expr`` at class ``index`` with its one sum replaced by ``S``,
    and the sum's term; indexed symbols become plain (``z[k]`` -> ``z``).

    >>> from derivations.softmax import stable_log_softmax, k
    >>> split_sum(stable_log_softmax().result("log-softmax"), k)
    (-M + z - log(S), exp(-M + z))
    """
    outer, terms = split_sums(expr, index, (S_,))
    return outer, (terms[0] if terms else None)


def split_sums(expr: sp.Expr, index: sp.Symbol, names: tuple[sp.Symbol, ...]
               ) -> tuple[sp.Expr, list[sp.Expr]]:
    """``expr`` with its sums replaced by ``names`` (in the order of their ``str``), and
    the sums' terms, each with its indexed symbols made plain (``y[c] z[c]`` -> ``y z``)."""
    sums = sorted(expr.atoms(sp.Sum), key=str)
    if len(sums) > len(names):
        raise ValueError(f"{expr} has {len(sums)} sums over the classes, "
                         f"names for {len(names)}")

    def plain(e: sp.Expr, i: sp.Symbol) -> sp.Expr:
        return e.xreplace({t: sp.Symbol(str(t.base), real=True) for t in e.atoms(sp.Indexed)
                           if t.indices == (i,)})

    outer = plain(expr.xreplace(dict(zip(sums, names, strict=False))), index)
    return outer, [plain(t.function, t.limits[0][0]) for t in sums]


S_ = sp.Symbol("S", positive=True)
T_ = sp.Symbol("T", real=True)
z_, y_, a_, a_j, a_k, d_jk = sp.symbols("z y a a_j a_k delta", real=True)


@cache
def _softmax_kernels() -> dict[str, Callable]:
    """The softmax kernels, proven and compiled on first use (binary models never pay)."""
    # log a_k = z_k - M - log S with S = sum_c e^{z_c - M} (stable_log_softmax, M = max z)
    log_softmax, term = split_sum(stable_log_softmax().result("log-softmax"), k)
    # a_k = e^{z_k - M} / S (shift invariance, with -M for M): its numerator is the term
    soft, same_term = split_sum(shift_invariance().chain()[0].expr.xreplace({M: -M}), k)
    if same_term != term or sp.simplify(soft - term / S_) != 0:
        raise RuntimeError("softmax is no longer the sum's term over the row sum")
    # L = M + log S - T with T = sum_k y_k z_k, one-hot labels (stable_log_softmax)
    loss, (exp_term, score) = split_sums(stable_log_softmax().result("cross-entropy"), k,
                                         (S_, T_))
    if exp_term != term or score != y_ * z_:  # softmax_loss sums y z with einsum
        raise RuntimeError("the cross-entropy is no longer M + log S - sum_k y_k z_k")
    delta = softmax_gradient().result("net-input")            # a_j - y_j = dL/dz_j
    curvature = softmax_hessian().result("net-input")         # a_j (delta_jk - a_k)
    return {
        "term": compile_numpy((z_, M), term),
        "log_softmax_rest": compile_numpy((z_, M, S_), log_softmax),
        "loss": compile_numpy((M, S_, T_), loss),
        "delta": compile_numpy((a_, y_), delta.xreplace({A[j]: a_, Y[j]: y_})),
        "curvature": compile_numpy((a_j, a_k, d_jk), curvature.xreplace(
            {A[j]: a_j, A[k]: a_k, sp.KroneckerDelta(j, k): d_jk})),
    }


def softmax(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise ``(A, log A)``: a_k = e^{z_k - M} / S, log a_k = z_k - M - log S.

    M is each row's largest net input, so no exponent is positive; S >= 1.

    >>> A, logA = softmax(np.array([[0.0, 800.0, 800.0]]))
    >>> A.round(3).tolist(), bool(np.isfinite(logA).all())
    ([[0.0, 0.5, 0.5]], True)
    """
    f = _softmax_kernels()
    Mx = Z[:, :1].copy()  # each row's largest z; column by column is 3x NumPy's max(axis=1)
    for col in range(1, Z.shape[1]):
        np.maximum(Mx[:, 0], Z[:, col], out=Mx[:, 0])
    E = f["term"](Z, Mx)
    S = E @ np.ones((Z.shape[1], 1), E.dtype)  # the row sums, as one matrix-vector product
    return E * (1.0 / S), f["log_softmax_rest"](Z, Mx, S)  # one division per row


def softmax_loss(Z: np.ndarray, Y: np.ndarray, axis: int = 1) -> tuple[np.ndarray, float]:
    """``(A, L)`` for net inputs Z and one-hot labels Y, the classes along ``axis`` (1: a
    row per example; 0: a row per class): the softmax and the summed cross-entropy, each
    example's M + log S - sum_k y_k z_k (``stable_log_softmax``).

    >>> A, L = softmax_loss(np.zeros((2, 4)), np.eye(4)[:2])
    >>> round(L, 6) == round(2 * float(np.log(4)), 6)
    True
    >>> A0, L0 = softmax_loss(np.zeros((4, 2)), np.eye(4)[:, :2], axis=0)
    >>> bool(np.allclose(A0, A.T)) and round(L0, 9) == round(L, 9)
    True
    """
    if axis not in (0, 1) or Z.ndim != 2:
        raise ValueError(f"softmax_loss takes a 2-d Z with the classes along axis 0 or 1, "
                         f"got axis={axis!r} and Z of shape {Z.shape}")
    if axis == 1:
        A, L = softmax_loss(Z.T, Y.T, axis=0)
        return A.T, L
    f = _softmax_kernels()
    Mx = Z[:1].copy()  # each example's largest z: the maximum runs over contiguous rows
    for row in range(1, Z.shape[0]):
        np.maximum(Mx, Z[row:row + 1], out=Mx)
    E = f["term"](Z, Mx)
    S = E.sum(axis=0, keepdims=True)
    T = np.einsum("ki,ki->i", Y, Z)[None, :]  # the sum of the term y z, in one pass
    return np.multiply(E, 1.0 / S, out=E), float(f["loss"](Mx, S, T).sum(dtype=np.float64))


def softmax_delta(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """a_j - y_j = dL/dz_j for every class (``derivations.softmax_gradient``)."""
    return _softmax_kernels()["delta"](A, Y)


def softmax_curvature(a_j: np.ndarray, a_k: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """a_j (delta_jk - a_k) = d2L/(dz_j dz_k) (``derivations.softmax_hessian``)."""
    return _softmax_kernels()["curvature"](a_j, a_k, delta)
