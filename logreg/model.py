"""``LogisticRegression``: scikit-learn's conventions, the lecture's formulas.

>>> from logreg import LogisticRegression
>>> from logreg.data import two_blobs
>>> X, y = two_blobs(50)
>>> model = LogisticRegression(eta=0.1, max_iter=50, tol=None).fit(X, y)
>>> model.score(X, y) > 0.95
True
"""

from __future__ import annotations

import inspect
import math
import warnings
from itertools import pairwise
from typing import Any

import numpy as np

from logreg import kernels as K
from logreg import multinomial, solvers
from logreg.validation import (
    check_positive_number,
    check_random_state,
    check_X,
    check_y,
    not_fitted_error,
)


class ConvergenceWarning(UserWarning):
    """Training stopped before the loss settled: at ``max_iter``, or at X's precision."""


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


class LogisticRegression:
    """Logistic regression (two classes) or softmax regression (K >= 3 classes),
    trained by gradient descent or Newton's method.

    Parameters
    ----------
    solver : ``"gd"`` (gradient descent, the lecture's) or ``"newton"``.
    eta : learning rate η of gradient descent, > 0.
    max_iter : the epoch limit (Newton: iteration limit).
    batch_size : ``None`` for full-batch gradient descent, ``1`` for the
        lecture's per-example stochastic gradient descent, or a minibatch size.
    reduction : ``"mean"`` (average the batch's gradients) or ``"sum"`` (the
        lecture's code: one full-batch epoch is w ← w − η·Xᵀ(a − y)).
    init : ``"zeros"`` or ``"random"`` (normal, standard deviation 0.01).
    l2 : penalty λ of ½λ‖w‖² added to the mean loss (the bias is not
        penalised); scikit-learn's ``C`` is 1/(n·λ).
    tol : gradient descent stops when the epoch loss has not dropped by more
        than ``tol`` below its best for 5 epochs; Newton stops when no step
        component exceeds ``tol``, or when the decrease its step promises is
        below the loss's rounding at X's precision (float32 gets there first).
        ``None`` runs all ``max_iter`` epochs.
    shuffle : shuffle the examples each epoch (stochastic and minibatch).
    random_state : seed (int), ``numpy.random.Generator`` or ``None``.
    verbose : print one line per epoch, ``Epoch: 001 | Train ACC: 0.973 | Cost: 0.055``.

    Attributes
    ----------
    coef_ (1, n_features) for two classes, (K, n_features) for K >= 3; intercept_ (1,) or
    (K,); classes_ (K,), sorted; n_iter_, n_features_in_,
    loss_curve_ (one mean loss, plus the penalty, per epoch).
    """

    def __init__(self, *, solver: str = "gd", eta: float = 0.1, max_iter: int = 1000,
                 batch_size: int | None = None, reduction: str = "mean", init: str = "zeros",
                 l2: float = 0.0, tol: float | None = 1e-6, shuffle: bool = True,
                 random_state: Any = None, verbose: bool = False) -> None:
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
        check_positive_number(self.eta, "eta (the learning rate)")
        check_positive_number(self.max_iter, "max_iter", integer=True)
        check_positive_number(self.batch_size, "batch_size", integer=True, allow_none=True)
        if self.reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {self.reduction!r}.")
        if self.init not in ("zeros", "random"):
            raise ValueError(f"init must be 'zeros' or 'random', got {self.init!r}.")
        check_positive_number(self.l2, "l2 (the penalty lambda)", allow_zero=True)
        check_positive_number(self.tol, "tol", allow_zero=True, allow_none=True)
        check_random_state(self.random_state)

    # ---------------------------------------------------------- fitting --
    def _encode(self, y: np.ndarray, dtype: np.dtype) -> np.ndarray:
        if not np.isin(y, self.classes_).all():
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            raise ValueError(f"y contains labels {unknown.tolist()} not in classes_ "
                             f"{self.classes_.tolist()}.")
        return (y == self.classes_[1]).astype(dtype)

    def _set_classes(self, y: np.ndarray, classes: Any = None) -> None:
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
        found = np.unique(y) if classes is None else np.unique(listed)
        if found.size < 2:
            raise ValueError(f"This solver needs samples of at least 2 classes in the data, "
                             f"but the data contains only one class: {found.tolist()}.")
        self.classes_ = found

    def _rng(self) -> np.random.Generator:
        if isinstance(self.random_state, np.random.Generator):
            return self.random_state
        if isinstance(self.random_state, np.random.RandomState):
            return np.random.default_rng(self.random_state.randint(2**31))
        return np.random.default_rng(self.random_state)

    def fit(self, X: Any, y: Any) -> LogisticRegression:
        """Learn ``coef_`` and ``intercept_`` from X (n, d) and labels y of 2 or more classes."""
        self._validate_params()
        X = check_X(X)
        y = check_y(y, X.shape[0])
        self._set_classes(y)
        self.n_features_in_ = X.shape[1]
        self._rng_ = self._rng()
        if self.classes_.size > 2:
            return self._fit_multinomial(X, y)
        y01 = self._encode(y, X.dtype)
        d = X.shape[1]
        if self.init == "random":
            w = self._rng_.normal(0.0, 0.01, d).astype(X.dtype)
        else:
            w = np.zeros(d, X.dtype)
        self.coef_, self.intercept_ = w.reshape(1, -1), np.zeros(1, X.dtype)
        self.loss_curve_: list[float] = []
        self.n_iter_ = 0
        if self.solver == "newton":
            self._fit_newton(X, y01)
        else:
            self._fit_gd(X, y01, self.max_iter)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> LogisticRegression:
        """One epoch of gradient descent on this chunk; ``classes`` on the first call.

        Whatever the solver, a chunk gets a gradient-descent epoch with ``eta``
        and ``batch_size`` (Newton's method needs all the data at once).
        """
        self._validate_params()
        first = not hasattr(self, "coef_")
        X = check_X(X, n_features=None if first else self.n_features_in_)
        y = check_y(y, X.shape[0])
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit, "
                                 "e.g. partial_fit(X, y, classes=[0, 1]).")
            self._set_classes(y, classes)
            self.n_features_in_ = X.shape[1]
            self._rng_ = self._rng()
            rows = 1 if self.classes_.size == 2 else self.classes_.size
            self.coef_ = np.zeros((rows, X.shape[1]), X.dtype)
            self.intercept_ = np.zeros(rows, X.dtype)
            self.loss_curve_ = []
            self.n_iter_ = 0
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes {list(classes)} differ from classes_ "
                             f"{self.classes_.tolist()} of the first call.")
        if self.classes_.size > 2:
            Y = multinomial.one_hot(self._labels_index(y), self.classes_.size, X.dtype)
            self._gd_multinomial(X, Y, 1, stop=False)
            return self
        self._fit_gd(X, self._encode(y, X.dtype), 1, stop=False)
        return self

    def _penalty(self, w: np.ndarray) -> float:
        return float(K.l2_penalty(w.astype(np.float64), self.l2).sum()) if self.l2 else 0.0

    def _fit_gd(self, X: np.ndarray, y: np.ndarray, epochs: int, stop: bool = True) -> None:
        n = X.shape[0]
        w = self.coef_.ravel().astype(X.dtype)
        b = float(self.intercept_[0])
        mean = self.reduction == "mean"
        batch = self.batch_size or n
        y_list = y.tolist() if batch == 1 else None
        w0, b0 = w.copy(), b

        def epoch() -> tuple[float, int]:
            nonlocal w, b
            need_order = batch < n and self.shuffle
            order = self._rng_.permutation(n) if need_order or batch == 1 else None
            if batch == 1:
                total, b, correct = solvers.sgd_epoch(X, y_list, w, b, eta=self.eta,
                                                      order=order, l2=self.l2)
            elif batch < n:
                total, b, correct = solvers.minibatch_epoch(
                    X, y, w, b, eta=self.eta, batch_size=batch, order=order, mean=mean,
                    l2=self.l2, accuracy=self.verbose)
            else:
                p = solvers.full_pass(X, y, w, b, accuracy=self.verbose)
                total, correct = p.loss, p.correct
                k = 1.0 / n if mean else 1.0
                if self.l2:
                    p.grad_w += K.l2_gradient(w, self.l2 * n)
                w -= (self.eta * k) * p.grad_w
                b -= (self.eta * k) * p.grad_b
            return total, correct

        self._epochs(X, epochs, stop, epoch, lambda: (w, b),
                     lambda: self._loss_at(X, y, w0, b0))
        self.coef_ = w.reshape(1, -1)
        self.intercept_ = np.array([b], dtype=X.dtype)

    def _epochs(self, X: np.ndarray, epochs: int, stop: bool, epoch: Any, weights: Any,
                loss_at_start: Any) -> None:
        """Run ``epoch()`` (it updates the weights, returns the summed loss and correct
        predictions) up to ``epochs`` times, with the loss curve, ``verbose``, the stopping
        rule (``tol``, PATIENCE) and the divergence checks; ``weights()`` gives (w, b)."""
        n = X.shape[0]
        best, stale, first, stopped = math.inf, 0, len(self.loss_curve_), False
        for _ in range(epochs):
            penalty = self._penalty(weights()[0])  # at the weights the epoch starts from
            total, correct = epoch()
            cost = total / n + penalty
            self.loss_curve_.append(cost)
            self.n_iter_ += 1
            if self.verbose:
                print(f"Epoch: {self.n_iter_:03d} | Train ACC: {correct / n:.3f} | "
                      f"Cost: {cost:.3f}")
            self._check_divergence(*weights())
            if stop and self.tol is not None:
                stale = stale + 1 if cost > best - self.tol else 0
                best = min(best, cost)
                if stale >= PATIENCE:
                    stopped = True
                    break
        self._check_ending(X, loss_at_start, first, stopped, partial=not stop)
        if not stopped and stop and self.tol is not None and epochs > 1:
            warnings.warn(f"gradient descent did not converge in max_iter={epochs} "
                          "epochs; raise max_iter or eta.", ConvergenceWarning,
                          stacklevel=4 + (self.classes_.size > 2))  # at the caller

    def _check_divergence(self, w: np.ndarray, b: Any) -> None:
        """Raise DivergenceError if the loss is non-finite or rose 5 epochs in a row.

        A run of rises counts only while the loss is above its first value, so
        the epoch-to-epoch noise of stochastic gradient descent near the
        optimum is not mistaken for divergence.
        """
        curve = self.loss_curve_
        cost = curve[-1]
        if not math.isfinite(cost):
            self._diverged(f"the loss became {cost} at epoch {len(curve)}")
        if not (np.isfinite(w).all() and np.isfinite(b).all()):
            self._diverged(f"the weights overflowed at epoch {len(curve)}")
        last = curve[-PATIENCE - 1:]
        if len(last) == PATIENCE + 1 and all(p < q for p, q in pairwise(last)) \
                and cost > curve[0]:
            self._diverged(f"the loss rose for {PATIENCE} epochs in a row, to {cost:.4g}")

    def _check_ending(self, X: np.ndarray, loss_at_start: Any, first: int, stopped: bool,
                      partial: bool) -> None:
        """Raise DivergenceError if the run ended worse than it started.

        Two rules: the loss ended above the loss at the starting weights (w0,
        b0), or training stopped (``tol``) without ever improving on its first
        epoch. A full-batch curve holds exact losses, its first at the starting
        weights. A stochastic or minibatch curve holds running losses, taken
        during each epoch at noisy iterates: its end may be up to
        ``STOCHASTIC_END_RTOL`` above the start. ``partial_fit`` (one epoch a
        call) applies the first rule only, with that room, against its starting
        point w = 0, whose loss is log K on any chunk (log 2 for two classes): one
        epoch raises only if its loss is clearly worse than that of the zero weights.
        ``loss_at_start()`` computes the loss at the starting weights (one pass).
        """
        curve = self.loss_curve_[first:]
        exact = not partial and (self.batch_size or X.shape[0]) >= X.shape[0]
        if exact:
            start = curve[0]
        elif partial:
            start = math.log(self.classes_.size)
        else:
            start = loss_at_start()
        room = (END_RTOL if exact else STOCHASTIC_END_RTOL) * max(abs(start), 1e-12)
        epochs = f"{self.n_iter_} epoch{'s' * (self.n_iter_ != 1)}"
        if curve[-1] > start + room:
            self._diverged(f"the loss ended at {curve[-1]:.4g}, above its {start:.4g} at the "
                           f"starting weights, after {epochs}")
        later = curve[1:]
        if stopped and later and min(later) >= curve[0] and max(later) > curve[0] + room:
            self._diverged(f"the loss never fell below its first epoch's {curve[0]:.4g} (it "
                           f"rose to {max(later):.4g}) before training stopped after {epochs}")

    def _loss_at(self, X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> float:
        """The penalised mean loss at (w, b): log 2 at zero weights, else one pass."""
        if b == 0 and not w.any():
            return math.log(2.0)
        with np.errstate(over="ignore", invalid="ignore"):
            p = solvers.full_pass(X, y, w.astype(X.dtype, copy=False), b)
        return p.loss / X.shape[0] + self._penalty(w)

    def _diverged(self, what: str) -> None:
        raise DivergenceError(f"Training diverged: {what} with learning rate eta={self.eta:g}. "
                              f"Try a smaller eta, e.g. eta={self.eta / 10:g}.",
                              self.loss_curve_)

    def _fit_newton(self, X: np.ndarray, y: np.ndarray) -> None:
        with solvers.one_blas_thread():
            self._newton_loop(X, y)

    def _newton_loop(self, X: np.ndarray, y: np.ndarray) -> None:
        """Newton's method for two classes: H = Xᵀ diag(a(1 - a)) X / n + λ, θ = (w, b)."""
        n, d = X.shape
        lam = self.l2

        def evaluate(theta: np.ndarray) -> tuple[solvers.Pass, float]:
            return self._newton_pass(X, y, theta[:d], float(theta[d]))

        def system(p: solvers.Pass, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            grad = np.append(p.grad_w / n + K.l2_gradient(theta[:d], lam), p.grad_b / n)
            H = np.empty((d + 1, d + 1))
            H[:d, :d] = p.hess_ww / n
            H[:d, :d][np.diag_indices(d)] += K.l2_hessian(lam)
            H[:d, d] = H[d, :d] = p.hess_wb / n
            H[d, d] = p.hess_bb / n
            return grad, H

        theta = self._newton(X, np.zeros(d + 1), evaluate, system)
        self.coef_ = theta[:d].astype(X.dtype).reshape(1, -1)
        self.intercept_ = np.array([theta[d]], dtype=X.dtype)

    def _newton(self, X: np.ndarray, theta: np.ndarray, evaluate: Any, system: Any
                ) -> np.ndarray:
        """Newton's method on θ: solve H Δ = ∇J, θ ← θ − Δ; returns the last θ.

        ``evaluate(θ)`` gives (pass, penalised mean loss), ``system(pass, θ)`` gives
        (∇J, H). One iteration takes the step Δ, halved (at most ``NEWTON_HALVINGS``
        times, all within that iteration) until the loss does not rise. It stops at
        ``tol``, or where the decrease Newton predicts, ½∇JᵀΔ, is below the loss's
        rounding level at X's precision (float32 data gets there before ``tol``):
        converged as far as X's digits allow. When no step lowers the loss although
        a visible decrease was predicted, it stops and says so. When Cholesky fails
        (H singular: features that are copies of each other, or constant), Δ is the
        least-squares step.
        """
        n = X.shape[0]
        lam = self.l2
        rounding = NEWTON_ROUNDING * float(np.finfo(X.dtype).eps)
        p, cost = evaluate(theta)
        largest = math.inf
        for _ in range(self.max_iter):
            self.loss_curve_.append(cost)
            self.n_iter_ += 1
            if self.verbose:
                print(f"Epoch: {self.n_iter_:03d} | Train ACC: {p.correct / n:.3f} | "
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
                warnings.warn("the classes are separable: without a penalty the loss has no "
                              "minimum (the weights grow without bound). Stopped; set l2 > 0 "
                              "for a finite optimum.", ConvergenceWarning, stacklevel=4)
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
                if not invisible:
                    warnings.warn(
                        f"Newton's method stopped after {self.n_iter_} iteration"
                        f"{'s' * (self.n_iter_ != 1)}: no step "
                        f"along its direction (down to 2^-{NEWTON_HALVINGS} of it) lowered the "
                        f"loss {cost:.10g}, although it predicted a decrease of {decrease:.2g} "
                        f"(the last full step moved a weight by {largest:.2g}, tol={self.tol}). "
                        f"The loss cannot be lowered further at X's {X.dtype} precision"
                        + ("; pass float64 X for more digits." if X.dtype != np.float64
                           else "."), ConvergenceWarning, stacklevel=5)
                break
            theta, p, cost = theta_new, p_new, cost_new
        else:
            if self.tol is not None:
                warnings.warn(
                    f"Newton's method did not converge in max_iter={self.max_iter} "
                    f"iterations: its last step still moved a weight by {largest:.2g}, more "
                    f"than tol={self.tol:g}. Raise max_iter"
                    + (", or set l2 > 0 if the classes are (nearly) separable." if not lam
                       else "."), ConvergenceWarning, stacklevel=5)
        return theta

    def _newton_pass(self, X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float
                     ) -> tuple[solvers.Pass, float]:
        """One read of X at (w, b): the pass with curvature, and the penalised mean loss.

        Overflow is not NumPy's warning here: the caller checks what it uses.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            p = solvers.full_pass(X, y, w.astype(X.dtype, copy=False), b, hessian=True,
                                  accuracy=self.verbose)
        return p, p.loss / X.shape[0] + self._penalty(w)

    def _newton_overflowed(self, X: np.ndarray) -> None:
        big = max(abs(float(X.max())), abs(float(X.min())))
        raise ValueError(f"Newton's method overflowed: X's values are too large (largest "
                         f"|x| = {big:.3g}) for its Hessian, the sum of a(1 - a) x xᵀ, in "
                         f"{X.dtype}. Scale the features first (e.g. divide each column by its "
                         "standard deviation).")

    # ---------------------------------------------------- K >= 3 classes --
    def _labels_index(self, y: np.ndarray) -> np.ndarray:
        if not np.isin(y, self.classes_).all():
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            raise ValueError(f"y contains labels {unknown.tolist()} not in classes_ "
                             f"{self.classes_.tolist()}.")
        return np.searchsorted(self.classes_, y)

    def _fit_multinomial(self, X: np.ndarray, y: np.ndarray) -> LogisticRegression:
        """Softmax regression: the same solvers with a row of K net inputs per example."""
        n_classes, d = self.classes_.size, X.shape[1]
        Y = multinomial.one_hot(self._labels_index(y), n_classes, X.dtype)
        W = (self._rng_.normal(0.0, 0.01, (n_classes, d)) if self.init == "random"
             else np.zeros((n_classes, d))).astype(X.dtype)
        self.coef_, self.intercept_ = W, np.zeros(n_classes, X.dtype)
        self.loss_curve_ = []
        self.n_iter_ = 0
        if self.solver == "newton":
            with solvers.one_blas_thread():
                self._newton_multinomial(X, Y)
        else:
            self._gd_multinomial(X, Y, self.max_iter)
        return self

    def _gd_multinomial(self, X: np.ndarray, Y: np.ndarray, epochs: int,
                        stop: bool = True) -> None:
        n = X.shape[0]
        W, b = self.coef_.astype(X.dtype), self.intercept_.astype(np.float64)
        mean = self.reduction == "mean"
        batch = self.batch_size or n
        W0, b0 = W.copy(), b.copy()

        def epoch() -> tuple[float, int]:
            nonlocal W, b
            if batch < n:
                order = self._rng_.permutation(n) if self.shuffle else None
                return multinomial.minibatch_epoch(
                    X, Y, W, b, eta=self.eta, batch_size=batch, order=order, mean=mean,
                    l2=self.l2, accuracy=self.verbose)
            p = multinomial.full_pass(X, Y, W, b, accuracy=self.verbose)
            k = 1.0 / n if mean else 1.0
            if self.l2:
                p.grad_w += K.l2_gradient(W, self.l2 * n)
            W -= (self.eta * k) * p.grad_w
            b -= (self.eta * k) * p.grad_b
            return p.loss, p.correct

        self._epochs(X, epochs, stop, epoch, lambda: (W, b),
                     lambda: self._multinomial_loss_at(X, Y, W0, b0))
        self.coef_, self.intercept_ = W, b.astype(X.dtype)

    def _multinomial_loss_at(self, X: np.ndarray, Y: np.ndarray, W: np.ndarray,
                             b: np.ndarray) -> float:
        """The penalised mean loss at (W, b): log K at zero weights, else one pass."""
        if not (W.any() or b.any()):
            return math.log(self.classes_.size)
        with np.errstate(over="ignore", invalid="ignore"):
            p = multinomial.full_pass(X, Y, W, b)
        return p.loss / X.shape[0] + self._penalty(W)

    def _newton_multinomial(self, X: np.ndarray, Y: np.ndarray) -> None:
        """Newton's method with the block Hessian a_j(δ_jk − a_k) x̃ x̃ᵀ of softmax_newton.

        θ = (w_1, b_1, ..., w_K, b_K). Softmax ignores a common shift of every
        class's parameters (softmax_shift), so H is singular along the shift of
        the biases (and of the weights when l2 = 0), and the gradient has no
        component there. H + τ u uᵀ for those directions u (τ: H's mean
        diagonal) is positive definite with the same step elsewhere, and a step
        with no shift: from θ = 0 the biases keep summing to 0, as scikit-learn's.
        """
        n, d = X.shape
        n_classes, s = self.classes_.size, d + 1
        if n_classes * s > NEWTON_MAX_PARAMETERS:
            raise ValueError(
                f"Newton's method would build a {n_classes * s} x {n_classes * s} Hessian "
                f"({n_classes} classes x {s} parameters, {(n_classes * s) ** 2 * 8 / 1e9:.1f} "
                f"GB); it takes at most {NEWTON_MAX_PARAMETERS} parameters. Use "
                "solver='gd'.")
        lam = self.l2
        shifts = [d] if lam else list(range(s))  # the coordinates whose common shift is free
        rows = np.arange(n_classes)[:, None] * s
        penalised = np.ones((n_classes, s), bool)
        penalised[:, d] = False  # the biases are not penalised
        penalised = penalised.ravel()

        def evaluate(theta: np.ndarray) -> tuple[multinomial.Pass, float]:
            P = theta.reshape(n_classes, s)
            with np.errstate(over="ignore", invalid="ignore"):
                p = multinomial.full_pass(X, Y, P[:, :d].astype(X.dtype), P[:, d],
                                          hessian=True, accuracy=self.verbose)
            return p, p.loss / n + self._penalty(P[:, :d])

        def system(p: multinomial.Pass, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            grad = np.column_stack([p.grad_w / n, p.grad_b / n]).ravel()
            grad[penalised] += K.l2_gradient(theta[penalised], lam)
            H = p.hessian / n
            H[np.diag_indices_from(H)] += np.where(penalised, K.l2_hessian(lam), 0.0)
            with np.errstate(invalid="ignore", over="ignore"):  # overflow: _newton says so
                tau = float(np.mean(np.diag(H)))
            tau = tau if math.isfinite(tau) and tau > 0 else 1.0
            for coord in shifts:  # + tau u u^T, u = (1, ..., 1)/sqrt(K) at this coordinate
                at = (rows + coord).ravel()
                H[np.ix_(at, at)] += tau / n_classes
            return grad, H

        theta = self._newton(X, np.zeros(n_classes * s), evaluate, system)
        P = theta.reshape(n_classes, s)
        self.coef_ = P[:, :d].astype(X.dtype)
        self.intercept_ = P[:, d].astype(X.dtype)

    # -------------------------------------------------------- predicting --
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise not_fitted_error(type(self).__name__)

    def decision_function(self, X: Any) -> np.ndarray:
        """The net input z = Xw + b: shape (n,) for two classes, (n, K) for K >= 3."""
        self._check_fitted()
        X = check_X(X, n_features=self.n_features_in_)
        if self.coef_.shape[0] > 1:
            return X @ self.coef_.T.astype(X.dtype) + self.intercept_.astype(X.dtype)
        return X @ self.coef_.ravel().astype(X.dtype) + X.dtype.type(self.intercept_[0])

    def predict_proba(self, X: Any) -> np.ndarray:
        """p(y = classes_[k] | x), one column per class, rows summing to 1.

        Two classes: σ(−z) and σ(z); K >= 3: softmax of the row of net inputs.
        Computed in float64 (z itself keeps X's dtype).
        """
        with np.errstate(over="ignore", invalid="ignore"):  # said below, if it happens
            z = self.decision_function(X).astype(np.float64)
        if z.ndim == 2:
            return K.softmax(_finite_net_input(z))[0]
        return np.column_stack([K.sigmoid(-z), K.sigmoid(z)])

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of :meth:`predict_proba` without log(0): −L(z, y) per class, or log-softmax."""
        with np.errstate(over="ignore", invalid="ignore"):
            z = self.decision_function(X).astype(np.float64)
        if z.ndim == 2:
            return K.softmax(_finite_net_input(z))[1]
        return np.column_stack([-K.loss(z, 0.0), -K.loss(z, 1.0)])

    def predict(self, X: Any) -> np.ndarray:
        """The class of largest net input: for two classes, classes_[1] where z > 0."""
        z = self.decision_function(X)
        if z.ndim == 2:
            return self.classes_[z.argmax(axis=1)]
        return self.classes_[(z > 0).astype(int)]

    def score(self, X: Any, y: Any) -> float:
        """Accuracy: the fraction of labels predicted correctly."""
        y = check_y(y, np.shape(X)[0] if hasattr(X, "shape") else len(X))
        return float(np.mean(self.predict(X) == y))


def _finite_net_input(z: np.ndarray) -> np.ndarray:
    """z, or a clear error where X @ coef_ overflowed (softmax of inf - inf is NaN)."""
    if not np.isfinite(z).all():
        rows = np.flatnonzero(~np.isfinite(z).all(axis=1))
        raise ValueError(f"The net inputs z = Wx + b overflowed for {rows.size} row(s) of X "
                         f"(first: row {rows[0]}): X's values are too large for the learned "
                         "weights. Scale X as the training data was scaled.")
    return z


def _cho_solve(L: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve (L Lᵀ) x = g with two triangular solves (NumPy only)."""
    # numpy has no triangular solver; solve is LU on the small (d+1) x (d+1) factors
    return np.linalg.solve(L.T, np.linalg.solve(L, g))
