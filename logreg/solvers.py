"""One epoch (or one Newton iteration) of training, in the lecture's notation.

Every formula is a kernel from :mod:`logreg.kernels`: ``z = Xw + b``,
``a - y = delta(z, y)``, ``L = loss(z, y)``, ``a(1 - a) = curvature(z)``.
The full-batch and Newton passes walk X in row blocks that stay in cache, so
each reads X from memory once per epoch and never copies it.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from logreg import kernels as K

#: bytes of X per block: about one core's L2 cache (measured best in bench/)
BLOCK_BYTES = 1 << 20


def block_rows(X: np.ndarray) -> int:
    """Rows per cache block for X."""
    return max(16, BLOCK_BYTES // max(1, X.shape[1] * X.itemsize))


@dataclass
class Pass:
    """What one read of X gives: the summed (weighted) loss, the gradient's sums in
    float64 (``grad_w`` (d,), ``grad_b``), correct predictions, optional curvature sums."""

    loss: float
    grad_w: np.ndarray
    grad_b: float
    correct: int = 0
    hess_ww: np.ndarray | None = None
    hess_wb: np.ndarray | None = None
    hess_bb: float = 0.0


def one_blas_thread() -> contextlib.AbstractContextManager:
    """BLAS on one thread while this context (in any thread) is open.

    The blocks' small products gain nothing from OpenBLAS's threads and the pass
    runs its own (measured in bench/). BLAS's thread count is one setting for the
    whole process, so the contexts of all threads share one limit: the first to
    enter sets it, the last to leave restores what it was (contexts that simply
    save and restore would, in two threads at once, restore out of order and leave
    BLAS on one thread for good). Without ``threadpoolctl`` it does nothing.
    """
    return _BLAS_LIMIT


class _SharedBlasLimit(contextlib.AbstractContextManager):
    """A reference-counted, process-wide limit of BLAS to one thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._limiter: Any = None

    def __enter__(self) -> _SharedBlasLimit:
        with self._lock:
            if self._active == 0:
                self._limiter = _blas_controller()
                _release_openblas()
            self._active += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0 and self._limiter is not None:
                self._limiter.restore_original_limits()
                self._limiter = None
                _release_openblas()


@functools.cache
def _controller() -> Any:
    """``threadpoolctl``'s controller, listing the libraries once (entering a limit then
    costs 0.02 ms instead of 0.3, measured), or None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def _release_openblas() -> None:
    """Let any thread set OpenBLAS's limit next: threadpoolctl (3.6+) lets only the
    thread that set it last change it again, and the last of our contexts to leave
    may run in another thread than the first (it is the caller's job to say when the
    controlling thread is done, which is now)."""
    try:
        from threadpoolctl import OpenBLASController
    except ImportError:
        return
    clear = getattr(OpenBLASController, "clear_controlling_thread", None)
    if clear is not None:
        clear()


def _blas_controller() -> Any:
    controller = _controller()
    return None if controller is None else controller.limit(limits=1, user_api="blas")


_BLAS_LIMIT = _SharedBlasLimit()


#: most threads a full-batch (gradient) pass uses
PASS_THREADS = 2
#: X below this many bytes is summed on one thread: threads there save about what they
#: cost (measured on 2 cores: break-even near 48 MiB at 100 columns, 1.15x at 64 MiB)
THREADED_MIN_BYTES = 64 << 20
#: nor with cache blocks of fewer rows: NumPy's ufuncs keep the GIL on 500 elements or
#: fewer, so the kernel runs on one thread at a time; measured, threads then save nothing
#: over BLAS's own threads (300 or more float64 columns)
THREADED_MIN_ROWS = 501
#: cache blocks per chunk, the unit of work a thread takes
CHUNK_BLOCKS = 4


def pass_threads(X: np.ndarray) -> int:
    """Threads for a full-batch gradient pass over X: 1 for small or wide X, else PASS_THREADS.

    Never more threads than chunks, nor than the CPUs this process may run on.
    """
    rows = block_rows(X)
    if X.nbytes < THREADED_MIN_BYTES or rows < THREADED_MIN_ROWS:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    chunks = -(-X.shape[0] // (rows * CHUNK_BLOCKS))
    return max(1, min(PASS_THREADS, cpus or 1, chunks))


def full_pass(X: np.ndarray, sign: np.ndarray, w: np.ndarray, b: float, *,
              weights: np.ndarray | None = None, hessian: bool = False,
              accuracy: bool = False) -> Pass:
    """Sum over all rows of s_i L, s_i (a - y) x, s_i (a - y) and, for Newton,
    s_i a(1 - a) x̃ x̃ᵀ; ``sign`` is each label's 1 - 2y, ``weights`` the s_i (X's
    dtype; None: all 1), ``w`` in X's dtype.

    Without the Hessian, a large X is summed on :func:`pass_threads` threads
    (see :func:`map_chunks`); the sums then differ from one thread's only by
    rounding, and are the same on every run.
    """
    if not hessian:
        parts = map_chunks(X, lambda lo, hi: _chunk_sums(X, sign, weights, w, b, lo, hi,
                                                         accuracy))
        total, g, gb, correct = 0.0, np.zeros(X.shape[1]), 0.0, 0
        for L, gw, e, c in parts:                 # in chunk order: deterministic
            total += L
            g += gw
            gb += e
            correct += c
        return Pass(total, g, gb, correct)
    n, d = X.shape
    rows = block_rows(X)
    total, g, gb, correct = 0.0, np.zeros(d), 0.0, 0
    H = np.zeros((d, d), np.float64)
    hwb = np.zeros(d, np.float64)
    hbb = 0.0
    scaled = np.empty((min(rows, n), d), X.dtype)  # reused
    for start in range(0, n, rows):
        Xb, sb = X[start:start + rows], sign[start:start + rows]
        z = Xb @ w
        z += b
        L, e = K.loss_and_delta_signed(z, sb)    # L(z, y) and a - y = dL/dz
        c = K.curvature(z)                       # a(1 - a) = d2L/dz2
        if weights is not None:
            sw = weights[start:start + rows]
            total += _weighted_sum(L, sw)
            e *= sw
            c *= sw
        else:
            total += float(L.sum(dtype=np.float64))
        g += e @ Xb                              # sum of (a - y) x_j
        gb += float(e.sum(dtype=np.float64))     # sum of (a - y)
        if accuracy:
            correct += _correct(z, sb)
        Xs = np.multiply(Xb, np.sqrt(c)[:, None], out=scaled[:len(c)])
        H += Xs.T @ Xs                           # sum of a(1 - a) x_j x_k (syrk)
        hwb += c @ Xb
        hbb += float(c.sum(dtype=np.float64))
    return Pass(total, g, gb, correct, H, hwb, hbb)


def _weighted_sum(L: np.ndarray, sw: np.ndarray) -> float:
    """sum s_i L_i in float64 (float32 terms are summed as float64)."""
    if L.dtype == np.float64:
        return float(L @ sw)
    return float(np.multiply(L, sw).sum(dtype=np.float64))


def _correct(z: np.ndarray, sign: np.ndarray) -> int:
    """Rows predicted right: z > 0 for y = 1 (sign -1), z <= 0 for y = 0 (sign +1)."""
    return int(np.count_nonzero((z > 0) == (sign < 0)))


def _chunk_sums(X: np.ndarray, sign: np.ndarray, weights: np.ndarray | None, w: np.ndarray,
                b: float, lo: int, hi: int, accuracy: bool
                ) -> tuple[float, np.ndarray, float, int]:
    """Loss, (a - y) x, (a - y) and correct predictions summed over rows lo:hi, block by
    block of CHUNK_BLOCKS cache blocks. (Larger blocks mean fewer small NumPy calls
    handing the GIL between the threads: measured 20% faster than one cache block at
    200k x 100, although X's block then no longer fits in L2.)"""
    rows = block_rows(X) * CHUNK_BLOCKS
    total, g, gb, correct = 0.0, np.zeros(X.shape[1]), 0.0, 0
    for start in range(lo, hi, rows):
        stop = min(start + rows, hi)
        Xb = X[start:stop]
        z = Xb @ w
        z += b
        L, e = K.loss_and_delta_signed(z, sign[start:stop])  # L(z, y), a - y = dL/dz
        if weights is not None:
            sw = weights[start:stop]
            total += _weighted_sum(L, sw)
            e *= sw
        else:
            total += float(L.sum(dtype=np.float64))
        g += e @ Xb
        gb += float(e.sum(dtype=np.float64))
        if accuracy:
            correct += _correct(z, sign[start:stop])
    return total, g, gb, correct


def map_chunks(X: np.ndarray, fn: Callable[[int, int], Any], rows: int | None = None
               ) -> list[Any]:
    """``[fn(lo, hi), ...]`` over X's rows in chunks of ``rows`` (default CHUNK_BLOCKS
    cache blocks), in order.

    Large X is shared by :func:`pass_threads` threads (BLAS held to one thread),
    which take chunks as they become free; chunk bounds depend only on X's
    shape, so adding the results in order is deterministic.
    """
    n = X.shape[0]
    threads = pass_threads(X)
    if threads == 1:  # the blocks' small products: BLAS's own threads only cost (measured)
        with one_blas_thread():
            return [fn(0, n)]
    step = rows or block_rows(X) * CHUNK_BLOCKS
    starts = range(0, n, step)
    parts: list[Any] = [None] * len(starts)
    next_chunk, lock = itertools.count(), threading.Lock()
    errors = np.geterr()  # the caller's floating-point settings hold in the helpers too

    def work() -> None:
        with np.errstate(**errors):
            while True:
                with lock:
                    i = next(next_chunk)
                if i >= len(starts):
                    return
                parts[i] = fn(starts[i], min(starts[i] + step, n))

    with one_blas_thread(), ThreadPoolExecutor(threads - 1) as pool:
        helpers = [pool.submit(work) for _ in range(threads - 1)]
        work()
        for h in helpers:
            h.result()
    return parts


# ------------------------------------------------------------------ minibatches --
#: a run of labels is "clustered" (sorted by class, say) when it changes class less than
#: this fraction of the times a random order would
CLUSTERED = 0.5


def clustered(labels: np.ndarray) -> bool:
    """Whether consecutive rows share their class far more often than in random order
    (for example data sorted by label): contiguous batches would then hold one class.

    >>> clustered(np.repeat([0, 1], 50)), clustered(np.tile([0, 1], 50))
    (True, False)
    """
    n = labels.shape[0]
    if n < 3:
        return False
    changes = int(np.count_nonzero(labels[1:] != labels[:-1]))
    counts = np.unique(labels, return_counts=True)[1].astype(np.float64)
    same = float(counts @ (counts - 1)) / (n * (n - 1))  # two random rows share a class
    return changes < CLUSTERED * (n - 1) * (1.0 - same)


def plan_batches(n: int, batch_size: int, rng: np.random.Generator | None,
                 gather: bool) -> list[slice] | list[np.ndarray]:
    """One epoch's batches: contiguous slices of X (no copy), or, with ``gather``,
    index arrays of rows to gather.

    Shuffled (``rng`` given), the slices start at a random offset (so their members
    change from epoch to epoch) and come in random order; gathered batches are a
    random permutation of the rows, each batch's rows sorted so that the gather
    streams through memory (measured 30% faster than in shuffled order). Without
    ``rng``, slices in order from row 0.

    >>> [s.start for s in plan_batches(10, 4, None, False)]
    [0, 4, 8]
    """
    if rng is None:
        return [slice(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]
    if gather:
        order = rng.permutation(n)
        full = n // batch_size * batch_size
        rows = np.sort(order[:full].reshape(-1, batch_size), axis=1)
        return [*rows, np.sort(order[full:])] if full < n else list(rows)
    offset = int(rng.integers(batch_size)) if n > batch_size else 0
    edges = [0, *range(offset or batch_size, n, batch_size), n]
    if edges[1] == 0:
        edges = edges[1:]
    slices = [slice(lo, hi) for lo, hi in itertools.pairwise(edges) if hi > lo]
    return [slices[i] for i in rng.permutation(len(slices))]


def minibatch_epoch(X: np.ndarray, sign: np.ndarray, weights: np.ndarray | None,
                    w: np.ndarray, b: float, *, step: float,
                    batches: list[slice] | list[np.ndarray], mean: bool, l2: float,
                    accuracy: bool = False) -> tuple[float, float, int]:
    """One pass of minibatch gradient descent; updates ``w`` (float64) in place:
    w <- w - step (sum_B s_i (a - y) x + |B| lambda w) (/ |B| for the mean).

    Returns (summed loss, new bias, correct predictions), each batch's loss taken at
    the weights in use for it (the running loss: no second pass).
    """
    total, correct = 0.0, 0
    same = X.dtype == w.dtype
    buf = None if not batches or isinstance(batches[0], slice) else np.empty(
        (max(len(i) for i in batches), X.shape[1]), X.dtype)
    for rows in batches:
        if isinstance(rows, slice):
            Xb, sb = X[rows], sign[rows]
        else:  # mode="clip" skips the bounds check: the indices are a permutation of n
            Xb = np.take(X, rows, axis=0, out=buf[:len(rows)], mode="clip")
            sb = sign[rows]
        z = Xb @ (w if same else w.astype(X.dtype))
        z += b
        L, e = K.loss_and_delta_signed(z, sb)
        if weights is not None:
            sw = weights[rows]
            total += _weighted_sum(L, sw)
            e *= sw
        else:
            total += float(L.sum(dtype=np.float64))
        if accuracy:
            correct += _correct(z, sb)
        k = step / len(sb) if mean else step
        gw = e @ Xb
        if l2:
            gw = gw + K.l2_gradient(w, l2 * len(sb))  # the penalty's share: |B| lambda w
        w -= k * gw
        b -= k * float(e.sum(dtype=np.float64))
    return total, b, correct


def sgd_epoch(X: np.ndarray, y: list[float], weights: list[float] | None, w: np.ndarray,
              b: float, *, step: float, order: list[int], l2: float
              ) -> tuple[float, float, int]:
    """The lecture's per-example loop: w_j <- w_j - eta (a - y) x_j, b <- b - eta (a - y)
    (each example's gradient times its weight); updates ``w`` (float64) in place.

    Returns (summed loss, new bias, correct predictions), each example's taken
    before its own update.
    """
    delta, loss = K.delta_scalar, K.loss_scalar
    tmp = np.empty_like(w)
    total, correct = 0.0, 0
    for i in order:
        xi, yi = X[i], y[i]
        z = float(xi @ w) + b
        e = delta(z, yi)
        if weights is not None:
            total += weights[i] * loss(z, yi)
            e *= weights[i]
        else:
            total += loss(z, yi)
        correct += (z > 0) == (yi > 0.5)
        if l2:
            w -= step * K.l2_gradient(w, l2)
        np.multiply(xi, step * e, out=tmp)
        w -= tmp
        b -= step * e
    return total, b, int(correct)


class BinaryProblem:
    """Two classes: X, each label's sign 1 - 2y, optional weights (mean 1), and the
    passes in the shape the trainer's loop uses: weights W (1, d) and bias b (1,), in
    float64, updated in place.
    """

    rows = 1

    def __init__(self, X: np.ndarray, y01: np.ndarray, weights: np.ndarray | None) -> None:
        self.X = X
        self.labels = y01
        self.sign = (1.0 - 2.0 * y01).astype(X.dtype)
        self.weights = None if weights is None else weights.astype(X.dtype)
        self._sgd_lists: tuple[list[float], list[float] | None] | None = None

    def full_pass(self, W: np.ndarray, b: np.ndarray, *, accuracy: bool = False
                  ) -> tuple[float, np.ndarray, np.ndarray, int]:
        """(summed loss, gradient sums for W (1, d) and b (1,), correct) at (W, b)."""
        p = full_pass(self.X, self.sign, W[0].astype(self.X.dtype, copy=False), float(b[0]),
                      weights=self.weights, accuracy=accuracy)
        return p.loss, p.grad_w[None, :], np.array([p.grad_b]), p.correct

    def minibatch_epoch(self, W: np.ndarray, b: np.ndarray, *, step: float,
                        batches: list, mean: bool, l2: float, accuracy: bool
                        ) -> tuple[float, int]:
        total, b[0], correct = minibatch_epoch(
            self.X, self.sign, self.weights, W[0], float(b[0]), step=step, batches=batches,
            mean=mean, l2=l2, accuracy=accuracy)
        return total, correct

    def sgd_epoch(self, W: np.ndarray, b: np.ndarray, *, step: float, order: np.ndarray,
                  l2: float) -> tuple[float, int]:
        if self._sgd_lists is None:  # Python floats: the per-example loop reads them fast
            self._sgd_lists = (self.labels.tolist(), None if self.weights is None
                               else self.weights.astype(np.float64).tolist())
        y, sw = self._sgd_lists
        total, b[0], correct = sgd_epoch(self.X, y, sw, W[0], float(b[0]), step=step,
                                         order=order.tolist(), l2=l2)
        return total, correct
