"""Logistic regression whose every formula comes from :mod:`derivations`.

>>> import logreg
>>> X, y = logreg.two_blobs(50)
>>> logreg.LogisticRegression(eta=0.1, max_iter=50, tol=None).fit(X, y).predict(X[:2])
array([0, 0])

The names below are loaded on first use, so ``import logreg`` (and the ``logreg``
command's start-up, where Ctrl-C must give one line, not a traceback) proves nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> the module that defines it (the module itself for ``kernels``)
_HOME = {
    "kernels": "logreg.kernels",
    "two_blobs": "logreg.data",
    "three_blobs": "logreg.data",
    "check_gradient": "logreg.gradcheck",
    "ConvergenceWarning": "logreg.exceptions",
    "DivergenceError": "logreg.exceptions",
    "LogisticRegression": "logreg.model",
    "NotFittedError": "logreg.exceptions",
}

if TYPE_CHECKING:
    from logreg import kernels
    from logreg.data import three_blobs, two_blobs
    from logreg.exceptions import ConvergenceWarning, DivergenceError, NotFittedError
    from logreg.gradcheck import check_gradient
    from logreg.model import LogisticRegression


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'logreg' has no attribute {name!r}")
    module = importlib.import_module(_HOME[name])
    value = module if module.__name__.endswith(f".{name}") else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})


__all__ = ["ConvergenceWarning", "DivergenceError", "LogisticRegression", "NotFittedError",
           "check_gradient", "kernels", "three_blobs", "two_blobs"]
