"""Input checks with clear messages, in scikit-learn's wording where it has one."""

from __future__ import annotations

import math
import numbers
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from logreg.exceptions import NotFittedError  # defined there; importable here as before

#: rows checked at a time for NaN/inf, so that the check never copies X
CHECK_BLOCK = 65536


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
        try:
            arr = np.asarray(X)
        except ValueError:
            raise ValueError(_ragged_message(X, name)) from None
        if arr.dtype == object and (missing := _missing_values(arr.ravel().tolist())):
            raise ValueError(f"Input {name} contains missing values ({missing}): every value "
                             "must be a finite number; remove or impute those entries.")
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
            what = "NaN (missing values)" if np.isnan(block).any() else "infinity"
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
    try:
        arr = np.asarray(y)
    except ValueError:
        raise ValueError("y must be a 1-D array of labels, one per row of X; got a ragged "
                         "sequence.") from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        try:
            from sklearn.exceptions import DataConversionWarning as Warn
        except ImportError:
            Warn = UserWarning
        warn("A column-vector y was passed when a 1d array was expected; it was "
             "flattened with y.ravel().", Warn)
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"y must be a 1-D array of labels, got shape {arr.shape}.")
    if arr.shape[0] != n_samples:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: "
                         f"X has {n_samples} rows but y has {arr.shape[0]} labels.")
    if arr.dtype.kind == "O" or (arr.dtype.kind == "U" and not isinstance(y, np.ndarray)):
        arr = _check_label_types(arr, np.asarray(y, dtype=object).ravel())
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        what = "NaN (missing values)" if np.isnan(arr).any() else "infinity"
        raise ValueError(f"Input y contains {what}: every label must be a class; drop those "
                         "rows or fill in their labels.")
    if arr.dtype.kind == "f" and np.any(fractional := arr != np.round(arr)):
        raise ValueError(f"Unknown label type: continuous. y holds non-integer numbers such "
                         f"as {arr[fractional][0]:g}, which look like regression targets; a "
                         "classifier needs class labels: integers, booleans, strings, or "
                         "floats with whole values such as 0.0 and 1.0.")
    return arr


#: missing-value markers by type name: None, and pandas' NA and NaT
_MISSING = {"NoneType": "None", "NAType": "pd.NA", "NaTType": "pd.NaT"}


def _missing_values(values: list) -> str:
    """The missing-value markers among values, named (e.g. "None, pd.NA"), or ''.

    A float NaN among other values (an empty cell of a string column, as pandas
    reads it) counts as missing too.

    >>> _missing_values(["a", float("nan"), None])
    'NaN, None'
    """
    types = set(map(type, values))
    found = {_MISSING.get(t.__name__) for t in types}
    if any(issubclass(t, (float, np.floating)) for t in types) and any(
            isinstance(v, (float, np.floating)) and math.isnan(v) for v in values):
        found.add("NaN")
    return ", ".join(sorted(found - {None}))


def _label_kind(t: type) -> str:
    if issubclass(t, (str, bytes)):
        return "string"
    if issubclass(t, (numbers.Number, np.number, np.bool_)):
        return "number"
    return t.__name__


def _check_label_types(arr: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Labels of one kind, all numbers or all strings, and none missing.

    ``values`` are y's elements as Python objects: NumPy turns ["a", 1] into
    strings and cannot order "a" and None, so the kinds are read from them.
    An object array of numbers comes back as a numeric array.
    """
    items = values.tolist()
    if missing := _missing_values(items):
        raise ValueError(f"Input y contains missing values ({missing}): every label must be a "
                         "class; drop those rows or fill in their labels.")
    kinds = {_label_kind(t) for t in set(map(type, items))}
    if len(kinds) > 1:
        raise ValueError(f"Mix of label input types ({' and '.join(sorted(kinds))}): y's "
                         "labels must be all numbers or all strings.")
    if kinds - {"string", "number"}:
        raise ValueError(f"Unknown label type: y holds labels of type {kinds.pop()}; labels "
                         "must be numbers, booleans or strings.")
    if kinds == {"number"} and arr.dtype.kind == "O":
        return np.asarray(items).reshape(arr.shape)
    return arr


def _ragged_message(X: Any, name: str) -> str:
    try:
        lengths = sorted({len(row) for row in X})
    except TypeError:
        return (f"{name} could not be read as an (n_samples, n_features) array: its rows "
                "must all be sequences of numbers of the same length.")
    return (f"{name} is ragged: its rows have different lengths ({lengths[:5]}); every row "
            "must have the same number of features.")


def check_random_state(value: Any) -> None:
    """Raise ValueError unless value is a seed NumPy's default_rng takes, or a generator."""
    seed = isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0
    kinds = (np.random.Generator, np.random.RandomState, np.random.SeedSequence,
             np.random.BitGenerator)
    if not (value is None or seed or isinstance(value, kinds)):
        raise ValueError(f"random_state must be None, a non-negative int seed, or a "
                         f"numpy.random.Generator or RandomState, got {value!r}.")


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


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """sample_weight as a new float64 array of n_samples finite weights >= 0, not all 0
    (a number gives every example that weight); None stays None.

    >>> check_sample_weight([1, 2], 2).tolist(), check_sample_weight(3, 2).tolist()
    ([1.0, 2.0], [3.0, 3.0])
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number) and not isinstance(sample_weight, bool):
        sample_weight = np.full(n_samples, sample_weight)
    try:
        arr = np.array(sample_weight, dtype=np.float64)  # a copy: the caller's is kept
    except (TypeError, ValueError):
        raise ValueError("sample_weight must be a 1-D array of numbers, one per row of X; "
                         f"got {type(sample_weight).__name__}.") from None
    if arr.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, one weight per row of X, got shape "
                         f"{arr.shape}.")
    if arr.shape[0] != n_samples:
        raise ValueError(f"sample_weight has {arr.shape[0]} weights but X has {n_samples} "
                         "rows; give one weight per row.")
    if not np.isfinite(arr).all():
        raise ValueError("sample_weight contains NaN or infinity; every weight must be a "
                         "finite number >= 0.")
    if (arr < 0).any():
        raise ValueError(f"sample_weight contains negative weights (e.g. {arr[arr < 0][0]:g}); "
                         "weights must be >= 0.")
    if not arr.any():
        raise ValueError("Sample weights must contain at least one non-zero number: every "
                         "weight is zero, so there is nothing to learn from.")
    return arr


# ----------------------------------------------------------- feature names --
def feature_names(X: Any) -> np.ndarray | None:
    """A DataFrame's column names as an object array when all are strings, else None
    (scikit-learn's rule; mixed string and other names are an error)."""
    columns = getattr(X, "columns", None)
    if columns is None or type(X).__module__.split(".")[0] not in ("pandas", "polars"):
        return None
    names = np.asarray(list(columns), dtype=object)
    if names.size == 0:
        return None
    types = sorted({type(v).__qualname__ for v in names})
    if len(types) > 1 and "str" in types:
        raise TypeError(
            "Feature names are only supported if all input features have string names, "
            f"but your input has {types} as feature name / column name types. If you want "
            "feature names to be stored and validated, you must convert them all to "
            "strings, by using X.columns = X.columns.astype(str) for example. Otherwise "
            "you can remove feature / column names from your input data, or convert them "
            "all to a non-string data type.")
    return names if types == ["str"] else None


def check_feature_names(fitted: np.ndarray | None, X: Any, estimator: str) -> None:
    """X's column names against those seen in fit, with scikit-learn's messages: a
    warning when only one of them has names, an error when they differ."""
    names = feature_names(X)
    if fitted is None and names is None:
        return
    if fitted is None:
        warn(f"X has feature names, but {estimator} was fitted without feature names",
             UserWarning)
        return
    if names is None:
        warn(f"X does not have valid feature names, but {estimator} was fitted with "
             "feature names", UserWarning)
        return
    if len(fitted) == len(names) and (fitted == names).all():
        return
    unexpected = sorted(set(names) - set(fitted))
    missing = sorted(set(fitted) - set(names))

    def listed(values: list) -> str:
        shown = [f"- {v}\n" for v in values[:5]]
        return "".join(shown) + ("- ...\n" if len(values) > 5 else "")

    message = "The feature names should match those that were passed during fit.\n"
    if unexpected:
        message += "Feature names unseen at fit time:\n" + listed(unexpected)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + listed(missing)
    if not unexpected and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(message)


# ---------------------------------------------------------------- warnings --
_PACKAGE = str(Path(__file__).resolve().parent) + os.sep


def caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside ``logreg``
    (the user's line), counted from the function that calls ``warnings.warn``."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
            _PACKAGE):
        frame = frame.f_back
        level += 1
    return level


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` pointed at the caller's line, outside this package."""
    warnings.warn(message, category, stacklevel=caller_stacklevel())
