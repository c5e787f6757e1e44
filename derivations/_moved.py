"""The old module paths of ``derivations``, kept working for one release (then removed).

The engine moved to :mod:`derivations.engine` and the lecture to :mod:`derivations.lecture`;
``import derivations.core`` (or ``from derivations.sigmoid import sigmoid_derivative``)
still works: :class:`MovedFinder`, installed by ``derivations/__init__.py``, imports the
new home, puts it in ``sys.modules`` under the old name and warns with a
``DeprecationWarning`` that names the new home. A module that was split in several
(``derivations.core``, ``proof``, ``relations``, ``printing``) becomes a read-only view
that looks each name up in its new homes, so every object is the very same one.

>>> import sys, warnings
>>> _ = sys.modules.pop("derivations.sigmoid", None)  # imported before: it would not warn
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     from derivations.sigmoid import sigmoid_derivative
>>> import derivations.lecture.sigmoid as new
>>> sigmoid_derivative is new.sigmoid_derivative, str(caught[0].message).split(";")[0]
(True, 'derivations.sigmoid moved to derivations.lecture.sigmoid')
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
import warnings
from typing import Any

_ENGINE = "derivations.engine"

#: old module -> its new home(s), in the order a name is looked up
MOVED: dict[str, tuple[str, ...]] = {
    "derivations.core": tuple(f"{_ENGINE}.{m}" for m in (
        "derivation", "parallel", "steps", "results", "fingerprint", "lookalikes")),
    "derivations.proof": tuple(f"{_ENGINE}.{m}" for m in (
        "signs", "domains", "sums", "definedness", "statements", "counterexamples", "steps")),
    "derivations.relations": tuple(f"{_ENGINE}.{m}" for m in (
        "relation", "bound", "cases", "rules")),
    "derivations.printing": (f"{_ENGINE}.printing", f"{_ENGINE}.typeset"),
    **{f"derivations.{m}": (f"derivations.lecture.{m}",) for m in (
        "sigmoid", "loss", "chain_rule", "comparison", "sgd", "threshold", "curvature",
        "stable", "softmax", "stepsize", "vanishing", "symbols")},
}


class _SplitModule(types.ModuleType):
    """An old module that was split: each name is looked up in its new homes, in order."""

    def __init__(self, name: str, homes: tuple[types.ModuleType, ...]) -> None:
        super().__init__(name, f"Moved: see {', '.join(h.__name__ for h in homes)}.")
        self._homes = homes

    def __getattr__(self, attr: str) -> Any:
        for home in self.__dict__.get("_homes", ()):
            if hasattr(home, attr):
                return getattr(home, attr)
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r} (it moved "
                             f"to {', '.join(h.__name__ for h in self._homes)})")

    def __dir__(self) -> list[str]:
        return sorted(set().union(*(dir(h) for h in self._homes)))


class _Alias(importlib.abc.Loader):
    """Loads an old name as its new home (or a view of its homes), keeping the home's spec."""

    def __init__(self, homes: tuple[str, ...]) -> None:
        self.homes = homes
        self._spec: Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        homes = tuple(importlib.import_module(h) for h in self.homes)
        if len(homes) > 1:
            return _SplitModule(spec.name, homes)
        self._spec = homes[0].__spec__  # the import system sets __spec__: put it back below
        return homes[0]

    def exec_module(self, module: types.ModuleType) -> None:
        if self._spec is not None:
            module.__spec__ = self._spec


class MovedFinder(importlib.abc.MetaPathFinder):
    """Finds the old module paths of :data:`MOVED`, with a ``DeprecationWarning``."""

    def find_spec(self, fullname: str, path: Any = None,
                  target: Any = None) -> importlib.machinery.ModuleSpec | None:
        homes = MOVED.get(fullname)
        if homes is None:
            return None
        where = homes[0] if len(homes) == 1 else f"{_ENGINE} ({', '.join(homes)})"
        warnings.warn(f"{fullname} moved to {where}; import from there (the old path "
                      "goes away in the next release)", DeprecationWarning, stacklevel=2)
        return importlib.machinery.ModuleSpec(fullname, _Alias(homes))


class _Package(types.ModuleType):
    """The ``derivations`` package: an old module never replaces a name it defines.

    Importing ``derivations.threshold`` (the old module) makes the import system set the
    package's attribute ``threshold`` to that module; the function ``derivations.threshold``
    stays what it is, as it did before the move.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        mine = self.__dict__.get(name)
        if (isinstance(value, types.ModuleType) and f"{self.__name__}.{name}" in MOVED
                and mine is not None and not isinstance(mine, types.ModuleType)):
            return
        super().__setattr__(name, value)


def install(package: types.ModuleType) -> None:
    """Put :class:`MovedFinder` on ``sys.meta_path`` (once) and guard ``package``'s names."""
    package.__class__ = _Package
    if not any(isinstance(f, MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedFinder())


def moved_attribute(name: str) -> types.ModuleType:
    """``derivations.<name>`` imported on first use: an old module name (warned about, as
    from the caller's line) or a subpackage not yet imported (``derivations.checking``)."""
    full = f"derivations.{name}"
    if full in MOVED:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = importlib.import_module(full)
        for w in caught:  # said again from the line that used the old name
            warnings.warn(w.message, w.category, stacklevel=3)
        return module
    if not name.startswith("_") and importlib.util.find_spec(full) is not None:
        return importlib.import_module(full)
    raise AttributeError(f"module 'derivations' has no attribute {name!r}")
