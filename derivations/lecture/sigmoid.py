"""Derivation 1: the sigmoid's derivative is sigma(1 - sigma), largest (1/4) at z = 0."""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.engine import Derivation
from derivations.lecture.symbols import SIGMOID, mul, sigma, z

HALF = sp.S.Half


@cache
def sigmoid_derivative() -> Derivation:
    r"""sigma'(z) = sigma(z)(1 - sigma(z)), with its peak sigma'(0) = 1/4.

    >>> sigmoid_derivative().result("slope")
    sigma(z)*(1 - sigma(z))
    """
    d = Derivation("The derivative of the sigmoid", name="sigmoid-derivative",
                   functions={sigma: SIGMOID}, intro=(
                       r"The sigmoid $\sigma(z) = 1/(1+e^{-z})$ squashes the net input "
                       r"$z$ into a probability. Its slope can be written with "
                       r"$\sigma$ itself, and it is largest, $1/4$, at $z = 0$."))
    e = sp.exp(-z)
    u = 1 + e
    slope = sp.Derivative(sigma(z), z)
    # sigma' = sigma (1 - sigma)
    d.given(sp.Derivative(1 / u, z), r"definition of $\sigma$", label=slope, name="slope")
    d.equal(-sp.Derivative(u, z) / u**2, r"quotient rule, $(1/u)' = -u'/u^2$")
    d.equal(e / u**2, r"chain rule, $(e^{-z})' = -e^{-z}$")
    d.equal(mul(1 / u, e / u), "split the fraction")
    d.equal(mul(1 / u, sp.Add(1, e, -1, evaluate=False) / u), "add and subtract 1")
    d.equal(mul(1 / u, 1 - 1 / u), r"divide both terms by $1+e^{-z}$")
    d.equal(mul(sigma(z), 1 - sigma(z)), r"$1/(1+e^{-z})$ is $\sigma(z)$")
    # the second derivative
    d.given(sp.Derivative(mul(sigma(z), 1 - sigma(z)), z), r"differentiate $\sigma'$ again",
            label=sp.Derivative(sigma(z), (z, 2)), name="second-derivative")
    d.equal(mul(slope, 1 - 2 * sigma(z)), r"product rule: $\sigma'(1-\sigma) - \sigma\sigma'$")
    d.equal(mul(sigma(z), 1 - sigma(z), 1 - 2 * sigma(z)), r"$\sigma' = \sigma(1-\sigma)$")
    # where the second derivative vanishes
    d.given(sp.Eq(mul(sigma(z), 1 - sigma(z), 1 - 2 * sigma(z)), 0),
            r"stationary points of $\sigma'$: the second derivative is 0", name="stationary")
    d.iff(sp.Eq(sigma(z), HALF), r"divide by $\sigma(1-\sigma)$, which is never 0", z)
    d.iff(sp.Eq(sp.exp(-z), 1), r"solve $1/(1+e^{-z}) = 1/2$", z)
    d.iff(sp.Eq(z, 0), r"$e^{-z} = 1$ only at $z = 0$", z)
    # the value there
    d.given(sp.Subs(slope, z, 0), "the slope at the stationary point", name="peak")
    d.equal(mul(sigma(0), 1 - sigma(0)), r"$\sigma' = \sigma(1-\sigma)$ at $z = 0$")
    d.equal(mul(HALF, HALF), r"$\sigma(0) = 1/(1+1)$")
    d.equal(sp.Rational(1, 4), "multiply")
    # and the tails
    tails = d.given(mul(sigma(z), 1 - sigma(z)), r"the slope, as proven above", label=slope,
                    name="tails")
    d.limit(sp.S.Zero, r"flat tail: the gradient vanishes for large $z$", z, sp.oo, "-")
    d.limit(sp.S.Zero, r"and for very negative $z$: $z = 0$ is the maximum", z, -sp.oo, "+",
            of=tails)
    return d
