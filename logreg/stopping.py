"""A run of the trainer: the settings it reads, what it changes, and the rules that stop
it, warn (``ConvergenceWarning``) or raise (``DivergenceError``) when it went wrong.

The solvers (:mod:`logreg.descent`, :mod:`logreg.newton`) call these rules; the
estimator (:mod:`logreg.model`) commits a run's weights only when it ends well.

>>> run = Run(np.zeros((1, 2)), np.zeros(1), [0.69, 0.5, 0.4])
>>> check_divergence(Settings(eta=0.1), run, run.W, run.b, partial=False)   # fine: silent
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from logreg import objective, solvers, spectrum
from logreg.exceptions import ConvergenceWarning, DivergenceError
from logreg.validation import warn

#: consecutive epochs without improvement (stop) or with a rising loss (diverge)
PATIENCE = 5
#: mean loss below which unpenalised Newton declares the classes separable
SEPARABLE_LOSS = 1e-8
#: halvings of a Newton step tried within one iteration before it stops
NEWTON_HALVINGS = 20
#: the largest K (d + 1) for which softmax's Newton builds its Hessian (128 MB)
NEWTON_MAX_PARAMETERS = 4096
#: the loss's rounding level, in units of X's machine epsilon times the loss
NEWTON_ROUNDING = 10.0
#: how far (relative) a run's loss may end above its loss at the starting weights:
#: full batch measures exact losses; stochastic and minibatch runs end at noisy iterates
END_RTOL = 1e-6
STOCHASTIC_END_RTOL = 0.1
#: how far (relative, at least) a stochastic run's returned loss may lie above its best
#: epoch's running loss before it says so: running losses are taken at moving weights
STOCHASTIC_RISE_RTOL = 0.02
#: a stochastic run that stops (tol) with its running loss still moving by more than this
#: (relative) over its last epochs has not settled, and says so
STOCHASTIC_NOISE_RTOL = 0.05
#: eta="auto" with minibatch or per-example steps takes this fraction of 1/L₁, the step
#: of the one-example loss that curves most: each step still lowers its batch's loss
#: (any step below 2/L₁ does), and it is the constant step of SGD's convergence theorem
#: with expected smoothness at most L₁ (Gower et al. 2019, Theorem 3.1: γ <= 1/(2ℒ))
STOCHASTIC_FRACTION = 0.5
#: halvings of eta="auto"'s step within one full-batch epoch (only when G was estimated)
AUTO_HALVINGS = 30
#: partial_fit: a chunk's mean loss this many times log K (that of zero weights) means
#: the weights exploded (a chunk of other labels, or drift, stays far below it)
EXPLODING = 100.0


@dataclass(frozen=True)
class Settings:
    """The estimator's hyperparameters (validated), as one run reads them; see
    :class:`logreg.LogisticRegression` for their meaning."""

    solver: str = "gd"
    eta: float | str = "auto"
    max_iter: int = 1000
    batch_size: int | None = None
    reduction: str = "mean"
    init: str = "zeros"
    l2: float = 0.0
    tol: float | None = 1e-6
    shuffle: bool = True
    random_state: Any = None
    verbose: bool = False

    def rng(self) -> np.random.Generator:
        """The random numbers of a run: ``random_state`` itself if it is a Generator."""
        if isinstance(self.random_state, np.random.Generator):
            return self.random_state
        if isinstance(self.random_state, np.random.RandomState):
            return np.random.default_rng(self.random_state.randint(2**31))
        return np.random.default_rng(self.random_state)

    def start(self, rows: int, d: int, rng: np.random.Generator) -> Run:
        """A run from the starting weights: zeros, or normal with standard deviation 0.01."""
        W = rng.normal(0.0, 0.01, (rows, d)) if self.init == "random" else np.zeros((rows, d))
        return Run(W, np.zeros(rows))

    def initial(self, rows: int, d: int) -> tuple[np.ndarray, np.ndarray]:
        """The starting weights of a fit (zeros, or "random" ones drawn again)."""
        if self.init == "zeros":
            return np.zeros((rows, d)), np.zeros(rows)
        run = self.start(rows, d, self.rng())
        return run.W, run.b

    def kind(self) -> str:
        """Which gradient descent: full-batch, per-example or minibatch."""
        return ("full-batch" if self.batch_size is None else "per-example"
                if self.batch_size == 1 else "minibatch")


@dataclass
class Run:
    """What a fit changes, kept apart from the estimator until it succeeds: weights and
    bias in float64 (one row per class, one row for two classes), the loss curve, the
    epoch count, and eta="auto"'s step for the mean loss (1/L)."""

    W: np.ndarray
    b: np.ndarray
    curve: list[float] = field(default_factory=list)
    n_iter: int = 0
    step: float | None = None
    #: the step the updates used (eta_), when gradient descent ran
    eta: float | None = None
    #: Newton stopped on separable classes and said so (no second warning)
    separable_warned: bool = False


@dataclass
class Best:
    """The lowest loss seen in a run, the epoch it came from and its weights."""

    loss: float = math.inf
    epoch: int = -1
    W: np.ndarray | None = None
    b: np.ndarray | None = None

    def offer(self, loss: float, epoch: int, W: np.ndarray, b: np.ndarray) -> None:
        if loss < self.loss:
            self.loss, self.epoch, self.W, self.b = loss, epoch, W.copy(), b.copy()


def warn_convergence(message: str) -> None:
    """A ``ConvergenceWarning``, pointed at the user's line."""
    warn(message, ConvergenceWarning)


# ------------------------------------------------------------ divergence --
def check_divergence(settings: Settings, run: Run, W: np.ndarray, b: np.ndarray,
                     partial: bool) -> None:
    """Raise DivergenceError if the loss is non-finite or (fixed eta) rose 5 epochs in
    a row.

    A run of rises counts only while the loss is above its first value, so
    the epoch-to-epoch noise of stochastic gradient descent near the
    optimum is not mistaken for divergence. With eta="auto" every step lowers the
    loss of the batch it uses, so a rise is noise, judged when the run ends.
    """
    curve = run.curve
    cost = curve[-1]
    if not math.isfinite(cost):
        diverged(settings, f"the loss became {cost} at epoch {len(curve)}", curve)
    if not (np.isfinite(W).all() and np.isfinite(b).all()):
        diverged(settings, f"the weights overflowed at epoch {len(curve)}", curve)
    last = curve[-PATIENCE - 1:]
    if not partial and settings.eta != "auto" and len(last) == PATIENCE + 1 and \
            all(p < q for p, q in pairwise(last)) and cost > curve[0]:
        diverged(settings, f"the loss rose for {PATIENCE} epochs in a row, to {cost:.4g}",
                 curve)


def check_explosion(settings: Settings, run: Run, problem: Any) -> None:
    """partial_fit: raise only if a chunk's loss exploded (see ``EXPLODING``)."""
    cost = run.curve[-1]
    limit = EXPLODING * math.log(max(problem.rows, 2))
    if cost > limit:
        diverged(settings, f"a chunk's loss reached {cost:.4g}, over {EXPLODING:g} times "
                 f"the {limit / EXPLODING:.4g} of zero weights, after 1 epoch", run.curve)


def diverged(settings: Settings, what: str, curve: list[float]) -> None:
    """Raise DivergenceError: what happened, with the learning rate, and what to try."""
    if settings.eta == "auto":
        advice = ("The step was eta='auto', so X's values are likely too large to "
                  "represent the loss: standardize the features (subtract each "
                  "column's mean, divide by its standard deviation).")
    else:
        advice = (f"Try eta='auto' (the step from the proven bound on the loss's "
                  f"curvature), a smaller eta, e.g. eta={settings.eta / 10:g}, or standardize "
                  "the features (subtract each column's mean, divide by its standard "
                  "deviation).")
    eta = "eta='auto'" if settings.eta == "auto" else f"eta={settings.eta:g}"
    raise DivergenceError(f"Training diverged: {what} with learning rate {eta}. {advice}",
                          curve)


# ---------------------------------------------- the end of gradient descent --
def finish(settings: Settings, problem: Any, run: Run, best: Best, first: int,
           stopped: bool, bound: spectrum.Curvature | None, full: bool, auto: bool) -> None:
    """After a fit's epochs: keep the best weights if the loss ended above them, raise
    if it ended above the start, and warn if it stopped short of the minimum."""
    X = problem.X
    curve = run.curve[first:]
    if not curve:
        return
    rounding = NEWTON_ROUNDING * float(np.finfo(X.dtype).eps)
    if auto and full:
        # the descent lemma: with a certified G the last step cannot raise the loss;
        # with an estimated one it is checked, and undone if it did
        if not bound.certified and objective.loss(problem, run.W, run.b,
                                                  settings.l2) > best.loss:
            run.W[...], run.b[...] = best.W, best.b
        warn_short(settings, problem, run, stopped, bound, curve, rounding)
        return
    with np.errstate(over="ignore", invalid="ignore"):
        final = objective.loss(problem, run.W, run.b, settings.l2)
        W0, b0 = settings.initial(problem.rows, problem.X.shape[1])
        start = curve[0] if full else objective.loss(problem, W0, b0, settings.l2)
    room = (END_RTOL if full else STOCHASTIC_END_RTOL) * max(abs(start), 1e-12)
    rtol = settings.tol if settings.tol is not None else END_RTOL
    if not full:
        rtol = max(rtol, STOCHASTIC_RISE_RTOL)
    epochs = f"{run.n_iter} epoch{'s' * (run.n_iter != 1)}"
    if not math.isfinite(final):
        diverged(settings, f"the loss at the final weights is {final} after {epochs}",
                 run.curve)
    if not auto and final > start + room:
        diverged(settings, f"the loss ended at {final:.4g}, above its {start:.4g} at the "
                 f"starting weights, after {epochs}", run.curve)
    later = curve[1:]
    if not auto and stopped and later and min(later) >= curve[0] \
            and max(later) > curve[0] + room:
        diverged(settings, f"the loss never fell below its first epoch's {curve[0]:.4g} "
                 f"(it rose to {max(later):.4g}) before training stopped after {epochs}",
                 run.curve)
    if best.W is not None and (final > best.loss + rtol * abs(best.loss)
                               or final > start + room):
        # full batch: best.loss is exact; stochastic: a running loss, measured again
        exact = best.loss if full else objective.loss(problem, best.W, best.b, settings.l2)
        candidates = [(final, "the final weights", run.W.copy(), run.b.copy()),
                      (exact, f"the weights of epoch {best.epoch + 1}", best.W, best.b)]
        if auto:  # stochastic steps from the bound: noise, never a blow-up
            candidates.append((start, "the starting weights", W0, b0))
        loss, which, W, b = min(candidates, key=lambda c: c[0])
        if loss + rtol * abs(loss) < final:
            run.W[...], run.b[...] = W, b
            warn_rise(settings, final, loss, which, epochs, bound, auto)
            return
    last = curve[-PATIENCE - 1:]
    if not full and stopped and max(last) - min(last) > STOCHASTIC_NOISE_RTOL * min(last):
        warn_convergence(
            f"{settings.kind()} gradient descent stopped after {epochs} without "
            f"settling: its loss still moved between {min(last):.4g} and "
            f"{max(last):.4g} over the last {len(last)} epochs (eta={settings.eta!r}), "
            "so the model may be far from the minimum. "
            + ("Try eta='auto' or a smaller eta, a larger batch_size, or "
               "standardize the features." if not auto else
               "Try a larger batch_size, full batch (batch_size=None), or "
               "standardize the features."))
        return
    warn_short(settings, problem, run, stopped, bound, curve, rounding)


def warn_rise(settings: Settings, final: float, loss: float, which: str, epochs: str,
              bound: spectrum.Curvature | None, auto: bool) -> None:
    """Say that the loss ended above an earlier one, and which weights are returned."""
    if auto:
        scaling = spectrum.badly_scaled(bound) if bound is not None else None
        advice = (" Its steps, each lowering the loss of one batch, were too noisy to "
                  "settle" + (f" ({scaling})" if scaling else "") + ": standardize the "
                  "features, use a larger batch_size or full batch (batch_size=None), or "
                  "solver='newton'.")
    else:
        advice = (" Try eta='auto' (the step from the proven bound on the loss's "
                  "curvature) or a smaller eta, or standardize the features.")
    warn_convergence(f"the loss rose to {final:.6g} at the end of {settings.kind()} gradient "
                     f"descent ({epochs}, eta={settings.eta!r}), above {loss:.6g} at "
                     f"{which}, which are returned." + advice)


def warn_short(settings: Settings, problem: Any, run: Run, stopped: bool,
               bound: spectrum.Curvature | None, curve: list[float],
               rounding: float) -> None:
    """Warn when gradient descent ended before the loss settled."""
    X, tol = problem.X, settings.tol
    scaling = spectrum.badly_scaled(bound) if bound is not None else None
    advice = ""
    if scaling:
        advice = (f" The features are badly scaled ({scaling}), so the safe step 1/L "
                  "is tiny along most directions: standardize the features (subtract "
                  "each column's mean, divide by its standard deviation; e.g. "
                  "sklearn.preprocessing.StandardScaler), or use solver='newton'.")
    if stopped and X.dtype != np.float64 and tol is not None \
            and tol < rounding * abs(curve[-1]):
        warn_convergence(
            f"gradient descent stopped after {run.n_iter} epochs at {X.dtype}'s "
            f"precision: the loss {curve[-1]:.7g} cannot show changes below about "
            f"{rounding * abs(curve[-1]):.1g}, and tol={tol:g} asks for less. "
            "Pass float64 X for more digits, or raise tol.")
    elif stopped and scaling:
        warn_convergence(
            f"gradient descent stopped after {run.n_iter} epochs, its loss "
            f"{curve[-1]:.6g} falling by less than tol={tol:g} per epoch, "
            "but it may still be far above its minimum." + advice)
    elif not stopped and tol is not None and len(curve) > 1:
        fell = curve[max(0, len(curve) - PATIENCE - 1)] - curve[-1]
        warn_convergence(
            f"gradient descent did not converge in max_iter={settings.max_iter} "
            f"epochs: the loss still fell by {fell:.2g} in its last "
            f"{min(PATIENCE, len(curve) - 1)} epochs. Raise max_iter"
            + (" or eta (or use eta='auto')." if settings.eta != "auto" else ".")
            + advice)


# ------------------------------------------------------------ separation --
def check_separation(problem: Any, run: Run) -> None:
    """Without a penalty: warn if the fitted weights separate a class from all the
    others perfectly (two classes: classify every example right). The loss then has
    no minimum: along that separation every example's loss falls, from any weights.

    The witness for class k is the difference of two classes' net inputs,
    z_k - z_j, positive on every example of class k and negative on every other
    (examples of weight zero do not count).
    """
    if run.separable_warned:   # Newton stopped on it and said so
        return
    X, K_ = problem.X, max(problem.rows, 2)
    lowest = np.full((K_, K_), np.inf)      # min over class k of z_k - z_j
    highest = np.full((K_, K_), -np.inf)    # max over the other classes of z_k - z_j
    rows = solvers.block_rows(X)
    for start in range(0, X.shape[0], rows):
        Xb = X[start:start + rows].astype(np.float64, copy=False)
        labels = problem.labels[start:start + rows].astype(np.intp)
        with np.errstate(over="ignore", invalid="ignore"):
            Z = Xb @ run.W.T + run.b
        if problem.weights is not None:
            keep = problem.weights[start:start + rows] > 0
            Z, labels = Z[keep], labels[keep]
        if problem.rows == 1:   # z_1 - z_0 = z: is every example on its side?
            z, one = Z[:, 0], labels == 1
            lowest[1, 0] = min(lowest[1, 0], z[one].min(initial=np.inf))
            highest[1, 0] = max(highest[1, 0], z[~one].max(initial=-np.inf))
            continue
        for k in range(K_):
            own = labels == k
            D = Z[:, [k]] - Z
            if own.any():
                lowest[k] = np.minimum(lowest[k], D[own].min(axis=0))
            if (~own).any():
                highest[k] = np.maximum(highest[k], D[~own].max(axis=0))
    if problem.rows == 1:
        lowest[0, 1], highest[0, 1] = -highest[1, 0], -lowest[1, 0]
    separated = [k for k in range(K_) if any(
        lowest[k, j] > 0 and highest[k, j] < 0 for j in range(K_) if j != k)]
    if not separated:
        return
    what = ("separate the two classes perfectly" if K_ == 2 else
            "separate class " + ", ".join(
                repr(getattr(problem.classes[k], "item", lambda k=k: problem.classes[k])())
                for k in separated)
            + " from the others perfectly")
    warn_convergence(f"the classes are (partly) separable: the fitted weights {what}, so "
                     "without a penalty the loss has no minimum (along that separation "
                     "every example's loss keeps falling; the weights grow without bound, "
                     f"the largest is now {np.abs(run.W).max():.3g}). Set l2 > 0 for a "
                     "finite optimum.")
