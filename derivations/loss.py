"""Derivation 2: the negative log-likelihood loss and its two cases."""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.core import Derivation
from derivations.symbols import a, mul, y


@cache
def nll_loss() -> Derivation:
    r"""L(a, y) = -[y log a + (1 - y) log(1 - a)]; -log a for y = 1, -log(1 - a) for y = 0.

    >>> nll_loss().verify().steps[1].expr
    -log(a)
    """
    d = Derivation("The negative log-likelihood loss", (a, y), name="nll-loss", intro=(
        r"The model says $p(y=1 \mid x) = a$. The likelihood of one example is "
        r"$a^y (1-a)^{1-y}$; its negative logarithm is the loss. Each label "
        "switches one of its two terms off, and the loss grows without bound "
        "as the prediction becomes confidently wrong."))
    L_ay = sp.Function("L")
    d.given(mul(-1, y * sp.log(a) + (1 - y) * sp.log(1 - a)),
            r"negative log of the likelihood $a^y(1-a)^{1-y}$", label=L_ay(a, y))
    d.substitute(-sp.log(a), "substitute $y = 1$", {y: 1}, label=L_ay(a, 1))
    d.substitute(-sp.log(1 - a), "substitute $y = 0$", {y: 0}, of=1, label=L_ay(a, 0))
    d.limit(sp.oo, "$y = 1$: a confident mistake costs without bound", a, 0, "+",
            of=2)
    d.limit(sp.oo, "$y = 0$: likewise as $a$ approaches 1", a, 1, "-", of=3)
    return d
