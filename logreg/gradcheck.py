"""Compare the lambdified gradient with central finite differences."""

from __future__ import annotations

from typing import Any

import numpy as np

from logreg import kernels as K
from logreg.validation import check_X, check_y


def mean_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, l2: float = 0.0) -> float:
    """J(w, b) = mean L(Xw + b, y) + ½λ‖w‖²."""
    return float(K.loss(X @ w + b, y).mean()) + float(K.l2_penalty(w, l2).sum())


def gradient(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, l2: float = 0.0
             ) -> np.ndarray:
    """∇J from the derivations: (mean (a − y) x_j + λ w_j, mean (a − y)), bias last."""
    e = K.delta(X @ w + b, y)
    return np.append(e @ X / len(y) + K.l2_gradient(w, l2), e.mean())


def check_gradient(X: Any, y: Any, w: Any = None, b: float = 0.0, *, l2: float = 0.0,
                   h: float = 1e-6) -> float:
    """Largest relative difference between :func:`gradient` and central differences.

    ``y`` holds 0/1 labels; ``w`` defaults to small random weights.

    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(20, 3)); y = (X[:, 0] > 0) * 1.0
    >>> check_gradient(X, y) < 1e-6
    True
    """
    X = check_X(X).astype(np.float64)
    y = check_y(y, X.shape[0]).astype(np.float64)
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("check_gradient needs labels 0 and 1.")
    d = X.shape[1]
    w = np.random.default_rng(0).normal(0, 0.1, d) if w is None else np.asarray(w, float)
    if w.shape != (d,):
        raise ValueError(f"w must have shape ({d},) to match X, got {w.shape}.")
    theta = np.append(w, b)
    numeric = np.empty_like(theta)
    for k in range(d + 1):
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        numeric[k] = (mean_loss(X, y, up[:d], up[d], l2)
                      - mean_loss(X, y, down[:d], down[d], l2)) / (2 * h)
    analytic = gradient(X, y, w, b, l2)
    return float(np.max(np.abs(analytic - numeric) / np.maximum(1.0, np.abs(numeric))))
