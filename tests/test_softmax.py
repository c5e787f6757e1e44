"""Softmax regression: the derivations for symbolic K, and the multinomial trainer."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import logreg
from derivations.engine import Derivation, StepError
from derivations.lecture import softmax as S
from derivations.lecture.symbols import L, mul
from logreg import LogisticRegression, kernels
from logreg import multinomial as mn


# ----------------------------------------------------------------- derivations --
@pytest.mark.parametrize("build", [S.softmax_jacobian, S.softmax_gradient, S.softmax_weights,
                                   S.two_classes, S.shift_invariance, S.stable_log_softmax,
                                   S.softmax_hessian])
def test_softmax_derivation_is_proven(build):
    assert build().verify().verified


def _jacobian_premise(conditions: dict | None = None) -> Derivation:
    d = Derivation("attempt", where=[(S.A[S.k], S.softmax_of(S.k))],
                   conditions=conditions or {S.j: S.CLASSES, S.k: S.CLASSES})
    d.given(sp.Derivative(S.A[S.k], S.Z[S.j]), "premise")
    return d


def test_jacobian_with_the_wrong_sign_is_rejected():
    d = _jacobian_premise()
    d.equal(mul(S.A[S.k], S.A[S.j] - sp.KroneckerDelta(S.k, S.j)), "wrong sign")
    with pytest.raises(StepError, match="does not follow"):
        d.verify()


def test_jacobian_needs_the_index_range_of_j():
    d = _jacobian_premise({S.k: S.CLASSES})  # j may exceed K: SymPy's case split stays
    d.equal(mul(S.A[S.k], sp.KroneckerDelta(S.k, S.j) - S.A[S.j]), "the Jacobian")
    with pytest.raises(StepError):
        d.verify()


def test_off_diagonal_case_with_the_diagonal_value_is_rejected():
    d = _jacobian_premise()
    d.case(mul(S.A[S.j], 1 - S.A[S.j]), "wrong case", sp.Ne(S.k, S.j))
    with pytest.raises(StepError):
        d.verify()


def test_gradient_without_one_hot_labels_is_rejected():
    d = Derivation("attempt", where=[(L, S.CROSS_ENTROPY), (S.A[S.k], S.softmax_of(S.k))],
                   conditions={S.j: S.CLASSES})
    d.given(sp.Derivative(L, S.Z[S.j]), "premise")
    d.equal(S.A[S.j] - S.Y[S.j], "forgets that the labels sum to 1")
    with pytest.raises(StepError, match="does not follow"):
        d.verify()


def test_softmax_outputs_sum_to_one_is_proven_and_two_is_not():
    for total, ok in ((sp.S.One, True), (sp.S(2), False)):
        d = _jacobian_premise()
        d.given(sp.Sum(S.A[S.c], (S.c, 1, S.K)), "the outputs' sum")
        d.equal(total, "claim")
        if ok:
            d.verify()
        else:
            with pytest.raises(StepError):
                d.verify()


def test_one_hot_condition_and_index_range_are_shown():
    d = S.softmax_gradient().verify()
    text = d.latex()
    assert r"\sum_{k=1}^{K} y_{k} = 1" in text
    assert r"j \in \left\{1, \ldots, K\right\}" in text


# ---------------------------------------------------------------------- trainer --
def _three_classes(n: int = 300, d: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=(3, d)).T * 2 + rng.gumbel(size=(n, 3))).argmax(axis=1)
    return X, y


def test_multinomial_gradient_matches_finite_differences():
    X, y = _three_classes(40)
    Y = mn.one_hot(y, 3, X.dtype)
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    p = mn.full_pass(X, Y, W, b)
    h = 1e-6
    for j, m in [(0, 0), (1, 2), (2, 3)]:
        Wp, Wm = W.copy(), W.copy()
        Wp[j, m] += h
        Wm[j, m] -= h
        numeric = (mn.full_pass(X, Y, Wp, b).loss - mn.full_pass(X, Y, Wm, b).loss) / (2 * h)
        assert p.grad_w[j, m] == pytest.approx(numeric, rel=1e-6)
    bp = b.copy()
    bp[1] += h
    bm = b.copy()
    bm[1] -= h
    numeric = (mn.full_pass(X, Y, W, bp).loss - mn.full_pass(X, Y, W, bm).loss) / (2 * h)
    assert p.grad_b[1] == pytest.approx(numeric, rel=1e-6)


def test_multinomial_gradient_matches_a_hand_written_loop():
    X, y = _three_classes(25)
    rng = np.random.default_rng(2)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    gW, gb, loss = np.zeros_like(W), np.zeros_like(b), 0.0
    for x, label in zip(X, y, strict=True):
        z = W @ x + b
        a = np.exp(z) / np.exp(z).sum()
        onehot = np.eye(3)[label]
        loss -= np.log(a[label])
        gW += np.outer(a - onehot, x)
        gb += a - onehot
    p = mn.full_pass(X, mn.one_hot(y, 3, X.dtype), W, b)
    np.testing.assert_allclose(p.grad_w, gW, rtol=1e-12)
    np.testing.assert_allclose(p.grad_b, gb, rtol=1e-12)
    assert p.loss == pytest.approx(loss, rel=1e-12)


def test_block_hessian_matches_finite_differences_of_the_gradient():
    X, y = _three_classes(30, d=2)
    Y = mn.one_hot(y, 3, X.dtype)
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=3)
    H = mn.full_pass(X, Y, W, b, hessian=True).hessian

    def grad(theta):
        P = theta.reshape(3, 3)
        p = mn.full_pass(X, Y, P[:, :2], P[:, 2])
        return np.column_stack([p.grad_w, p.grad_b]).ravel()

    theta = np.column_stack([W, b]).ravel()
    h = 1e-6
    numeric = np.column_stack([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h)
                               for e in np.eye(theta.size)])
    np.testing.assert_allclose(H, numeric, atol=1e-6)


def test_newton_matches_scikit_learn_multinomial():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = _three_classes()
    lam = 0.01
    ours = LogisticRegression(solver="newton", l2=lam, tol=1e-10).fit(X, y)
    ref = sk.LogisticRegression(C=1 / (len(y) * lam), tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert ours.coef_.shape == (3, 4) and ours.intercept_.shape == (3,)


@pytest.mark.parametrize("batch_size", [None, 16, 1])
def test_gradient_descent_fits_three_classes(batch_size):
    X, y = _three_classes()
    model = LogisticRegression(eta=0.05 if batch_size else 0.5, batch_size=batch_size,
                               max_iter=200, tol=None, random_state=0).fit(X, y)
    assert model.score(X, y) > 0.75
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    assert model.loss_curve_[-1] < model.loss_curve_[0]


def test_string_labels_and_partial_fit_with_classes():
    X, y = _three_classes()
    names = np.array(["cat", "dog", "eel"])[y]
    model = LogisticRegression(eta=0.5)
    for _ in range(30):
        model.partial_fit(X, names, classes=["eel", "cat", "dog"])
    assert model.classes_.tolist() == ["cat", "dog", "eel"]
    assert len(model.loss_curve_) == 30 and model.score(X, names) > 0.75


def test_two_class_softmax_equals_the_sigmoid_path():
    X, y = _three_classes()
    y2 = (y == 0).astype(int)
    model = LogisticRegression(eta=0.5, max_iter=50, tol=None).fit(X, y2)
    z = model.decision_function(X)
    A, _ = kernels.softmax(np.column_stack([np.zeros_like(z), z]))  # K = 2 with z_0 = 0
    np.testing.assert_allclose(model.predict_proba(X), A, rtol=1e-12)
    assert model.coef_.shape == (1, 4)


def test_softmax_kernel_never_overflows():
    A, logA = kernels.softmax(np.array([[1000.0, 0.0, -1000.0], [-800.0, -800.0, -800.0]]))
    assert np.isfinite(A).all() and np.isfinite(logA).all()
    np.testing.assert_allclose(A.sum(axis=1), 1.0)


# ------------------------------------------- regressions from a cold review --
R = S.CLASSES
v, w = (sp.Symbol(n, integer=True, positive=True) for n in "vw")


def _rejected(d: Derivation) -> None:
    with pytest.raises(StepError):
        d.verify()


def test_case_k_equals_j_does_not_rename_a_sums_own_index():
    d = Derivation("capture", conditions={S.j: R, S.k: R})
    d.given(S.Y[S.k] - sp.Sum(sp.KroneckerDelta(S.k, S.j) * S.Y[S.k], (S.k, 1, S.K)), "0")
    d.case(S.Y[S.k] - sp.Sum(S.Y[S.k], (S.k, 1, S.K)), "false", sp.Eq(S.k, S.j))
    _rejected(d)


def test_definition_with_a_repeated_index_is_refused():
    with pytest.raises(TypeError, match="repeated index"):
        Derivation("diagonal", where=[(S.A[S.k, S.k], S.Z[S.k])])


def test_definitions_listed_after_their_use_are_refused():
    with pytest.raises(TypeError, match="before"):
        Derivation("order", where=[(S.Z[S.k], S.NET_INPUT), (S.A[S.k], S.softmax_of(S.k))])


def test_a_definitions_free_index_is_not_captured_by_a_sum():
    d = Derivation("capture", where=[(S.A[S.k], S.Z[S.k] + S.Y[S.j])], conditions={S.j: R})
    d.given(sp.Sum(S.A[S.j], (S.j, 1, S.K)), "sum")
    d.equal(sp.Sum(S.Z[S.c], (S.c, 1, S.K)) + sp.Sum(S.Y[S.c], (S.c, 1, S.K)), "captured")
    _rejected(d)


def test_an_inner_sum_using_the_outer_index_is_not_a_constant():
    inner = sp.Sum(sp.exp(v * S.Z[w]), (w, 1, S.K))
    d = Derivation("nested")
    d.given(sp.Sum(inner * (-1) ** v, (v, 1, 2 * S.K)), "alternating")
    d.equal(sp.S.Zero, "false for K = 1")
    _rejected(d)


def test_reversed_sum_range_is_left_to_sympy():
    total = sp.Sum(sp.Piecewise((S.X[v], v <= S.K), (0, True)), (v, S.K + 2, S.K))
    d = Derivation("reversed")
    d.given(S.Y[1] + total, "y_1")
    d.equal(S.Y[1] - S.X[S.K + 1], "false")
    _rejected(d)


def test_a_range_sympy_cannot_compare_is_a_clear_error():
    with pytest.raises(TypeError, match="not within"):
        Derivation("range", conditions={S.j: sp.Range(1, S.K)})


def test_multinomial_blow_up_raises_divergence_error_naming_eta():
    X, y = _three_classes()
    with pytest.raises(logreg.DivergenceError, match=r"eta=10000.*smaller eta") as info:
        LogisticRegression(eta=1e4, reduction="sum", max_iter=20).fit(X * 10, y)
    assert len(info.value.loss_curve) >= 1


def test_multinomial_newton_overflow_is_a_clear_error():
    X, y = _three_classes(60)
    with pytest.raises(ValueError, match="too large"):
        LogisticRegression(solver="newton").fit(X * 1e200, y)


def test_multinomial_float32_stays_float32():
    X, y = _three_classes()
    for solver in ("gd", "newton"):
        model = LogisticRegression(solver=solver, l2=0.01, max_iter=100, tol=None).fit(
            X.astype(np.float32), y)
        assert model.coef_.dtype == np.float32 and model.score(X, y) > 0.75


def test_multinomial_verbose_prints_one_line_per_epoch(capsys):
    X, y = _three_classes(60)
    LogisticRegression(eta=0.5, max_iter=3, tol=None, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("Epoch: 001 | Train ACC: ")


# --------------------------------- regressions from a cold review of the trainer --
@pytest.mark.parametrize(("scale", "shift"), [(1.0, 0.0), (1.0, 1e4), (1e8, 0.0)])
def test_newton_converges_on_badly_scaled_features(scale, shift):
    X, y = logreg.three_blobs(50)
    best = LogisticRegression(solver="newton").fit(X, y).loss_curve_[-1]
    model = LogisticRegression(solver="newton").fit(X * scale + shift, y)
    assert model.loss_curve_[-1] == pytest.approx(best, rel=1e-3)


def test_newton_intercepts_sum_to_zero_like_scikit_learn():
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = logreg.three_blobs(50)
    ours = LogisticRegression(solver="newton", l2=0.01).fit(X, y)
    ref = sk.LogisticRegression(C=1 / (len(y) * 0.01), tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    free = LogisticRegression(solver="newton", tol=1e-10).fit(X, y)  # l2 = 0: weights too
    np.testing.assert_allclose(free.coef_.sum(axis=0), 0.0, atol=1e-9)


def test_multinomial_partial_fit_that_blows_up_says_so_and_keeps_its_state():
    X, y = logreg.three_blobs(50)
    model = LogisticRegression(eta=1e4, reduction="sum")
    with pytest.raises(logreg.DivergenceError, match=r"chunk's loss reached .*eta=10000"):
        for _ in range(12):
            before = (model.coef_.copy(), model.n_iter_) if hasattr(model, "coef_") else None
            model.partial_fit(X * 10, y, classes=[0, 1, 2])
    np.testing.assert_array_equal(model.coef_, before[0])
    assert model.n_iter_ == before[1] == len(model.loss_curve_)


@pytest.mark.parametrize(("classes", "message"), [
    ([0, 1, 2, None], "missing values"), ([0, 1, 2, 2.5], "continuous"),
    ([[0, 1], [2, 3]], "1-D list"), ([0, 1, 2, "a"], "Mix of label input types")])
def test_bad_classes_are_a_clear_error_and_leave_no_state(classes, message):
    X, y = logreg.three_blobs(20)
    model = LogisticRegression()
    with pytest.raises(ValueError, match=message):
        model.partial_fit(X, y, classes=classes)
    assert not hasattr(model, "coef_")


def test_overflowing_net_input_is_a_clear_error_not_nan():
    X, y = logreg.three_blobs(20)
    model = LogisticRegression(solver="newton", l2=0.01).fit(X, y)
    with pytest.raises(ValueError, match="overflowed"):
        model.predict_proba([[1.7e308, 0.0]])


def test_newton_refuses_a_hessian_too_large_to_build():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 100)), np.arange(200) % 50
    with pytest.raises(ValueError, match="solver='gd'"):
        LogisticRegression(solver="newton").fit(X, y)
