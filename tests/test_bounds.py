"""Order steps (<, <=, >, >=), the bounds proven with them, and citing a proven bound.

A chain of ``=`` and order steps in one direction proves one inequality
(``Derivation.inequality``); ``bound(..., source=, result=, var=)`` uses a proven
bound on a pattern (0 < σ'(z) <= 1/4) wherever it occurs, each occurrence standing
for any value in that range. Every false step below must be a StepError.
"""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.engine import Derivation, StepError, note_text, signs
from derivations.lecture import LECTURE
from derivations.lecture.stepsize import (
    G,
    L_s,
    descent_lemma,
    eta_,
    sigmoid_bound,
    smoothness,
    softmax_smoothness,
)
from derivations.lecture.symbols import SIGMOID, a, lam, sigma, w_j, z
from derivations.lecture.vanishing import sigmoid_tails, vanishing_gradient, w_l

QUARTER = sp.Rational(1, 4)
SLOPE = sp.Derivative(sigma(z), z)
i = sp.Symbol("i", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
Z = sp.IndexedBase("z", real=True)
u = sp.IndexedBase("u", real=True)
t = sp.Symbol("t", real=True)


def one_step(start, end, sign, *, cite=("positive", "at-most"), functions=None,
             conditions=None, where=()):
    """A derivation of one order step from ``start`` to ``end``, citing σ' bounds."""
    d = Derivation("attack", functions={sigma: SIGMOID} if functions is None else functions,
                   conditions=conditions, where=where)
    d.given(start, "start")
    if cite:
        d.bound(end, "by the bound", sign, source=sigmoid_bound(), result=cite, var=z)
    else:
        d.bound(end, "by algebra", sign)
    return d


# ---------------------------------------------------------------- the lecture's bounds --
def test_the_sigmoid_slope_is_positive_and_at_most_a_quarter():
    d = sigmoid_bound().verify()
    assert d.inequality("positive") == (SLOPE, ">", 0)
    assert d.inequality("at-most") == (SLOPE, r"\leq", QUARTER)


def test_the_smoothness_constants_are_a_quarter_and_a_half_of_g_plus_lambda():
    assert smoothness().result("constant") == G / 4 + lam
    assert softmax_smoothness().result("constant") == G / 2 + lam


def test_the_descent_lemma_allows_steps_up_to_two_over_l_and_prefers_one_over_l():
    d = descent_lemma().verify()
    assert d.inequality("range")[1:] == (r"\leq", sp.Symbol("J", real=True))
    assert d.result("step") == sp.Eq(eta_, 1 / L_s)
    assert d.conditions[eta_] == sp.Interval.Lopen(0, 2 / L_s)


def test_the_tails_bound_is_shown_with_its_exact_number_and_condition():
    d = sigmoid_tails().verify()
    assert d.inequality() == (SLOPE, "<", sp.Rational(7, 1000))
    notes = [note_text(d, s) for s in d.steps]
    assert any(r"\left[5, \infty\right)" in note for note in notes)
    assert any(r"e^{-5}" in note for note in notes)


def test_each_sigmoid_layer_shrinks_the_gradient_by_at_most_w_over_4():
    d = vanishing_gradient().verify()
    assert d.inequality("layer-bound")[1:] == (r"\leq", sp.Abs(w_l) / 4)
    assert d.inequality("unit-weight")[1:] == (r"\leq", QUARTER)
    _, sign, right = d.inequality("depth-3-bound")
    assert right.has(sp.Rational(1, 64)) and sign == r"\leq"


def test_the_new_sections_are_in_the_lecture_with_key_results():
    names = [s.name for s in LECTURE.sections]
    for name in ("sigmoid-bound", "smoothness", "descent-lemma", "softmax-smoothness",
                 "vanishing-gradient", "sigmoid-tails"):
        assert name in names
    keys = {(d.name, k) for d, k in LECTURE.key_results()}
    assert ("sigmoid-bound", "at-most") in keys
    assert ("vanishing-gradient", "layer-bound") in keys


def test_a_bound_is_printed_with_its_sign_and_what_it_cites():
    d = smoothness().verify()
    step = d.chain("hessian")[1]
    assert d.latex().count(r"\leq") >= 2
    note = note_text(d, step)
    assert r"\sigma'(z) \leq \frac{1}{4}" in note and "proven in" in note


# ------------------------------------------------------------------- order steps --
@pytest.mark.parametrize(("start", "end", "sign"), [
    (a * (1 - a), QUARTER, "<"),             # equality at a = 1/2: not strict
    (a * (1 - a), sp.Rational(1, 5), "<="),  # too small
    (a**2, 0, "<="),                         # wrong direction
    (sp.exp(t), 1, ">="),                    # false for t < 0
    (t**2 - 1, -1, ">"),                     # equal at t = 0
])
def test_a_false_order_step_is_rejected(start, end, sign):
    with pytest.raises(StepError, match="cannot show"):
        one_step(start, end, sign, cite=()).verify()


@pytest.mark.parametrize(("start", "end", "sign"), [
    (a * (1 - a), QUARTER, "<="),
    (a**2 + 1, 0, ">"),
    (sp.exp(t), 0, ">"),
])
def test_a_true_order_step_verifies(start, end, sign):
    one_step(start, end, sign, cite=()).verify()


def test_an_order_step_holds_for_every_value_of_the_declared_set():
    p = sp.Symbol("p", real=True)
    ok = one_step(sp.exp(-p), sp.exp(-5), "<=", cite=(),
                  conditions={p: sp.Interval(5, sp.oo)})
    ok.verify()
    wrong = one_step(sp.exp(-p), sp.exp(-5), "<=", cite=(),
                     conditions={p: sp.Interval(4, sp.oo)})
    with pytest.raises(StepError):
        wrong.verify()


def test_a_bound_chain_is_not_an_identity_to_cite():
    src = sigmoid_bound()
    with pytest.raises(StepError, match="inequality"):
        src.statement("at-most")
    d = Derivation("cite", functions={sigma: SIGMOID})
    with pytest.raises(StepError, match="inequality"):
        d.from_(QUARTER, "cited as if equal", src, "at-most")


def test_a_chain_up_and_down_proves_no_inequality():
    d = Derivation("zigzag")
    d.given(t**2, "start", name="zigzag")
    d.bound(t**2 + 1, "up", "<")
    d.bound(t**2, "down", ">")
    d.verify()
    with pytest.raises(StepError, match="both"):
        d.inequality("zigzag")


def test_a_bound_step_takes_no_free_text_sign():
    d = Derivation("sign")
    d.given(t, "start")
    with pytest.raises(TypeError, match="sign"):
        d.bound(t + 1, "up", "=<")
    with pytest.raises(TypeError, match="var"):
        d.bound(t + 1, "up", "<", source=sigmoid_bound(), result="at-most")


# ------------------------------------------------------------------ citing a bound --
@pytest.mark.parametrize(("start", "end", "sign", "cite"), [
    (SLOPE, sp.Rational(1, 5), "<=", ("at-most",)),           # a tighter bound than proven
    (SLOPE, QUARTER, "<", ("positive", "at-most")),           # 1/4 is reached at z = 0
    (-SLOPE, -QUARTER, "<=", ("at-most",)),                   # the bound turned around
    (SLOPE, 0, ">", ("at-most",)),                            # the lower bound not cited
    (SLOPE * w_j, w_j / 4, "<=", ("positive", "at-most")),    # w_j may be negative
    (SLOPE - sp.Derivative(sigma(w_j), w_j), 0, "<=", ("positive", "at-most")),  # two args
])
def test_a_false_bound_from_a_citation_is_rejected(start, end, sign, cite):
    with pytest.raises(StepError):
        one_step(start, end, sign, cite=cite).verify()


def test_a_cited_bound_stands_for_a_different_value_at_each_index_of_a_sum():
    # sum_i (-1)^i sigma'(z_i) <= 0 would follow if every sigma'(z_i) were one value
    alternating = sp.Sum((-1) ** i * sp.Derivative(sigma(Z[i]), Z[i]), (i, 1, 2))
    with pytest.raises(StepError):
        one_step(alternating, 0, "<=").verify()
    termwise = sp.Sum(sp.Derivative(sigma(Z[i]), Z[i]) * u[i] ** 2, (i, 1, n))
    one_step(termwise, sp.Sum(u[i] ** 2 / 4, (i, 1, n)), "<=").verify()


def test_a_citation_needs_the_function_defined_as_in_its_source():
    other = {sigma: sp.Lambda(z, 2 / (1 + sp.exp(-z)))}
    with pytest.raises(StepError, match="functions"):
        one_step(SLOPE, QUARTER, "<=", functions=other).verify()
    with pytest.raises(StepError, match="functions"):
        one_step(SLOPE, QUARTER, "<=", functions={}).verify()


def test_a_cited_bound_is_about_values_not_derivatives():
    f = sp.Function("f", real=True)
    start = sp.Derivative(SLOPE * f(z), z)
    with pytest.raises(StepError):
        one_step(start, 0, "<=").verify()


def test_a_true_bound_from_a_citation_verifies_and_shows_it():
    d = one_step(3 * SLOPE, sp.Rational(3, 4), "<=")
    d.verify()
    note = note_text(d, d.steps[1])
    assert r"\sigma'(z) > 0" in note and r"\sigma'(z) \leq \frac{1}{4}" in note


def test_a_cited_bound_must_be_one_quantitys():
    d = Derivation("two", functions={sigma: SIGMOID})
    d.given(SLOPE, "start")
    d.bound(1, "two sources", "<=", source=vanishing_gradient(),
            result=("layer-bound", "unit-weight"), var=w_l)
    with pytest.raises(StepError, match="one quantity"):
        d.verify()


# ------------------------------------------------------------- the exact helpers --
def test_a_positive_exponent_is_reparametrised_exactly():
    p = sp.Symbol("p", positive=True)
    assert signs.has_sign(sp.exp(-5) - sp.exp(-5 - p), "nonnegative")
    assert not signs.has_sign(sp.exp(-5) - sp.exp(-5 + p), "nonnegative")
    assert not signs.has_sign(sp.exp(p) - p - 2, "nonnegative")  # p also outside exp


def test_an_absolute_value_is_split_where_its_argument_changes_sign():
    p = sp.Symbol("p", positive=True)
    r = sp.Symbol("r", nonnegative=True)
    assert signs.has_sign(QUARTER - sp.Abs((p - 1) / (p + 1)) / (4 * (1 + r)), "nonnegative")
    assert not signs.has_sign(sp.Rational(1, 5) - sp.Abs((p - 1) / (p + 1)) / 4,
                              "nonnegative")


def test_a_product_is_peeled_only_where_its_range_is_not_reversed():
    layer = sp.Symbol("l", integer=True)
    depth = sp.Symbol("D", integer=True, positive=True)
    any_int = sp.Symbol("k", integer=True)
    w = sp.IndexedBase("w", real=True)
    assert signs.zero(sp.Product(w[layer], (layer, 1, depth + 1))
                      - w[depth + 1] * sp.Product(w[layer], (layer, 1, depth)))
    assert not signs.zero(sp.Product(w[layer], (layer, 1, any_int + 1))
                          - w[any_int + 1] * sp.Product(w[layer], (layer, 1, any_int)))
