"""The derivation engine and the lecture's derivations."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from matplotlib.mathtext import MathTextParser

import derivations as dv
from derivations.lecture.symbols import NLL, SIGMOID, a, b, eta, mul, sigma, w_j, x_j, y, z

ALL = [*(s.derivation for s in dv.LECTURE), dv.adaline_gradient, dv.sigmoid_mse_gradient,
       dv.composed_gradient_symbolic]


@pytest.mark.parametrize("build", ALL, ids=lambda f: f.__name__)
def test_every_derivation_verifies(build):
    d = build()
    assert d.verify() is d and d.verified
    assert len(d.steps) >= 2


# ---------------------------------------------------------- wrong steps --
def _toy() -> dv.Derivation:
    d = dv.Derivation("Toy", functions={sigma: SIGMOID})
    d.given(sp.Derivative(sigma(z), z), "differentiate")
    return d


def test_wrong_step_is_rejected():
    d = _toy()
    d.equal(mul(sigma(z), 1 + sigma(z)), "a plausible slip")
    with pytest.raises(dv.StepError) as err:
        d.verify()
    msg = str(err.value)
    assert "step 2" in msg and "a plausible slip" in msg and "'Toy'" in msg
    from derivations.engine import tex
    assert f"before: {tex(d.steps[0].expr)}" in msg
    assert f"step:   {tex(d.steps[1].expr)}" in msg
    assert not d.verified


def test_correct_step_after_a_wrong_one_does_not_hide_it():
    d = _toy()
    d.equal(sigma(z) ** 2, "wrong")
    d.equal(mul(sigma(z), 1 - sigma(z)), "right, but cites the wrong step", of=d.steps[0])
    with pytest.raises(dv.StepError, match="step 2"):
        d.verify()


def test_wrong_substitution_is_rejected():
    d = dv.Derivation("Sub", conditions={a: sp.Interval.open(0, 1)})
    d.given(-(y * sp.log(a) + (1 - y) * sp.log(1 - a)), "loss")
    d.substitute(-sp.log(1 - a), "substitute y = 1", {y: 1})
    with pytest.raises(dv.StepError, match=r"does not simplify.*counterexample at a = 2/3"):
        d.verify()


def test_wrong_limit_is_rejected():
    d = dv.Derivation("Lim")
    d.given(-sp.log(a), "loss for y = 1")
    d.limit(sp.S.Zero, "wrong tail", a, 0, "+")
    with pytest.raises(dv.StepError, match="limit is"):
        d.verify()


def test_non_equivalent_statement_is_rejected():
    d = dv.Derivation("Iff", functions={sigma: SIGMOID})
    d.given(sigma(z) > sp.S.Half, "predict 1")
    d.iff(z > 1, "off by one", z)
    with pytest.raises(dv.StepError, match="solution sets differ"):
        d.verify()


def test_cases_that_do_not_cover_the_domain_are_rejected():
    d = dv.Derivation("Cases")
    d.given(sp.Abs(z), "start")
    d.by_cases(z, "forgot z < 0", z, [z > 0])
    with pytest.raises(dv.StepError, match="cover"):
        d.verify()


def test_false_case_split_is_rejected():
    d = dv.Derivation("Cases")
    d.given(sp.Abs(z), "start")
    d.by_cases(sp.Max(z, 0), "wrong for z < 0", z, [z > 0, z <= 0])
    with pytest.raises(dv.StepError, match="not equal in the case"):
        d.verify()


def test_update_rule_must_use_the_proven_gradient():
    d = dv.Derivation("SGD", where=dv.sgd_rule().where, functions=dv.sgd_rule().functions)
    d.update(w_j, w_j + mul(eta, a - y, x_j), "ascent by mistake", dv.logistic_gradient(),
             eta, "weight")
    with pytest.raises(dv.StepError, match="does not simplify"):
        d.verify()


def test_from_must_match_the_earlier_result():
    d = dv.Derivation("From")
    d.from_(y - a, "sign flipped", dv.logistic_gradient(), "delta")
    with pytest.raises(dv.StepError, match="does not simplify"):
        d.verify()


def test_first_step_must_be_a_premise():
    d = dv.Derivation("Empty")
    with pytest.raises(dv.StepError, match="first step"):
        d.equal(z, "no premise")


def test_citing_a_later_step_is_rejected():
    d = _toy()
    step = d.equal(mul(sigma(z), 1 - sigma(z)), "ok")
    d.equal(mul(sigma(z), 1 - sigma(z)), "ok")
    object.__setattr__(d.steps[1].relation, "of", d.steps[2])  # only possible by force
    with pytest.raises(dv.StepError, match="not before it"):
        d.verify()
    assert step is d.steps[1]


# ------------------------------------------------------------- results --
def test_logistic_and_adaline_share_the_delta():
    logistic = dv.logistic_gradient().result("delta")
    adaline = dv.adaline_gradient().result("delta")
    assert logistic == adaline == a - y
    assert dv.logistic_gradient().result("weight").doit() == (a - y) * x_j
    assert dv.adaline_gradient().result("weight").doit() == (a - y) * x_j
    assert dv.logistic_gradient().result("bias") == a - y


def test_sigmoid_with_mse_keeps_the_vanishing_factor():
    delta = dv.sigmoid_mse_gradient().result("delta").doit()
    assert sp.simplify(delta - (a - y) * a * (1 - a)) == 0
    assert delta.subs({a: 1, y: 0}) == 0  # confidently wrong, yet no gradient


def test_sigmoid_slope_peaks_at_one_quarter_at_zero():
    d = dv.sigmoid_derivative()
    assert d.result("slope").doit() == sigma(z) * (1 - sigma(z))
    assert d.result("stationary") == sp.Eq(z, 0)
    assert d.result("peak") == sp.Rational(1, 4)
    assert d.statement("peak")[0] == sp.Subs(sp.Derivative(sigma(z), z), z, 0)


def test_threshold_is_z_greater_than_zero():
    assert dv.threshold().result() == (z > 0)


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_composed_gradient_agrees_with_the_chain_rule(m):
    for j in range(1, m + 1):
        d = dv.composed_gradient(m, j).verify()
        xs = sp.symbols(f"x_1:{m + 1}", real=True)
        assert d.result().doit() == (a - y) * xs[j - 1]
    assert dv.logistic_gradient().result("weight").doit() == (a - y) * x_j


def test_composed_gradient_for_symbolic_m_is_proven_and_checks_something():
    d = dv.composed_gradient_symbolic().verify()
    assert d.result().doit().has(a) and "m" in {str(s) for s in d.steps[0].expr.free_symbols}
    wrong = dv.Derivation("wrong", where=d.where)
    wrong.add(d.steps[0].expr, "the composed loss", dv.Given())
    wrong.equal(mul(y - a, d.result().args[1].args[0]), "sign flipped")
    with pytest.raises(dv.StepError):
        wrong.verify()


def test_composed_gradient_rejects_a_bad_feature_index():
    with pytest.raises(ValueError, match="feature index"):
        dv.composed_gradient(2, 3)


# ---------------------------------------- numeric cross-checks (no SymPy d/dx) --
def _central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_sigmoid_derivative_matches_finite_differences(rng):
    zs = rng.uniform(-8, 8, 50)
    slope = sp.lambdify(z, dv.sigmoid_derivative().result("slope").doit().subs(
        sigma(z), SIGMOID(z)))
    sig = sp.lambdify(z, SIGMOID(z))
    np.testing.assert_allclose(slope(zs), _central(sig, zs), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize(("build", "act", "loss"), [
    (dv.logistic_gradient, lambda t: 1 / (1 + np.exp(-t)),
     lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p))),
    (dv.adaline_gradient, lambda t: t, lambda p, t: 0.5 * (p - t) ** 2),
    (dv.sigmoid_mse_gradient, lambda t: 1 / (1 + np.exp(-t)), lambda p, t: 0.5 * (p - t) ** 2),
], ids=["logistic", "adaline", "sigmoid-mse"])
def test_gradients_match_finite_differences(build, act, loss, rng):
    d = build().verify()
    grad_w = sp.lambdify((a, y, x_j), d.result("weight").doit())
    grad_b = sp.lambdify((a, y), d.result("bias").doit())
    for _ in range(20):
        x, w, bias, other = rng.normal(size=4)
        label = float(rng.integers(0, 2))
        fw = lambda v: loss(act(v * x + bias + other), label)  # noqa: E731, B023
        fb = lambda v: loss(act(w * x + v + other), label)  # noqa: E731, B023
        p = act(w * x + bias + other)
        assert grad_w(p, label, x) == pytest.approx(_central(fw, w), rel=1e-6, abs=1e-9)
        assert grad_b(p, label) == pytest.approx(_central(fb, bias), rel=1e-6, abs=1e-9)


def test_curvature_matches_finite_differences_of_the_delta(rng):
    curv = sp.lambdify(a, dv.curvature().result("net-input").doit())
    for zz in rng.uniform(-6, 6, 20):
        label = float(rng.integers(0, 2))
        delta = lambda v: 1 / (1 + np.exp(-v)) - label  # noqa: E731, B023
        assert curv(1 / (1 + np.exp(-zz))) == pytest.approx(_central(delta, zz), rel=1e-6)


def test_stable_forms_agree_with_the_lecture_forms(rng):
    zs = rng.uniform(-12, 12, 200)  # the lecture form itself cancels beyond this
    ys = rng.integers(0, 2, 200).astype(float)
    sig = sp.lambdify(z, dv.stable_sigmoid().result())
    loss = sp.lambdify((z, y), dv.stable_loss().result("loss").doit())
    delta = sp.lambdify((z, y), dv.stable_delta().result().doit())
    curv = sp.lambdify(z, dv.stable_curvature().result())
    p = 1 / (1 + np.exp(-zs))
    np.testing.assert_allclose(sig(zs), p, rtol=1e-12)
    lecture = sp.lambdify((z, y), NLL(SIGMOID(z), y))
    np.testing.assert_allclose(loss(zs, ys), lecture(zs, ys), rtol=1e-8)
    np.testing.assert_allclose(delta(zs, ys), p - ys, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(curv(zs), p * (1 - p), rtol=1e-9, atol=1e-300)


def test_l2_penalty_gradient_matches_finite_differences():
    lam = sp.Symbol("lambda", nonnegative=True)
    g = dv.l2_penalty().result("gradient")
    assert g == lam * w_j
    r = lambda v: 0.3 / 2 * (v**2 + 4.0)  # noqa: E731
    assert float(g.subs({lam: 0.3, w_j: 1.7})) == pytest.approx(_central(r, 1.7))


def test_sgd_rule_subtracts_eta_times_the_gradient():
    d = dv.sgd_rule()
    assert (d.result("weight") - (w_j - eta * (a - y) * x_j)).doit() == 0
    assert (d.result("bias") - (b - eta * (a - y))).doit() == 0
    assert d.chain("weight")[0].label == w_j


# ------------------------------------------------------------- rendering --
@pytest.mark.parametrize("build", ALL, ids=lambda f: f.__name__)
def test_every_step_parses_as_mathtext(build):
    parser = MathTextParser("path")
    for math, why in build().lines():
        parser.parse(f"${math}$")
        parser.parse(why)  # justifications mix text and $math$
        assert r"\begin{cases}" not in math and r"\iff" not in math and r"\tfrac" not in math


@pytest.mark.parametrize("build", ALL, ids=lambda f: f.__name__)
def test_markdown_and_latex_contain_every_step(build):
    d = build()
    md, tex = d.markdown(), d.latex()
    assert md.startswith(f"## {d.title}") and md.count("$$") == 2 * len(d.chains())
    assert tex.count(r"\begin{align*}") == len(d.chains())
    from derivations.engine import note_text, step_line
    from derivations.engine import tex as to_tex
    for step in d.steps:
        body = to_tex(step.expr)
        assert body in md and body in tex
        assert step_line(step).endswith(body)
        for part in note_text(d, step).split("$")[1::2]:  # every condition's math is printed
            assert part in md and part in tex
    assert d._repr_latex_() == tex and d._repr_markdown_() == md


def test_notation_is_the_lecture_s():
    tex = dv.logistic_gradient().latex() + dv.sigmoid_derivative().latex()
    assert r"\frac{\partial L}{\partial w_{j}}" in tex
    assert r"\sigma(z)" in tex and r"\sigma'(z)" in tex
    assert r"\sigma{\left(z \right)}" not in tex


def test_error_names_the_right_step_when_two_steps_repeat():
    d = _toy()
    d.equal(mul(sigma(z), 1 - sigma(z)), "right")
    d.equal(mul(sigma(z), 1 - sigma(z)), "the same again")
    d.equal(sigma(z), "wrong")
    with pytest.raises(dv.StepError, match=r"step 4 \(wrong\) does not follow from step 3"):
        d.verify()
