"""Step-checked derivations of logistic regression, in SymPy.

Each function returns a :class:`Derivation`; ``verify()`` proves every step.

>>> import derivations
>>> print(derivations.sigmoid_derivative().latex())  # doctest: +ELLIPSIS
\\begin{align*}
...
"""

from __future__ import annotations

import sys
from typing import Any

from derivations import _moved
from derivations.engine import (
    Apply,
    Bound,
    ByCases,
    Derivation,
    Equal,
    Equivalent,
    From,
    Given,
    Limit,
    Relation,
    Step,
    StepError,
    Substitution,
    UpdateRule,
    verify_all,
)
from derivations.lecture import LECTURE, Algorithm, Lecture, Section
from derivations.lecture.chain_rule import (
    adaline_gradient,
    chain_rule,
    composed_gradient,
    composed_gradient_symbolic,
    logistic_gradient,
    sigmoid_mse_gradient,
)
from derivations.lecture.comparison import adaline_comparison
from derivations.lecture.curvature import curvature, l2_penalty
from derivations.lecture.loss import nll_loss
from derivations.lecture.sgd import sgd_rule
from derivations.lecture.sigmoid import sigmoid_derivative
from derivations.lecture.stable import stable_curvature, stable_delta, stable_loss, stable_sigmoid
from derivations.lecture.stepsize import (
    descent_lemma,
    sigmoid_bound,
    smoothness,
    softmax_smoothness,
)
from derivations.lecture.threshold import threshold
from derivations.lecture.vanishing import sigmoid_tails, vanishing_gradient

__version__ = "0.1.0"

_moved.install(sys.modules[__name__])  # the old module paths, for one release


def __getattr__(name: str) -> Any:
    """``derivations.symbols`` and the other old module names, with a DeprecationWarning."""
    return _moved.moved_attribute(name)


def all_derivations() -> list[Derivation]:
    """Every derivation of the lecture's manifest, in order (not yet verified)."""
    from derivations import lecture  # read at call time: the manifest may be extended

    return lecture.LECTURE.derivations()


__all__ = [
    "LECTURE", "Algorithm", "Apply", "Bound", "ByCases", "Derivation", "Equal", "Equivalent",
    "From", "Given", "Lecture", "Limit", "Relation", "Section", "Step", "StepError",
    "Substitution", "UpdateRule",
    "adaline_comparison", "adaline_gradient", "all_derivations", "chain_rule",
    "composed_gradient", "composed_gradient_symbolic", "curvature", "descent_lemma",
    "l2_penalty",
    "logistic_gradient", "nll_loss",
    "sgd_rule", "sigmoid_bound", "sigmoid_derivative", "sigmoid_mse_gradient",
    "sigmoid_tails", "smoothness", "softmax_smoothness", "stable_curvature",
    "stable_delta", "stable_loss", "stable_sigmoid", "threshold", "vanishing_gradient",
    "verify_all",
]
