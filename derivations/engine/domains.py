"""Where symbols range: declared conditions and assumptions, as sets and as instances.

- :func:`condition_set` — the set a symbol ranges over (declared, or from its assumptions).
- :func:`parametrize` — every value of a set, as finitely many expressions in fresh
  symbols that carry exactly the set's assumptions: ``(0, 1)`` is ``p/(1+p)``, ``p > 0``.
- :func:`instances` — the substitutions that cover all declared conditions at once.
- :func:`index_ranges`, :func:`refine_ranges`, :func:`index_cases` — indices such as
  ``j`` in ``{1, ..., K}``, and what ``j <= K`` then says.

>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> [str(e) for e in parametrize(t, sp.FiniteSet(0, 1))]
['0', '1']
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping

import sympy as sp

from derivations.engine.steps import ProofGap


def condition_set(sym: sp.Symbol, declared: Mapping[sp.Basic, sp.Set]) -> sp.Set | None:
    """The set ``sym`` ranges over: its declared condition, else its assumptions.

    None for a symbol with no real assumption (it may be complex).
    """
    if sym in declared:
        return declared[sym]
    if sym.is_positive:
        return sp.Interval.open(0, sp.oo)
    if sym.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if sym.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if sym.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    if sym.is_integer:
        return sp.S.Integers
    if sym.is_real:
        return sp.S.Reals
    return None


def assumption_statement(sym: sp.Basic) -> sp.Basic | None:
    """What the assumptions of a symbol (or of an applied function, ``f(x)`` for
    ``Function("f", positive=True)``) say, as one statement to show (``eta > 0``,
    ``u \\neq 0``, ``n \\in 2\\mathbb{Z}``), or None for real or nothing.

    >>> assumption_statement(sp.Symbol("n", even=True))
    Contains(n, ImageSet(Lambda(_k, 2*_k), Integers))
    """
    if sym.is_even or sym.is_odd:
        k = sp.Dummy("k", integer=True)
        parity = sp.Contains(sym, sp.ImageSet(sp.Lambda(k, 2 * k + (1 if sym.is_odd else 0)),
                                              sp.S.Integers), evaluate=False)
        sign = assumption_statement(sp.Dummy(positive=sym.is_positive, negative=sym.is_negative,
                                             nonnegative=sym.is_nonnegative,
                                             nonpositive=sym.is_nonpositive, real=True))
        return parity if sign is None else sp.And(sign.func(sym, 0, evaluate=False), parity,
                                                  evaluate=False)
    if sym.is_positive:
        return sp.Gt(sym, 0, evaluate=False)
    if sym.is_negative:
        return sp.Lt(sym, 0, evaluate=False)
    if sym.is_nonnegative:
        return sp.Ge(sym, 0, evaluate=False)
    if sym.is_nonpositive:
        return sp.Le(sym, 0, evaluate=False)
    if sym.is_integer:
        return sp.Contains(sym, sp.S.Integers, evaluate=False)
    if sym.is_rational:
        return sp.Contains(sym, sp.S.Rationals, evaluate=False)
    if sym.is_zero is False and sym.is_nonzero:
        return sp.Ne(sym, 0, evaluate=False)
    return None  # real (the default of the lecture) or unconstrained


def _fresh(name: str, **assumptions: bool) -> sp.Dummy:
    return sp.Dummy(name, **assumptions)


def parametrize(sym: sp.Symbol, domain: sp.Set) -> list[sp.Expr]:
    """Expressions whose values, over their fresh symbols' assumptions, are exactly ``domain``.

    Finite sets give their elements; intervals give one expression each in a
    fresh positive (or nonnegative) symbol; unions give all of their parts.
    """
    name = "p_" + str(sym).replace("\\", "")
    if isinstance(domain, sp.FiniteSet):
        return list(domain)
    if domain == sp.S.Reals:
        return [_fresh(name, real=True)]
    if isinstance(domain, sp.Union):
        return [e for part in domain.args for e in parametrize(sym, part)]
    if isinstance(domain, sp.Interval):
        lo, hi = domain.start, domain.end
        ends = [v for v, open_ in ((lo, domain.left_open), (hi, domain.right_open))
                if not open_ and v.is_finite]
        p = _fresh(name, positive=True)
        if lo.is_infinite and hi.is_infinite:
            inner = [_fresh(name, real=True)]
        elif hi.is_infinite:
            inner = [lo + p]
        elif lo.is_infinite:
            inner = [hi - p]
        else:
            inner = [lo + (hi - lo) * p / (1 + p)]
        return [*ends, *inner]
    raise ProofGap(f"cannot enumerate {sym} in {domain}: use intervals, finite sets "
                   "or unions of them")


def instances(declared: Mapping[sp.Basic, sp.Set], symbols: Iterable[sp.Basic],
              split: Iterable[sp.Basic] | None = None) -> Iterator[dict]:
    """Substitutions covering every declared condition of ``symbols`` (one dict each).

    Indices declared in ``{1, ..., K}`` are put in order (:func:`index_cases`) when they
    are in ``split`` (default: all); the others stay symbols, and :func:`refine_ranges`
    decides what their range decides.

    >>> y = sp.Symbol("y", real=True)
    >>> [d[y] for d in instances({y: sp.FiniteSet(0, 1)}, [y])]
    [0, 1]
    """
    syms = [s for s in declared if s in set(symbols)]
    ranges: dict = {}  # K -> the indices j, k declared in {1, ..., K}
    for s in list(syms):
        end = _index_range(s, declared[s]) if isinstance(declared[s], sp.Range) else None
        if end is not None:
            syms.remove(s)
            if split is None or s in set(split):
                ranges.setdefault(end, []).append(s)
    choices = [parametrize(s, declared[s]) for s in syms]
    choices += [index_cases(end, idx) for end, idx in ranges.items()]
    for combo in itertools.product(*choices):
        out = dict(zip(syms, combo[:len(syms)], strict=True))
        for cases in combo[len(syms):]:
            out.update(cases)
        yield out


def index_ranges(declared: Mapping[sp.Basic, sp.Set], inst: Mapping) -> dict:
    """``{j: (1, K)}`` for every index declared in ``{1, ..., K}`` that ``inst`` leaves a
    symbol, with ``K`` as ``inst`` has it (``j + p``)."""
    out = {}
    for s, domain in declared.items():
        if isinstance(domain, sp.Range) and s not in inst:
            end = _index_range(s, domain)
            if end is not None:
                out[s] = (sp.S.One, sp.sympify(end).xreplace(dict(inst)))
    return out


def refine_ranges(expr: sp.Basic, ranges: Mapping) -> sp.Basic:
    """Each relation in ``expr`` (a Piecewise's ``j <= K``) that holds, or fails, for
    every index in its range made True (False): it does if it does for every ``j`` from
    the range's start up, or for every ``j`` up to its end.

    >>> j, K = sp.symbols("j K", integer=True, positive=True)
    >>> refine_ranges(sp.Piecewise((1, j <= K), (0, True)), {j: (1, K)})
    1
    """
    if not ranges or not isinstance(expr, sp.Basic):
        return expr
    t = _fresh("t", integer=True, nonnegative=True)
    sure: dict = {}
    for rel in expr.atoms(sp.core.relational.Relational):
        for i, (lo, hi) in ranges.items():
            if not rel.has(i):
                continue
            for value, truth in ((rel, sp.true), (rel.negated, sp.false)):
                if value.xreplace({i: lo + t}) is sp.true or \
                        value.xreplace({i: hi - t}) is sp.true:
                    sure[rel] = truth
                    break
    return expr.xreplace(sure) if sure else expr


def linked(expr: sp.Basic, indices: Iterable[sp.Basic]) -> set:
    """The ``indices`` that occur together with another of them in a Kronecker delta or a
    relation (``delta_jk``, ``j <= k``): only those need their order split into cases."""
    found: set = set()
    wanted = set(indices)
    for node in expr.atoms(sp.KroneckerDelta, sp.core.relational.Relational):
        here = node.free_symbols & wanted
        if len(here) > 1:
            found |= here
    return found


def index_cases(end: sp.Symbol, indices: list[sp.Symbol]) -> list[dict]:
    """Substitutions covering exactly ``1 <= i <= K`` for every index ``i`` of ``indices``
    (integers >= 1): one per order of the indices with ties (a weak order: 3 for j, k;
    13 for three), each index the one before it plus ``1 + q`` or equal to it, and ``K``
    the largest plus ``p`` (p, q fresh integers >= 0), so that every ``delta_jk`` and
    ``j <= K`` decide.

    >>> j, k, K = sp.symbols("j k K", integer=True, positive=True)
    >>> len(index_cases(K, [j, k])), index_cases(K, [j])
    (3, [{K: _p_j + j}])
    """
    def fresh(name: str) -> sp.Dummy:
        return _fresh(name, integer=True, nonnegative=True)

    out = []
    for blocks in _weak_orders(list(indices)):
        first = blocks[0][0]
        case: dict = {i: first for i in blocks[0][1:]}
        previous = first
        for block in blocks[1:]:
            rep = previous + 1 + fresh(f"q_{block[0]}")
            case.update({i: rep for i in block})
            previous = rep
        case[end] = previous + fresh(f"p_{first}")
        out.append(case)
    return out


def _weak_orders(items: list) -> list[list[list]]:
    """Every way to put ``items`` in order with ties: lists of blocks, smallest first."""
    if not items:
        return [[]]
    out = []
    n = len(items)
    for size in range(1, n + 1):
        for first in itertools.combinations(items, size):
            rest = [i for i in items if i not in first]
            out += [[list(first), *more] for more in _weak_orders(rest)]
    return out


def _index_range(sym: sp.Symbol, domain: sp.Range) -> sp.Symbol | None:
    """``K`` when ``domain`` is {1, ..., K} for a positive integer symbol ``K``, else None."""
    if domain.inf == 1 and domain.step == 1 and isinstance(domain.sup, sp.Symbol) \
            and domain.sup.is_integer and domain.sup.is_positive and sym.is_integer \
            and sym.is_positive:
        return domain.sup
    return None


def shown_symbols(e: sp.Basic) -> set:
    """The free symbols of ``e``, with the indices of indexed symbols and the variables
    of derivatives (``dL/dz_j`` is about j), but not the index of a sum."""
    found = set(e.free_symbols)
    for node in e.atoms(sp.Derivative):
        for v in node.variables:
            found |= v.free_symbols
    bound = {v for s in e.atoms(sp.Sum, sp.Product) for v in s.variables}
    found |= {s for t in found if isinstance(t, sp.Indexed) for i in t.indices
              for s in i.free_symbols}
    return found - bound


def assumed(sym: sp.Basic) -> sp.Basic | None:
    """What ``sym``'s assumptions say, as a statement: ``k in N``, ``eta > 0`` (None: nothing)."""
    if sym.is_integer and sym.is_positive and not (sym.is_even or sym.is_odd):
        return sp.Contains(sym, sp.S.Naturals, evaluate=False)
    if sym.is_integer and sym.is_nonnegative and not (sym.is_even or sym.is_odd):
        return sp.Contains(sym, sp.S.Naturals0, evaluate=False)
    return assumption_statement(sym)
