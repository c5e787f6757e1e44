"""What the trainer raises and warns, as scikit-learn's ``sklearn.exceptions`` does.

>>> issubclass(DivergenceError, FloatingPointError), issubclass(ConvergenceWarning, UserWarning)
(True, True)
"""

from __future__ import annotations


class ConvergenceWarning(UserWarning):
    """Training stopped before the loss settled: at ``max_iter``, at X's precision, with
    badly scaled features, or with a loss that rose above its best epoch's."""


class DivergenceError(FloatingPointError):
    """Training went wrong: the loss became non-finite, rose for five epochs in a row,
    ended above its value at the starting weights, or never improved on its first epoch.

    ``loss_curve`` holds the losses of the epochs run, up to the failure.
    """

    def __init__(self, message: str, loss_curve: list[float] | None = None) -> None:
        super().__init__(message)
        self.loss_curve = list(loss_curve or [])


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before ``fit`` (scikit-learn's class when it is installed)."""
