"""The NumPy trainer: kernels, estimator conventions, references, bad input."""

from __future__ import annotations

import re
import tracemalloc
import warnings

import mpmath
import numpy as np
import pytest

import logreg
from logreg import LogisticRegression, kernels
from logreg.model import NEWTON_ROUNDING

EXTREMES = [-1e300, -1e6, -800.0, -710.0, -1.0, 0.0, 1.0, 710.0, 800.0, 1e6, 1e300]


@pytest.fixture
def noisy():
    """A non-separable problem: 10 informative features, 10% flipped labels."""
    sk = pytest.importorskip("sklearn.datasets")
    X, y = sk.make_classification(n_samples=600, n_features=12, n_informative=10,
                                  n_redundant=0, flip_y=0.1, random_state=3)
    return X, y


# ------------------------------------------------------------------ kernels --
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernels_never_warn_or_overflow(dtype):
    big = np.finfo(dtype).max
    z = np.array([*EXTREMES, -big, big], dtype=np.float64).clip(-big, big).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # underflow to 0 is the correctly rounded answer there
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for label in (0.0, 1.0):
                y = np.full_like(z, label)
                outs = [kernels.sigmoid(z), kernels.loss(z, y), kernels.delta(z, y),
                        kernels.curvature(z), *kernels.loss_and_delta(z, y)]
                for out in outs:
                    assert out.dtype == dtype
                    assert np.isfinite(out).all()
    assert kernels.sigmoid(z)[0] == 0 and kernels.sigmoid(z)[-1] == 1


def test_scalar_kernels_agree_with_numpy_kernels(rng):
    for zz in [*EXTREMES, *rng.normal(0, 20, 20)]:
        for label in (0.0, 1.0):
            assert kernels.loss_scalar(zz, label) == pytest.approx(
                float(kernels.loss(np.float64(zz), label)), rel=1e-15)
            assert kernels.delta_scalar(zz, label) == pytest.approx(
                float(kernels.delta(np.float64(zz), label)), rel=1e-15, abs=1e-300)
        assert kernels.sigmoid_scalar(zz) == pytest.approx(float(kernels.sigmoid(zz)), rel=1e-15)


def test_sigmoid_and_loss_match_mpmath_to_1e14():
    mpmath.mp.dps = 50
    zs = np.concatenate([np.linspace(-700, 700, 1401), np.linspace(-5, 5, 201)])
    worst_sig = worst_loss = 0.0
    for zz in zs:
        exact_sig = 1 / (1 + mpmath.exp(-mpmath.mpf(zz)))
        got = float(kernels.sigmoid(zz))
        if got >= np.finfo(float).tiny:
            worst_sig = max(worst_sig, float(abs((got - exact_sig) / exact_sig)))
        for label in (0, 1):
            t = (1 - 2 * label) * mpmath.mpf(zz)
            exact = mpmath.log1p(mpmath.exp(t))
            got = float(kernels.loss(zz, float(label)))
            worst_loss = max(worst_loss, float(abs((got - exact) / exact)))
    assert worst_sig <= 1e-14 and worst_loss <= 1e-14, (worst_sig, worst_loss)


def test_delta_is_a_minus_y_and_curvature_is_a_one_minus_a(rng):
    z = rng.normal(0, 4, 100)
    y = rng.integers(0, 2, 100).astype(float)
    a = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(kernels.delta(z, y), a - y, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(kernels.curvature(z), a * (1 - a), rtol=1e-12)
    # no cancellation: a - 1 for a confident y = 1 keeps its digits
    assert kernels.delta(40.0, 1.0) == pytest.approx(-np.exp(-40.0), rel=1e-14)


def test_gradient_matches_finite_differences(rng):
    X = rng.normal(size=(40, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + rng.normal(size=40) > 0).astype(float)
    assert logreg.check_gradient(X, y) < 1e-7
    assert logreg.check_gradient(X, y, w=rng.normal(size=4), b=0.3, l2=0.5) < 1e-7


def test_check_gradient_rejects_other_labels():
    with pytest.raises(ValueError, match="labels 0 and 1"):
        logreg.check_gradient(np.ones((3, 2)), [0, 2, 1])


# ---------------------------------------------------------- references --
def _textbook(X, y, epochs, eta=0.1):
    w, b = np.zeros(X.shape[1], X.dtype), X.dtype.type(0)
    for _ in range(epochs):
        a = 1 / (1 + np.exp(-(X @ w + b)))
        w = w - eta * X.T @ (a - y)
        b = b - eta * np.sum(a - y)
    return w, b


@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_full_batch_matches_the_hand_written_loop(dtype, rtol, rng):
    X = rng.normal(size=(150, 3)).astype(dtype)
    y = (X[:, 0] - X[:, 1] + rng.normal(size=150) > 0).astype(dtype)
    model = LogisticRegression(eta=0.001, max_iter=30, reduction="sum", tol=None).fit(X, y)
    w, b = _textbook(X, y, 30, eta=dtype(0.001))
    assert model.coef_.dtype == dtype and model.n_iter_ == 30
    np.testing.assert_allclose(model.coef_.ravel(), w, rtol=rtol)
    np.testing.assert_allclose(model.intercept_[0], b, rtol=rtol)


def test_one_summed_epoch_is_the_lecture_update(rng):
    X = rng.normal(size=(20, 2))
    y = (X[:, 0] > 0).astype(float)
    m = LogisticRegression(eta=0.1, max_iter=1, reduction="sum", tol=None).fit(X, y)
    np.testing.assert_allclose(m.coef_.ravel(), -0.1 * X.T @ (0.5 - y), rtol=1e-14)
    assert m.intercept_[0] == pytest.approx(-0.1 * np.sum(0.5 - y), rel=1e-14)
    assert m.loss_curve_ == [pytest.approx(np.log(2))]


def test_newton_matches_scikit_learn_unpenalised(noisy):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = noisy
    ref = sk.LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12,
                                max_iter=100).fit(X, y)
    ours = LogisticRegression(solver="newton").fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    assert ours.n_iter_ <= 12


def test_l2_maps_to_scikit_learn_c(noisy):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = noisy
    lam = 0.05
    ref = sk.LogisticRegression(C=1 / (len(y) * lam), solver="newton-cholesky", tol=1e-12,
                                max_iter=100).fit(X, y)
    ours = LogisticRegression(solver="newton", l2=lam).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)


def test_gradient_descent_reaches_newton_s_optimum(noisy):
    X, y = noisy
    X = (X - X.mean(0)) / X.std(0)
    newton = LogisticRegression(solver="newton", l2=0.01).fit(X, y)
    gd = LogisticRegression(eta=1.0, max_iter=3000, tol=None, l2=0.01).fit(X, y)
    np.testing.assert_allclose(gd.coef_, newton.coef_, atol=1e-4)
    np.testing.assert_allclose(gd.intercept_, newton.intercept_, atol=1e-4)
    assert gd.loss_curve_[-1] == pytest.approx(newton.loss_curve_[-1], abs=1e-9)


@pytest.mark.parametrize(("batch_size", "eta"), [(1, 0.01), (32, 0.3)])
def test_stochastic_and_minibatch_converge_near_the_optimum(noisy, batch_size, eta):
    X, y = noisy
    X = (X - X.mean(0)) / X.std(0)
    newton = LogisticRegression(solver="newton", l2=0.01).fit(X, y)
    sgd = LogisticRegression(eta=eta, max_iter=60, batch_size=batch_size, tol=None,
                             l2=0.01, random_state=0).fit(X, y)
    assert np.abs(sgd.coef_ - newton.coef_).max() < 0.05
    assert len(sgd.loss_curve_) == sgd.n_iter_ == 60


def test_random_state_makes_sgd_reproducible(noisy):
    X, y = noisy
    fit = lambda seed: LogisticRegression(batch_size=1, max_iter=3, tol=None,  # noqa: E731
                                          random_state=seed).fit(X, y).coef_
    np.testing.assert_array_equal(fit(1), fit(1))
    assert not np.array_equal(fit(1), fit(2))


#: per-example steps visit a weighted example once and a repeated one several times, in
#: random order: no stochastic solver can match (scikit-learn expects SGDClassifier to
#: fail this check for the same reason)
STOCHASTIC_WEIGHTS = {"check_sample_weight_equivalence_on_dense_data":
                      "per-example steps on repeated rows are not weighted steps"}


@pytest.mark.parametrize(("est", "expected_failures"), [
    (LogisticRegression(), {}), (LogisticRegression(batch_size=256), {}),
    (LogisticRegression(batch_size=1), STOCHASTIC_WEIGHTS),
    (LogisticRegression(solver="newton"), {})], ids=repr)
def test_scikit_learn_check_estimator_passes_with_the_defaults(est, expected_failures):
    """Including the checks on uncentred X ~ N(100, 1), where eta="auto" must not diverge."""
    checks = pytest.importorskip("sklearn.utils.estimator_checks")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = checks.check_estimator(est, on_fail=None,
                                         expected_failed_checks=expected_failures)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results
              if r["status"] == "failed"]
    assert not failed, failed
    assert len(results) > 50
    assert {r["check_name"] for r in results} >= {"check_fit_idempotent",
                                                  "check_sample_weights_list"}


@pytest.mark.parametrize("est", [LogisticRegression(), LogisticRegression(batch_size=1),
                                 LogisticRegression(solver="newton")], ids=repr)
def test_feature_names_follow_scikit_learn(est):
    """scikit-learn's own column-name check (not part of check_estimator's list)."""
    checks = pytest.importorskip("sklearn.utils.estimator_checks")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", logreg.ConvergenceWarning)
        checks.check_dataframe_column_names_consistency("LogisticRegression", est)


# ----------------------------------------------------------- conventions --
def test_fit_returns_self_and_learned_attributes(noisy):
    X, y = noisy
    m = LogisticRegression(max_iter=50, tol=None)
    assert m.fit(X, y) is m
    assert m.coef_.shape == (1, 12) and m.intercept_.shape == (1,)
    assert m.n_features_in_ == 12 and m.classes_.tolist() == [0, 1]
    assert len(m.loss_curve_) == m.n_iter_
    proba = m.predict_proba(X)
    assert proba.shape == (600, 2) and np.allclose(proba.sum(1), 1)
    np.testing.assert_array_equal(m.predict(X), (m.decision_function(X) > 0).astype(int))
    np.testing.assert_allclose(np.exp(m.predict_log_proba(X)), proba, rtol=1e-12)
    assert m.score(X, y) == np.mean(m.predict(X) == y)


def test_hyperparameters_are_stored_unchanged():
    m = LogisticRegression(eta=-5, batch_size="x")
    assert m.get_params()["eta"] == -5 and m.batch_size == "x"
    assert m.set_params(eta=0.5) is m and m.eta == 0.5
    with pytest.raises(ValueError, match="Invalid parameter"):
        m.set_params(learning_rate=1)


@pytest.mark.parametrize("labels", [[-1, 1], ["cat", "dog"], [False, True]])
def test_any_two_labels(labels):
    X, y01 = logreg.two_blobs(30)
    y = np.array(labels)[y01]
    m = LogisticRegression(max_iter=100, tol=None).fit(X, y)
    assert m.classes_.tolist() == sorted(labels)
    assert set(m.predict(X)) <= set(labels) and m.score(X, y) > 0.9


def test_one_class_is_a_clear_error():
    with pytest.raises(ValueError, match="only one class"):
        LogisticRegression().fit(np.arange(12.0).reshape(6, 2), [1] * 6)


def test_float32_stays_float32_and_x_is_not_copied():
    X, y = logreg.two_blobs(20)
    X32 = X.astype(np.float32)
    m = LogisticRegression(max_iter=20, tol=None).fit(X32, y)
    assert m.coef_.dtype == np.float32 and m.decision_function(X32).dtype == np.float32
    assert m.predict_proba(X32).dtype == np.float64  # probabilities in full precision


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 256, "random_state": 0},
                                    {"solver": "newton"}])
@pytest.mark.filterwarnings("ignore::logreg.ConvergenceWarning")  # 2 iterations on purpose
def test_fitting_never_copies_x(kwargs, rng):
    X = rng.normal(size=(100_000, 40))
    y = (X[:, 0] > 0).astype(float)
    tracemalloc.start()
    LogisticRegression(max_iter=2, tol=None, **kwargs).fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.25 * X.nbytes, f"peak {peak / X.nbytes:.0%} of X"


def test_verbose_prints_the_lecture_s_format(capsys):
    X, y = logreg.two_blobs(20)
    LogisticRegression(max_iter=3, tol=None, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert all(re.fullmatch(r"Epoch: \d{3} \| Train ACC: \d\.\d{3} \| Cost: \d+\.\d{3}", ln)
               for ln in lines)
    assert lines[0].startswith("Epoch: 001")


def test_partial_fit_learns_from_chunks():
    X, y = logreg.two_blobs(100)
    order = np.random.default_rng(0).permutation(len(y))
    m = LogisticRegression(eta=0.5)
    with pytest.raises(ValueError, match="classes must be passed"):
        m.partial_fit(X[:10], y[:10])
    for chunk in np.array_split(order, 10):
        m.partial_fit(X[chunk], y[chunk], classes=[0, 1])
    assert m.n_iter_ == 10 and len(m.loss_curve_) == 10 and m.score(X, y) > 0.9
    with pytest.raises(ValueError, match="features"):
        m.partial_fit(X[:, :1], y)


def test_overflowing_training_names_the_learning_rate():
    X, y = logreg.two_blobs(50)
    X = (X * 1e30).astype(np.float32)
    with pytest.raises(logreg.DivergenceError, match=r"eta=1e\+10.*smaller eta, e\.g\. eta=1e\+09"):
        with np.errstate(all="ignore"):
            LogisticRegression(eta=1e10, reduction="sum", tol=None).fit(X, y)


def test_a_loss_rising_five_epochs_in_a_row_is_divergence():
    from logreg.stopping import Run, Settings, check_divergence
    settings = Settings(eta=3.0)
    W, b = np.zeros((1, 2)), np.zeros(1)
    run = Run(W, b, [0.69, 0.5, 0.7, 0.8, 0.9, 1.0])
    check_divergence(settings, run, W, b, partial=False)  # four rises: not yet
    run.curve.append(1.1)
    with pytest.raises(logreg.DivergenceError, match=r"rose for 5 epochs.*eta=3"):
        check_divergence(settings, run, W, b, partial=False)
    run.curve[:] = [0.69, 0.1, 0.11, 0.12, 0.13, 0.14, 0.15]  # noise below the start
    check_divergence(settings, run, W, b, partial=False)


def test_not_converging_warns():
    X, y = logreg.two_blobs(20)
    with pytest.warns(logreg.ConvergenceWarning, match="max_iter"):
        LogisticRegression(max_iter=2).fit(X, y)


# -------------------------------------------------------------- bad input --
@pytest.mark.parametrize(("X", "y", "message"), [
    ([[np.nan, 1.0], [0.0, 1.0]], [0, 1], "NaN"),
    ([[np.inf, 1.0], [0.0, 1.0]], [0, 1], "infinity"),
    ([1.0, 2.0, 3.0], [0, 1, 0], "Expected 2D array"),
    ([[1.0], [2.0]], [0, 1, 1], "inconsistent numbers of samples"),
    (np.empty((0, 2)), [], "0 sample"),
    ([["a", "b"], ["c", "d"]], [0, 1], "numbers only"),
])
def test_bad_training_data_gets_a_clear_error(X, y, message):
    with pytest.raises((ValueError, TypeError), match=message):
        LogisticRegression().fit(X, y)


@pytest.mark.parametrize(("params", "message"), [
    ({"eta": 0}, "eta"), ({"eta": -1.0}, "eta"), ({"eta": "fast"}, "eta"),
    ({"eta": float("nan")}, "eta"), ({"batch_size": 0}, "batch_size"),
    ({"solver": "lbfgs"}, "solver"), ({"max_iter": 0}, "max_iter"),
    ({"reduction": "avg"}, "reduction"), ({"l2": -1}, "l2"), ({"init": "ones"}, "init"),
])
def test_bad_hyperparameters_are_rejected_in_fit(params, message):
    X, y = logreg.two_blobs(5)
    model = LogisticRegression(**params)  # stored unchanged, no error yet
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)


def test_predicting_before_fit_or_with_wrong_features():
    X, y = logreg.two_blobs(5)
    with pytest.raises(logreg.NotFittedError if not _has_sklearn() else Exception,
                       match="not fitted"):
        LogisticRegression().predict(X)
    m = LogisticRegression(max_iter=5, tol=None).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but LogisticRegression is "
                                         "expecting 2 features"):
        m.predict(np.ones((2, 3)))


def _has_sklearn() -> bool:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


def test_newton_on_separable_data_warns_and_stops():
    X, y = logreg.two_blobs(20, separation=12.0)
    with pytest.warns(logreg.ConvergenceWarning, match="separable"):
        m = LogisticRegression(solver="newton").fit(X, y)
    assert m.n_iter_ < 100 and m.score(X, y) == 1.0
    finite = LogisticRegression(solver="newton", l2=0.1).fit(X, y)
    assert np.isfinite(finite.coef_).all() and finite.n_iter_ < 20


# ------------------------------------------------- training that goes wrong --
@pytest.fixture
def cancer():
    """Standardized breast-cancer data (bundled with scikit-learn, no download)."""
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_breast_cancer(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


@pytest.mark.parametrize("params", [
    {"eta": 100}, {"eta": 1.0, "reduction": "sum"},
    {"eta": 20, "reduction": "sum", "l2": 1e-4},
    {"eta": 10, "batch_size": 1, "random_state": 0},
    {"eta": 100, "batch_size": 32, "random_state": 0},
], ids=repr)
def test_a_run_ending_above_its_starting_loss_raises_naming_eta(cancer, params):
    X, y = cancer
    eta = params["eta"]
    with pytest.raises(logreg.DivergenceError,
                       match=rf"ended at .*above its 0\.6931 at the starting weights.*"
                             rf"eta={eta:g}\. Try eta='auto' .*a smaller eta, e\.g\. "
                             rf"eta={eta / 10:g}, or standardize the features") as info:
        LogisticRegression(**params).fit(X, y)
    curve = info.value.loss_curve
    assert len(curve) >= 2 and curve[-1] > np.log(2)


def test_a_run_that_stops_without_beating_its_first_epoch_raises(cancer):
    X, y = cancer
    with pytest.raises(logreg.DivergenceError, match="never fell below its first epoch") as info:
        LogisticRegression(eta=2, batch_size=1, random_state=2).fit(X, y)
    curve = info.value.loss_curve
    assert min(curve[1:]) >= curve[0]


@pytest.mark.parametrize("params", [
    {"eta": 1.0, "tol": 1e-5}, {"eta": 1.0, "l2": 0.01},
    {"eta": 0.01, "batch_size": 1, "random_state": 0},
    {"eta": 0.3, "batch_size": 32, "random_state": 0},
    {"eta": 0.5, "init": "random", "random_state": 0, "tol": 1e-4},
], ids=repr)
def test_a_sane_run_stays_silent(cancer, params):
    X, y = cancer
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = LogisticRegression(**params).fit(X, y)
    assert m.loss_curve_[-1] < 0.1 and m.score(X, y) > 0.97


def test_partial_fit_raises_only_when_the_loss_explodes(cancer):
    X, y = cancer
    sane = LogisticRegression(eta=0.01, batch_size=1, random_state=0)
    sane.partial_fit(X, y, classes=[0, 1])
    assert sane.loss_curve_[0] < np.log(2)
    # full batch: each call's loss is measured before its step, so the blow-up shows later
    m = LogisticRegression(eta=1e5)
    m.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(logreg.DivergenceError, match=r"chunk's loss reached .* over 100 times "
                                                     r"the 0\.6931 of zero weights.*eta=100000"):
        m.partial_fit(X, y)
    assert m.n_iter_ == 1  # the failed call left no trace


@pytest.mark.parametrize(("X", "y", "message"), [
    ([[1.0, 2.0], [3.0]], [0, 1], r"X is ragged: its rows have different lengths \(\[1, 2\]\)"),
    ([[1.0, None], [0.0, 1.0]], [0, 1], r"X contains missing values \(None\)"),
    ([[1.0], [2.0]], ["a", None], r"y contains missing values \(None\)"),
    ([[1.0], [2.0]], ["a", 1], r"Mix of label input types \(number and string\)"),
    ([[1.0], [2.0]], [0.0, 0.5], "Unknown label type: continuous.*such as 0.5"),
    ([[1.0], [2.0], [3.0]], [0.0, 0.5, 1.0], "Unknown label type: continuous"),
    ([[1.0], [2.0]], [0, np.nan], r"y contains NaN \(missing values\)"),
])
def test_bad_labels_and_rows_get_a_clear_error(X, y, message):
    with pytest.raises(ValueError, match=message):
        LogisticRegression().fit(X, y)


def test_pandas_missing_values_are_named():
    import pandas as pd
    X = pd.DataFrame({"a": [1.0, pd.NA, 2.0, 3.0], "b": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ValueError, match=r"X contains missing values \(pd\.NA\)"):
        LogisticRegression().fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"y contains missing values \(pd\.NA\)"):
        LogisticRegression().fit(np.eye(4), pd.Series([0, 1, pd.NA, 1]))


@pytest.mark.parametrize("seed", ["abc", -1, 1.5, True])
def test_a_bad_random_state_is_rejected_in_fit(seed):
    X, y = logreg.two_blobs(5)
    with pytest.raises(ValueError, match=r"random_state must be None, a non-negative int"):
        LogisticRegression(random_state=seed).fit(X, y)


def test_numbers_stored_as_objects_are_labels():
    X, y = logreg.two_blobs(20)
    m = LogisticRegression(max_iter=50, tol=None).fit(X, np.array(y.tolist(), dtype=object))
    assert m.classes_.tolist() == [0, 1] and m.score(X, y) > 0.9


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_newton_on_overflowing_x_is_a_clear_error(dtype, rng):
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    scale = 1e200 if dtype == np.float64 else 1e30
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not NumPy's overflow warning
        with pytest.raises(ValueError, match=r"Newton's method overflowed: X's values are too "
                                             r"large.*Scale the features"):
            LogisticRegression(solver="newton").fit((X * scale).astype(dtype), y)


def test_newton_on_float32_converges_silently_at_float32_precision(cancer):
    X, y = cancer
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m32 = LogisticRegression(solver="newton", l2=1e-4).fit(X.astype(np.float32), y)
    m64 = LogisticRegression(solver="newton", l2=1e-4).fit(X, y)
    assert m32.n_iter_ <= m64.n_iter_ + 2
    np.testing.assert_allclose(m32.coef_, m64.coef_, atol=1e-4)
    assert m32.loss_curve_[-1] == pytest.approx(m64.loss_curve_[-1], rel=1e-6)


def test_newton_says_when_no_step_lowers_the_loss(noisy, monkeypatch):
    X, y = noisy
    from logreg import newton
    real = newton.newton_pass
    calls = []

    def worse_after_the_start(problem, W, b, accuracy):
        p = real(problem, W, b, accuracy)
        calls.append(p.loss)
        p.loss += len(y) * (len(calls) > 1)     # every trial step "raises" the loss by 1
        return p

    monkeypatch.setattr(newton, "newton_pass", worse_after_the_start)
    with pytest.warns(logreg.ConvergenceWarning, match=r"stopped after 1 iteration: no step "
                                                        r"along its direction \(down to 2\^-20"):
        m = LogisticRegression(solver="newton").fit(X, y)
    assert m.n_iter_ == 1 and len(calls) == 1 + 21   # the line search stayed in one iteration
    np.testing.assert_array_equal(m.coef_, 0)


def test_newton_at_max_iter_says_how_far_it_still_moved(noisy):
    X, y = noisy
    with pytest.warns(logreg.ConvergenceWarning,
                      match=r"did not converge in max_iter=2 iterations: its last step still "
                            r"moved a weight by .*more than tol=1e-06"):
        LogisticRegression(solver="newton", max_iter=2).fit(X, y)


# ----------------------------- the printed kernels: no SymPy when training --
ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_printed_kernels_are_the_printout_of_the_proven_forms():
    """logreg/_kernels.py is exactly what lambdify prints for the proven results now."""
    from logreg import kernelspec
    assert kernels.GENERATED.read_text() == kernelspec.generate(), \
        "logreg/_kernels.py is stale: run python -m logreg.kernelspec"
    assert kernels.stamp_of(kernels._printed.SOURCES) == kernels._printed.STAMP
    assert "derivations.lecture.stepsize" in kernels._printed.SOURCES


def _python(code: str, cwd=ROOT, **env: str):
    import os
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=cwd, check=True).stdout.split()


def test_training_in_a_fresh_process_never_imports_sympy():
    code = ("import sys, warnings; warnings.simplefilter('ignore'); import logreg\n"
            "for X, y in (logreg.two_blobs(30), logreg.three_blobs(30)):\n"
            "    for kw in ({}, {'batch_size': 8}, {'batch_size': 1}, {'solver': 'newton'}):\n"
            "        logreg.LogisticRegression(max_iter=20, **kw).fit(X, y).predict_proba(X)\n"
            "print('sympy' in sys.modules, 'derivations' in sys.modules)")
    assert _python(code) == ["False", "False"]


@pytest.mark.slow
def test_a_changed_derivation_prints_the_kernels_again_once_into_the_cache(tmp_path):
    import shutil
    src = tmp_path / "src"
    for package in ("derivations", "logreg"):
        shutil.copytree(ROOT / package, src / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    with open(src / "derivations" / "lecture" / "stable.py", "a") as f:
        f.write("\n# an edit after the kernels were printed\n")
    env = {"PYTHONPATH": str(src), "LOGREG_CACHE_DIR": str(tmp_path / "cache")}
    code = ("import os, sys, logreg.kernels as K\n"
            "print(K.__file__.startswith(os.environ['PYTHONPATH']), 'sympy' in sys.modules,"
            " K._printed.__file__, float(K.sigmoid(0.0)))")
    copied, proved, where, half = _python(code, tmp_path, **env)
    assert copied == "True" and proved == "True" and half == "0.5"
    cached = list((tmp_path / "cache").glob("kernels-*.py"))
    assert len(cached) == 1 and where == str(cached[0])
    from logreg import kernelspec  # the same kernels, a new stamp
    assert cached[0].read_text().split("\n\n\n", 1)[1] == \
        kernelspec.generate().split("\n\n\n", 1)[1]
    _, proved, where, _ = _python(code, tmp_path, **env)  # the second process reads the cache
    assert proved == "False" and where == str(cached[0])


# ------------------------------------------- eta="auto": the proven step --
def _gram_top(X, weights=None):
    Xt = np.column_stack([X, np.ones(len(X))])
    s = np.ones(len(X)) if weights is None else weights / weights.mean()
    return float(np.linalg.eigvalsh((Xt * s[:, None]).T @ Xt / len(X))[-1])


def _proven_step(G, lam, softmax=False):
    """1/L from the derivations themselves, evaluated by SymPy (not the printed kernels)."""
    from derivations.lecture.stepsize import G as G_
    from derivations.lecture.stepsize import L_s, descent_lemma, smoothness, softmax_smoothness
    from derivations.lecture.symbols import lam as lam_
    L = (softmax_smoothness() if softmax else smoothness()).result("constant")
    step = descent_lemma().result("step")
    return float(step.rhs.subs(L_s, L.subs({G_: G, lam_: lam})))


@pytest.mark.filterwarnings("ignore::logreg.ConvergenceWarning")
def test_eta_auto_is_the_descent_lemma_step_at_the_proven_bound(rng):
    X = rng.normal(size=(300, 4)) * [1.0, 2.0, 3.0, 0.5] + 1.0
    y = (X[:, 0] + rng.normal(size=300) > 1).astype(int)
    y3 = np.digitize(X[:, 1] + rng.normal(size=300), [0.0, 2.0])
    sw = rng.uniform(0.5, 2.0, 300)
    fit = lambda y, **kw: LogisticRegression(max_iter=1, **kw).fit(X, y, sample_weight=sw)  # noqa: E731
    G = _gram_top(X, sw)  # the step is taken at a certified upper bound: a hair smaller
    assert _proven_step(G, 0.1) * (1 - 1e-9) <= fit(y, l2=0.1).eta_ <= _proven_step(G, 0.1)
    assert fit(y3, l2=0.1).eta_ == pytest.approx(_proven_step(G, 0.1, softmax=True), rel=1e-9)
    assert fit(y, reduction="sum").eta_ == pytest.approx(_proven_step(G, 0.0) / 300, rel=1e-9)
    s = sw / sw.mean()  # minibatch and per-example: half the step of the worst example
    G1 = float(np.max(s * ((X**2).sum(axis=1) + 1)))
    assert fit(y, batch_size=16).eta_ == pytest.approx(0.5 * _proven_step(G1, 0.0), rel=1e-12)
    assert fit(y, batch_size=1).eta_ == pytest.approx(0.5 * _proven_step(G1, 0.0), rel=1e-12)


def test_the_certified_bound_is_above_the_largest_eigenvalue(rng):
    from logreg import spectrum
    for X in (rng.normal(size=(5000, 30)), rng.normal(100.0, 1.0, size=(3000, 5)),
              rng.normal(size=(2000, 10)).astype(np.float32)):
        exact = _gram_top(X.astype(np.float64))
        bound = spectrum.top_eigenvalue(X)
        assert bound.certified and exact <= bound.value <= exact * (1 + 1e-9)
        estimate = spectrum.power_bound(X)
        assert not estimate.certified and estimate.value <= exact * (1 + 1e-12)
        assert estimate.value >= 0.5 * exact  # what the descent lemma needs of 1/L


def _standardized(X):
    return (X - X.mean(0)) / X.std(0)


def _datasets():
    sk = pytest.importorskip("sklearn.datasets")
    X2, y2 = sk.make_classification(3000, 10, n_informative=6, flip_y=0.05, random_state=0)
    X4, y4 = sk.make_classification(3000, 10, n_informative=6, n_classes=4, flip_y=0.05,
                                    random_state=0)
    cancer, yc = sk.load_breast_cancer(return_X_y=True)
    return {"binary": (X2, y2), "four-classes": (X4, y4), "raw-cancer": (cancer, yc)}


def _assert_never_rises(curve, dtype):
    """Each epoch's loss at most the last one's, up to the loss's rounding at X's dtype."""
    rounding = NEWTON_ROUNDING * np.finfo(dtype).eps
    rises = np.diff(curve) - rounding * np.abs(curve[:-1])
    assert np.all(rises <= 0), rises.max()


@pytest.mark.parametrize("data", ["binary", "four-classes", "raw-cancer"])
@pytest.mark.parametrize("kwargs", [{}, {"l2": 0.01, "reduction": "sum"}, {"weights": True},
                                    {"float32": True}], ids=repr)
@pytest.mark.filterwarnings("ignore::logreg.ConvergenceWarning")
def test_full_batch_loss_never_rises_with_eta_auto(data, kwargs, rng):
    X, y = _datasets()[data]
    kwargs = dict(kwargs)
    sw = rng.uniform(0.1, 3.0, len(y)) if kwargs.pop("weights", False) else None
    if kwargs.pop("float32", False):
        X = X.astype(np.float32)
    m = LogisticRegression(max_iter=300, **kwargs).fit(X, y, sample_weight=sw)
    _assert_never_rises(m.loss_curve_, X.dtype)
    assert m.loss_curve_[-1] < m.loss_curve_[0]


@pytest.mark.filterwarnings("ignore::logreg.ConvergenceWarning")
def test_an_underestimated_curvature_is_caught_by_halving_the_step(monkeypatch):
    from logreg import spectrum
    X, y = _datasets()["binary"]
    monkeypatch.setattr(spectrum, "GRAM_MAX_COLUMNS", 2)       # power iteration, say...
    real = spectrum.power_bound
    monkeypatch.setattr(spectrum, "power_bound",                # ...that is 20 times too low
                        lambda X, w=None: spectrum.Curvature(real(X, w).value / 20, False))
    m = LogisticRegression(max_iter=100).fit(X, y)
    _assert_never_rises(m.loss_curve_, X.dtype)
    assert m.eta_ <= 20 * _proven_step(_gram_top(X), 0.0) / 4  # halved at least twice


# ----------------------------------------------------------- honest stopping --
def test_a_minibatch_run_that_never_settles_says_so():
    X, y = _datasets()["binary"]
    with pytest.warns(logreg.ConvergenceWarning, match=r"minibatch gradient descent stopped "
                      r"after \d+ epochs without settling.*eta='auto'"):
        LogisticRegression(eta=3.0, batch_size=32, random_state=0).fit(X, y)


@pytest.mark.parametrize(("data", "params"), [
    ("binary", {"eta": 2.0}), ("four-classes", {"eta": 1.5})], ids=repr)
def test_a_learning_rate_just_too_large_does_not_end_quietly(data, params):
    """The issue's runs: the loss falls, then rises until the stopping rule ends it."""
    X, y = _datasets()[data]
    with pytest.warns(logreg.ConvergenceWarning, match=r"the loss rose to .* above .* at the "
                      r"weights of epoch \d+, which are returned.*eta='auto'") as record:
        m = LogisticRegression(**params).fit(X, y)
    assert record[0].filename == __file__
    newton = LogisticRegression(solver="newton").fit(X, y)
    from logreg import objective
    returned = objective.loss(
        objective.make_problem(X, m._index(y, m.classes_), m.classes_.size, None),
        m.coef_.astype(float), m.intercept_.astype(float), l2=0.0)
    assert returned == pytest.approx(min(m.loss_curve_), rel=1e-12)
    assert m.score(X, y) >= newton.score(X, y) - 0.02


def test_eta_auto_reaches_newton_s_optimum_silently():
    X, y = _datasets()["binary"]
    X = _standardized(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = LogisticRegression(tol=1e-9, max_iter=5000).fit(X, y)
    newton = LogisticRegression(solver="newton").fit(X, y)
    assert m.loss_curve_[-1] == pytest.approx(newton.loss_curve_[-1], abs=1e-7)


@pytest.mark.parametrize("params", [{}, {"batch_size": 32}, {"batch_size": 1},
                                    {"l2": 0.1}], ids=repr)
@pytest.mark.parametrize("classes", [2, 3])
def test_badly_scaled_features_never_diverge_and_say_to_standardize(params, classes, rng):
    X = rng.normal(100.0, 1.0, size=(200, 5))                  # condition number ~1e9
    y = rng.integers(0, classes, 200)
    with pytest.warns(logreg.ConvergenceWarning, match=r"standardize the features") as record:
        m = LogisticRegression(random_state=0, **params).fit(X, y)
    assert all(r.filename == __file__ for r in record)
    assert np.isfinite(m.coef_).all()


def test_a_divergence_error_suggests_eta_auto_and_scaling(rng):
    X = rng.normal(100.0, 1.0, size=(200, 5))
    y = rng.integers(0, 2, 200)
    with pytest.raises(logreg.DivergenceError, match=r"eta='auto'.*standardize the features"):
        LogisticRegression(eta=0.1).fit(X, y)


def test_float32_gradient_descent_says_when_it_stops_at_float32_precision(cancer):
    X, y = cancer
    with pytest.warns(logreg.ConvergenceWarning, match=r"at float32's precision.*tol=1e-12"):
        LogisticRegression(l2=0.01, tol=1e-12, max_iter=20000).fit(X.astype(np.float32), y)


def test_newton_with_tol_none_runs_every_iteration_on_float32(cancer):
    X, y = cancer
    m = LogisticRegression(solver="newton", l2=1e-4, tol=None, max_iter=40).fit(
        X.astype(np.float32), y)
    assert m.n_iter_ == len(m.loss_curve_) == 40


@pytest.mark.parametrize("solver", ["newton", "gd"])
def test_partial_separation_without_a_penalty_is_reported(solver):
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_iris(return_X_y=True)   # setosa is separable from the others
    with pytest.warns(logreg.ConvergenceWarning, match=r"separable: the fitted weights "
                      r"separate class 0 from the others perfectly.*l2 > 0") as record:
        LogisticRegression(solver=solver, max_iter=3000).fit(X, y)
    assert all(r.filename == __file__ for r in record)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LogisticRegression(solver="newton", l2=0.01).fit(X, y)
        LogisticRegression(solver="newton").fit(X[50:], y[50:])  # the two that overlap


# --------------------------------------------------------------- partial_fit --
@pytest.mark.parametrize("batch_size", [None, 1, 16])
def test_partial_fit_takes_a_label_sorted_stream(batch_size):
    X, y = _datasets()["binary"]
    X = _standardized(X)
    order = np.argsort(y, kind="stable")                  # all of class 0, then class 1
    m = LogisticRegression(batch_size=batch_size, random_state=0)
    for chunk in np.array_split(order, 30):
        m.partial_fit(X[chunk], y[chunk], classes=[0, 1])
    assert m.n_iter_ == 30 and np.isfinite(m.coef_).all()
    sk = pytest.importorskip("sklearn.linear_model")
    ref = sk.SGDClassifier(loss="log_loss", random_state=0)
    for chunk in np.array_split(order, 30):
        ref.partial_fit(X[chunk], y[chunk], classes=[0, 1])


def test_a_failed_partial_fit_leaves_no_trace(cancer):
    X, y = cancer
    m = LogisticRegression(eta=1e5, random_state=0)
    m.partial_fit(X, y, classes=[0, 1])
    saved = (m.coef_.copy(), m.intercept_.copy(), list(m.loss_curve_), m.n_iter_,
             m._rng_.bit_generator.state)
    with pytest.raises(logreg.DivergenceError):
        m.partial_fit(X, y)
    np.testing.assert_array_equal(m.coef_, saved[0])
    np.testing.assert_array_equal(m.intercept_, saved[1])
    assert (m.loss_curve_, m.n_iter_, m._rng_.bit_generator.state) == saved[2:]


# --------------------------------------------------------------- bad input --
def test_missing_string_labels_are_missing_values():
    pd = pytest.importorskip("pandas")
    import io
    frame = pd.read_csv(io.StringIO("x,label\n1,cat\n2,\n3,dog\n4,cat\n"))  # an empty cell
    with pytest.raises(ValueError, match=r"y contains missing values \(NaN\)"):
        LogisticRegression().fit(frame[["x"]], frame["label"])
    with pytest.raises(ValueError, match=r"missing values \(NaN\)"):
        LogisticRegression().fit(np.eye(3), np.array(["a", np.nan, "b"], dtype=object))


def test_predicting_on_huge_x_is_a_clear_error_without_numpy_warnings():
    X, y = logreg.two_blobs(30)
    m = LogisticRegression().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="overflowed"):
            m.predict(np.full((2, 2), 1e308))


def test_fits_in_two_threads_leave_blas_threads_as_they_were():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import threading

    def blas():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas"]

    before = blas()
    X, y = logreg.two_blobs(200)
    errors = []

    def work():
        try:
            for _ in range(25):
                LogisticRegression(max_iter=5, tol=None).fit(X, y)
                LogisticRegression(solver="newton", max_iter=3).fit(X, y)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and blas() == before


# ------------------------------------------------------------- sample_weight --
@pytest.mark.parametrize("kwargs", [{"max_iter": 60, "tol": None}, {"solver": "newton"},
                                    {"max_iter": 60, "tol": None, "l2": 0.1}], ids=repr)
@pytest.mark.parametrize("classes", [2, 3])
def test_integer_weights_are_repeated_rows_and_zero_weights_removed_rows(kwargs, classes, rng):
    X = rng.normal(size=(60, 3))
    y = (X @ rng.normal(size=(3, classes)) + rng.gumbel(size=(60, classes))).argmax(axis=1)
    sw = rng.integers(0, 4, 60)
    sw[np.unique(y, return_index=True)[1]] = 1            # every class keeps an example
    weighted = LogisticRegression(**kwargs).fit(X, y, sample_weight=sw)
    repeated = LogisticRegression(**kwargs).fit(X.repeat(sw, axis=0), y.repeat(sw))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               rtol=1e-7, atol=1e-12)
    assert weighted.score(X, y, sample_weight=sw) == pytest.approx(
        repeated.score(X.repeat(sw, axis=0), y.repeat(sw)))


def test_sample_weight_in_partial_fit_and_score(rng):
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] > 0).astype(int)
    m = LogisticRegression().partial_fit(X, y, classes=[0, 1], sample_weight=np.ones(100))
    same = LogisticRegression().partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(m.coef_, same.coef_)
    right = m.predict(X) == y
    assert m.score(X, y, sample_weight=right * 1.0) == 1.0


@pytest.mark.parametrize(("weights", "message"), [
    (np.ones(3), "3 weights but X has 4 rows"), (np.ones((4, 1)), "1-D"),
    ([1, -1, 1, 1], "negative"), ([1, np.nan, 1, 1], "NaN"), (np.zeros(4), "zero"),
    ([0, 0, 1, 1], "only one class")])
def test_bad_sample_weights_get_a_clear_error(weights, message):
    with pytest.raises(ValueError, match=message):
        LogisticRegression().fit(np.eye(4), [0, 0, 1, 1], sample_weight=weights)


# ------------------------------------------------------------- feature names --
def test_feature_names_are_kept_and_checked():
    pd = pytest.importorskip("pandas")
    X, y = logreg.two_blobs(20)
    frame = pd.DataFrame(X, columns=["height", "width"])
    m = LogisticRegression().fit(frame, y)
    assert m.feature_names_in_.tolist() == ["height", "width"]
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        m.predict(frame[["width", "height"]])
    with pytest.warns(UserWarning, match="X does not have valid feature names") as record:
        m.predict(X)
    assert record[0].filename == __file__
    assert not hasattr(LogisticRegression().fit(X, y), "feature_names_in_")


@pytest.mark.parametrize("params", [{}, {"batch_size": 8}, {"eta": 0.1},
                                    {"eta": 0.1, "batch_size": 1}], ids=repr)
@pytest.mark.parametrize("scale", [1e155, 1e200])
def test_training_on_huge_x_is_a_clear_error_without_numpy_warnings(params, scale):
    X, y = logreg.two_blobs(30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises((ValueError, logreg.DivergenceError),
                           match=r"too large.*Scale the features|diverged.*standardize"):
            LogisticRegression(max_iter=50, tol=None, **params).fit(X * scale, y)
