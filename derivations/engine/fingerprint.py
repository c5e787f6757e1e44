"""A derivation's content hash: what makes it verified, and stay verified.

:class:`Fingerprint` (a mixin of :class:`~derivations.engine.derivation.Derivation`)
hashes everything a derivation says and cites, SymPy objects by :func:`sympy_key`
(with every symbol's and function's assumptions); ``d.verified`` is True while the hash
is the one proven, and a proof made in another process is adopted only for that hash.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import sympy as sp

from derivations.engine.steps import Step, StepError


def sympy_key(e: Any, memo: dict | None = None) -> Any:
    """``e`` as nested JSON-able lists that tell apart whatever SymPy's checks tell apart:
    each node's class (module and name), every symbol's and function's name and
    assumptions (``srepr`` drops a function's), a dummy's identity, numbers exactly.

    >>> f, g = sp.Function("f"), sp.Function("f", positive=True)
    >>> x = sp.Symbol("x")
    >>> sp.srepr(f(x)) == sp.srepr(g(x)), sympy_key(f(x)) == sympy_key(g(x))
    (True, False)
    """
    memo = {} if memo is None else memo
    if id(e) in memo:
        return memo[id(e)]
    if isinstance(e, sp.core.function.UndefinedFunction):
        out: Any = ["function", e.__name__, sorted((k, v) for k, v in e._kwargs.items()
                                                  if v is not None)]
    elif isinstance(e, sp.FunctionClass):
        out = ["class", f"{e.__module__}.{e.__qualname__}"]
    elif isinstance(e, sp.Symbol):
        out = [type(e).__name__, e.name, sorted((k, v) for k, v in e.assumptions0.items()
                                                if v is not None)]
        if isinstance(e, sp.Dummy):
            out.append(e.dummy_index)
    elif isinstance(e, (sp.Number, sp.NumberSymbol)) or not isinstance(e, sp.Basic):
        out = ["atom", sp.srepr(e) if isinstance(e, sp.Basic) else repr(e)]
    else:
        head = sympy_key(e.func, memo) if isinstance(e, sp.core.function.AppliedUndef) \
            else f"{type(e).__module__}.{type(e).__qualname__}"
        out = [head, [sympy_key(a, memo) for a in e.args]]
    memo[id(e)] = out
    return out


@functools.lru_cache(maxsize=8192)
def _sympy_json(e: Any) -> str:
    """:func:`sympy_key` as JSON, remembered per SymPy object: an object is immutable, and
    two that SymPy holds equal have the same symbols, assumptions and structure (an edit
    to a derivation puts in another object, whose key is worked out afresh)."""
    return json.dumps(sympy_key(e))


class Fingerprint:
    """A derivation's content hash: it is verified while the hash is the proven one.

    A mixin of :class:`~derivations.engine.derivation.Derivation` (the fields below are
    its); the hash covers everything the derivation says and cites.
    """

    title: str
    name: str
    intro: str
    where: tuple
    functions: Mapping
    conditions: Mapping
    _steps: list[Step]
    _proof: str | None

    def _content(self) -> list[Any]:
        """Every SymPy object this derivation shows or checks with: steps, labels, the
        relations' parameters, definitions, functions, conditions and cited statements."""
        parts: list[Any] = [e for s in self._steps for e in (s.expr, s.label)]
        parts += [e for pair in self.where for e in pair]
        for step in self._steps:
            rel = step.relation
            parts += [getattr(rel, f.name) for f in fields(rel)
                      if not isinstance(getattr(rel, f.name), (Fingerprint, Step))]
            names = getattr(rel, "results", None) or (getattr(rel, "result", None),)
            for source in rel.cited():
                for name in names:
                    try:  # what the step shows of it (the check proves the source)
                        if hasattr(rel, "results"):
                            path = source._path(source.chain(name)[-1])
                            parts += [path[0].expr, path[0].label, path[-1].expr]
                        else:
                            parts += source.statement(name)
                        parts += source.premises(name)
                    except StepError:
                        continue  # the check of the step says so
        used = [e for e in parts if isinstance(e, sp.Basic)]  # what is shown of the rest:
        parts += [(fn, lam) for fn, lam in self.functions.items()  # the functions and
                  if any(e.has(fn) for e in used)]                  # conditions used
        parts += [(s, c) for s, c in self.conditions.items() if any(e.has(s) for e in used)]
        return parts

    def _adopt(self, fingerprint: str | None) -> None:
        """Take a proof made of this very content elsewhere (see :func:`verify_all`):
        only when ``fingerprint`` is this derivation's content hash."""
        if fingerprint is not None and fingerprint == self._fingerprint():
            self._proof = fingerprint

    @property
    def verified(self) -> bool:
        """True when verified and nothing it says or cites has changed since."""
        return self._proof is not None and self._proof == self._fingerprint()

    def _fingerprint(self) -> str:
        """A hash of everything this derivation says and cites (JSON of the parts: no two
        different lists of parts encode alike; SymPy objects by :func:`sympy_key`, with the
        assumptions of every symbol and function)."""
        parts: list[Any] = [self.title, self.name, self.intro, self._key(self.where),
                            sorted((self._key(k), self._key(v))
                                   for k, v in self.functions.items()),
                            sorted((self._key(k), self._key(v))
                                   for k, v in self.conditions.items())]
        for step in self._steps:
            kind = type(step.relation)
            parts += [self._key(step.expr), self._key(step.label), step.why, str(step.name),
                      f"{kind.__module__}.{kind.__qualname__}"]
            parts += [self._key(getattr(step.relation, f.name)) for f in fields(step.relation)]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def _key(self, value: Any) -> Any:
        """``value`` for :meth:`_fingerprint`, as JSON-able lists and strings."""
        if isinstance(value, Fingerprint):
            return ["derivation", value._fingerprint()]
        if isinstance(value, Step):
            return ["step", self.number(value)]
        if isinstance(value, (sp.Basic, sp.FunctionClass)):
            return ["sympy", _sympy_json(value)]
        if isinstance(value, (tuple, list)):
            return ["seq", [self._key(v) for v in value]]
        if isinstance(value, Mapping):
            return ["map", sorted((self._key(k), self._key(v)) for k, v in value.items())]
        return ["repr", repr(value)]
