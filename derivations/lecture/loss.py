"""Derivation 2: the negative log-likelihood loss and its two cases."""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.engine import Derivation
from derivations.lecture.symbols import LABELS, NLL, PROBABILITIES, a, mul, y

#: L(a, y) as a function, so that L(a, 1) unfolds to the loss with y = 1
loss_of = sp.Function("L", real=True)


@cache
def nll_loss() -> Derivation:
    r"""L(a, y) = -[y log a + (1 - y) log(1 - a)]; -log a for y = 1, -log(1 - a) for y = 0.

    >>> nll_loss().result("positive")
    -log(a)
    """
    d = Derivation("The negative log-likelihood loss", name="nll-loss",
                   functions={loss_of: NLL}, conditions={a: PROBABILITIES, y: LABELS}, intro=(
        r"The model says $p(y=1 \mid x) = a$. The likelihood of one example is "
        r"$a^y (1-a)^{1-y}$; its negative logarithm is the loss. Each label "
        "switches one of its two terms off, and the loss grows without bound "
        "as the prediction becomes confidently wrong."))
    loss = d.given(mul(-1, y * sp.log(a) + (1 - y) * sp.log(1 - a)),
                   r"negative log of the likelihood $a^y(1-a)^{1-y}$", label=loss_of(a, y),
                   name="loss")
    d.substitute(-sp.log(a), "substitute the label", {y: 1}, label=loss_of(a, 1),
                 name="positive")
    d.limit(sp.oo, "a confident mistake costs without bound", a, 0, "+")
    negative = d.substitute(-sp.log(1 - a), "substitute the label", {y: 0}, of=loss,
                            label=loss_of(a, 0), name="negative")
    d.limit(sp.oo, "likewise as $a$ approaches 1", a, 1, "-", of=negative)
    return d
