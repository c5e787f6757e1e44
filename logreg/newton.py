"""Newton's method on θ = (w_1, b_1, ..., w_K, b_K) (one row for two classes): the
Hessian of the penalised mean loss from the printed kernels, a Cholesky solve, and a line
search inside each iteration; it stops at ``tol``, at X's precision, or on separable
classes, and says why (:mod:`logreg.stopping`).

>>> import numpy as np
>>> from logreg.objective import make_problem
>>> from logreg.stopping import Settings
>>> X, y = np.array([[-1.0], [1.0], [-2.0], [0.5]]), np.array([0, 1, 1, 0])
>>> settings = Settings(solver="newton")
>>> run = settings.start(1, 1, settings.rng())
>>> newton(settings, make_problem(X, y, 2, None), run)
>>> run.n_iter < 10
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from logreg import kernels as K
from logreg import multinomial, objective, solvers
from logreg.stopping import (
    NEWTON_HALVINGS,
    NEWTON_MAX_PARAMETERS,
    NEWTON_ROUNDING,
    SEPARABLE_LOSS,
    Run,
    Settings,
    check_separation,
    warn_convergence,
)


def newton(settings: Settings, problem: Any, run: Run) -> None:
    """Newton's method on θ = (w_1, b_1, ..., w_K, b_K) (one row for two classes)."""
    X = problem.X
    n, d = X.shape
    rows, s = problem.rows, d + 1
    if rows > 1 and rows * s > NEWTON_MAX_PARAMETERS:
        raise ValueError(
            f"Newton's method would build a {rows * s} x {rows * s} Hessian "
            f"({rows} classes x {s} parameters, {(rows * s) ** 2 * 8 / 1e9:.1f} "
            f"GB); it takes at most {NEWTON_MAX_PARAMETERS} parameters. Use "
            "solver='gd'.")
    lam = settings.l2
    penalised = np.ones((rows, s), bool)
    penalised[:, d] = False  # the biases are not penalised
    penalised = penalised.ravel()
    # softmax ignores a common shift of every class's parameters (shift_invariance):
    # H is singular along the shift of the biases (and of the weights when l2 = 0)
    shifts = [] if rows == 1 else ([d] if lam else list(range(s)))
    index = np.arange(rows)[:, None] * s

    def evaluate(theta: np.ndarray) -> tuple[Any, float]:
        P = theta.reshape(rows, s)
        with np.errstate(over="ignore", invalid="ignore"):
            p = newton_pass(problem, P[:, :d], P[:, d], accuracy=settings.verbose)
        return p, p.loss / n + objective.penalty(P[:, :d], lam)

    def system(p: Any, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grad = np.column_stack([p.grad_w.reshape(rows, d) / n,
                                np.reshape(p.grad_b, (rows,)) / n]).ravel()
        grad[penalised] += K.l2_gradient(theta[penalised], lam)
        H = hessian(p, rows, d) / n
        H[np.diag_indices_from(H)] += np.where(penalised, K.l2_hessian(lam), 0.0)
        with np.errstate(invalid="ignore", over="ignore"):  # overflow: newton_loop says so
            tau = float(np.mean(np.diag(H)))
        tau = tau if math.isfinite(tau) and tau > 0 else 1.0
        for coord in shifts:  # + tau u u^T, u = (1, ..., 1)/sqrt(K) at this coordinate
            at = (index + coord).ravel()
            H[np.ix_(at, at)] += tau / rows
        return grad, H

    theta = np.column_stack([run.W, run.b]).ravel()
    theta = newton_loop(settings, X, run, theta, evaluate, system)
    P = theta.reshape(rows, s)
    run.W[...], run.b[...] = P[:, :d], P[:, d]
    if not lam:
        check_separation(problem, run)


def newton_pass(problem: Any, W: np.ndarray, b: np.ndarray, accuracy: bool) -> Any:
    """One read of X at (W, b): the loss, its gradient and its Hessian (and the count of
    correct predictions when ``accuracy``)."""
    X = problem.X
    if problem.rows == 1:
        return solvers.full_pass(X, problem.sign, W[0].astype(X.dtype), float(b[0]),
                                 weights=problem.weights, hessian=True, accuracy=accuracy)
    return multinomial.full_pass(X, problem.Y, W.astype(X.dtype), b,
                                 weights=problem.weights, hessian=True, accuracy=accuracy)


def hessian(p: Any, rows: int, d: int) -> np.ndarray:
    """A pass's Hessian as one (rows (d + 1))² matrix, in θ's order."""
    if rows > 1:
        return p.hessian.copy()
    H = np.empty((d + 1, d + 1))
    H[:d, :d] = p.hess_ww
    H[:d, d] = H[d, :d] = p.hess_wb
    H[d, d] = p.hess_bb
    return H


def newton_loop(settings: Settings, X: np.ndarray, run: Run, theta: np.ndarray,
                evaluate: Any, system: Any) -> np.ndarray:
    """Newton's method on θ: solve H Δ = ∇J, θ ← θ − Δ; returns the last θ.

    ``evaluate(θ)`` gives (pass, penalised mean loss), ``system(pass, θ)`` gives
    (∇J, H). One iteration takes the step Δ, halved (at most ``NEWTON_HALVINGS``
    times, all within that iteration) until the loss does not rise. It stops at
    ``tol``, or where the decrease Newton predicts, ½∇JᵀΔ, is below the loss's
    rounding level at X's precision (float32 data gets there before ``tol``):
    converged as far as X's digits allow. When no step lowers the loss although
    a visible decrease was predicted, it stops and says so. When Cholesky fails
    (H singular: features that are copies of each other, or constant), Δ is the
    least-squares step. With ``tol=None`` it runs all ``max_iter`` iterations:
    once no step can lower the loss, the rest leave θ where it is.
    """
    n = X.shape[0]
    lam, tol, max_iter = settings.l2, settings.tol, settings.max_iter
    rounding = NEWTON_ROUNDING * float(np.finfo(X.dtype).eps)
    p, cost = evaluate(theta)
    largest = math.inf
    for _ in range(max_iter):
        run.curve.append(cost)
        run.n_iter += 1
        if settings.verbose:
            print(f"Epoch: {run.n_iter:03d} | Train ACC: {p.correct / n:.3f} | "
                  f"Cost: {cost:.3f}")
        grad, H = system(p, theta)
        if not (np.isfinite(grad).all() and np.isfinite(H).all()):
            overflowed(X)
        try:
            step = cho_solve(np.linalg.cholesky(H), grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, grad, rcond=None)[0]
        largest = float(np.max(np.abs(step)))
        if tol is not None and largest <= tol:
            theta = theta - step
            break
        if not lam and cost < SEPARABLE_LOSS:
            theta = theta - step
            warn_convergence("the classes are separable: without a penalty the loss has no "
                             "minimum (the weights grow without bound). Stopped; set l2 > 0 "
                             "for a finite optimum.")
            run.separable_warned = True
            break
        decrease = 0.5 * float(grad @ step)  # what the quadratic model promises
        invisible = decrease <= rounding * abs(cost)
        if invisible and tol is not None:  # converged to X's precision: the step
            _, cost_new = evaluate(theta - step)
            if cost_new <= cost + rounding * abs(cost):  # is kept unless the loss rose
                theta = theta - step
            break
        for k in range(NEWTON_HALVINGS + 1):  # the line search, inside this iteration
            theta_new = theta - 0.5**k * step
            p_new, cost_new = evaluate(theta_new)
            if cost_new <= cost:
                break
        else:
            if invisible:  # tol=None at X's precision: nothing moves from here on
                while run.n_iter < max_iter:
                    run.curve.append(cost)
                    run.n_iter += 1
                break
            warn_convergence(
                f"Newton's method stopped after {run.n_iter} iteration"
                f"{'s' * (run.n_iter != 1)}: no step "
                f"along its direction (down to 2^-{NEWTON_HALVINGS} of it) lowered the "
                f"loss {cost:.10g}, although it predicted a decrease of {decrease:.2g} "
                f"(the last full step moved a weight by {largest:.2g}, tol={tol}). "
                f"The loss cannot be lowered further at X's {X.dtype} precision"
                + ("; pass float64 X for more digits." if X.dtype != np.float64
                   else "."))
            break
        theta, p, cost = theta_new, p_new, cost_new
    else:
        if tol is not None:
            warn_convergence(
                f"Newton's method did not converge in max_iter={max_iter} "
                f"iterations: its last step still moved a weight by {largest:.2g}, more "
                f"than tol={tol:g}. Raise max_iter"
                + (", or set l2 > 0 if the classes are (nearly) separable." if not lam
                   else "."))
    return theta


def overflowed(X: np.ndarray) -> None:
    """Raise: the Hessian overflowed at X's scale."""
    big = max(abs(float(X.max())), abs(float(X.min())))
    raise ValueError(f"Newton's method overflowed: X's values are too large (largest "
                     f"|x| = {big:.3g}) for its Hessian, the sum of a(1 - a) x xᵀ, in "
                     f"{X.dtype}. Scale the features first (e.g. divide each column by its "
                     "standard deviation).")


def cho_solve(L: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve (L Lᵀ) x = g with two triangular solves (NumPy only)."""
    # numpy has no triangular solver; solve is LU on the small (d+1) x (d+1) factors
    return np.linalg.solve(L.T, np.linalg.solve(L, g))
