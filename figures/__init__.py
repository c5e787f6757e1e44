"""The lecture's figures, drawn from the same lambdified functions as the trainer.

Each figure is a function that draws into a matplotlib ``Figure`` or
``SubFigure`` it is given (or a new one) and returns it:

>>> from figures import FIGURES
>>> sorted(FIGURES)  # doctest: +NORMALIZE_WHITESPACE
['adaline', 'graph', 'loss', 'nll-vs-mse', 'sigmoid', 'softmax', 'softmax-graph',
 'softmax-training', 'threshold', 'training', 'vanishing']
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from matplotlib.figure import Figure

from figures.curves import nll_curves, nll_vs_mse, sigmoid_and_slope, softmax_outputs, threshold
from figures.depth import vanishing
from figures.graphs import adaline_comparison, computation_graph, softmax_graph
from figures.training import softmax_training, training

#: file stem -> drawing function, in the lecture's order
FIGURES: dict[str, Callable] = {
    "sigmoid": sigmoid_and_slope,
    "loss": nll_curves,
    "graph": computation_graph,
    "threshold": threshold,
    "training": training,
    "nll-vs-mse": nll_vs_mse,
    "adaline": adaline_comparison,
    "softmax": softmax_outputs,
    "softmax-graph": softmax_graph,
    "softmax-training": softmax_training,
    "vanishing": vanishing,
}



@cache
def natural_size(name: str) -> tuple[float, float]:
    """(width, height) in inches a figure chooses for itself in the house style.

    >>> natural_size("adaline")[1] == 2 * natural_size("sigmoid")[1]  # two graphs stacked
    True
    """
    from figures.style import style

    with style():
        width, height = FIGURES[name](Figure()).get_size_inches()
    return float(width), float(height)


__all__ = [
    "FIGURES",
    "adaline_comparison",
    "computation_graph",
    "natural_size",
    "nll_curves",
    "nll_vs_mse",
    "sigmoid_and_slope",
    "softmax_graph",
    "softmax_outputs",
    "softmax_training",
    "threshold",
    "training",
    "vanishing",
]
