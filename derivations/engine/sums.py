"""Sums with symbolic ranges: collapsing Kronecker deltas, fresh indices, one canonical form.

Also two speed-ups of SymPy, installed on import, that only ever leave a sum as it is
(what SymPy would return after trying) or copy known assumptions: they prove nothing.

>>> import sympy as sp
>>> j, k, K = sp.symbols("j k K", integer=True, positive=True)
>>> collapse_sums(sp.Sum(sp.KroneckerDelta(j, k), (k, 1, K)), {j: (1, K)})
1
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import sympy as sp

from derivations.engine.domains import _fresh, refine_ranges


def _unknown_sequence(f: sp.Basic, i: sp.Symbol) -> bool:
    """True when ``f`` has a term of an unknown sequence in ``i`` (``y_i``, ``g(i)``)."""
    return any(i in e.free_symbols for e in f.atoms(sp.Indexed, sp.core.function.AppliedUndef))


def _quick_sums() -> None:
    """SymPy's symbolic summation (Gosper's algorithm, hypergeometric terms) spends seconds
    on a sum of an unknown sequence such as ``sum_k y_k a_k`` before it finds no closed
    form; such a sum has none, so it is left unevaluated at once. This only ever leaves
    a sum as it is (what SymPy would return after trying): it cannot prove anything."""
    from sympy.concrete import summations

    original = summations.eval_sum_symbolic
    if getattr(original, "_quick", False):
        return

    def eval_sum_symbolic(f: sp.Basic, limits: tuple) -> sp.Basic | None:
        if _unknown_sequence(f, limits[0]):
            return None
        return original(f, limits)

    eval_sum_symbolic._quick = True  # type: ignore[attr-defined]
    summations.eval_sum_symbolic = eval_sum_symbolic


def _quick_indexed() -> None:
    """Every ``x[i]`` SymPy builds works out its base's assumptions again (``real`` ⇒
    ``finite``, ...), the bulk of the time of a substitution in a sum of indexed terms;
    the facts of a set of assumptions are the same every time, so each is worked out once
    and copied. What an indexed symbol is assumed to be does not change."""
    import copy

    from sympy.core.assumptions import StdFactKB
    from sympy.tensor.indexed import IndexedBase

    if getattr(IndexedBase._set_assumptions, "_quick", False):
        return
    known: dict = {}

    def _set_assumptions(obj: sp.Basic, assumptions: dict) -> None:
        key = tuple(sorted(assumptions.items()))
        if key not in known:
            tmp = assumptions.copy()
            facts = dict(assumptions, commutative=fuzzy_bool(assumptions.get("commutative",
                                                                             True)))
            kb = StdFactKB(facts)
            kb._generator = tmp
            known[key] = kb
        obj._assumptions = copy.copy(known[key])

    from sympy.core.logic import fuzzy_bool
    _set_assumptions._quick = True  # type: ignore[attr-defined]
    IndexedBase._set_assumptions = staticmethod(_set_assumptions)


_quick_sums()
_quick_indexed()


def collapse_sums(expr: sp.Basic, ranges: Mapping | None = None) -> sp.Basic:
    """Each sum split into its terms, with the factors free of its index taken out,
    and every Kronecker delta in its index summed away (what the ``ranges`` of free
    indices decide, :func:`refine_ranges`, decided on the way).

    >>> i, j, n = sp.symbols("i j n", integer=True, positive=True)
    >>> x = sp.IndexedBase("x")
    >>> collapse_sums(sp.Sum(2 * sp.KroneckerDelta(i, j) * x[i], (i, 1, j + n)))
    2*x[j]
    """
    from sympy.concrete.delta import deltasummation

    def one(s: sp.Sum) -> sp.Basic:
        if len(s.limits) != 1:
            return s
        v, lo, hi = s.limits[0]
        out = sp.S.Zero
        body = refine_ranges(_on_range(s.function, v, lo, hi), ranges or {})
        if body.has(sp.Piecewise):
            body = sp.piecewise_fold(body)
        for term in sp.Add.make_args(sp.expand(body, power_exp=True, mul=True,
                                               log=False, multinomial=False)):
            inner = [f for f in sp.Mul.make_args(term) if f.has(v)]
            outer = [f for f in sp.Mul.make_args(term) if not f.has(v)]
            body = sp.Mul(*inner)
            total = refine_ranges(deltasummation(body, (v, lo, hi)), ranges or {}) \
                if body.has(sp.KroneckerDelta) else sp.Sum(body, (v, lo, hi))
            out += sp.Mul(*outer) * total
        return out

    before, expr = None, fresh_indices(expr)  # no inner sum reuses an outer sum's index
    while before != expr:
        before = expr
        expr = canonical_sums(_exp_of_sums(expr.replace(lambda e: isinstance(e, sp.Sum), one)))
    return expr


def _exp_of_sums(expr: sp.Basic) -> sp.Basic:
    """prod_l e^{u_l} as e^{sum_l u_l}, the one form of an exponential of a sum."""
    return expr.replace(lambda e: isinstance(e, sp.Product) and isinstance(e.function, sp.exp),
                        lambda e: sp.exp(sp.Sum(e.function.args[0], *e.limits)))


def _on_range(body: sp.Basic, v: sp.Symbol, lo: sp.Basic, hi: sp.Basic) -> sp.Basic:
    """``body`` with each condition on ``v`` that holds for every v in [lo, hi] made True.

    A condition that holds for all ``v >= lo``, or for all ``v <= hi``, holds on the range.
    """
    if (hi - lo + 1).is_nonnegative is not True:  # Karr's rule for hi < lo - 1: leave it
        return body
    t = _fresh("t", integer=True, nonnegative=True)
    sure = {r: sp.true for r in body.atoms(sp.core.relational.Relational)
            if r.has(v) and (r.xreplace({v: lo + t}) is sp.true
                             or r.xreplace({v: hi - t}) is sp.true)}
    return body.xreplace(sure) if sure else body


def within_ranges(expr: sp.Basic) -> sp.Basic:
    """Each sum's conditions on its own index that hold on its range made True.

    SymPy's derivative of a sum in ``y_k`` answers "-y_k/a_k if k <= K"; inside
    a sum over k = 1, ..., K that condition always holds.
    """
    def one(s: sp.Sum) -> sp.Sum:
        body = s.function
        for v, lo, hi in s.limits:
            body = _on_range(body, v, lo, hi)
        return sp.Sum(body, *s.limits)

    # every index fresh first, so that an inner sum's own v is not taken for the outer v
    return fresh_indices(expr).replace(lambda e: isinstance(e, sp.Sum), one)


def fresh_indices(expr: sp.Basic, always: bool = False,
                  avoid: frozenset = frozenset()) -> sp.Basic:
    """Every sum's index replaced by a fresh one, so that a definition put inside
    another sum (or a derivative in an indexed symbol) cannot capture its index: always,
    or when two sums share an index or a sum's index is free outside it or in ``avoid``."""
    def rename(e: sp.Basic) -> sp.Basic:  # bottom-up, each node rebuilt as it was
        if not e.args:
            return e
        args = [rename(a) for a in e.args]
        if isinstance(e, sp.Sum):
            new = [(_fresh(str(v), integer=True), lo, hi) for v, lo, hi in args[1:]]
            body = args[0].xreplace({old[0]: n[0] for old, n in zip(args[1:], new,
                                                                    strict=True)})
            return sp.Sum(body, *new)
        if all(a is b for a, b in zip(args, e.args, strict=True)):
            return e
        return e.func(*args)

    needed = expr.has(sp.Sum) if always else _reused_indices(expr, avoid)
    return rename(expr) if needed else expr


def _reused_indices(expr: sp.Basic, avoid: frozenset = frozenset()) -> bool:
    """True when two sums share an index letter (or a sum's index is also free outside, or
    in ``avoid``): only then can one capture the other's, and fresh names are needed."""
    sums = expr.atoms(sp.Sum) if isinstance(expr, sp.Basic) else set()
    letters = [v for s in sums for v in s.variables]
    return len(set(letters)) != len(letters) or bool(set(letters) & (expr.free_symbols
                                                                     | avoid))


@functools.cache
def _sum_index(height: int) -> sp.Dummy:
    """The one index of every sum holding ``height`` sums: a Dummy, so that no symbol a
    user writes (even one named ``_sum0``) can be captured by it."""
    return sp.Dummy(f"sum{height}", integer=True)


def canonical_sums(expr: sp.Basic) -> sp.Basic:
    """Every sum's index named by how many sums it holds, so that sum_i y_i and sum_k y_k
    are equal wherever they stand, and nested sums keep distinct names."""
    def rename(e: sp.Basic) -> tuple[sp.Basic, int]:  # (renamed, height)
        if not e.args:
            return e, 0
        parts = [rename(a) for a in e.args]
        height = max((h for _, h in parts), default=0)
        args = [a for a, _ in parts]
        if isinstance(e, sp.Sum) and len(e.limits) == 1:
            (v, lo, hi), = e.limits
            new = _sum_index(height)
            body = e.function
            renamed = rename(body)[0].xreplace({v: new})
            return sp.Sum(renamed, (new, rename(lo)[0], rename(hi)[0])), height + 1
        return (e.func(*args) if args != list(e.args) else e), height

    try:
        return rename(expr)[0]
    except (TypeError, ValueError):
        return expr
