r"""The verdict on one step, worked out in a child process under the checker's limits.

A step is a line and the one before it; it is proven by the same relations and
soundness rules as the lecture's derivations (:mod:`derivations.engine`), with
the exercise's definitions, declared conditions, given facts (one-hot labels) and
case (``k \neq j``). Numbers may refute a step, never prove one
(:mod:`.refuting`). :func:`prove_exercise` proves an exercise's own chain the
same way when it is first used.
"""

from __future__ import annotations

import itertools
from typing import Any

import sympy as sp

from derivations.checking.facts import Fixed, relation_for
from derivations.checking.forms import matches
from derivations.checking.parser import evaluated
from derivations.checking.refuting import holds_infinite, refute, wrong
from derivations.checking.report import Counterexample
from derivations.checking.sandbox import run_all
from derivations.engine import (
    Derivation,
    ProofGap,
    definedness,
    domains,
    statements,
    tex,
)
from derivations.engine.relation import _same_singularities

__all__ = ["judge", "prove_exercise", "verdict"]

#: no given facts and no case
NOTHING = Fixed()


class _Undefined(ProofGap):
    """One side is undefined at an allowed point and the other is not: the step is wrong."""


def _as_written(d: Derivation, prev: sp.Basic, cur: sp.Basic) -> None:
    """Denominators and logarithms as the student wrote them (before SymPy cancels
    ``y/y``) must be undefined at the same places on both sides, else ProofGap."""
    def parts(e: sp.Basic) -> list[sp.Basic]:
        return [d.expand(evaluated(u)) for u in definedness.undefined_where(e)]

    before, after = parts(prev), parts(cur)
    free = set().union(set(), *(u.free_symbols for u in before + after))
    for inst in domains.instances(d.conditions, free):
        b, c = [u.xreplace(inst) for u in before], [u.xreplace(inst) for u in after]
        if any(u == 0 for u in b) != any(u == 0 for u in c):
            at = ", ".join(f"{k} = {v}" for k, v in inst.items())
            raise _Undefined(f"one side divides by 0 (or takes the log of 0) at {at} and "
                             "the other does not")
        _same_singularities(sp.Mul(*(1 / u for u in b if u != 0)),
                            sp.Mul(*(1 / u for u in c if u != 0)))


def _bound(*exprs: sp.Basic | None) -> set:
    """Variables a limit or an evaluation bar runs over: they must stay free symbols."""
    out: set = set()
    for e in exprs:
        for node in (e.atoms(sp.Limit, sp.Subs) if e is not None else ()):
            out |= {node.args[1]} if isinstance(node, sp.Limit) else set(node.variables)
    return out


def without(ctx: Derivation, *free: sp.Basic) -> Derivation:
    """The context with the definitions of ``free`` dropped (they vary freely)."""
    if all(name not in free for name, _ in ctx.where):
        return ctx
    return Derivation(ctx.title, name=ctx.name,
                      where=[(n, v) for n, v in ctx.where if n not in free],
                      functions=ctx.functions, conditions=ctx.conditions)


def _undefined(e: sp.Basic, limit: bool = False) -> str:
    if e.has(sp.zoo, sp.nan) or (e.has(sp.oo, -sp.oo) and not limit and not e.has(sp.Limit)):
        return "this line is undefined or infinite (a division by 0 or a log of 0)"
    return ""


def judge(ctx: Derivation, prev_raw: sp.Basic | None, cur_raw: sp.Basic,
          relation: str | None, var: sp.Symbol | None, fixed: Fixed,
          forms: list) -> dict:
    """Everything about one line: the verdict on its step, and the forms it matches."""
    cur = evaluated(cur_raw)
    prev = evaluated(prev_raw) if prev_raw is not None else None
    ctx = without(ctx, *_bound(cur, prev))
    out: dict[str, Any] = {"matches": matches(ctx, fixed, forms, (prev_raw, prev),
                                              (cur_raw, cur), relation)}
    limit = cur.has(sp.Limit) or (prev is not None and prev.has(sp.Limit))  # may be ±∞
    undefined = _undefined(cur, limit) or _undefined(ctx.expand(cur), limit)
    if prev is None:
        out.update(status="wrong" if undefined else "start", reason=undefined)
        return out
    if undefined:
        out.update(status="wrong", reason=undefined)
        return out
    if _undefined(prev, prev.has(sp.Limit)) or _undefined(ctx.expand(prev), prev.has(sp.Limit)):
        out.update(status="wrong", reason="the line before is undefined or infinite")
        return out
    out.update(verdict(ctx, prev, cur, relation, var, fixed, (prev_raw, cur_raw)))
    return out


def verdict(ctx: Derivation, prev: sp.Basic, cur: sp.Basic, relation: str,
            var: sp.Symbol | None, fixed: Fixed = NOTHING, raw: tuple = (None, None)) -> dict:
    """proven (with what it relied on), wrong (a counterexample), or undecided."""
    if relation == r"\iff":
        if var is None:
            symbols = {s for s in prev.free_symbols | cur.free_symbols
                       if isinstance(s, sp.Symbol)}
            if len(symbols) != 1:
                return {"status": "undecided", "reason": "an equivalence in more than one "
                        "variable: the checker needs an exercise that names the variable"}
            var = symbols.pop()
        ctx = without(ctx, var)
    d = Derivation("answer", where=ctx.where, functions=ctx.functions,
                   conditions=ctx.conditions)
    first = d.given(prev, "the line before")
    step = d.add(cur, "this step", relation_for(relation, var, fixed))
    left, right = d.expand(prev), d.expand(cur)
    if all(e.is_number and e.is_extended_real for e in (left, right)) and \
            (left.is_infinite or right.is_infinite):  # limits: compared exactly
        if holds_infinite(left, right, relation):
            return {"status": "proven", "reason": ""}
        return wrong(d, prev, cur, relation, var, Counterexample((), (), left, right))
    stated = statements.is_statement(prev) or statements.is_statement(cur) or relation == r"\iff"
    if not stated:  # numbers may disprove: a wrong step needs no failed proof first
        found = refute(d, prev, cur, relation, fixed)
        if found is not None:
            return wrong(d, prev, cur, relation, var, found)
    try:
        if relation != r"\iff" and raw[0] is not None:
            _as_written(d, *raw)
        step.relation.check(d, first, step)
    except _Undefined as gap:
        return {"status": "wrong", "reason": str(gap)}
    except ProofGap as gap:
        found = refute(d, prev, cur, relation, fixed) if stated else None
        if found is not None:
            return wrong(d, prev, cur, relation, var, found)
        text = str(gap)
        text = text if len(text) < 240 else text[:240] + " ..."
        return {"status": "undecided", "reason": f"not proven ({text}) and no counterexample "
                "found: split this step into smaller ones"}
    relied = [m for item in (*d.shown(first), *d.shown(step)) for m in item.math
              if item.word in ("where", "for", "with", "if") and m is not sp.true]
    return {"status": "proven", "reason": "", "relied": list(dict.fromkeys(relied))}


# ------------------------------------------------ an exercise's own proof --
def _exercise_steps(ex: Any) -> list[tuple[str, tuple]]:
    """(what, (ctx, prev, cur, relation, var, fixed)) for every step an exercise claims."""
    ctx, out = ex.context, []
    for n, part in enumerate(ex.unproven, 1):
        fixed = Fixed(ex.given, part.case)
        eq = r"\iff" if part.relation == r"\iff" else "="
        where = f"part {n}"
        for other in part.start[1:]:
            out.append((f"{where}: the start ${tex(other)}$",
                        (part.start[0], other, eq, part.var, fixed)))
        lines: list[tuple[str, sp.Basic]] = [(eq, part.start[0])]
        for m in part.milestones:
            first = m.targets[0]
            for other in m.targets[1:] if m.kind != "factors" else ():
                a_, b_ = (first, other) if m.kind != "bound" else (first.lhs, other.lhs)
                out.append((f"{where}, milestone {m.name!r}: ${tex(other)}$",
                            (a_, b_, eq, part.var, fixed)))
            shown = [("=", first.lhs), (_sign(first), first.rhs)] if m.kind == "bound" else [
                (eq, evaluated(m.shown_as) if m.over is None else
                 sp.Sum(sp.Mul(*m.targets), (m.over, 1, ex.notation.classes)))
                if m.kind == "factors" else (eq, first)]
            if part.solution:  # the solution is the chain; each milestone is the start
                out.append((f"{where}, milestone {m.name!r}: ${tex(shown[0][1])}$",
                            (part.start[0], shown[0][1], eq, part.var, fixed)))
            else:
                lines += shown
        lines += [(part.relation if part.relation != "=" else eq, line)
                  for line in part.solution]
        if evaluated(lines[-1][1]) != evaluated(part.goal):
            lines.append((part.relation, part.goal))
        for (_, before), (rel, after) in itertools.pairwise(lines):
            out.append((f"{where}: from ${tex(before)}$ to ${tex(after)}$",
                        (before, after, rel, part.var, fixed)))
        if part.result is not None:
            from derivations.checking.spec import lecture
            cited = lecture(ex.lecture, "").chain(part.result)[-1].expr
            out.append((f"{where}: the goal is the lecture's {part.result!r}, "
                        f"${tex(cited)}$", (part.goal, cited, eq, part.var, fixed)))
    return [(what, (ctx, *args)) for what, args in out]


def _sign(statement: sp.Basic) -> str:
    return {sp.LessThan: r"\le", sp.StrictLessThan: "<", sp.GreaterThan: r"\ge",
            sp.StrictGreaterThan: ">"}[type(statement)]


def _prove(ctx: Derivation, before: sp.Basic, after: sp.Basic, relation: str,
           var: sp.Symbol | None, fixed: Fixed) -> str:
    """"" when the step is proven, else why not (in the child)."""
    prev, cur = evaluated(before), evaluated(after)
    if prev == cur:
        return ""
    if relation == r"\iff":
        ctx = without(ctx, var)
    d = Derivation("exercise", where=ctx.where, functions=ctx.functions,
                   conditions=ctx.conditions)
    first = d.given(prev, "")
    step = d.add(cur, "", relation_for(relation, var, fixed))
    try:
        step.relation.check(d, first, step)
    except ProofGap as gap:
        return str(gap)[:300]
    return ""


def prove_exercise(ex: Any, seconds: float = 20.0, megabytes: int = 1024) -> str:
    """"" when every step an exercise claims is proven, else the first that is not."""
    steps = _exercise_steps(ex)
    outcomes = run_all([(_prove, args) for _, args in steps], seconds=seconds,
                       megabytes=megabytes)
    for (what, _), outcome in zip(steps, outcomes, strict=True):
        if outcome.status != "ok":
            return f"{what}: {outcome.status} ({outcome.message or 'a limit was reached'})"
        if outcome.value:
            return f"{what}: {outcome.value}"
    return ""
