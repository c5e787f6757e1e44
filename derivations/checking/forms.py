r"""Whether a line is an exercise's start, one of its milestones, or its goal.

A line is *written as* a form when it has the form's value with only the names
for a function's value put in (``a = \sigma(z)``, so ``a(1-a)`` is written as
``\sigma(z)(1-\sigma(z))``; ``a_k`` stays ``a_k``), the same derivatives, limits
and evaluation bars, and applies every function the form applies to the same
arguments (``-\log a`` is not written as ``-(1 \cdot \log a + 0 \cdot \log(1-a))``).
A start may also be a derivative (or the chain rule's product of derivatives) proven
equal to it, but not a result with a derivative added (``\frac{d}{dz}0 + ...``).
The chain-rule factors are shown by a product (or a sum of products) whose
factors, in the order written, group into the milestone's factors, each written as a derivative or
worked out; a bound by a step ``\le`` from a line written as its left side to
its right side.
"""

from __future__ import annotations

import itertools
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from derivations.checking.facts import EqualGiven
from derivations.checking.parser import evaluated
from derivations.checking.refuting import _generic, close, index_points, value_at
from derivations.engine import Derivation, ProofGap, statements, sums

#: nodes that count as applying a function
APPLIED = (sp.exp, sp.log, sp.tanh, AppliedUndef, sp.Sum)
_MARKED = (sp.Derivative, sp.Limit, sp.Subs)


def _names(ctx: Derivation) -> dict:
    return {n: v for n, v in ctx.where if isinstance(n, sp.Symbol) and isinstance(v, AppliedUndef)}


def _prepared(ctx: Derivation, fixed: Any, e: sp.Basic) -> sp.Basic:
    e = fixed.put(e.xreplace(_names(ctx)))
    e = sums.canonical_sums(e) if e.has(sp.Sum) else e
    values = fixed.values()
    return e.xreplace(values) if values else e


def applied(ctx: Derivation, fixed: Any, raw: sp.Basic) -> set:
    """The function applications in ``raw`` as written (a zero term's too)."""
    names = _names(ctx)
    out, todo = set(), [raw]
    while todo:  # a sum counts as one application: its index is its own
        node = todo.pop()
        if isinstance(node, APPLIED):
            out.add(_prepared(ctx, fixed, evaluated(node)))
        elif node in names:
            out.add(_prepared(ctx, fixed, names[node]))
        if not isinstance(node, sp.Sum):
            todo.extend(node.args)
    return out


def _same_expr(u: sp.Basic, v: sp.Basic) -> bool:
    if any(u.has(t) != v.has(t) for t in _MARKED):
        return False
    if u == v:
        return True
    if u.free_symbols != v.free_symbols and not (u.has(sp.Sum) or v.has(sp.Sum)):
        return False  # the same value in other symbols is another form
    try:
        return sp.simplify(u - v, doit=False) == 0
    except (TypeError, ValueError, NotImplementedError, RecursionError, AttributeError):
        return False


def _same_value(u: sp.Basic, v: sp.Basic) -> bool:
    rel = sp.core.relational.Relational
    if isinstance(u, rel) or isinstance(v, rel):
        if not (isinstance(u, rel) and isinstance(v, rel)):
            return False
        return any(type(form) is type(v) and _same_expr(form.lhs, v.lhs)
                   and _same_expr(form.rhs, v.rhs) for form in (u, u.reversed))
    if isinstance(u, sp.logic.boolalg.Boolean) or isinstance(v, sp.logic.boolalg.Boolean):
        return u == v
    return _same_expr(u, v)


def written_as(ctx: Derivation, fixed: Any, raw: sp.Basic, target: sp.Basic) -> bool:
    """``raw`` (a line as read) is written as the form ``target`` (see the module doc)."""
    if not applied(ctx, fixed, target) <= applied(ctx, fixed, raw):
        return False  # the cheap test first: most lines apply other functions
    u = _prepared(ctx, fixed, evaluated(raw))
    v = _prepared(ctx, fixed, evaluated(target))
    return _same_value(u, v)


def shows_form(ctx: Derivation, fixed: Any, raw: sp.Basic, milestone: Any,
               goal: sp.Basic | None) -> bool:
    """The line is written as one of the milestone's forms; a line also written as the
    goal shows it only when it is the form itself (``-y/a + (1-y)/(1-a)``, not the
    goal ``(a-y)/(a(1-a))`` that has the same value and functions)."""
    for target in milestone.targets:
        if not written_as(ctx, fixed, raw, target):
            continue
        if goal is None or not written_as(ctx, fixed, raw, goal):
            return True
        if _prepared(ctx, fixed, evaluated(raw)) == _prepared(ctx, fixed, evaluated(target)):
            return True
    return False


def is_start(ctx: Derivation, fixed: Any, raw: sp.Basic, starts: tuple) -> bool:
    """The line is one of the starts (an evaluation bar evaluated), or a derivative
    proven equal to a start that is one."""
    line = evaluated(raw)
    line = line.replace(lambda e: isinstance(e, sp.Subs), lambda e: e.doit())
    u = _prepared(ctx, fixed, line)
    for s in starts:
        if _same_value(u, _prepared(ctx, fixed, evaluated(s))):
            return True
    if not _derivatives_only(line):
        return False  # not d/dz 0 + sigma(1-sigma): the checker would prove it for them
    first = evaluated(starts[0])
    if first.has(sp.Derivative) and line.has(sp.Derivative) and \
            not statements.is_statement(line):
        return _proven(ctx, fixed, line, first)
    return False


def _derivatives_only(e: sp.Basic) -> bool:
    r"""A derivative, or a product or sum of them (numbers allowed as factors): the
    chain rule written as the start. Not a result with a derivative tacked on, such
    as ``rac{d}{dz}0 + \sigma(z)(1-\sigma(z))``, which the checker would prove for
    the student."""
    if isinstance(e, sp.Derivative):
        return True
    if isinstance(e, sp.UnevaluatedExpr):
        return _derivatives_only(e.args[0])
    if isinstance(e, sp.Mul):
        factors = [f for f in e.args if not f.is_number]
        return bool(factors) and all(_derivatives_only(f) for f in factors)
    if isinstance(e, sp.Sum):
        return _derivatives_only(e.function)
    return False


def _proven(ctx: Derivation, fixed: Any, u: sp.Basic, v: sp.Basic) -> bool:
    class _Line:
        def __init__(self, expr: sp.Basic) -> None:
            self.expr = expr

    try:
        EqualGiven(fixed=fixed).check(ctx, _Line(u), _Line(v))
        return True
    except (ProofGap, TypeError, ValueError, NotImplementedError, AttributeError):
        return False


def _factors_written(raw: sp.Basic) -> list[sp.Basic]:
    """The factors of a product in the order written (numbers kept)."""
    if isinstance(raw, sp.UnevaluatedExpr):
        return _factors_written(raw.args[0])
    if isinstance(raw, sp.Mul):
        return [f for arg in raw.args for f in _factors_written(arg)]
    return [raw]


def shows_factors(ctx: Derivation, fixed: Any, raw: sp.Basic, milestone: Any) -> bool:
    """The line is a product whose factors, in order, group into the milestone's."""
    mine = _factors_written(raw)
    if milestone.over is not None:
        sums = [f for f in mine if isinstance(f, sp.Sum) and len(f.limits) == 1]
        if len(sums) != 1 or not all(evaluated(f).is_number for f in mine if f is not sums[0]):
            return False
        (index, _, _), = sums[0].limits
        coeff = [f for f in mine if f is not sums[0]]
        mine = coeff + _factors_written(sums[0].function.xreplace({index: milestone.over}))
        lo, hi = sums[0].limits[0][1:]
        ctx = Derivation(ctx.title, name=ctx.name, where=ctx.where, functions=ctx.functions,
                         conditions={**ctx.conditions, milestone.over: sp.Range(lo, hi + 1)})
    targets = [evaluated(t) for t in milestone.targets]
    if not (len(mine) <= 8):
        return False
    cache: dict[tuple[int, int, int], bool] = {}
    points = _points(ctx, [*targets, *(evaluated(f) for f in mine)])
    wanted = [_numbers(ctx, fixed, t, points) for t in targets]

    def fits(lo: int, hi: int, k: int) -> bool:
        if (lo, hi, k) not in cache:
            group = evaluated(sp.Mul(*mine[lo:hi]))
            got = _numbers(ctx, fixed, group, points)
            if got is not None and wanted[k] is not None and \
                    not all(close(g, w) for g, w in zip(got, wanted[k], strict=True)):
                cache[(lo, hi, k)] = False  # numbers tell them apart: no proof tried
            else:
                cache[(lo, hi, k)] = group == targets[k] or _proven(ctx, fixed, group,
                                                                    targets[k])
        return cache[(lo, hi, k)]

    n = len(mine)
    for order in itertools.permutations(range(len(targets))):
        for cuts in itertools.combinations_with_replacement(range(n + 1), len(targets) - 1):
            bounds = (0, *cuts, n)
            spans = list(itertools.pairwise(bounds))
            # numbers alone never make a factor: a coefficient joins its neighbour
            if all(fits(lo, hi, k) for (lo, hi), k in zip(spans, order, strict=True)):
                return True
    return False


def _points(ctx: Derivation, exprs: list) -> list[dict] | None:
    expanded = [ctx.expand(e) for e in exprs]
    if any(e.has(sp.Indexed, sp.Sum) for e in expanded):
        return index_points(expanded)
    free = {s for e in expanded for s in e.free_symbols if isinstance(s, sp.Symbol)}
    return _generic(free, ctx)


def _numbers(ctx: Derivation, fixed: Any, e: sp.Basic, points: list | None) -> list | None:
    """``e``'s values at the points (None when they cannot be computed)."""
    if points is None:
        return None
    try:
        expanded = ctx.expand(fixed.put(e))
        values = fixed.values()
        expanded = expanded.xreplace(values) if values else expanded
        out = [value_at(expanded, p) for p in points]
    except (ProofGap, TypeError, ValueError, NotImplementedError, AttributeError):
        return None
    return None if any(v is None for v in out) else out


def shows_bound(ctx: Derivation, fixed: Any, prev_raw: sp.Basic | None, raw: sp.Basic,
                relation: str | None, milestone: Any) -> bool:
    """The step from the line before to this one is the milestone's bound."""
    if prev_raw is None or relation not in ("<", r"\le", ">", r"\ge"):
        return False
    for target in milestone.targets:
        upper = isinstance(target, (sp.LessThan, sp.StrictLessThan))
        if (relation in ("<", r"\le")) != upper:
            continue
        if written_as(ctx, fixed, prev_raw, target.lhs) and \
                _same_value(_prepared(ctx, fixed, evaluated(raw)),
                            _prepared(ctx, fixed, evaluated(target.rhs))):
            return True
    return False


def matches(ctx: Derivation, fixed: Any, forms: list, prev: tuple, cur: tuple,
            relation: str | None) -> list[str]:
    """The keys of ``forms`` (key, kind, what) that the line ``cur`` (raw, evaluated)
    matches; ``prev`` is the line before (raw, evaluated) or (None, None)."""
    out = []
    goal = next((what for _, kind, what in forms if kind == "goal"), None)
    for key, kind, what in forms:
        try:
            if kind == "start":
                ok = is_start(ctx, fixed, cur[0], what)
            elif kind == "goal":
                ok = written_as(ctx, fixed, cur[0], what)
            elif kind == "form":
                ok = shows_form(ctx, fixed, cur[0], what, goal)
            elif kind == "factors":
                ok = shows_factors(ctx, fixed, cur[0], what)
            else:
                ok = shows_bound(ctx, fixed, prev[0], cur[0], relation, what)
        except (MemoryError, RecursionError):
            raise  # the step's limits, not a form that does not match
        except Exception:  # SymPy failing on a form: not a match
            ok = False
        if ok:
            out.append(key)
    return out
