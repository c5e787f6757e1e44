"""Computation graphs of logistic regression and Adaline, drawn with matplotlib only."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from figures.style import BLACK, BLUE, GREEN, GREY, ORANGE, VERMILION

Canvas = Figure | SubFigure

MODELS = {
    # activation node, its caption (two lines), the loss, the backward factor da/dz, title
    "logistic": (r"$\sigma$", (r"$a = \sigma(z)$", r"$= p(y{=}1 \mid x)$"),
                 r"$-[y\log a + (1-y)\log(1-a)]$",
                 r"$\partial a/\partial z = a(1-a)$", "Logistic regression"),
    "adaline": (r"$\mathrm{id}$", (r"$a = z$", "identity"), r"$\frac{1}{2}(a - y)^2$",
                r"$\partial a/\partial z = 1$", "Adaline"),
}


def _node(ax: Axes, xy: tuple[float, float], text: str, colour: str, r: float = 0.5) -> None:
    ax.add_patch(Circle(xy, r, facecolor="white", edgecolor=colour, lw=2, zorder=2))
    ax.text(*xy, text, ha="center", va="center", zorder=3)


def _box(ax: Axes, xy: tuple[float, float], text: str, colour: str, w: float) -> None:
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - 0.45), w, 0.9, boxstyle="round,pad=0.1",
                                facecolor="white", edgecolor=colour, lw=2, zorder=2))
    ax.text(x, y, text, ha="center", va="center", zorder=3)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], colour: str = BLACK,
           dashed: bool = False, rad: float = 0.0) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=15, lw=1.8,
                                 color=colour, ls="--" if dashed else "-", shrinkA=0,
                                 shrinkB=0, connectionstyle=f"arc3,rad={rad}", zorder=1))


def _towards(a: tuple[float, float], b: tuple[float, float], r: float) -> tuple[float, float]:
    """The point at distance r from a on the way to b (the edge of a node)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    norm = (dx * dx + dy * dy) ** 0.5
    return a[0] + r * dx / norm, a[1] + r * dy / norm


def draw_graph(ax: Axes, model: str = "logistic") -> Axes:
    """Forward pass (solid) and the chain rule flowing back (dashed) for one model."""
    act, caption, loss, dadz, title = MODELS[model]
    ax.set(xlim=(0, 14), ylim=(0.2, 7.4), aspect="equal")
    ax.axis("off")
    inputs = [((0.8, 6.2), "$x_1$", "$w_1$"), ((0.8, 4.9), "$x_2$", "$w_2$"),
              ((0.8, 2.9), "$x_m$", "$w_m$"), ((0.8, 1.4), "$1$", "$b$")]
    net, actv = (4.4, 3.9), (7.6, 3.9)
    thr, lossxy, box_w = (11.0, 6.1), (11.0, 1.9), 3.2
    ax.text(0.8, 3.95, r"$\vdots$", ha="center", va="center")
    for xy, label, weight in inputs:
        _node(ax, xy, label, GREY, r=0.42)
        _arrow(ax, _towards(xy, net, 0.42), _towards(net, xy, 0.5))
        dx, dy = net[0] - xy[0], net[1] - xy[1]
        norm = (dx * dx + dy * dy) ** 0.5
        at = (xy[0] + 0.32 * dx + 0.3 * dy / norm, xy[1] + 0.32 * dy - 0.3 * dx / norm)
        ax.text(*at, weight, ha="center", va="center", color=BLUE)
    _node(ax, net, r"$\Sigma$", BLUE)
    ax.text(net[0], net[1] - 0.75, "net input $z$", ha="center", va="top")
    _node(ax, actv, act, BLUE)
    ax.text(actv[0] - 0.5, actv[1] - 0.75, caption[0], ha="center", va="top")
    ax.text(actv[0] - 0.5, actv[1] - 1.35, caption[1], ha="center", va="top")
    _arrow(ax, _towards(net, actv, 0.5), _towards(actv, net, 0.5))
    left_thr, left_loss = (thr[0] - box_w / 2 - 0.1, thr[1]), (lossxy[0] - box_w / 2 - 0.1,
                                                                  lossxy[1])
    _box(ax, thr, r"threshold $\rightarrow \hat{y}$", GREEN, w=box_w)
    _arrow(ax, _towards(actv, left_thr, 0.5), left_thr)
    _box(ax, lossxy, "loss $L(a, y)$", ORANGE, w=box_w)
    _arrow(ax, _towards(actv, left_loss, 0.5), left_loss)
    ax.text(lossxy[0], lossxy[1] - 0.65, loss, ha="center", va="top")
    ax.text(13.75, lossxy[1], "$y$", ha="center", va="center")
    _arrow(ax, (13.5, lossxy[1]), (lossxy[0] + box_w / 2 + 0.12, lossxy[1]))
    # the chain rule, backwards
    _arrow(ax, (lossxy[0] - 0.6, lossxy[1] + 0.55), (actv[0] + 0.5, actv[1] - 0.1), VERMILION,
           dashed=True, rad=0.3)
    ax.text(10.0, 3.55, r"$\partial L/\partial a$", color=VERMILION, ha="center")
    _arrow(ax, (actv[0] - 0.3, actv[1] + 0.45), (net[0] + 0.3, net[1] + 0.45), VERMILION,
           dashed=True, rad=0.45)
    ax.text((net[0] + actv[0]) / 2, 5.15, dadz, color=VERMILION, ha="center")
    _arrow(ax, (net[0] - 0.2, net[1] + 0.5), (2.4, 5.65), VERMILION, dashed=True, rad=0.35)
    ax.text(3.0, 6.75, r"$\partial z/\partial w_j = x_j$", color=VERMILION, ha="center")
    ax.set_title(title)
    return ax


def _canvas(fig: Canvas | None) -> Canvas:
    return Figure() if fig is None else fig


def computation_graph(fig: Canvas | None = None) -> Canvas:
    """Logistic regression's graph: x, w, b → Σ → σ → threshold / loss, and back."""
    fig = _canvas(fig)
    draw_graph(fig.subplots(), "logistic")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.92)
    return fig


def adaline_comparison(fig: Canvas | None = None) -> Canvas:
    """Adaline beside logistic regression: only the activation and the loss differ."""
    fig = _canvas(fig)
    if isinstance(fig, Figure):  # two graphs stacked: twice the usual height
        width, height = fig.get_size_inches()
        fig.set_size_inches(width, 2 * height)
    top, bottom = fig.subplots(2, 1)
    draw_graph(top, "adaline")
    draw_graph(bottom, "logistic")
    fig.text(0.5, 0.01, r"both: $\partial L / \partial w_j = (a - y)\,x_j$, "
             r"only $a$ is computed differently", ha="center", va="bottom", color=VERMILION)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.06, top=0.96, hspace=0.12)
    return fig


def draw_softmax_graph(ax: Axes) -> Axes:
    """Softmax regression's forward pass (solid) and its chain-rule factors (dashed)."""
    ax.set(xlim=(0, 15), ylim=(0.0, 7.5), aspect="equal")
    ax.axis("off")
    inputs = [((0.7, 6.0), "$x_1$"), ((0.7, 4.8), "$x_2$"), ((0.7, 2.9), "$x_m$"),
              ((0.7, 1.6), "$1$")]
    rows = [(5.5, "1"), (4.0, "2"), (2.3, "K")]  # one net input and one output per class
    net_x, box_x, out_x, box_w = 4.1, 7.0, 9.7, 1.7
    lossxy, loss_w = (12.7, 3.9), 2.2
    ax.text(0.7, 3.95, r"$\vdots$", ha="center", va="center")
    ax.text(net_x, 3.25, r"$\vdots$", ha="center", va="center")
    ax.text(out_x, 3.25, r"$\vdots$", ha="center", va="center")
    for xy, label in inputs:
        _node(ax, xy, label, GREY, r=0.42)
        for y, _ in rows:
            _arrow(ax, _towards(xy, (net_x, y), 0.42), _towards((net_x, y), xy, 0.45))
    ax.text(2.35, 6.2, "$w_{kl}$", ha="center", va="center", color=BLUE)
    ax.text(2.35, 1.25, "$b_k$", ha="center", va="center", color=BLUE)
    top, bottom = rows[0][0] + 0.6, rows[-1][0] - 0.6
    ax.add_patch(FancyBboxPatch((box_x - box_w / 2, bottom), box_w, top - bottom,
                                boxstyle="round,pad=0.1", facecolor="white", edgecolor=BLUE,
                                lw=2, zorder=2))
    ax.text(box_x, (top + bottom) / 2, "softmax", ha="center", va="center", zorder=3)
    for y, k in rows:
        _node(ax, (net_x, y), r"$\Sigma$", BLUE, r=0.45)
        ax.text(net_x + 0.55, y + 0.15, f"$z_{k}$", ha="left", va="bottom")
        _arrow(ax, (net_x + 0.45, y), (box_x - box_w / 2 - 0.1, y))
        _node(ax, (out_x, y), f"$a_{k}$", BLUE, r=0.45)
        _arrow(ax, (box_x + box_w / 2 + 0.1, y), (out_x - 0.45, y))
        left_loss = (lossxy[0] - loss_w / 2 - 0.1, lossxy[1] + 0.25 * (y - lossxy[1]) / 2)
        _arrow(ax, _towards((out_x, y), left_loss, 0.45), left_loss)
    _box(ax, lossxy, "loss $L$", ORANGE, w=loss_w)
    ax.text(lossxy[0], lossxy[1] - 0.65, r"$L = -\Sigma_k\, y_k \log a_k$", ha="center",
            va="top")
    ax.text(14.75, lossxy[1], "$y$", ha="center", va="center")
    _arrow(ax, (14.5, lossxy[1]), (lossxy[0] + loss_w / 2 + 0.12, lossxy[1]))
    # the chain rule, backwards
    _arrow(ax, (lossxy[0], lossxy[1] + 0.57), (net_x + 0.2, rows[0][0] + 0.45),
           VERMILION, dashed=True, rad=0.3)
    ax.text(8.6, 6.95, r"$\partial L/\partial z_j = a_j - y_j$", color=VERMILION,
            ha="center")
    _arrow(ax, (net_x - 0.25, rows[0][0] + 0.4), (1.2, 6.35), VERMILION, dashed=True,
           rad=0.4)
    ax.text(2.3, 6.95, r"$\partial z_j/\partial w_{jl} = x_l$", color=VERMILION, ha="center")
    _arrow(ax, (out_x - 0.2, rows[-1][0] - 0.45), (net_x + 0.2, rows[-1][0] - 0.45),
           VERMILION, dashed=True, rad=-0.35)
    ax.text(box_x, 0.35, r"$\partial a_k/\partial z_j = a_k(\delta_{kj} - a_j)$",
            color=VERMILION, ha="center")
    ax.set_title("Softmax regression")
    return ax


def softmax_graph(fig: Canvas | None = None) -> Canvas:
    """Softmax regression's graph: x → one Σ per class → softmax → a → loss, and back."""
    fig = _canvas(fig)
    draw_softmax_graph(fig.subplots())
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.92)
    return fig
