"""``LogisticRegression``: scikit-learn's conventions, the lecture's formulas.

>>> from logreg import LogisticRegression
>>> from logreg.data import two_blobs
>>> X, y = two_blobs(50, separation=2.0)      # overlapping blobs: the loss has a minimum
>>> model = LogisticRegression().fit(X, y)      # eta="auto": the step 1/L, proven safe
>>> model.score(X, y) > 0.95, model.eta_ > 0
(True, True)

The estimator checks its hyperparameters and data, and keeps the fitted attributes; the
objective it lowers is :mod:`logreg.objective`, its solvers :mod:`logreg.descent` and
:mod:`logreg.newton`, the rules that stop, warn or raise :mod:`logreg.stopping`, and
what it raises and warns :mod:`logreg.exceptions` (all importable from here, as before).
"""

from __future__ import annotations

import inspect
from dataclasses import fields
from typing import Any

import numpy as np

from logreg import kernels as K
from logreg import solvers
from logreg.descent import descend
from logreg.exceptions import ConvergenceWarning, DivergenceError
from logreg.newton import newton
from logreg.objective import make_problem
from logreg.stopping import (  # the trainer's limits, importable from here as before
    AUTO_HALVINGS,
    END_RTOL,
    EXPLODING,
    NEWTON_HALVINGS,
    NEWTON_MAX_PARAMETERS,
    NEWTON_ROUNDING,
    PATIENCE,
    SEPARABLE_LOSS,
    STOCHASTIC_END_RTOL,
    STOCHASTIC_FRACTION,
    STOCHASTIC_NOISE_RTOL,
    STOCHASTIC_RISE_RTOL,
    Run,
    Settings,
)
from logreg.validation import (
    check_feature_names,
    check_positive_number,
    check_random_state,
    check_sample_weight,
    check_X,
    check_y,
    feature_names,
    not_fitted_error,
)

__all__ = ["AUTO_HALVINGS", "END_RTOL", "EXPLODING", "NEWTON_HALVINGS", "NEWTON_MAX_PARAMETERS",
           "NEWTON_ROUNDING", "PATIENCE", "SEPARABLE_LOSS", "STOCHASTIC_END_RTOL",
           "STOCHASTIC_FRACTION", "STOCHASTIC_NOISE_RTOL", "STOCHASTIC_RISE_RTOL",
           "ConvergenceWarning", "DivergenceError", "LogisticRegression"]


class LogisticRegression:
    """Logistic regression (two classes) or softmax regression (K >= 3 classes),
    trained by gradient descent or Newton's method.

    Parameters
    ----------
    solver : ``"gd"`` (gradient descent, the lecture's) or ``"newton"``.
    eta : learning rate η of gradient descent, > 0, or ``"auto"`` (the default): the step
        1/L that the descent lemma allows, L being the proven bound on the loss's
        curvature (``derivations.lecture.stepsize``), L = G/4 + λ for two classes and G/2 + λ
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

    def _validate_params(self) -> Settings:
        """Check every hyperparameter (a clear error names the wrong one); return them as
        the settings a run reads."""
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
        return Settings(**{f.name: getattr(self, f.name) for f in fields(Settings)})

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

    # ---------------------------------------------------------- fitting --
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        """Learn ``coef_`` and ``intercept_`` from X (n, d) and labels y of 2 or more
        classes; ``sample_weight`` (n,) weighs each example's loss (relative weights)."""
        settings = self._validate_params()
        names = feature_names(X)
        X = check_X(X)
        y = check_y(y, X.shape[0])
        weights = check_sample_weight(sample_weight, X.shape[0])
        classes = self._classes_of(y, weights)
        problem = make_problem(X, self._index(y, classes), classes.size, weights)
        problem.classes = classes  # named in the messages
        rng = settings.rng()
        run = settings.start(problem.rows, X.shape[1], rng)
        # BLAS on one thread for the whole fit (the passes run their own threads); NumPy's
        # overflow warnings are not the user's business: every loss, weight and bound the
        # fit uses is checked, and a non-finite one is an error that says what to do
        with solvers.one_blas_thread(), _quiet():
            if settings.solver == "newton":
                newton(settings, problem, run)
            else:
                descend(settings, problem, run, settings.max_iter, rng, partial=False)
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
        settings = self._validate_params()
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
            rng = settings.rng()
            run = settings.start(1 if found.size == 2 else found.size, X.shape[1], rng)
        else:
            found = self.classes_
            if classes is not None and not np.array_equal(np.unique(classes), found):
                raise ValueError(f"classes {list(classes)} differ from classes_ "
                                 f"{found.tolist()} of the first call.")
            rng = self._rng_
            run = Run(self._weights_as_rows(), self.intercept_.astype(np.float64),
                       list(self.loss_curve_), self.n_iter_, getattr(self, "_step", None))
        problem = make_problem(X, self._index(y, found), found.size, weights)
        state = rng.bit_generator.state
        try:
            with solvers.one_blas_thread(), _quiet():
                descend(settings, problem, run, 1, rng, partial=True)
        except BaseException:
            rng.bit_generator.state = state  # an error leaves no trace: not even the rng
            raise
        self._commit(run, X, names, rng, found)
        return self

    def _weights_as_rows(self) -> np.ndarray:
        return self.coef_.astype(np.float64).reshape(-1, self.n_features_in_)

    def _commit(self, run: Run, X: np.ndarray, names: np.ndarray | None,
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
