"""Input checks with clear messages, in scikit-learn's wording where it has one."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

#: rows checked at a time for NaN/inf, so that the check never copies X
CHECK_BLOCK = 65536


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before ``fit`` (scikit-learn's class when it is installed)."""


def not_fitted_error(name: str) -> Exception:
    msg = (f"This {name} instance is not fitted yet. Call 'fit' with appropriate "
           "arguments before using this estimator.")
    try:
        from sklearn.exceptions import NotFittedError as SkNotFitted
    except ImportError:
        return NotFittedError(msg)
    return SkNotFitted(msg)


def _is_sparse(X: Any) -> bool:
    return hasattr(X, "tocsr") and hasattr(X, "nnz")


def check_X(X: Any, name: str = "X", n_features: int | None = None,
            estimator: str = "LogisticRegression") -> np.ndarray:
    """X as a 2-D float32 or float64 array (no copy when it already is one), all finite."""
    if _is_sparse(X):
        raise TypeError(f"{estimator} does not accept sparse input; pass a dense array "
                        "(e.g. X.toarray()).")
    if hasattr(X, "dtype") and hasattr(X, "__array__") and not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if isinstance(X, np.ndarray) and X.dtype in (np.float32, np.float64):
        arr = X
    else:
        arr = np.asarray(X)
        if arr.dtype.kind == "c":
            raise ValueError(f"Complex data not supported: {name} has dtype {arr.dtype}; "
                             "pass real numbers.")
        if arr.dtype.kind not in "biuf":
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"{name} must contain numbers only; could not convert "
                                 f"{name} (dtype {arr.dtype}) to float: {exc}") from None
        else:
            arr = arr.astype(np.float64)
    if arr.ndim != 2:
        shape = "a scalar" if arr.ndim == 0 else f"a {arr.ndim}-D array of shape {arr.shape}"
        raise ValueError(f"Expected 2D array, got {shape} instead: {name} must be an (n_samples,"
                         " n_features) array. Reshape your data either using "
                         "array.reshape(-1, 1) if your data has a single feature or "
                         "array.reshape(1, -1) if it contains a single sample.")
    if arr.shape[0] < 1:
        raise ValueError(f"Found array with 0 sample(s) (shape={arr.shape}) while a minimum "
                         f"of 1 is required: {name} is empty.")
    if arr.shape[1] < 1:
        raise ValueError(f"Found array with 0 feature(s) (shape={arr.shape}) while a minimum "
                         f"of 1 is required: {name} has no features.")
    for start in range(0, arr.shape[0], CHECK_BLOCK):
        block = arr[start:start + CHECK_BLOCK]
        if not np.isfinite(block).all():
            what = "NaN" if np.isnan(block).any() else "infinity"
            raise ValueError(f"Input {name} contains {what}: every value must be a finite "
                             "number; remove or impute those entries.")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"X has {arr.shape[1]} features, but {estimator} is expecting "
                         f"{n_features} features as input.")
    return arr


def check_y(y: Any, n_samples: int) -> np.ndarray:
    """y as a 1-D array of n_samples labels."""
    if y is None:
        raise ValueError("requires y to be passed, but the target y is None: fit(X, y) "
                         "needs the labels.")
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        try:
            from sklearn.exceptions import DataConversionWarning as Warn
        except ImportError:
            Warn = UserWarning
        warnings.warn("A column-vector y was passed when a 1d array was expected; it was "
                      "flattened with y.ravel().", Warn, stacklevel=3)
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"y must be a 1-D array of labels, got shape {arr.shape}.")
    if arr.shape[0] != n_samples:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: "
                         f"X has {n_samples} rows but y has {arr.shape[0]} labels.")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError("Input y contains NaN or infinity: every label must be a class.")
    if arr.dtype.kind == "f" and np.any(arr != np.round(arr)) and np.unique(arr).size > 2:
        raise ValueError("Unknown label type: continuous. y looks like regression targets; "
                         "logistic regression needs two classes.")
    return arr


def check_positive_number(value: Any, name: str, *, integer: bool = False,
                          allow_zero: bool = False, allow_none: bool = False) -> None:
    """Raise ValueError unless value is a finite number > 0 (or >= 0, or None)."""
    if value is None and allow_none:
        return
    kind = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool) and np.isfinite(value) \
        and (value >= 0 if allow_zero else value > 0)
    if not ok:
        need = "an integer" if integer else "a finite number"
        bound = ">= 0" if allow_zero else (">= 1" if integer else "> 0")
        extra = " or None" if allow_none else ""
        raise ValueError(f"{name} must be {need} {bound}{extra}, got {value!r}.")
