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
from collections.abc import Callable, Iterator
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
    """What one read of X gives: summed loss, gradient sums, optional curvature sums."""

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


def full_pass(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, *,
              hessian: bool = False, accuracy: bool = False) -> Pass:
    """Sum over all rows of L, (a - y) x, (a - y) and, for Newton, a(1 - a) x xᵀ.

    Without the Hessian, a large X is summed on :func:`pass_threads` threads
    (see :func:`map_chunks`); the sums then differ from one thread's only by
    rounding, and are the same on every run.
    """
    if not hessian:
        sign = 1.0 - 2.0 * y  # s = 1 - 2y once per pass: the kernel in s does less per row
        parts = map_chunks(X, lambda lo, hi: _chunk_sums(X, y, sign, w, b, lo, hi, accuracy))
        total, g, gb, correct = 0.0, np.zeros(X.shape[1], X.dtype), 0.0, 0
        for L, gw, e, c in parts:                 # in chunk order: deterministic
            total += L
            g += gw
            gb += e
            correct += c
        return Pass(total, g, gb, correct)
    n, d = X.shape
    rows = block_rows(X)
    total, g, gb, correct = 0.0, np.zeros(d, X.dtype), 0.0, 0
    H = np.zeros((d, d), np.float64) if hessian else None
    hwb = np.zeros(d, np.float64) if hessian else None
    hbb = 0.0
    scaled = np.empty((min(rows, n), d), X.dtype) if hessian else None  # reused
    for start in range(0, n, rows):
        Xb, yb = X[start:start + rows], y[start:start + rows]
        z = Xb @ w
        z += b
        L, e = K.loss_and_delta(z, yb)           # L(z, y) and a - y = dL/dz
        total += float(L.sum(dtype=np.float64))
        g += e @ Xb                              # sum of (a - y) x_j
        gb += float(e.sum(dtype=np.float64))     # sum of (a - y)
        if accuracy:
            correct += int(np.count_nonzero((z > 0) == (yb > 0.5)))
        if hessian:
            c = K.curvature(z)                   # a(1 - a) = d2L/dz2
            Xs = np.multiply(Xb, np.sqrt(c)[:, None], out=scaled[:len(c)])
            H += Xs.T @ Xs                       # sum of a(1 - a) x_j x_k (syrk)
            hwb += c @ Xb
            hbb += float(c.sum(dtype=np.float64))
    return Pass(total, g, gb, correct, H, hwb, hbb)


def _chunk_sums(X: np.ndarray, y: np.ndarray, sign: np.ndarray, w: np.ndarray, b: float,
                lo: int, hi: int, accuracy: bool) -> tuple[float, np.ndarray, float, int]:
    """Loss, (a - y) x, (a - y) and correct predictions summed over rows lo:hi, block by
    block of CHUNK_BLOCKS cache blocks; ``sign`` is 1 - 2y. (Larger blocks mean fewer
    small NumPy calls handing the GIL between the threads: measured 20% faster than
    one cache block at 200k x 100, although X's block then no longer fits in L2.)"""
    rows = block_rows(X) * CHUNK_BLOCKS
    total, g, gb, correct = 0.0, np.zeros(X.shape[1], X.dtype), 0.0, 0
    for start in range(lo, hi, rows):
        stop = min(start + rows, hi)
        Xb, yb = X[start:stop], y[start:stop]
        z = Xb @ w
        z += b
        L, e = K.loss_and_delta_signed(z, sign[start:stop])  # L(z, y), a - y = dL/dz
        total += float(L.sum(dtype=np.float64))
        g += e @ Xb
        gb += float(e.sum(dtype=np.float64))
        if accuracy:
            correct += int(np.count_nonzero((z > 0) == (yb > 0.5)))
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

    def work() -> None:
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


def _batches(X: np.ndarray, y: np.ndarray, batch_size: int, order: np.ndarray | None
             ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_batch, y_batch) in ``order``; contiguous views when ``order`` is None.

    A shuffled batch is gathered into one reused buffer (X itself is never
    copied). A batch's gradient is a sum, so its rows are gathered in memory
    order: all batches are sorted in one call, and the gather streams
    (measured: about 30% faster than in shuffled order).
    """
    n = X.shape[0]
    if order is None:
        for start in range(0, n, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]
        return
    full = n // batch_size * batch_size
    rows = np.sort(order[:full].reshape(-1, batch_size), axis=1)
    groups = [*rows, np.sort(order[full:])] if full < n else list(rows)
    buf = np.empty((min(batch_size, n), X.shape[1]), X.dtype)
    for idx in groups:
        # mode="clip" skips the bounds check: these indices come from a permutation of n
        yield np.take(X, idx, axis=0, out=buf[:len(idx)], mode="clip"), y[idx]


def minibatch_epoch(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, *, eta: float,
                    batch_size: int, order: np.ndarray | None, mean: bool, l2: float,
                    accuracy: bool = False) -> tuple[float, float, int]:
    """One pass of minibatch gradient descent; updates ``w`` in place.

    Returns (summed loss, new bias, correct predictions), the loss of each
    batch taken at the weights in use for that batch.
    """
    total, correct = 0.0, 0
    for Xb, yb in _batches(X, y, batch_size, order):
        z = Xb @ w
        z += b
        L, e = K.loss_and_delta(z, yb)
        total += float(L.sum(dtype=np.float64))
        if accuracy:
            correct += int(np.count_nonzero((z > 0) == (yb > 0.5)))
        k = 1.0 / len(yb) if mean else 1.0
        gw = e @ Xb
        if l2:
            gw += K.l2_gradient(w, l2 * len(yb))  # the penalty's share: |B| lambda w
        w -= (eta * k) * gw
        b -= (eta * k) * float(e.sum(dtype=np.float64))
    return total, b, correct


def sgd_epoch(X: np.ndarray, y: list[float], w: np.ndarray, b: float, *, eta: float,
              order: np.ndarray, l2: float) -> tuple[float, float, int]:
    """The lecture's per-example loop: w_j <- w_j - eta (a - y) x_j, b <- b - eta (a - y).

    Returns (summed loss, new bias, correct predictions), each example's taken
    before its own update.
    """
    delta, loss = K.delta_scalar, K.loss_scalar
    tmp = np.empty_like(w)
    total, correct = 0.0, 0
    for i in order.tolist():
        xi, yi = X[i], y[i]
        z = float(xi @ w) + b
        total += loss(z, yi)
        correct += (z > 0) == (yi > 0.5)
        e = delta(z, yi)
        if l2:
            w -= eta * K.l2_gradient(w, l2)
        np.multiply(xi, eta * e, out=tmp)
        w -= tmp
        b -= eta * e
    return total, b, int(correct)
