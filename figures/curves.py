"""Figures of curves: the sigmoid, the loss, the threshold, NLL against MSE, softmax."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from figures import functions as F
from figures.style import BLUE, CLASS_COLOURS, GREY, ORANGE, VERMILION

Canvas = Figure | SubFigure
Z = np.linspace(-10, 10, 801)
#: the softmax figure: z_1 swept, the other two net inputs held here
SOFTMAX_Z1 = np.linspace(-6, 6, 481)
SOFTMAX_FIXED = (1.0, 0.0)  # z_2, z_3


def _canvas(fig: Canvas | None) -> Canvas:
    return Figure() if fig is None else fig


def _single_axes(fig: Canvas | None) -> tuple[Canvas, Axes]:
    """One axes with the margins every single-panel figure shares."""
    fig = _canvas(fig)
    ax = fig.subplots()
    fig.subplots_adjust(bottom=0.17, top=0.88, left=0.1, right=0.97)
    return fig, ax


def sigmoid_and_slope(fig: Canvas | None = None) -> Canvas:
    """σ(z) on the left; σ'(z) = σ(z)(1 − σ(z)) on the right, its peak 1/4 at z = 0."""
    fig = _canvas(fig)
    left, right = fig.subplots(1, 2)
    left.plot(Z, F.sigmoid(Z), color=BLUE)
    left.axhline(0.5, color=GREY, lw=1, ls=":")
    left.set(xlabel="$z$", ylabel=r"$\sigma(z)$", ylim=(-0.05, 1.05),
             title=r"$\sigma(z) = 1/(1+e^{-z})$")
    right.plot(Z, F.sigmoid_slope(Z), color=VERMILION)
    z0, top = F.peak()
    right.plot([z0], [top], "o", color=VERMILION, ms=7, zorder=3)
    right.annotate(r"$\sigma'(0) = 1/4$", (z0, top), xytext=(2.2, 0.22),
                   arrowprops={"arrowstyle": "->", "color": GREY})
    right.annotate("flat tails:\ngradient vanishes", (-7.5, F.sigmoid_slope(-7.5)),
                   xytext=(-9.5, 0.12), arrowprops={"arrowstyle": "->", "color": GREY})
    right.set(xlabel="$z$", ylabel=r"$\sigma'(z)$", ylim=(-0.01, 0.29),
              title=r"$\sigma'(z) = \sigma(z)\,(1-\sigma(z))$")
    fig.subplots_adjust(wspace=0.35, bottom=0.17, top=0.88, left=0.09, right=0.98)
    return fig


def nll_curves(fig: Canvas | None = None) -> Canvas:
    """−log a (y = 1) and −log(1 − a) (y = 0) against a, crossing at a = 1/2."""
    fig, ax = _single_axes(fig)
    act = np.linspace(1e-3, 1 - 1e-3, 999)
    loss_y1, loss_y0 = F.loss_cases()
    ax.plot(act, loss_y1(act), color=BLUE, label=r"$y=1$: $L = -\log(a)$")
    ax.plot(act, loss_y0(act), color=VERMILION, ls="--", label=r"$y=0$: $L = -\log(1-a)$")
    ax.plot([0.5], [loss_y1(0.5)], "o", color=GREY, zorder=3)
    ax.annotate(r"$a = 1/2$: $L = \log 2$", (0.5, loss_y1(0.5)), xytext=(0.56, 1.7),
                arrowprops={"arrowstyle": "->", "color": GREY})
    ax.set(xlabel=r"$a = \sigma(z)$", ylabel=r"$L(a, y)$", xlim=(0, 1), ylim=(0, 5),
           title="Negative log-likelihood loss")
    ax.legend(loc="upper center")
    return fig


def threshold(fig: Canvas | None = None) -> Canvas:
    """σ(z) with a = 0.5 and z = 0: both lines pick out the same examples."""
    fig, ax = _single_axes(fig)
    ax.axvspan(0, 10, color=ORANGE, alpha=0.12, lw=0)
    ax.plot(Z, F.sigmoid(Z), color=BLUE, label=r"$a = \sigma(z)$")
    ax.axhline(0.5, color=VERMILION, ls="--", lw=1.5, label=r"$a = 0.5$")
    ax.axvline(0.0, color=GREY, ls=":", lw=1.5, label=r"$z = 0$")
    ax.text(5, 0.3, r"$\hat{y} = 1$:  $a > 0.5 \Leftrightarrow z > 0$", ha="center")
    ax.text(-5, 0.3, r"$\hat{y} = 0$:  $a \leq 0.5$", ha="center")
    ax.set(xlabel="$z$", ylabel=r"$a = \sigma(z)$", ylim=(-0.05, 1.05),
           title="The threshold: predict class 1 when $z > 0$")
    ax.legend(loc="upper left")
    return fig


def nll_vs_mse(fig: Canvas | None = None) -> Canvas:
    """|∂L/∂z| for y = 1: a − y under NLL, (a − y) a (1 − a) under MSE."""
    fig, ax = _single_axes(fig)
    ax.plot(Z, np.abs(F.nll_gradient(Z, 1.0)), color=BLUE,
            label=r"NLL: $|a - y|$")
    ax.plot(Z, np.abs(F.mse_gradient(Z, 1.0)), color=VERMILION, ls="--",
            label=r"MSE: $|(a - y)\,a(1-a)|$")
    ax.annotate("confidently wrong:\nMSE gradient vanishes", (-7, F.mse_gradient(
        np.array([-7.0]), 1.0)[0] * -1), xytext=(-9.6, 0.45),
        arrowprops={"arrowstyle": "->", "color": GREY})
    ax.set(xlabel="$z$ (true label $y = 1$)", ylabel=r"$|\partial L / \partial z|$",
           ylim=(-0.03, 1.05), title="Why NLL and not MSE")
    ax.legend(loc="upper right")
    return fig


def softmax_outputs(fig: Canvas | None = None) -> Canvas:
    """Softmax outputs as one net input varies, the others fixed: they always sum to 1."""
    fig, ax = _single_axes(fig)
    net = np.column_stack([SOFTMAX_Z1, *(np.full_like(SOFTMAX_Z1, v) for v in SOFTMAX_FIXED)])
    out, _ = F.softmax(net)
    for k, ls in enumerate(("-", "--", "-.")):
        ax.plot(SOFTMAX_Z1, out[:, k], color=CLASS_COLOURS[k], ls=ls, label=f"$a_{k + 1}$")
    ax.plot(SOFTMAX_Z1, out.sum(axis=1), color=GREY, lw=1.5, ls=":")
    ax.text(-5.8, 1.04, r"$a_1 + a_2 + a_3 = 1$ for every $z_1$", color=GREY, va="bottom")
    z2 = SOFTMAX_FIXED[0]
    at_z2, _ = F.softmax(np.array([[z2, *SOFTMAX_FIXED]]))  # z_1 = z_2
    even = float(at_z2[0, 0])
    ax.plot([z2], [even], "o", color=GREY, zorder=3)
    ax.annotate(r"$z_1 = z_2$: $a_1 = a_2$", (z2, even), xytext=(2.4, 0.6),
                arrowprops={"arrowstyle": "->", "color": GREY})
    ax.set(xlabel=r"$z_1$ (with $z_2 = 1$, $z_3 = 0$)", ylabel="$a_k$", xlim=(-6, 6),
           ylim=(-0.05, 1.2), title=r"Softmax: $a_k = e^{z_k} / (e^{z_1} + e^{z_2} + e^{z_3})$")
    ax.legend(loc="center left")
    return fig
