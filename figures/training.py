"""Training on the package's own blobs: the loss per epoch, the boundary or regions."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure, SubFigure

from figures.style import BLUE, CLASS_COLOURS, CLASS_MARKERS, GREY
from logreg import LogisticRegression, three_blobs, two_blobs

Canvas = Figure | SubFigure


def _model_and_data(model: Any, X: Any, y: Any, default: Any, what: str
                    ) -> tuple[Any, np.ndarray, np.ndarray]:
    """The user's fitted model with its 2-feature X and labels y, or ``default()``'s."""
    if model is None:
        return default()
    if X is None or y is None:
        raise ValueError("pass X and y along with your model")
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"the {what} plot needs 2 features, got X of shape {X.shape}")
    return model, X, y


def _loss_panel(ax: Any, model: Any) -> None:
    """The mean loss per epoch, from the model's ``loss_curve_``."""
    curve = np.asarray(model.loss_curve_)
    ax.plot(np.arange(1, len(curve) + 1), curve, color=BLUE, marker="o", ms=3)
    ax.set(xlabel="epoch", ylabel=r"mean loss $L$", title="Training loss")


def _points(ax: Any, model: Any, X: np.ndarray, y: np.ndarray) -> None:
    """The examples, one colour and marker per class."""
    for k, cls in enumerate(model.classes_):
        pts = X[y == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=22, c=CLASS_COLOURS[k], marker=CLASS_MARKERS[k],
                   edgecolors="white", linewidths=0.5, label=f"$y = {cls}$", zorder=3)


def default_model() -> tuple[LogisticRegression, np.ndarray, np.ndarray]:
    """The lecture's example: 2 blobs of 50 (seed 1), full-batch GD, η = 0.5, 50 epochs."""
    X, y = two_blobs(50, seed=1)
    with warnings.catch_warnings():  # the blobs are separable, as the lecture's are: its
        # 50 epochs without a penalty are the point of the figure, not a mistake
        warnings.filterwarnings("ignore", message="the classes are .*separable")
        model = LogisticRegression(eta=0.5, max_iter=50, tol=None).fit(X, y)
    return model, X, y


def training(fig: Canvas | None = None, model: Any = None, X: Any = None,
             y: Any = None) -> Canvas:
    """Loss per epoch (left) and the data with the learned boundary z = 0 (right).

    Pass a fitted ``model`` with its 2-feature ``X`` and labels ``y`` to draw yours.
    """
    model, X, y = _model_and_data(model, X, y, default_model, "boundary")
    fig = Figure() if fig is None else fig
    left, right = fig.subplots(1, 2)
    _loss_panel(left, model)
    pad = 1.0
    lo, hi = X.min(0) - pad, X.max(0) + pad
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    prob = model.predict_proba(grid)[:, 1].reshape(g1.shape)
    z = model.decision_function(grid).reshape(g1.shape)
    right.contourf(g1, g2, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
    right.contour(g1, g2, z, levels=[0.0], colors=[GREY], linewidths=2)
    _points(right, model, X, y)
    right.plot([], [], color=GREY, lw=2, label="$z = 0$")
    right.set(xlabel="$x_1$", ylabel="$x_2$", xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]),
              title=f"Decision boundary (accuracy {model.score(X, y):.2f})")
    right.grid(False)
    right.legend(loc="lower right")
    fig.subplots_adjust(wspace=0.3, bottom=0.17, top=0.88, left=0.08, right=0.98)
    return fig


def default_softmax_model() -> tuple[LogisticRegression, np.ndarray, np.ndarray]:
    """Softmax regression's example: 3 blobs of 50 (seed 1), full-batch GD, η = 0.5, 50 epochs."""
    X, y = three_blobs(50, seed=1)
    model = LogisticRegression(eta=0.5, max_iter=50, tol=None).fit(X, y)
    return model, X, y


def class_regions(model: Any, window: tuple[float, float, float, float], steps: int = 300
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A steps × steps grid over ``window`` (x_1 from, to, x_2 from, to): its x_1 and x_2
    (rows along x_2), and the index in ``model.classes_`` of the most probable class."""
    g1, g2 = np.meshgrid(np.linspace(*window[:2], steps), np.linspace(*window[2:], steps))
    proba = model.predict_proba(np.column_stack([g1.ravel(), g2.ravel()]))
    return g1, g2, np.argmax(proba, axis=1).reshape(g1.shape)


def softmax_training(fig: Canvas | None = None, model: Any = None, X: Any = None,
                     y: Any = None) -> Canvas:
    """Softmax regression on three blobs: loss per epoch (left), the class regions (right).

    Pass a fitted ``model`` of up to three classes with its 2-feature ``X`` and labels
    ``y`` to draw yours.
    """
    model, X, y = _model_and_data(model, X, y, default_softmax_model, "regions")
    if len(model.classes_) > len(CLASS_COLOURS):
        raise ValueError(f"the regions plot has colours for {len(CLASS_COLOURS)} classes, "
                         f"the model has {len(model.classes_)}")
    fig = Figure() if fig is None else fig
    left, right = fig.subplots(1, 2)
    _loss_panel(left, model)
    lo, hi = X.min(0) - 1.0, X.max(0) + 1.0
    lo[1] -= 0.12 * (hi[1] - lo[1])  # room for the legend below the points
    window = (lo[0], hi[0], lo[1], hi[1])
    g1, g2, best = class_regions(model, window)
    colours = CLASS_COLOURS[:len(model.classes_)]
    right.imshow(best, origin="lower", extent=window, aspect="auto", interpolation="nearest",
                 cmap=ListedColormap(colours), vmin=-0.5, vmax=len(colours) - 0.5,
                 alpha=0.25)
    right.contour(g1, g2, best, levels=np.arange(len(colours) - 1) + 0.5, colors=[GREY],
                  linewidths=1.5)
    _points(right, model, X, y)
    right.set(xlabel="$x_1$", ylabel="$x_2$", xlim=window[:2], ylim=window[2:],
              title=f"Decision regions (accuracy {model.score(X, y):.2f})")
    right.grid(False)
    right.legend(loc="lower center", ncol=len(colours), columnspacing=0.8,
                 handletextpad=0.2, borderaxespad=0.3)
    fig.subplots_adjust(wspace=0.3, bottom=0.17, top=0.88, left=0.08, right=0.98)
    return fig
