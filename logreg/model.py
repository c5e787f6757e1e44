"""``LogisticRegression``: scikit-learn's conventions, the lecture's formulas.

>>> from logreg import LogisticRegression
>>> from logreg.data import two_blobs
>>> X, y = two_blobs(50, separation=2.0)      # overlapping blobs: the loss has a minimum
>>> model = LogisticRegression().fit(X, y)      # eta="auto": the step 1/L, proven safe
>>> model.score(X, y) > 0.95, model.eta_ > 0
(True, True)
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from logreg import kernels as K
from logreg import multinomial, solvers, spectrum
from logreg.validation import (
    check_feature_names,
    check_positive_number,
    check_random_state,
    check_sample_weight,
    check_X,
    check_y,
    feature_names,
    not_fitted_error,
    warn,
)


class ConvergenceWarning(UserWarning):
    """Training stopped before the loss settled: at ``max_iter``, at X's precision, with
    badly scaled features, or with a loss that rose above its best epoch's."""


class DivergenceError(FloatingPointError):
    """Training went wrong: the loss became non-finite, rose for five epochs in a row,
    ended above its value at the starting weights, or never improved on its first epoch.

    ``loss_curve`` holds the losses of the epochs run, up to the failure.
    """

    def __init__(self, message: str, loss_curve: list[float] | None = None) -> None:
        super().__init__(message)
        self.loss_curve = list(loss_curve or [])


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


@dataclass
class _Run:
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


@dataclass
class _Best:
    """The lowest loss seen in a run, the epoch it came from and its weights."""

    loss: float = math.inf
    epoch: int = -1
    W: np.ndarray | None = None
    b: np.ndarray | None = None

    def offer(self, loss: float, epoch: int, W: np.ndarray, b: np.ndarray) -> None:
        if loss < self.loss:
            self.loss, self.epoch, self.W, self.b = loss, epoch, W.copy(), b.copy()


class LogisticRegression:
    """Logistic regression (two classes) or softmax regression (K >= 3 classes),
    trained by gradient descent or Newton's method.

    Parameters
    ----------
    solver : ``"gd"`` (gradient descent, the lecture's) or ``"newton"``.
    eta : learning rate η of gradient descent, > 0, or ``"auto"`` (the default): the step
        1/L that the descent lemma allows, L being the proven bound on the loss's
        curvature (``derivations.stepsize``), L = G/4 + λ for two classes and G/2 + λ
        for softmax, G the largest eigenvalue of the weighted X̃ᵀX̃/n (x̃ = (x, 1)).
        Full batch: G of the data, certified (``logreg.spectrum``), so the loss never
        rises; minibatch and per-example: G of the one example that curves most,
        max s_i‖x̃_i‖², so every step lowers the loss of the batch it uses.
        ``reduction="sum"`` divides it by n (or the batch size). ``eta_`` is the step.
    max_iter : the epoch limit (Newton: iteration limit).
    batch_size : ``None`` for full-batch gradient descent, ``1`` for the
        lecture's per-example stochastic gradient descent, or a minibatch size.
    reduction : ``"mean"`` (average the batch's gradients) or ``"sum"`` (the
        lecture's code: one full-batch epoch is w ← w − η·Xᵀ(a − y)).
    init : ``"zeros"`` or ``"random"`` (normal, standard deviation 0.01).
    l2 : penalty λ of ½λ‖w‖² added to the mean loss (the bias is not
        penalised); scikit-learn's ``C`` is 1/(n·λ) (1/(Σs·λ) with weights s).
    tol : gradient descent stops when the epoch loss has not dropped by more
        than ``tol`` below its best for 5 epochs; Newton stops when no step
        component exceeds ``tol``, or when the decrease its step promises is
        below the loss's rounding at X's precision (float32 gets there first).
        ``None`` runs all ``max_iter`` epochs (Newton stops early only on separable
        classes, saying so).
    shuffle : shuffle each epoch (minibatch and per-example). Minibatches are
        consecutive rows of X (no copy), starting at a random offset, in random order;
        when the labels are clustered (sorted by class, say) the rows themselves are
        shuffled and gathered instead.
    random_state : seed (int), ``numpy.random.Generator`` or ``None``.
    verbose : print one line per epoch, ``Epoch: 001 | Train ACC: 0.973 | Cost: 0.055``.

    Attributes
    ----------
    coef_ (1, n_features) for two classes, (K, n_features) for K >= 3; intercept_ (1,) or
    (K,); classes_ (K,), sorted; n_iter_, n_features_in_, feature_names_in_ (when X had
    string column names); eta_ (the step gradient descent used);
    loss_curve_ (one mean loss, plus the penalty, per epoch: full batch, at the weights
    the epoch starts from; minibatch and per-example, the running loss of the epoch).

    When a run's final loss lies above its best epoch's by more than ``tol`` (relative;
    with a fixed ``eta``), the best epoch's weights are returned, with a
    ``ConvergenceWarning``; a final loss above the starting loss is a ``DivergenceError``.
    """

    def __init__(self, *, solver: str = "gd", eta: float | str = "auto",
                 max_iter: int = 1000, batch_size: int | None = None,
                 reduction: str = "mean", init: str = "zeros", l2: float = 0.0,
                 tol: float | None = 1e-6, shuffle: bool = True, random_state: Any = None,
                 verbose: bool = False) -> None:
        self.solver = solver
        self.eta = eta
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.reduction = reduction
        self.init = init
        self.l2 = l2
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ params --
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyperparameters, as given to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> LogisticRegression:
        """Set hyperparameters by name; returns ``self``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator {self}. "
                                 f"Valid parameters are: {sorted(valid)!r}.")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in
                    inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if not (v is defaults[k] or (isinstance(v, (int, float, str))
                                                 and type(v) is type(defaults[k])
                                                 and v == defaults[k]))]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags
        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(multi_class=True),
                    input_tags=InputTags(allow_nan=False))

    def _validate_params(self) -> None:
        if self.solver not in ("gd", "newton"):
            raise ValueError(f"solver must be 'gd' or 'newton', got {self.solver!r}.")
        if self.eta != "auto":
            if isinstance(self.eta, str):
                raise ValueError(f"eta must be 'auto' or a finite number > 0, got "
                                 f"{self.eta!r}.")
            check_positive_number(self.eta, "eta (the learning rate; or 'auto')")
        check_positive_number(self.max_iter, "max_iter", integer=True)
        check_positive_number(self.batch_size, "batch_size", integer=True, allow_none=True)
        if self.reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {self.reduction!r}.")
        if self.init not in ("zeros", "random"):
            raise ValueError(f"init must be 'zeros' or 'random', got {self.init!r}.")
        check_positive_number(self.l2, "l2 (the penalty lambda)", allow_zero=True)
        check_positive_number(self.tol, "tol", allow_zero=True, allow_none=True)
        if not isinstance(self.shuffle, (bool, np.bool_)):
            raise ValueError(f"shuffle must be True or False, got {self.shuffle!r}.")
        check_random_state(self.random_state)

    # ---------------------------------------------------------- the data --
    def _classes_of(self, y: np.ndarray, weights: np.ndarray | None,
                    classes: Any = None) -> np.ndarray:
        """The sorted classes: y's (or the listed ``classes``, which must hold y's); at
        least two of them must have examples of nonzero weight."""
        if classes is not None:
            listed = np.asarray(classes) if not hasattr(classes, "__next__") else None
            if listed is None or listed.ndim != 1:
                raise ValueError(f"classes must be a 1-D list of the labels, e.g. "
                                 f"classes=[0, 1, 2], got {classes!r}.")
            try:
                listed = check_y(classes, listed.shape[0])
            except ValueError as exc:
                raise ValueError(f"classes={listed.tolist()!r} are not labels: {exc}") from None
            if not np.isin(y, listed).all():
                unknown = np.setdiff1d(np.unique(y), listed)
                raise ValueError(f"y contains labels {unknown.tolist()} not in classes "
                                 f"{np.unique(listed).tolist()}.")
            return np.unique(listed)
        found = np.unique(y)
        present = found if weights is None else np.unique(y[weights > 0])
        if found.size < 2:
            raise ValueError(f"This solver needs samples of at least 2 classes in the data, "
                             f"but the data contains only one class: {found.tolist()}.")
        if present.size < 2:
            raise ValueError(f"sample_weight leaves examples of only one class "
                             f"({present.tolist()}): the other classes' examples all have "
                             "weight zero, and a classifier needs at least 2 classes.")
        return found

    def _index(self, y: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """Each label's position in ``classes``."""
        if not np.isin(y, classes).all():
            unknown = np.setdiff1d(np.unique(y), classes)
            raise ValueError(f"y contains labels {unknown.tolist()} not in classes_ "
                             f"{classes.tolist()}.")
        return np.searchsorted(classes, y)

    def _problem(self, X: np.ndarray, index: np.ndarray, n_classes: int,
                 weights: np.ndarray | None) -> Any:
        if weights is not None:
            weights = weights / weights.mean()   # relative weights: the loss is their mean
        if n_classes == 2:
            return solvers.BinaryProblem(X, index.astype(X.dtype), weights)
        return multinomial.SoftmaxProblem(X, index, n_classes, weights)

    def _rng(self) -> np.random.Generator:
        if isinstance(self.random_state, np.random.Generator):
            return self.random_state
        if isinstance(self.random_state, np.random.RandomState):
            return np.random.default_rng(self.random_state.randint(2**31))
        return np.random.default_rng(self.random_state)

    def _start(self, rows: int, d: int, rng: np.random.Generator) -> _Run:
        W = rng.normal(0.0, 0.01, (rows, d)) if self.init == "random" else np.zeros((rows, d))
        return _Run(W, np.zeros(rows))

    # ---------------------------------------------------------- fitting --
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        """Learn ``coef_`` and ``intercept_`` from X (n, d) and labels y of 2 or more
        classes; ``sample_weight`` (n,) weighs each example's loss (relative weights)."""
        self._validate_params()
        names = feature_names(X)
        X = check_X(X)
        y = check_y(y, X.shape[0])
        weights = check_sample_weight(sample_weight, X.shape[0])
        classes = self._classes_of(y, weights)
        problem = self._problem(X, self._index(y, classes), classes.size, weights)
        problem.classes = classes  # named in the messages
        rng = self._rng()
        run = self._start(problem.rows, X.shape[1], rng)
        # BLAS on one thread for the whole fit (the passes run their own threads); NumPy's
        # overflow warnings are not the user's business: every loss, weight and bound the
        # fit uses is checked, and a non-finite one is an error that says what to do
        with solvers.one_blas_thread(), _quiet():
            if self.solver == "newton":
                self._newton(problem, run)
            else:
                self._descend(problem, run, self.max_iter, rng, partial=False)
        self._commit(run, X, names, rng, classes)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None,
                    sample_weight: Any = None) -> LogisticRegression:
        """One epoch of gradient descent on this chunk; ``classes`` on the first call.

        Whatever the solver, a chunk gets a gradient-descent epoch with ``eta``
        and ``batch_size`` (Newton's method needs all the data at once). With
        eta="auto" each chunk's bound is computed and the smallest step so far is
        kept (``eta_`` never grows), so each step is safe for every chunk seen. A
        chunk's loss may be far above the last one's (other labels, drift): only a
        non-finite loss or one above ``EXPLODING`` times that of zero weights raises
        ``DivergenceError``, and an error leaves the estimator as it was.
        """
        self._validate_params()
        first = not hasattr(self, "coef_")
        if first:
            names = feature_names(X)
        else:
            check_feature_names(getattr(self, "feature_names_in_", None), X,
                                type(self).__name__)
            names = getattr(self, "feature_names_in_", None)
        X = check_X(X, n_features=None if first else self.n_features_in_)
        y = check_y(y, X.shape[0])
        weights = check_sample_weight(sample_weight, X.shape[0])
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit, "
                                 "e.g. partial_fit(X, y, classes=[0, 1]).")
            found = self._classes_of(y, weights, classes)
            if found.size < 2:
                raise ValueError(f"classes must list at least 2 classes, got "
                                 f"{found.tolist()}.")
            rng = self._rng()
            run = self._start(1 if found.size == 2 else found.size, X.shape[1], rng)
        else:
            found = self.classes_
            if classes is not None and not np.array_equal(np.unique(classes), found):
                raise ValueError(f"classes {list(classes)} differ from classes_ "
                                 f"{found.tolist()} of the first call.")
            rng = self._rng_
            run = _Run(self._weights_as_rows(), self.intercept_.astype(np.float64),
                       list(self.loss_curve_), self.n_iter_, getattr(self, "_step", None))
        problem = self._problem(X, self._index(y, found), found.size, weights)
        state = rng.bit_generator.state
        try:
            with solvers.one_blas_thread(), _quiet():
                self._descend(problem, run, 1, rng, partial=True)
        except BaseException:
            rng.bit_generator.state = state  # an error leaves no trace: not even the rng
            raise
        self._commit(run, X, names, rng, found)
        return self

    def _weights_as_rows(self) -> np.ndarray:
        return self.coef_.astype(np.float64).reshape(-1, self.n_features_in_)

    def _commit(self, run: _Run, X: np.ndarray, names: np.ndarray | None,
                rng: np.random.Generator, classes: np.ndarray) -> None:
        """Set the fitted attributes from a finished run, all at once."""
        self.classes_ = classes
        self.coef_ = run.W.astype(X.dtype)
        self.intercept_ = run.b.astype(X.dtype)
        self.loss_curve_ = run.curve
        self.n_iter_ = run.n_iter
        self.n_features_in_ = X.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._rng_ = rng
        self._step = run.step
        if run.eta is not None:
            self.eta_ = run.eta
        elif hasattr(self, "eta_"):
            del self.eta_

    def _penalty(self, W: np.ndarray) -> float:
        return float(K.l2_penalty(W, self.l2).sum()) if self.l2 else 0.0

    # ----------------------------------------------------- gradient descent --
    def _bound(self, problem: Any, full: bool) -> spectrum.Curvature:
        """G for eta="auto": of the data (full batch) or of the worst single example."""
        weights = problem.weights
        w64 = None if weights is None else weights.astype(np.float64)
        if full:
            return spectrum.top_eigenvalue(problem.X, w64)
        return spectrum.largest_example(problem.X, w64)

    def _descend(self, problem: Any, run: _Run, epochs: int, rng: np.random.Generator,
                 partial: bool) -> None:
        """Gradient descent for ``epochs`` epochs (fewer when ``tol`` stops it), with the
        loss curve, ``verbose``, the stopping rule and the checks that a run went well."""
        X = problem.X
        n = X.shape[0]
        batch = min(self.batch_size or n, n)
        full = batch >= n
        mean = self.reduction == "mean"
        auto = self.eta == "auto"
        bound = None
        if auto:
            bound = self._bound(problem, full)
            if not math.isfinite(bound.value):
                big = max(abs(float(X.max())), abs(float(X.min())))
                raise ValueError(
                    f"X's values are too large (largest |x| = {big:.3g}) to bound the loss's "
                    f"curvature for eta='auto': X̃ᵀX̃/n overflows float64. Scale the features "
                    "first (subtract each column's mean, divide by its standard deviation).")
            chunk_step = _descent_step(_smoothness(bound.value, self.l2, problem.rows > 1))
            if not full:
                chunk_step *= STOCHASTIC_FRACTION
            run.step = chunk_step if run.step is None else min(run.step, chunk_step)
            step = run.step if mean else run.step / batch
        else:
            step = float(self.eta)
        gather = batch > 1 and not full and self.shuffle and solvers.clustered(problem.labels)
        W, b = run.W, run.b
        start_epoch, best = len(run.curve), _Best()
        stale, stopped, at_precision = 0, False, False
        rounding = NEWTON_ROUNDING * float(np.finfo(X.dtype).eps)
        prev: tuple | None = None      # full batch: (W, b, gradient W, gradient b, loss)
        for _ in range(epochs):
            before = best.loss
            if full:
                J, correct, gW, gb = self._full_epoch(problem, W, b, mean)
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
                    J, correct, gW, gb = self._full_epoch(problem, W, b, mean)
                if at_precision:
                    break
                best.offer(J, len(run.curve), W, b)
                if auto:
                    prev = (W.copy(), b.copy(), gW, gb, J)
                W -= step * gW
                b -= step * gb
            else:
                penalty = self._penalty(W)      # at the weights the epoch starts from
                if batch == 1:
                    total, correct = problem.sgd_epoch(W, b, step=step, l2=self.l2,
                                                       order=rng.permutation(n))
                else:
                    batches = solvers.plan_batches(n, batch, rng if self.shuffle else None,
                                                   gather)
                    total, correct = problem.minibatch_epoch(
                        W, b, step=step, batches=batches, mean=mean, l2=self.l2,
                        accuracy=self.verbose)
                J = total / n + penalty
                best.offer(J, len(run.curve), W, b)
            run.curve.append(J)
            run.n_iter += 1
            if self.verbose:
                print(f"Epoch: {run.n_iter:03d} | Train ACC: {correct / n:.3f} | "
                      f"Cost: {J:.3f}")
            self._check_divergence(run, W, b, partial)
            if not partial and self.tol is not None:
                stale = stale + 1 if J > before - self.tol else 0
                if stale >= PATIENCE:
                    stopped = True
                    break
        run.eta = step
        if partial:
            self._check_explosion(run, problem)
            return
        if at_precision and self.tol is None:  # the remaining epochs could not move
            while run.n_iter < epochs + start_epoch and len(run.curve) < epochs + start_epoch:
                run.curve.append(run.curve[-1])
                run.n_iter += 1
        self._finish(problem, run, best, start_epoch, stopped or at_precision, bound, full,
                     auto)
        if not self.l2:
            self._check_separation(problem, run)

    def _full_epoch(self, problem: Any, W: np.ndarray, b: np.ndarray, mean: bool
                    ) -> tuple[float, int, np.ndarray, np.ndarray]:
        """One read of X at (W, b): the penalised mean loss, correct predictions, and the
        gradient of the mean loss (of the summed loss with reduction="sum")."""
        n = problem.X.shape[0]
        total, gW, gb, correct = problem.full_pass(W, b, accuracy=self.verbose)
        J = total / n + self._penalty(W)
        k = 1.0 / n if mean else 1.0
        gW *= k
        gb *= k
        if self.l2:
            gW += K.l2_gradient(W, self.l2 * (1.0 if mean else n))
        return J, correct, gW, gb

    def _exact_loss(self, problem: Any, W: np.ndarray, b: np.ndarray) -> float:
        """The penalised mean loss at (W, b): log K at zero weights, else one pass."""
        if not (W.any() or b.any()):
            return math.log(max(problem.rows, 2))
        with np.errstate(over="ignore", invalid="ignore"):
            total = problem.full_pass(W, b)[0]
        return total / problem.X.shape[0] + self._penalty(W)

    def _finish(self, problem: Any, run: _Run, best: _Best, first: int, stopped: bool,
                bound: spectrum.Curvature | None, full: bool, auto: bool) -> None:
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
            if not bound.certified and self._exact_loss(problem, run.W, run.b) > best.loss:
                run.W[...], run.b[...] = best.W, best.b
            self._warn_short(problem, run, stopped, bound, curve, rounding)
            return
        with np.errstate(over="ignore", invalid="ignore"):
            final = self._exact_loss(problem, run.W, run.b)
            W0, b0 = self._initial(problem)
            start = curve[0] if full else self._exact_loss(problem, W0, b0)
        room = (END_RTOL if full else STOCHASTIC_END_RTOL) * max(abs(start), 1e-12)
        rtol = self.tol if self.tol is not None else END_RTOL
        if not full:
            rtol = max(rtol, STOCHASTIC_RISE_RTOL)
        epochs = f"{run.n_iter} epoch{'s' * (run.n_iter != 1)}"
        if not math.isfinite(final):
            self._diverged(f"the loss at the final weights is {final} after {epochs}",
                           run.curve)
        if not auto and final > start + room:
            self._diverged(f"the loss ended at {final:.4g}, above its {start:.4g} at the "
                           f"starting weights, after {epochs}", run.curve)
        later = curve[1:]
        if not auto and stopped and later and min(later) >= curve[0] \
                and max(later) > curve[0] + room:
            self._diverged(f"the loss never fell below its first epoch's {curve[0]:.4g} (it "
                           f"rose to {max(later):.4g}) before training stopped after {epochs}",
                           run.curve)
        if best.W is not None and (final > best.loss + rtol * abs(best.loss)
                                   or final > start + room):
            # full batch: best.loss is exact; stochastic: a running loss, measured again
            exact = best.loss if full else self._exact_loss(problem, best.W, best.b)
            candidates = [(final, "the final weights", run.W.copy(), run.b.copy()),
                          (exact, f"the weights of epoch {best.epoch + 1}", best.W, best.b)]
            if auto:  # stochastic steps from the bound: noise, never a blow-up
                candidates.append((start, "the starting weights", W0, b0))
            loss, which, W, b = min(candidates, key=lambda c: c[0])
            if loss + rtol * abs(loss) < final:
                run.W[...], run.b[...] = W, b
                self._warn_rise(final, loss, which, epochs, bound, auto)
                return
        last = curve[-PATIENCE - 1:]
        if not full and stopped and max(last) - min(last) > STOCHASTIC_NOISE_RTOL * min(last):
            self._warn(f"{self._kind()} gradient descent stopped after {epochs} without "
                       f"settling: its loss still moved between {min(last):.4g} and "
                       f"{max(last):.4g} over the last {len(last)} epochs (eta={self.eta!r}), "
                       "so the model may be far from the minimum. "
                       + ("Try eta='auto' or a smaller eta, a larger batch_size, or "
                          "standardize the features." if not auto else
                          "Try a larger batch_size, full batch (batch_size=None), or "
                          "standardize the features."))
            return
        self._warn_short(problem, run, stopped, bound, curve, rounding)

    def _kind(self) -> str:
        return ("full-batch" if self.batch_size is None else "per-example"
                if self.batch_size == 1 else "minibatch")

    def _warn_rise(self, final: float, loss: float, which: str, epochs: str,
                   bound: spectrum.Curvature | None, auto: bool) -> None:
        """Say that the loss ended above an earlier one, and which weights are returned."""
        kind = self._kind()
        if auto:
            scaling = spectrum.badly_scaled(bound) if bound is not None else None
            advice = (" Its steps, each lowering the loss of one batch, were too noisy to "
                      "settle" + (f" ({scaling})" if scaling else "") + ": standardize the "
                      "features, use a larger batch_size or full batch (batch_size=None), or "
                      "solver='newton'.")
        else:
            advice = (" Try eta='auto' (the step from the proven bound on the loss's "
                      "curvature) or a smaller eta, or standardize the features.")
        self._warn(f"the loss rose to {final:.6g} at the end of {kind} gradient descent "
                   f"({epochs}, eta={self.eta!r}), above {loss:.6g} at {which}, which are "
                   "returned." + advice)

    def _initial(self, problem: Any) -> tuple[np.ndarray, np.ndarray]:
        """The starting weights of a fit (zeros, or "random" ones drawn again)."""
        rows, d = problem.rows, problem.X.shape[1]
        if self.init == "zeros":
            return np.zeros((rows, d)), np.zeros(rows)
        run = self._start(rows, d, self._rng())
        return run.W, run.b

    def _warn_short(self, problem: Any, run: _Run, stopped: bool,
                    bound: spectrum.Curvature | None, curve: list[float],
                    rounding: float) -> None:
        """Warn when gradient descent ended before the loss settled."""
        X = problem.X
        scaling = spectrum.badly_scaled(bound) if bound is not None else None
        advice = ""
        if scaling:
            advice = (f" The features are badly scaled ({scaling}), so the safe step 1/L "
                      "is tiny along most directions: standardize the features (subtract "
                      "each column's mean, divide by its standard deviation; e.g. "
                      "sklearn.preprocessing.StandardScaler), or use solver='newton'.")
        if stopped and X.dtype != np.float64 and self.tol is not None \
                and self.tol < rounding * abs(curve[-1]):
            self._warn(f"gradient descent stopped after {run.n_iter} epochs at {X.dtype}'s "
                       f"precision: the loss {curve[-1]:.7g} cannot show changes below about "
                       f"{rounding * abs(curve[-1]):.1g}, and tol={self.tol:g} asks for less. "
                       "Pass float64 X for more digits, or raise tol.")
        elif stopped and scaling:
            self._warn(f"gradient descent stopped after {run.n_iter} epochs, its loss "
                       f"{curve[-1]:.6g} falling by less than tol={self.tol:g} per epoch, "
                       "but it may still be far above its minimum." + advice)
        elif not stopped and self.tol is not None and len(curve) > 1:
            fell = curve[max(0, len(curve) - PATIENCE - 1)] - curve[-1]
            self._warn(f"gradient descent did not converge in max_iter={self.max_iter} "
                       f"epochs: the loss still fell by {fell:.2g} in its last "
                       f"{min(PATIENCE, len(curve) - 1)} epochs. Raise max_iter"
                       + (" or eta (or use eta='auto')." if self.eta != "auto" else ".")
                       + advice)

    def _warn(self, message: str) -> None:
        warn(message, ConvergenceWarning)

    def _check_divergence(self, run: _Run, W: np.ndarray, b: np.ndarray,
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
            self._diverged(f"the loss became {cost} at epoch {len(curve)}", curve)
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            self._diverged(f"the weights overflowed at epoch {len(curve)}", curve)
        last = curve[-PATIENCE - 1:]
        if not partial and self.eta != "auto" and len(last) == PATIENCE + 1 and \
                all(p < q for p, q in pairwise(last)) and cost > curve[0]:
            self._diverged(f"the loss rose for {PATIENCE} epochs in a row, to {cost:.4g}",
                           curve)

    def _check_explosion(self, run: _Run, problem: Any) -> None:
        """partial_fit: raise only if a chunk's loss exploded (see ``EXPLODING``)."""
        cost = run.curve[-1]
        limit = EXPLODING * math.log(max(problem.rows, 2))
        if cost > limit:
            self._diverged(f"a chunk's loss reached {cost:.4g}, over {EXPLODING:g} times the "
                           f"{limit / EXPLODING:.4g} of zero weights, after 1 epoch", run.curve)

    def _diverged(self, what: str, curve: list[float]) -> None:
        if self.eta == "auto":
            advice = ("The step was eta='auto', so X's values are likely too large to "
                      "represent the loss: standardize the features (subtract each "
                      "column's mean, divide by its standard deviation).")
        else:
            advice = (f"Try eta='auto' (the step from the proven bound on the loss's "
                      f"curvature), a smaller eta, e.g. eta={self.eta / 10:g}, or standardize "
                      "the features (subtract each column's mean, divide by its standard "
                      "deviation).")
        eta = "eta='auto'" if self.eta == "auto" else f"eta={self.eta:g}"
        raise DivergenceError(f"Training diverged: {what} with learning rate {eta}. {advice}",
                              curve)

    # ------------------------------------------------------------ Newton --
    def _newton(self, problem: Any, run: _Run) -> None:
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
        lam = self.l2
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
                p = self._newton_pass(problem, P[:, :d], P[:, d])
            return p, p.loss / n + self._penalty(P[:, :d])

        def system(p: Any, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            grad = np.column_stack([p.grad_w.reshape(rows, d) / n,
                                    np.reshape(p.grad_b, (rows,)) / n]).ravel()
            grad[penalised] += K.l2_gradient(theta[penalised], lam)
            H = self._newton_hessian(p, rows, d) / n
            H[np.diag_indices_from(H)] += np.where(penalised, K.l2_hessian(lam), 0.0)
            with np.errstate(invalid="ignore", over="ignore"):  # overflow: _newton says so
                tau = float(np.mean(np.diag(H)))
            tau = tau if math.isfinite(tau) and tau > 0 else 1.0
            for coord in shifts:  # + tau u u^T, u = (1, ..., 1)/sqrt(K) at this coordinate
                at = (index + coord).ravel()
                H[np.ix_(at, at)] += tau / rows
            return grad, H

        theta = np.column_stack([run.W, run.b]).ravel()
        theta = self._newton_loop(X, run, theta, evaluate, system)
        P = theta.reshape(rows, s)
        run.W[...], run.b[...] = P[:, :d], P[:, d]
        if not lam:
            self._check_separation(problem, run)

    def _newton_pass(self, problem: Any, W: np.ndarray, b: np.ndarray) -> Any:
        X = problem.X
        if problem.rows == 1:
            return solvers.full_pass(X, problem.sign, W[0].astype(X.dtype), float(b[0]),
                                     weights=problem.weights, hessian=True,
                                     accuracy=self.verbose)
        return multinomial.full_pass(X, problem.Y, W.astype(X.dtype), b,
                                     weights=problem.weights, hessian=True,
                                     accuracy=self.verbose)

    @staticmethod
    def _newton_hessian(p: Any, rows: int, d: int) -> np.ndarray:
        if rows > 1:
            return p.hessian.copy()
        H = np.empty((d + 1, d + 1))
        H[:d, :d] = p.hess_ww
        H[:d, d] = H[d, :d] = p.hess_wb
        H[d, d] = p.hess_bb
        return H

    def _newton_loop(self, X: np.ndarray, run: _Run, theta: np.ndarray, evaluate: Any,
                     system: Any) -> np.ndarray:
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
        lam = self.l2
        rounding = NEWTON_ROUNDING * float(np.finfo(X.dtype).eps)
        p, cost = evaluate(theta)
        largest = math.inf
        for _ in range(self.max_iter):
            run.curve.append(cost)
            run.n_iter += 1
            if self.verbose:
                print(f"Epoch: {run.n_iter:03d} | Train ACC: {p.correct / n:.3f} | "
                      f"Cost: {cost:.3f}")
            grad, H = system(p, theta)
            if not (np.isfinite(grad).all() and np.isfinite(H).all()):
                self._newton_overflowed(X)
            try:
                step = _cho_solve(np.linalg.cholesky(H), grad)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(H, grad, rcond=None)[0]
            largest = float(np.max(np.abs(step)))
            if self.tol is not None and largest <= self.tol:
                theta = theta - step
                break
            if not lam and cost < SEPARABLE_LOSS:
                theta = theta - step
                self._warn("the classes are separable: without a penalty the loss has no "
                           "minimum (the weights grow without bound). Stopped; set l2 > 0 "
                           "for a finite optimum.")
                self._separable_warned = True
                break
            decrease = 0.5 * float(grad @ step)  # what the quadratic model promises
            invisible = decrease <= rounding * abs(cost)
            if invisible and self.tol is not None:  # converged to X's precision: the step
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
                    while run.n_iter < self.max_iter:
                        run.curve.append(cost)
                        run.n_iter += 1
                    break
                self._warn(
                    f"Newton's method stopped after {run.n_iter} iteration"
                    f"{'s' * (run.n_iter != 1)}: no step "
                    f"along its direction (down to 2^-{NEWTON_HALVINGS} of it) lowered the "
                    f"loss {cost:.10g}, although it predicted a decrease of {decrease:.2g} "
                    f"(the last full step moved a weight by {largest:.2g}, tol={self.tol}). "
                    f"The loss cannot be lowered further at X's {X.dtype} precision"
                    + ("; pass float64 X for more digits." if X.dtype != np.float64
                       else "."))
                break
            theta, p, cost = theta_new, p_new, cost_new
        else:
            if self.tol is not None:
                self._warn(
                    f"Newton's method did not converge in max_iter={self.max_iter} "
                    f"iterations: its last step still moved a weight by {largest:.2g}, more "
                    f"than tol={self.tol:g}. Raise max_iter"
                    + (", or set l2 > 0 if the classes are (nearly) separable." if not lam
                       else "."))
        return theta

    def _newton_overflowed(self, X: np.ndarray) -> None:
        big = max(abs(float(X.max())), abs(float(X.min())))
        raise ValueError(f"Newton's method overflowed: X's values are too large (largest "
                         f"|x| = {big:.3g}) for its Hessian, the sum of a(1 - a) x xᵀ, in "
                         f"{X.dtype}. Scale the features first (e.g. divide each column by its "
                         "standard deviation).")

    def _check_separation(self, problem: Any, run: _Run) -> None:
        """Without a penalty: warn if the fitted weights separate a class from all the
        others perfectly (two classes: classify every example right). The loss then has
        no minimum: along that separation every example's loss falls, from any weights.

        The witness for class k is the difference of two classes' net inputs,
        z_k - z_j, positive on every example of class k and negative on every other
        (examples of weight zero do not count).
        """
        if getattr(self, "_separable_warned", False):
            del self._separable_warned
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
        self._warn(f"the classes are (partly) separable: the fitted weights {what}, so "
                   "without a penalty the loss has no minimum (along that separation every "
                   "example's loss keeps falling; the weights grow without bound, the "
                   f"largest is now {np.abs(run.W).max():.3g}). Set l2 > 0 for a finite "
                   "optimum.")

    # -------------------------------------------------------- predicting --
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise not_fitted_error(type(self).__name__)

    def decision_function(self, X: Any) -> np.ndarray:
        """The net input z = Xw + b: shape (n,) for two classes, (n, K) for K >= 3."""
        self._check_fitted()
        check_feature_names(getattr(self, "feature_names_in_", None), X, type(self).__name__)
        X = check_X(X, n_features=self.n_features_in_)
        with np.errstate(over="ignore", invalid="ignore"):  # said below, if it happens
            if self.coef_.shape[0] > 1:
                z = X @ self.coef_.T.astype(X.dtype) + self.intercept_.astype(X.dtype)
            else:
                z = X @ self.coef_.ravel().astype(X.dtype) + X.dtype.type(self.intercept_[0])
        return _finite_net_input(z)

    def predict_proba(self, X: Any) -> np.ndarray:
        """p(y = classes_[k] | x), one column per class, rows summing to 1.

        Two classes: σ(−z) and σ(z); K >= 3: softmax of the row of net inputs.
        Computed in float64 (z itself keeps X's dtype).
        """
        z = self.decision_function(X).astype(np.float64)
        if z.ndim == 2:
            return K.softmax(z)[0]
        return np.column_stack([K.sigmoid(-z), K.sigmoid(z)])

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of :meth:`predict_proba` without log(0): −L(z, y) per class, or log-softmax."""
        z = self.decision_function(X).astype(np.float64)
        if z.ndim == 2:
            return K.softmax(z)[1]
        return np.column_stack([-K.loss(z, 0.0), -K.loss(z, 1.0)])

    def predict(self, X: Any) -> np.ndarray:
        """The class of largest net input: for two classes, classes_[1] where z > 0."""
        z = self.decision_function(X)
        if z.ndim == 2:
            return self.classes_[z.argmax(axis=1)]
        return self.classes_[(z > 0).astype(int)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy: the (weighted) fraction of labels predicted correctly."""
        y = check_y(y, np.shape(X)[0] if hasattr(X, "shape") else len(X))
        weights = check_sample_weight(sample_weight, y.shape[0])
        right = self.predict(X) == y
        return float(np.average(right, weights=weights))


def _quiet() -> np.errstate:
    """NumPy's floating-point warnings off, where the trainer checks the results itself."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")


def _finite_net_input(z: np.ndarray) -> np.ndarray:
    """z, or a clear error where X @ coef_ overflowed."""
    if not np.isfinite(z).all():
        bad = ~np.isfinite(z) if z.ndim == 1 else ~np.isfinite(z).all(axis=1)
        rows = np.flatnonzero(bad)
        raise ValueError(f"The net inputs z = Wx + b overflowed for {rows.size} row(s) of X "
                         f"(first: row {rows[0]}): X's values are too large for the learned "
                         "weights. Scale X as the training data was scaled.")
    return z


def _cho_solve(L: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve (L Lᵀ) x = g with two triangular solves (NumPy only)."""
    # numpy has no triangular solver; solve is LU on the small (d+1) x (d+1) factors
    return np.linalg.solve(L.T, np.linalg.solve(L, g))


# ----------------------------------------------------------------- the seam --
# The proven step size, from derivations.stepsize through the printed kernels
# (logreg/_kernels.py): smoothness() for two classes, softmax_smoothness() for K >= 3,
# descent_lemma()'s step. Nothing here is typed by hand.
def _smoothness(G: float, lam: float, softmax: bool) -> float:
    """L, the proven bound on the loss's curvature, at G and λ."""
    kernel = K.softmax_smoothness if softmax else K.smoothness
    return float(kernel(G, lam))


def _descent_step(L: float) -> float:
    """The descent lemma's step 1/L."""
    return float(K.descent_step(L))
