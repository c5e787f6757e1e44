"""The vanishing gradient: how large ∂a_D/∂a_0 is through D sigmoid layers, on a log scale.

Both the bound and the pass come from the proofs: each layer's factor w_l σ'(z_l) and its
bound |w_l|/4 are ``vanishing_gradient()``'s results through ``sympy.lambdify``, and the
stack runs the trainer's σ and σ' (``figures.functions``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import sympy as sp
from matplotlib.figure import Figure, SubFigure

from derivations.lecture.vanishing import slope, vanishing_gradient, w_l, z_l
from figures import functions as F
from figures.style import BLUE, GREEN, GREY, VERMILION

Canvas = Figure | SubFigure
DEPTH = 12                 # layers in the stack drawn
SEED = 7                   # the random stack's weights and biases
WEIGHTS = (-3.0, 3.0)      # uniform range of the random stack's weights


@cache
def layer_rules() -> tuple[Callable, Callable, float]:
    """(factor(w, s), bound(w), unit): one layer's w_l σ'(z_l) with σ' = s, its proven
    bound |w_l|/4, and the bound 1/4 when |w_l| <= 1."""
    d = vanishing_gradient()
    s = sp.Symbol("s")
    factor = sp.lambdify((w_l, s), d.result("layer").subs(slope(z_l), s))
    bound = sp.lambdify(w_l, d.inequality("layer-bound")[2])
    return factor, bound, float(d.inequality("unit-weight")[2])


def backward(weights: np.ndarray, biases: np.ndarray, a0: float = 0.0
             ) -> tuple[np.ndarray, np.ndarray]:
    """|∂a_D/∂a_0| for D = 1..len(weights) from a forward and a backward pass of the stack
    a_l = σ(w_l a_{l−1} + b_l), and the proven bound Π_l |w_l| / 4^D beside it."""
    factor, bound, _ = layer_rules()
    a, factors = float(a0), []
    for w, b in zip(weights, biases, strict=True):
        z = w * a + b
        factors.append(factor(w, F.sigmoid_slope(z)))
        a = float(F.sigmoid(z))
    return np.abs(np.cumprod(factors)), np.cumprod([bound(w) for w in weights])


def stacks() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The two stacks drawn: unit weights with zero biases, and a seeded random stack."""
    rng = np.random.default_rng(SEED)
    weights = rng.uniform(*WEIGHTS, DEPTH)
    biases = rng.normal(0.0, 1.0, DEPTH)
    return {"unit": (np.ones(DEPTH), np.zeros(DEPTH)), "random": (weights, biases)}


def vanishing(fig: Canvas | None = None) -> Canvas:
    """|∂a_D/∂a_0| through D sigmoid layers (log scale): a random stack's pass under its
    proven bound Π|w_l|/4^D, and unit weights under 4^{−D}."""
    fig = Figure() if fig is None else fig
    ax = fig.subplots()
    depth = np.arange(1, DEPTH + 1)
    _, _, unit = layer_rules()
    (unit_pass, _), (random_pass, random_bound) = (backward(*s) for s in stacks().values())
    ax.semilogy(depth, np.cumprod(np.full(DEPTH, unit)), color=GREY, ls="--",
                label=r"$4^{-D}$: bound for $|w_l| \leq 1$")
    ax.semilogy(depth, unit_pass, "o", color=GREEN, ms=6,
                label=r"pass, $w_l = 1$, $b_l = 0$")
    ax.semilogy(depth, random_bound, color=BLUE, marker="s", ms=4,
                label=r"bound $\Pi_l\,|w_l| / 4^D$, random $w_l$")
    ax.semilogy(depth, random_pass, "^", color=VERMILION, ms=6,
                label=r"pass, the same random $w_l$, $b_l$")
    ax.set(xlabel="depth $D$ (sigmoid layers)", ylabel=r"$|\partial a_D / \partial a_0|$",
           xticks=depth, title="The vanishing gradient: each layer multiplies it by "
                               r"$w_l\,\sigma'(z_l)$")
    ax.legend(loc="lower left")
    fig.subplots_adjust(bottom=0.17, top=0.88, left=0.1, right=0.97)
    return fig


__all__ = ["backward", "layer_rules", "stacks", "vanishing"]
