"""Softmax regression's passes over the data, in the lecture's notation.

For K >= 3 classes each row of ``Z = X Wᵀ + b`` holds the net inputs z_1..z_K;
every formula is a kernel of :mod:`logreg.kernels` proven in
:mod:`derivations.lecture.softmax`:

- ``A, L = softmax_loss(Z, Y)``: the softmax (shift invariance with M = max z) and the
  cross-entropy -sum_k y_k log a_k = M + log sum_c e^{z_c - M} - sum_k y_k z_k
  (stable_log_softmax),
- ``A - Y = softmax_delta(A, Y)`` = dL/dz (softmax_gradient), so the gradient
  for W is (A - Y)ᵀ X (softmax_weights),
- ``a_j (delta_jk - a_k) = softmax_curvature(...)``, the Hessian's blocks (softmax_hessian).

Like the binary pass, X is walked in row blocks that stay in cache and never copied.

>>> import numpy as np
>>> X = np.array([[0.0, 1.0], [1.0, 0.0]]); Y = np.eye(3)[[0, 2]]
>>> p = full_pass(X, Y, np.zeros((3, 2)), np.zeros(3))
>>> round(p.loss / 2, 6) == round(float(np.log(3)), 6), p.grad_w.shape
(True, (3, 2))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from logreg import kernels as K
from logreg.solvers import block_rows, map_chunks


@dataclass
class Pass:
    """Summed loss, gradient sums (K, d) and (K,), correct predictions, optional Hessian."""

    loss: float
    grad_w: np.ndarray
    grad_b: np.ndarray
    correct: int = 0
    hessian: np.ndarray | None = None


#: bytes of X per block of the softmax pass: each block costs about 15 NumPy calls, so it
#: pays to make them larger than the binary pass's (measured best at 4 MiB, half an L2)
SOFTMAX_BLOCK_BYTES = 4 << 20


def softmax_rows(X: np.ndarray) -> int:
    """Rows per block of the softmax pass."""
    return max(16, SOFTMAX_BLOCK_BYTES // max(1, X.shape[1] * X.itemsize))


def one_hot(index: np.ndarray, n_classes: int, dtype: np.dtype) -> np.ndarray:
    """Y with Y[i, index[i]] = 1 and zeros elsewhere: the labels sum to 1 in each row."""
    Y = np.zeros((index.shape[0], n_classes), dtype)
    Y[np.arange(index.shape[0]), index] = 1
    return Y


def _block(Xb: np.ndarray, Yb: np.ndarray, W: np.ndarray, b: np.ndarray,
           sw: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """(summed loss, (A - Y)ᵀ, Aᵀ, Zᵀ) for one block of rows, a row per class; with
    weights ``sw``, each row's loss and a - y times its weight.

    Zᵀ = W Xbᵀ + b is computed class by class (measured 18% faster per epoch than
    Xb Wᵀ at 200k x 100, K = 10: BLAS is quicker at it, and the maximum and the sums
    over the classes then run along contiguous rows).
    """
    ZT = W @ Xb.T
    ZT += b[:, None]
    YT = Yb.T
    AT, loss = K.softmax_loss(ZT, YT, axis=0, weights=sw)
    D = K.softmax_delta(AT, YT)
    if sw is not None:
        D *= sw
    return loss, D, AT, ZT


def _chunk_sums(X: np.ndarray, Y: np.ndarray, sw: np.ndarray | None, W: np.ndarray,
                b: np.ndarray, lo: int, hi: int, accuracy: bool
                ) -> tuple[float, np.ndarray, np.ndarray, int]:
    """Loss, (A - Y)ᵀ X, column sums of A - Y and correct predictions over rows lo:hi."""
    rows = softmax_rows(X)
    total, correct = 0.0, 0
    gW = np.zeros((W.shape[0], X.shape[1]), np.float64)
    gb = np.zeros(W.shape[0], np.float64)
    for start in range(lo, hi, rows):
        stop = min(start + rows, hi)
        Xb, Yb = X[start:stop], Y[start:stop]
        loss, D, _, ZT = _block(Xb, Yb, W, b, None if sw is None else sw[start:stop])
        total += loss
        gW += D @ Xb                                  # sum of (a - y) xᵀ
        gb += D.sum(axis=1)                           # sum of (a - y)
        if accuracy:
            correct += int(np.count_nonzero(ZT.argmax(axis=0) == Yb.argmax(axis=1)))
    return total, gW, gb, correct


def full_pass(X: np.ndarray, Y: np.ndarray, W: np.ndarray, b: np.ndarray, *,
              weights: np.ndarray | None = None, hessian: bool = False,
              accuracy: bool = False) -> Pass:
    """Sums over all rows of L, (a - y) xᵀ, a - y and, for Newton, the Hessian, each
    row's terms times its weight when ``weights`` (X's dtype) are given.

    The Hessian is over θ = (w_1, b_1, ..., w_K, b_K): block (j, k) is
    sum_i a_j (delta_jk - a_k) x̃ x̃ᵀ with x̃ = (x, 1). Without it, a large X is
    summed on two threads, chunk by chunk (:func:`logreg.solvers.map_chunks`).
    """
    if not hessian:
        parts = map_chunks(X, lambda lo, hi: _chunk_sums(X, Y, weights, W, b, lo, hi,
                                                         accuracy), rows=softmax_rows(X))
        total, correct = 0.0, 0
        gW = np.zeros((W.shape[0], X.shape[1]), np.float64)
        gb = np.zeros(W.shape[0], np.float64)
        for loss, g, e, c in parts:               # in chunk order: deterministic
            total += loss
            gW += g
            gb += e
            correct += c
        return Pass(total, gW, gb, correct)
    n, d = X.shape
    n_classes = W.shape[0]
    # the curvature block C is rows x K x K: keep it about the size of X's block
    rows = max(16, min(block_rows(X), (1 << 20) // (8 * n_classes * n_classes)))
    total, correct = 0.0, 0
    gW = np.zeros((n_classes, d), np.float64)
    gb = np.zeros(n_classes, np.float64)
    H = np.zeros((n_classes * (d + 1),) * 2, np.float64) if hessian else None
    eye = np.eye(n_classes)
    for start in range(0, n, rows):
        Xb, Yb = X[start:start + rows], Y[start:start + rows]
        sw = None if weights is None else weights[start:start + rows]
        loss, D, AT, ZT = _block(Xb, Yb, W, b, sw)
        total += loss
        gW += D @ Xb
        gb += D.sum(axis=1, dtype=np.float64)
        if accuracy:
            correct += int(np.count_nonzero(ZT.argmax(axis=0) == Yb.argmax(axis=1)))
        if hessian:
            A = AT.T
            Xt = np.column_stack([Xb, np.ones(len(Xb), Xb.dtype)]).astype(np.float64)
            C = K.softmax_curvature(A[:, :, None], A[:, None, :], eye)  # (rows, K, K)
            if sw is not None:
                C *= sw[:, None, None]
            s = d + 1
            for j in range(n_classes):
                for k in range(j, n_classes):
                    block = (Xt * C[:, j, k, None]).T @ Xt
                    H[j * s:(j + 1) * s, k * s:(k + 1) * s] += block
                    if k != j:
                        H[k * s:(k + 1) * s, j * s:(j + 1) * s] += block.T
    return Pass(total, gW, gb, correct, H)


def minibatch_epoch(X: np.ndarray, Y: np.ndarray, weights: np.ndarray | None,
                    W: np.ndarray, b: np.ndarray, *, step: float, batches: list,
                    mean: bool, l2: float, accuracy: bool = False) -> tuple[float, int]:
    """One pass of minibatch (or, with batches of one row, per-example) gradient descent.

    Updates W and b (float64) in place: W <- W - step ((A - Y)ᵀ X_B + |B| lambda W),
    b <- b - step sum (A - Y) (divided by |B| for the mean), with each row's a - y
    times its weight. ``batches`` are slices or index arrays
    (:func:`logreg.solvers.plan_batches`). Returns (summed loss, correct predictions),
    each batch's taken at the weights in use for it.
    """
    total, correct = 0.0, 0
    same = X.dtype == W.dtype
    for rows in batches:
        Xb, Yb = X[rows], Y[rows]
        sw = None if weights is None else weights[rows]
        loss, D, _, ZT = _block(Xb, Yb, W if same else W.astype(X.dtype), b, sw)
        total += loss
        if accuracy:
            correct += int(np.count_nonzero(ZT.argmax(axis=0) == Yb.argmax(axis=1)))
        k = step / len(Yb) if mean else step
        gW = D @ Xb
        if l2:
            gW = gW + K.l2_gradient(W, l2 * len(Yb))
        W -= k * gW
        b -= k * D.sum(axis=1)
    return total, correct


class SoftmaxProblem:
    """K >= 3 classes: X, one-hot labels Y, optional weights (mean 1), with the passes
    the trainer's loop uses: W (K, d) and b (K,) in float64, updated in place."""

    def __init__(self, X: np.ndarray, index: np.ndarray, n_classes: int,
                 weights: np.ndarray | None) -> None:
        self.X = X
        self.rows = n_classes
        self.labels = index
        self.Y = one_hot(index, n_classes, X.dtype)
        self.weights = None if weights is None else weights.astype(X.dtype)

    def full_pass(self, W: np.ndarray, b: np.ndarray, *, accuracy: bool = False
                  ) -> tuple[float, np.ndarray, np.ndarray, int]:
        """(summed loss, gradient sums for W (K, d) and b (K,), correct) at (W, b)."""
        p = full_pass(self.X, self.Y, W.astype(self.X.dtype, copy=False), b,
                      weights=self.weights, accuracy=accuracy)
        return p.loss, p.grad_w, p.grad_b, p.correct

    def minibatch_epoch(self, W: np.ndarray, b: np.ndarray, *, step: float,
                        batches: list, mean: bool, l2: float, accuracy: bool
                        ) -> tuple[float, int]:
        return minibatch_epoch(self.X, self.Y, self.weights, W, b, step=step,
                               batches=batches, mean=mean, l2=l2, accuracy=accuracy)

    def sgd_epoch(self, W: np.ndarray, b: np.ndarray, *, step: float, order: np.ndarray,
                  l2: float) -> tuple[float, int]:
        """Per-example steps: batches of one row each, in ``order``."""
        batches = [slice(i, i + 1) for i in order.tolist()]
        return self.minibatch_epoch(W, b, step=step, batches=batches, mean=True, l2=l2,
                                    accuracy=False)
