"""Gradient descent, the lecture's solver: full batch, minibatch or per-example, with the
step η given or ``eta="auto"``'s proven step 1/L, the loss curve, ``verbose``, and the
stopping rules of :mod:`logreg.stopping`.

>>> import numpy as np
>>> from logreg.objective import make_problem
>>> from logreg.stopping import Settings
>>> X, y = np.array([[-1.0], [1.0], [-2.0], [0.5]]), np.array([0, 1, 1, 0])
>>> settings = Settings(max_iter=20, tol=None)
>>> run = settings.start(1, 1, settings.rng())
>>> descend(settings, make_problem(X, y, 2, None), run, 20, settings.rng(), partial=False)
>>> len(run.curve), run.curve[-1] < run.curve[0]
(20, True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from logreg import kernels as K
from logreg import objective, solvers, spectrum
from logreg.stopping import (
    AUTO_HALVINGS,
    NEWTON_ROUNDING,
    PATIENCE,
    STOCHASTIC_FRACTION,
    Best,
    Run,
    Settings,
    check_divergence,
    check_explosion,
    check_separation,
    finish,
)


def bound(problem: Any, full: bool) -> spectrum.Curvature:
    """G for eta="auto": of the data (full batch) or of the worst single example."""
    weights = problem.weights
    w64 = None if weights is None else weights.astype(np.float64)
    if full:
        return spectrum.top_eigenvalue(problem.X, w64)
    return spectrum.largest_example(problem.X, w64)


def descend(settings: Settings, problem: Any, run: Run, epochs: int,
            rng: np.random.Generator, partial: bool) -> None:
    """Gradient descent for ``epochs`` epochs (fewer when ``tol`` stops it), with the
    loss curve, ``verbose``, the stopping rule and the checks that a run went well."""
    X = problem.X
    n = X.shape[0]
    batch = min(settings.batch_size or n, n)
    full = batch >= n
    mean = settings.reduction == "mean"
    auto = settings.eta == "auto"
    l2 = settings.l2
    curvature = None
    if auto:
        curvature = bound(problem, full)
        if not math.isfinite(curvature.value):
            big = max(abs(float(X.max())), abs(float(X.min())))
            raise ValueError(
                f"X's values are too large (largest |x| = {big:.3g}) to bound the loss's "
                f"curvature for eta='auto': X̃ᵀX̃/n overflows float64. Scale the features "
                "first (subtract each column's mean, divide by its standard deviation).")
        chunk_step = objective.descent_step(
            objective.smoothness(curvature.value, l2, problem.rows > 1))
        if not full:
            chunk_step *= STOCHASTIC_FRACTION
        run.step = chunk_step if run.step is None else min(run.step, chunk_step)
        step = run.step if mean else run.step / batch
    else:
        step = float(settings.eta)
    gather = batch > 1 and not full and settings.shuffle and solvers.clustered(problem.labels)
    W, b = run.W, run.b
    start_epoch, best = len(run.curve), Best()
    stale, stopped, at_precision = 0, False, False
    rounding = NEWTON_ROUNDING * float(np.finfo(X.dtype).eps)
    prev: tuple | None = None      # full batch: (W, b, gradient W, gradient b, loss)
    for _ in range(epochs):
        before = best.loss
        if full:
            J, correct, gW, gb = full_epoch(settings, problem, W, b, mean)
            halvings = 0
            while auto and prev is not None and J > prev[4] + rounding * abs(prev[4]):
                # the loss rose beyond its rounding: G was an estimate below the true
                # one (a certified G allows no rise): halve the step and redo the epoch
                W[...], b[...] = prev[0], prev[1]
                if halvings >= AUTO_HALVINGS:
                    at_precision = True
                    break
                halvings += 1
                step /= 2
                run.step /= 2
                W -= step * prev[2]
                b -= step * prev[3]
                J, correct, gW, gb = full_epoch(settings, problem, W, b, mean)
            if at_precision:
                break
            best.offer(J, len(run.curve), W, b)
            if auto:
                prev = (W.copy(), b.copy(), gW, gb, J)
            W -= step * gW
            b -= step * gb
        else:
            penalty = objective.penalty(W, l2)      # at the weights the epoch starts from
            if batch == 1:
                total, correct = problem.sgd_epoch(W, b, step=step, l2=l2,
                                                   order=rng.permutation(n))
            else:
                batches = solvers.plan_batches(n, batch, rng if settings.shuffle else None,
                                               gather)
                total, correct = problem.minibatch_epoch(
                    W, b, step=step, batches=batches, mean=mean, l2=l2,
                    accuracy=settings.verbose)
            J = total / n + penalty
            best.offer(J, len(run.curve), W, b)
        run.curve.append(J)
        run.n_iter += 1
        if settings.verbose:
            print(f"Epoch: {run.n_iter:03d} | Train ACC: {correct / n:.3f} | "
                  f"Cost: {J:.3f}")
        check_divergence(settings, run, W, b, partial)
        if not partial and settings.tol is not None:
            stale = stale + 1 if J > before - settings.tol else 0
            if stale >= PATIENCE:
                stopped = True
                break
    run.eta = step
    if partial:
        check_explosion(settings, run, problem)
        return
    if at_precision and settings.tol is None:  # the remaining epochs could not move
        while run.n_iter < epochs + start_epoch and len(run.curve) < epochs + start_epoch:
            run.curve.append(run.curve[-1])
            run.n_iter += 1
    finish(settings, problem, run, best, start_epoch, stopped or at_precision, curvature,
           full, auto)
    if not l2:
        check_separation(problem, run)


def full_epoch(settings: Settings, problem: Any, W: np.ndarray, b: np.ndarray, mean: bool
               ) -> tuple[float, int, np.ndarray, np.ndarray]:
    """One read of X at (W, b): the penalised mean loss, correct predictions, and the
    gradient of the mean loss (of the summed loss with reduction="sum")."""
    n = problem.X.shape[0]
    total, gW, gb, correct = problem.full_pass(W, b, accuracy=settings.verbose)
    J = total / n + objective.penalty(W, settings.l2)
    k = 1.0 / n if mean else 1.0
    gW *= k
    gb *= k
    if settings.l2:
        gW += K.l2_gradient(W, settings.l2 * (1.0 if mean else n))
    return J, correct, gW, gb
