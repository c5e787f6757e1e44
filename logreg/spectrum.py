"""How much the loss can curve: the largest eigenvalue G of the design's Gram matrix.

``derivations.lecture.stepsize`` proves that the mean loss is L-smooth with a constant L
written in G, the largest eigenvalue of the weighted Gram matrix

    X̃ᵀ S X̃ / n,   x̃ = (x, 1),  S = diag(s_1, ..., s_n),  s normalized to mean 1,

and that a step of 1/L never increases it. This module finds G without copying X:

- :func:`gram_bound` builds the (d+1)-square Gram matrix block by block (BLAS,
  on the pass's threads) and takes its largest eigenvalue, plus the rounding of
  both steps: an upper bound, ``certified``. Its cost grows with d², so it is used
  up to ``GRAM_MAX_COLUMNS`` columns (measured: about five X @ w passes at d = 100);
- :func:`power_bound` runs power iteration, one read of X per iteration. Its
  Rayleigh quotient approaches G from below, so it is an estimate, not a bound: the
  trainer then halves the step and redoes the epoch whenever the loss rises;
- :func:`largest_example` gives max_i s_i‖x̃_i‖², the G of the one-example loss that
  per-example and minibatch steps use (one read of X; certified).

>>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
>>> round(top_eigenvalue(X).value, 9), top_eigenvalue(X).certified
(1.0, True)
>>> round(largest_example(X).value, 9)
2.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from logreg.solvers import block_rows, map_chunks

#: the most columns (with the intercept's) for which the Gram matrix is built (2 MB)
GRAM_MAX_COLUMNS = 512
#: power iteration: the most reads of X, and the relative change that ends it sooner
POWER_ITERATIONS = 60
POWER_RTOL = 1e-4
#: features are badly scaled for gradient descent when a column's mean is this many
#: standard deviations from 0, or the columns' standard deviations span this factor
OFF_CENTRE = 10.0
SPREAD = 100.0


@dataclass(frozen=True)
class Curvature:
    """G (``value``), whether it is a certified upper bound, and the columns' (weighted)
    means and standard deviations and X̃ᵀSX̃/n's condition number, when computed."""

    value: float
    certified: bool
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    condition: float = float("nan")


def badly_scaled(curvature: Curvature) -> str | None:
    """A phrase saying how the features are badly scaled for gradient descent, or None.

    >>> badly_scaled(Curvature(1.0, True, np.array([100.0, 0.0]), np.array([1.0, 1.0])))
    'feature 0 has mean 100 and standard deviation 1'
    """
    mean, std = curvature.mean, curvature.std
    if mean is None or std is None:
        return None
    varying = np.flatnonzero(std > 1e-12 * np.maximum(1.0, np.abs(mean)))
    if varying.size == 0:
        return None
    ratio = np.abs(mean[varying]) / std[varying]
    worst = int(varying[np.argmax(ratio)])
    lo, hi = int(varying[np.argmin(std[varying])]), int(varying[np.argmax(std[varying])])
    said = []
    if ratio.max() > OFF_CENTRE:
        said.append(f"feature {worst} has mean {mean[worst]:.3g} and standard deviation "
                    f"{std[worst]:.3g}")
    if std[hi] > SPREAD * std[lo]:
        said.append(f"the standard deviations range from {std[lo]:.3g} (feature {lo}) to "
                    f"{std[hi]:.3g} (feature {hi})")
    if not said:
        return None
    if np.isfinite(curvature.condition):
        said.append(f"X̃ᵀX̃/n has condition number {curvature.condition:.2g}")
    return "; ".join(said)


def _weights_of(X: np.ndarray, weights: np.ndarray | None) -> np.ndarray | None:
    if weights is not None and weights.shape != (X.shape[0],):
        raise ValueError(f"weights must have shape ({X.shape[0]},), got {weights.shape}")
    return weights


def gram(X: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """X̃ᵀ S X̃ / n in float64, (d+1) square with the intercept's column last.

    >>> gram(np.array([[1.0], [3.0]])).tolist()
    [[5.0, 2.0], [2.0, 1.0]]
    """
    weights = _weights_of(X, weights)
    n, d = X.shape
    rows = block_rows(X)

    def chunk(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, float]:
        xx = np.zeros((d, d))
        x1 = np.zeros(d)
        ones = 0.0
        buf = np.empty((min(rows, hi - lo), d))
        for start in range(lo, hi, rows):
            stop = min(start + rows, hi)
            Xb = buf[:stop - start]
            Xb[...] = X[start:stop]                  # float64, in cache
            if weights is None:
                x1 += Xb.sum(axis=0)
                ones += stop - start
            else:
                s = weights[start:stop]
                x1 += s @ Xb
                ones += float(s.sum())
                Xb *= np.sqrt(s)[:, None]
            xx += Xb.T @ Xb                          # BLAS's syrk on the block
        return xx, x1, ones

    A = np.zeros((d + 1, d + 1))
    for xx, x1, ones in map_chunks(X, chunk):      # in chunk order: deterministic
        A[:d, :d] += xx
        A[:d, d] += x1
        A[d, d] += ones
    A[d, :d] = A[:d, d]
    return A / n


def gram_bound(X: np.ndarray, weights: np.ndarray | None = None) -> Curvature:
    """G from the Gram matrix: its largest eigenvalue plus a bound on the rounding.

    The computed matrix differs from the exact one by at most γ·tr(A) in norm, γ =
    (rows per block + blocks)·ε (the sums), and the symmetric eigensolver adds at
    most (d+1)·ε·‖A‖ (backward stable), ‖A‖ <= tr(A): their sum is added.
    """
    A = gram(X, weights)
    if not np.isfinite(A).all():   # X's values too large for float64: no bound
        return Curvature(float("inf"), True)
    eig = np.linalg.eigvalsh(A)
    trace = float(np.trace(A))
    blocks = -(-X.shape[0] // block_rows(X))
    gamma = (block_rows(X) + blocks + A.shape[0]) * float(np.finfo(np.float64).eps)
    top = float(eig[-1]) + gamma * trace
    d = A.shape[0] - 1
    mean = A[:d, d] / A[d, d]
    std = np.sqrt(np.maximum(np.diag(A)[:d] / A[d, d] - mean**2, 0.0))
    return Curvature(top, True, mean, std, _condition(eig))


def _condition(eig: np.ndarray) -> float:
    small = float(eig[0])
    return float(eig[-1]) / small if small > 0 else float("inf")


def power_bound(X: np.ndarray, weights: np.ndarray | None = None,
                iterations: int = POWER_ITERATIONS) -> Curvature:
    """G estimated by power iteration on X̃ᵀSX̃/n (one read of X each; never certified).

    The start is fixed (seed 0), so the same X gives the same estimate.
    """
    weights = _weights_of(X, weights)
    d = X.shape[1]
    v = np.random.default_rng(0).standard_normal(d + 1)
    v /= np.linalg.norm(v)
    estimate = 0.0
    for _ in range(iterations):
        Av = _gram_times(X, weights, v)
        new = float(v @ Av)                        # the Rayleigh quotient: <= G
        norm = float(np.linalg.norm(Av))
        if norm == 0.0:
            return Curvature(0.0, False)
        v = Av / norm
        if abs(new - estimate) <= POWER_RTOL * new:
            return Curvature(new, False)
        estimate = new
    return Curvature(estimate, False)


def _gram_times(X: np.ndarray, weights: np.ndarray | None, v: np.ndarray) -> np.ndarray:
    """(X̃ᵀSX̃/n) v, one blocked read of X."""
    n, d = X.shape
    rows = block_rows(X)
    vw, vb = v[:d].astype(X.dtype), float(v[d])

    def chunk(lo: int, hi: int) -> np.ndarray:
        out = np.zeros(d + 1)
        for start in range(lo, hi, rows):
            Xb = X[start:min(start + rows, hi)]
            u = Xb @ vw
            u += vb
            if weights is not None:
                u *= weights[start:start + len(u)]
            out[:d] += u @ Xb
            out[d] += float(u.sum(dtype=np.float64))
        return out

    return sum(map_chunks(X, chunk)) / n


def largest_example(X: np.ndarray, weights: np.ndarray | None = None) -> Curvature:
    """G = max_i s_i‖x̃_i‖² = max_i s_i(‖x_i‖² + 1), plus its rounding: the G of the
    loss of the one example that curves most (its Gram matrix x̃x̃ᵀ has the one
    eigenvalue ‖x̃‖²); certified. The same read of X gives the columns' means and
    standard deviations."""
    weights = _weights_of(X, weights)
    n, d = X.shape
    rows = block_rows(X)
    top, total = 0.0, 0.0
    sums, squares = np.zeros(d), np.zeros(d)
    for start in range(0, n, rows):
        Xb = X[start:start + rows]
        sq = np.einsum("ij,ij->i", Xb, Xb, dtype=np.float64)
        s = None if weights is None else weights[start:start + rows]
        sums += Xb.sum(axis=0, dtype=np.float64) if s is None else s @ Xb
        squares += (np.einsum("ij,ij->j", Xb, Xb, dtype=np.float64) if s is None
                    else np.einsum("i,ij,ij->j", s, Xb, Xb, dtype=np.float64))
        total += len(Xb) if s is None else float(s.sum())
        sq += 1.0
        if s is not None:
            sq *= s
        top = max(top, float(sq.max()))
    mean = sums / total
    std = np.sqrt(np.maximum(squares / total - mean**2, 0.0))
    return Curvature(top * (1.0 + (d + 2) * float(np.finfo(np.float64).eps)), True, mean, std)


def top_eigenvalue(X: np.ndarray, weights: np.ndarray | None = None) -> Curvature:
    """G: certified from the Gram matrix up to ``GRAM_MAX_COLUMNS`` columns, else the
    power-iteration estimate."""
    if X.shape[1] + 1 <= GRAM_MAX_COLUMNS:
        return gram_bound(X, weights)
    return power_bound(X, weights)
