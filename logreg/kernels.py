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
| ``smoothness(G, lam)`` | G/4 + λ: the loss is L-smooth | ``derivations.smoothness`` |
| ``softmax_smoothness(G, lam)`` | G/2 + λ (Böhning) | ``stepsize.softmax_smoothness`` |
| ``descent_step(L)`` | 1/L, the descent lemma's step | ``stepsize.descent_lemma`` |

No exponent is ever positive, so no kernel overflows or warns for any finite
input; NumPy kernels keep the input's dtype (float32 in, float32 out). The
``*_scalar`` twins are printed for Python's ``math`` module, for the
per-example loop. Labels must be 0 or 1.

The functions themselves are ``logreg/_kernels.py``, lambdify's printout of the
proven forms made by :mod:`logreg.kernelspec` (a test checks it is exactly that
printout), so importing and training never imports SymPy. That file records a hash
of the derivation modules it was printed from; if they have changed since, the
kernels are printed again here, once, into :func:`cache_dir`.

>>> float(sigmoid(0.0)), float(delta(800.0, 1.0)), float(loss(-800.0, 0.0))
(0.5, -0.0, 0.0)
"""

from __future__ import annotations

import importlib
import os
import types
from pathlib import Path

import numpy as np

from logreg.provenance import (  # GENERATED and sources: importable from here, as before
    GENERATED,  # noqa: F401
    SPEC,
    source_stamp,
    sources,  # noqa: F401
    stamp_of,
)

__all__ = [
    "curvature",
    "delta",
    "delta_scalar",
    "descent_step",
    "l2_gradient",
    "l2_hessian",
    "l2_penalty",
    "loss",
    "loss_and_delta",
    "loss_and_delta_signed",
    "loss_scalar",
    "sigmoid",
    "sigmoid_scalar",
    "smoothness",
    "softmax",
    "softmax_curvature",
    "softmax_delta",
    "softmax_loss",
    "softmax_smoothness",
]

# ---------------------------------------------------------------- loading them --
def cache_dir() -> Path:
    """Where kernels printed again after a derivation changed are kept:
    ``$LOGREG_CACHE_DIR``, else ``$XDG_CACHE_HOME/logreg``, else ``~/.cache/logreg``."""
    if os.environ.get("LOGREG_CACHE_DIR"):
        return Path(os.environ["LOGREG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "logreg"


def _module_from_text(text: str, filename: str) -> types.ModuleType:
    module = types.ModuleType("logreg._kernels", "kernels printed from the derivations")
    module.__file__ = filename
    exec(compile(text, filename, "exec"), module.__dict__)  # our own printout, never input
    return module


def _load() -> types.ModuleType:
    """The printed kernels: the package's file when the derivations are unchanged, else
    a cached printout for the current sources, else a new printout (SymPy), cached."""
    try:
        from logreg import _kernels as packaged
    except ImportError:  # not printed yet (a fresh checkout of the generator itself)
        packaged = None
    if packaged is not None and stamp_of(packaged.SOURCES) == packaged.STAMP:
        return packaged
    stamp, _ = source_stamp()
    cached = cache_dir() / f"kernels-{stamp}.py"
    if cached.is_file():
        module = _module_from_text(cached.read_text(), str(cached))
        if getattr(module, "STAMP", None) == stamp:
            return module
    spec = importlib.import_module(SPEC)
    text = spec.generate()
    module = _module_from_text(text, str(cached))
    try:  # best effort: a read-only home only means printing again next time
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.replace(cached)
    except OSError:
        pass
    return module


_printed = _load()

sigmoid = _printed.sigmoid
loss = _printed.loss
delta = _printed.delta
curvature = _printed.curvature
#: ``loss(z, y), delta(z, y)`` in one call that computes e^{-|z|} once
loss_and_delta = _printed.loss_and_delta
#: the same two in the label's sign s = 1 - 2y (s = +1 for y = 0, -1 for y = 1), which
#: a pass computes once: a third fewer operations per element
loss_and_delta_signed = _printed.loss_and_delta_signed
l2_penalty = _printed.l2_penalty
l2_gradient = _printed.l2_gradient
l2_hessian = _printed.l2_hessian
sigmoid_scalar = _printed.sigmoid_scalar
loss_scalar = _printed.loss_scalar
delta_scalar = _printed.delta_scalar
#: eta="auto" (``derivations.lecture.stepsize``): L = G/4 + λ (two classes), G/2 + λ (softmax), at
#: G, the largest eigenvalue of X̃ᵀX̃/n, and the descent lemma's step 1/L
smoothness = _printed.smoothness
softmax_smoothness = _printed.softmax_smoothness
descent_step = _printed.descent_step


# ----------------------------------------------------------------- softmax --
def softmax(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise ``(A, log A)``: a_k = e^{z_k - M} / S, log a_k = z_k - M - log S.

    M is each row's largest net input, so no exponent is positive; S >= 1.

    >>> A, logA = softmax(np.array([[0.0, 800.0, 800.0]]))
    >>> A.round(3).tolist(), bool(np.isfinite(logA).all())
    ([[0.0, 0.5, 0.5]], True)
    """
    Mx = Z[:, :1].copy()  # each row's largest z; column by column is 3x NumPy's max(axis=1)
    for col in range(1, Z.shape[1]):
        np.maximum(Mx[:, 0], Z[:, col], out=Mx[:, 0])
    E = _printed.softmax_term(Z, Mx)
    S = E @ np.ones((Z.shape[1], 1), E.dtype)  # the row sums, as one matrix-vector product
    return E * (1.0 / S), _printed.softmax_log_rest(Z, Mx, S)  # one division per row


def softmax_loss(Z: np.ndarray, Y: np.ndarray, axis: int = 1,
                 weights: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """``(A, L)`` for net inputs Z and one-hot labels Y, the classes along ``axis`` (1: a
    row per example; 0: a row per class): the softmax and the summed cross-entropy, each
    example's M + log S - sum_k y_k z_k (``stable_log_softmax``), times its weight if
    ``weights`` are given.

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
        A, L = softmax_loss(Z.T, Y.T, axis=0, weights=weights)
        return A.T, L
    Mx = Z[:1].copy()  # each example's largest z: the maximum runs over contiguous rows
    for row in range(1, Z.shape[0]):
        np.maximum(Mx, Z[row:row + 1], out=Mx)
    E = _printed.softmax_term(Z, Mx)
    S = E.sum(axis=0, keepdims=True)
    T = np.einsum("ki,ki->i", Y, Z)[None, :]  # the sum of the term y z, in one pass
    per_example = _printed.softmax_loss_rest(Mx, S, T)[0]
    total = float(per_example @ weights if weights is not None
                  else per_example.sum(dtype=np.float64))
    return np.multiply(E, 1.0 / S, out=E), total


def softmax_delta(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """a_j - y_j = dL/dz_j for every class (``derivations.softmax_gradient``)."""
    return _printed.softmax_delta(A, Y)


def softmax_curvature(a_j: np.ndarray, a_k: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """a_j (delta_jk - a_k) = d2L/(dz_j dz_k) (``derivations.softmax_hessian``)."""
    return _printed.softmax_curvature(a_j, a_k, delta)
