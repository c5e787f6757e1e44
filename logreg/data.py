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
