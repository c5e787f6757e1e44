"""The vanishing gradient: each sigmoid layer multiplies the gradient by w σ'(z), |w σ'| <= |w|/4.

In a stack of sigmoid layers a_l = σ(w_l a_{l-1} + b_l) the chain rule multiplies one
factor w_l σ'(z_l) per layer. Since 0 < σ' <= 1/4
(:func:`derivations.lecture.stepsize.sigmoid_bound`) each factor is at most |w_l|/4, so
through D layers (D, not L: L is the loss) the gradient is at most Π_l |w_l| / 4^D:
4^{-D} when every |w_l| <= 1. In the tails, |z| >= 5, σ' is below 0.007, and the
gradient all but vanishes.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.engine import Derivation
from derivations.lecture.sigmoid import sigmoid_derivative
from derivations.lecture.stepsize import sigmoid_bound
from derivations.lecture.symbols import SIGMOID, mul, sigma, z


def _layer(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


# one layer l: a_l = sigma(z_l), z_l = w_l a_{l-1} + b_l
a_prev, a_l, z_l, w_l, b_l = map(_layer, ("a_{l-1}", "a_l", "z_l", "w_l", "b_l"))
# three layers 1, 2, 3 on the input a_0
a0, a1, a2, a3 = map(_layer, ("a_0", "a_1", "a_2", "a_3"))
z1, z2, z3 = map(_layer, ("z_1", "z_2", "z_3"))
w1, w2, w3 = map(_layer, ("w_1", "w_2", "w_3"))
b1, b2, b3 = map(_layer, ("b_1", "b_2", "b_3"))
# from D layers to D + 1: a_D is some function f_D of the input a_0
a_D, a_next, z_next, w_next, b_next = map(  # noqa: N816
    _layer, ("a_D", "a_{D+1}", "z_{D+1}", "w_{D+1}", "b_{D+1}"))
f_D = sp.Function("f_D", real=True)  # noqa: N816
#: a layer's weight when |w| <= 1
v = _layer("v")
#: depth D and layer l, for the bound through any number of layers
D = sp.Symbol("D", integer=True, positive=True)
layer = sp.Symbol("l", integer=True, positive=True)
W = sp.IndexedBase("w", real=True)
# layer l's weight and layer D + 1's are the w_l and w_{D+1} of the product over layers:
# one object each, since a reader cannot tell two that print alike apart
w_l, w_next = W[layer], W[D + 1]
#: the tails, |z| >= 5
TAILS = sp.Union(sp.Interval(-sp.oo, -5), sp.Interval(5, sp.oo))
FIVE_SLOPE = sp.Rational(7, 1000)


def slope(arg: sp.Symbol) -> sp.Derivative:
    """σ'(arg), as the lecture writes it."""
    return sp.Derivative(sigma(arg), arg)


@cache
def vanishing_gradient() -> Derivation:
    r"""Each sigmoid layer multiplies the gradient by w_l σ'(z_l), at most |w_l|/4.

    >>> vanishing_gradient().result("layer")
    w[l]*Derivative(sigma(z_l), z_l)
    """
    d = Derivation(
        "The vanishing gradient", name="vanishing-gradient",
        where=[(a_l, sigma(z_l)), (z_l, w_l * a_prev + b_l),
               (a3, sigma(z3)), (z3, w3 * a2 + b3), (a2, sigma(z2)), (z2, w2 * a1 + b2),
               (a1, sigma(z1)), (z1, w1 * a0 + b1),
               (a_next, sigma(z_next)), (z_next, w_next * a_D + b_next), (a_D, f_D(a0))],
        functions={sigma: SIGMOID}, conditions={v: sp.Interval(-1, 1)}, intro=(
            r"In a network of sigmoid layers $a_l = \sigma(w_l a_{l-1} + b_l)$ the chain "
            r"rule multiplies one factor $w_l \sigma'(z_l)$ per layer. Since $\sigma' \leq "
            r"1/4$, each factor is at most $|w_l|/4$: through $D$ layers the gradient "
            r"shrinks like $4^{-D}$, and in the tails, where $\sigma'$ is nearly 0, "
            r"faster still. This is why deep networks moved to other activations."))
    # one layer
    d.given(sp.Derivative(a_l, a_prev), "how one layer passes the gradient back",
            name="layer")
    d.equal(mul(w_l, slope(z_l)), r"chain rule: $z_l$ is linear in $a_{l-1}$")
    d.given(sp.Abs(mul(w_l, slope(z_l))), "the size of that factor", name="layer-bound")
    d.bound(sp.Abs(w_l) / 4, r"$0 < \sigma' \leq 1/4$", "<=", source=sigmoid_bound(),
            result=("positive", "at-most"), var=z)
    d.given(sp.Abs(mul(v, slope(z_l))), r"a layer with $|w| \leq 1$", name="unit-weight")
    d.bound(sp.Rational(1, 4), r"$0 < \sigma' \leq 1/4$", "<=", source=sigmoid_bound(),
            result=("positive", "at-most"), var=z)
    # three layers
    d.given(sp.Derivative(a3, a0), "three layers", name="depth-3")
    d.equal(mul(sp.Derivative(a3, a2), sp.Derivative(a2, a1), sp.Derivative(a1, a0)),
            "chain rule through each layer")
    d.equal(mul(w3, slope(z3), w2, slope(z2), w1, slope(z1)), "one factor per layer")
    d.given(sp.Abs(mul(w3, slope(z3), w2, slope(z2), w1, slope(z1))),
            "the size of the gradient through three layers", name="depth-3-bound")
    d.bound(sp.Abs(w1 * w2 * w3) / 4**3, r"each $\sigma'$ is at most $1/4$", "<=",
            source=sigmoid_bound(), result=("positive", "at-most"), var=z)
    # from D layers to D + 1 (the induction step: every D follows from one layer)
    d.given(sp.Derivative(a_next, a0), r"one more layer on $D$ layers", name="step")
    d.equal(mul(sp.Derivative(a_next, a_D), sp.Derivative(a_D, a0)), "chain rule")
    d.equal(mul(w_next, slope(z_next), sp.Derivative(a_D, a0)),
            "the new layer's factor times the gradient through $D$ layers")
    d.given(sp.Abs(mul(w_next, slope(z_next), sp.Derivative(a_D, a0))),
            "its size", name="step-bound")
    d.bound(sp.Abs(w_next) / 4 * sp.Abs(sp.Derivative(a_D, a0)),
            r"$0 < \sigma' \leq 1/4$: each layer shrinks the bound by $|w|/4$", "<=",
            source=sigmoid_bound(), result=("positive", "at-most"), var=z)
    # so, by induction on D, the gradient through D layers is at most prod |w_l| / 4^D
    d.given(mul(sp.Abs(W[D + 1]) / 4, through(D)),
            r"the step above on the bound for $D$ layers (the induction hypothesis)",
            name="depth")
    d.equal(through(D + 1), r"the same bound for $D + 1$ layers: it holds for every $D$")
    return d


def through(depth: sp.Expr) -> sp.Expr:
    """The bound on the gradient through ``depth`` layers: prod_l |w_l| / 4^depth."""
    return sp.Product(sp.Abs(W[layer]), (layer, 1, depth)) / 4**depth


@cache
def sigmoid_tails() -> Derivation:
    r"""In the tails, |z| >= 5, the slope is below 0.007: e^{-|z|}/(1 + e^{-|z|})^2 < e^{-5}.

    >>> sigmoid_tails().inequality()[1:]
    ('<', 7/1000)
    """
    d = Derivation("The flat tails of the sigmoid", name="sigmoid-tails",
                   functions={sigma: SIGMOID}, conditions={z: TAILS}, intro=(
                       r"Far from 0 the sigmoid is flat: for $|z| \geq 5$ its slope is "
                       r"below $0.007$, under 3% of its peak. A unit whose net input "
                       r"sits there passes almost no gradient back."))
    e = sp.exp(-sp.Abs(z))
    d.from_(mul(sigma(z), 1 - sigma(z)), "the slope, as proven", sigmoid_derivative(),
            "slope")
    d.equal(e / (1 + e) ** 2, r"the slope is even in $z$")
    d.bound(e, "the denominator is above 1", "<")
    d.bound(sp.exp(-5), r"$|z| \geq 5$", "<=")
    d.bound(FIVE_SLOPE, r"$e^{-5} = 0.00674\ldots$", "<")
    return d
