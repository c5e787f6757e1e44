"""Logistic regression whose every formula comes from :mod:`derivations`.

>>> import logreg
>>> X, y = logreg.two_blobs(50)
>>> logreg.LogisticRegression(eta=0.1, max_iter=50, tol=None).fit(X, y).predict(X[:2])
array([0, 0])
"""

from __future__ import annotations

from logreg import kernels
from logreg.data import two_blobs
from logreg.gradcheck import check_gradient
from logreg.model import ConvergenceWarning, DivergenceError, LogisticRegression
from logreg.validation import NotFittedError

__version__ = "0.1.0"

__all__ = ["ConvergenceWarning", "DivergenceError", "LogisticRegression", "NotFittedError",
           "check_gradient", "kernels", "two_blobs"]
