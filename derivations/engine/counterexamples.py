"""Points where two sides differ: numbers may disprove a step, never prove one.

:func:`counterexample` tries a few exact sample points (:func:`sample_points`) and the
special values of the parameters; the error message of a failed step names the one found.

>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> counterexample(t**2, t, {}) is not None
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping

import sympy as sp
from sympy.logic.boolalg import BooleanAtom

from derivations.engine.definedness import contained
from derivations.engine.domains import condition_set

_PROBES = (0, 1, -1, 2, -2, sp.Rational(1, 2), -sp.Rational(1, 2), 3, sp.Rational(1, 3),
           sp.Rational(7, 10), -sp.Rational(13, 10), 5)


def sample_points(symbols: Iterable[sp.Symbol], declared: Mapping[sp.Basic, sp.Set],
                  limit: int = 60, special: Mapping | None = None) -> Iterator[dict]:
    """Exact points that respect every symbol's condition, for refuting only."""
    syms = sorted(set(symbols), key=str)
    options = []
    for s in syms:
        domain = condition_set(s, declared)
        probes = [*(special or {}).get(s, []), *_PROBES]
        values = [v for v in probes if contained(sp.S(v), domain)] if domain is not None \
            else probes
        if isinstance(domain, sp.FiniteSet):
            values = list(domain)
        options.append(values or [sp.S.Half])
    for n, combo in enumerate(itertools.product(*options)):
        if n >= limit:
            return
        yield dict(zip(syms, combo, strict=True))


def number(value: sp.Basic) -> complex | None:
    """``value`` as a finite complex number (30 digits of working precision), else None."""
    try:
        v = complex(sp.N(value, 30))
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None
    return v if math.isfinite(v.real) and math.isfinite(v.imag) else None


def special_values(first: sp.Basic, second: sp.Basic, params: Iterable[sp.Symbol],
                   limit: int = 6) -> dict:
    """Values of each parameter where a factor or term of the statements vanishes.

    ``(a - 7) x = 0`` gives ``{a: [7]}``: where solveset's division by ``a - 7`` fails.
    """
    out: dict = {}
    parts = [n for e in (first, second) for n in sp.preorder_traversal(e)
             if isinstance(n, (sp.Add, sp.Pow, sp.Mul))]
    for s in params:
        found: list = []
        for node in parts:
            if len(found) >= limit or not node.has(s) or node.count_ops() > 20:
                continue
            try:
                roots = sp.solveset(node, s, sp.S.Reals)
            except Exception:
                continue
            if isinstance(roots, sp.FiniteSet):
                found += [r for r in roots if r.is_number and r not in found]
        out[s] = found[:limit]
    return out


def counterexample(first: sp.Basic, second: sp.Basic, declared: Mapping[sp.Basic, sp.Set],
                   statements: bool = False, special: Mapping | None = None) -> dict | None:
    """A point (with both values) where the two sides differ, or None if none was found.

    Only ever used to refute: finding no counterexample proves nothing.
    """
    free = (first.free_symbols | second.free_symbols)
    free = {s for s in free if isinstance(s, sp.Symbol)}
    for point in sample_points(free, declared, special=special):
        try:
            u, v = first.xreplace(point), second.xreplace(point)
            if statements:
                u, v = sp.simplify(u), sp.simplify(v)
                if isinstance(u, BooleanAtom) and isinstance(v, BooleanAtom) and u != v:
                    return {"at": point, "before": u, "after": v}
                continue
            nu, nv = number(u.doit()), number(v.doit())
        except Exception:
            continue
        if nu is None or nv is None:
            continue
        if abs(nu - nv) > 1e-9 * max(1.0, abs(nu), abs(nv)):
            return {"at": point, "before": u, "after": v}
    return None
