"""Example data the package makes itself (nothing is downloaded)."""

from __future__ import annotations

import numpy as np


def two_blobs(n_per_class: int = 50, *, separation: float = 3.0, seed: int = 1
              ) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs in 2-D, labels 0 and 1, reproducible for a given seed.

    Class 0 is centred at (-s/2, -s/2), class 1 at (s/2, s/2), unit variance.

    >>> X, y = two_blobs(5)
    >>> X.shape, y.tolist()
    ((10, 2), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    """
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be >= 1, got {n_per_class}")
    rng = np.random.default_rng(seed)
    centre = np.full(2, separation / 2)
    X = np.vstack([rng.normal(-centre, 1.0, (n_per_class, 2)),
                   rng.normal(centre, 1.0, (n_per_class, 2))])
    y = np.repeat([0, 1], n_per_class)
    return X, y


def three_blobs(n_per_class: int = 50, *, separation: float = 3.0, seed: int = 1
                ) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 2-D, labels 0, 1 and 2, reproducible for a given seed.

    The centres are the corners of an equilateral triangle with sides s around the
    origin: class 0 at (0, s/√3), class 1 at (-s/2, -s/(2√3)), class 2 at
    (s/2, -s/(2√3)); unit variance.

    >>> X, y = three_blobs(2)
    >>> X.shape, y.tolist()
    ((6, 2), [0, 0, 1, 1, 2, 2])
    """
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be >= 1, got {n_per_class}")
    rng = np.random.default_rng(seed)
    r = separation / np.sqrt(3.0)
    centres = np.array([[0.0, r], [-separation / 2, -r / 2], [separation / 2, -r / 2]])
    X = np.vstack([rng.normal(c, 1.0, (n_per_class, 2)) for c in centres])
    y = np.repeat([0, 1, 2], n_per_class)
    return X, y
