r"""Check an answer against an exercise: read it, prove each step, judge the chains.

Reading and every step run in child processes under the same CPU-time and
memory limits (:mod:`.sandbox`). Each chain is matched to the exercise's part it
starts from; then each line is judged with that part's given facts and case,
its milestones are found, and the goal is reached when the chain starts at the
start, every step is proven with the part's relation, and a line after the start
and after the milestones shown is written as the goal (the lines after it may go
on, each step proven).

>>> report = check(r'''\sigma'(z) = \frac{d}{dz}\frac{1}{1+e^{-z}}
... = \frac{e^{-z}}{(1+e^{-z})^2}''', "sigmoid-derivative")
>>> [step.status for step in report.steps]
['start', 'proven', 'proven']
>>> report.goal_reached
False
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import sympy as sp

from derivations.checking.exercises import EXERCISES, Exercise, Part, free_context
from derivations.checking.facts import Fixed
from derivations.checking.forms import is_start
from derivations.checking.notation import LOGISTIC, Notation
from derivations.checking.parser import ParseError
from derivations.checking.prover import judge
from derivations.checking.reading import Line, freeze, parse_answer, thaw
from derivations.checking.report import ChainResult, MilestoneResult, Report, StepResult
from derivations.checking.sandbox import MEGABYTES, Outcome, run_all
from derivations.engine import Derivation, statements, tex

#: CPU seconds each step may use, and CPU seconds for the whole answer
SECONDS, BUDGET = 5.0, 60.0
#: the relations a chain may use to prove a part's relation
ALLOWED = {"=": {"="}, r"\iff": {r"\iff"}, r"\le": {"=", r"\le", "<"}, "<": {"=", r"\le", "<"},
           r"\ge": {"=", r"\ge", ">"}, ">": {"=", r"\ge", ">"}}


def exercise_named(name: str | Exercise | None,
                   extra: Mapping[str, Exercise] | None = None) -> Exercise | None:
    """The exercise called ``name`` (ValueError listing them if there is none)."""
    if name is None or isinstance(name, Exercise):
        return name
    known = {**EXERCISES, **(extra or {})}
    if name not in known:
        raise ValueError(f"there is no exercise {name!r}; the exercises are "
                         f"{', '.join(known)}")
    return known[name]


def _as_text(answer: str | Sequence[Any]) -> str | list[Line]:
    if isinstance(answer, str):
        return answer
    if isinstance(answer, (bytes, bytearray)):
        raise TypeError("an answer is text: decode a file's bytes with answer_text(data)")
    if not isinstance(answer, Sequence) or not answer:
        raise TypeError("an answer is text, a list of lines (strings) or a list of SymPy "
                        "expressions")
    if all(isinstance(item, str) for item in answer):
        return "\n".join(answer)
    if all(isinstance(item, sp.Basic) for item in answer):
        rel = r"\iff" if all(statements.is_statement(e) for e in answer) else "="
        return [Line(k + 1, None if k == 0 else rel, e) for k, e in enumerate(answer)]
    raise TypeError("an answer's lines are all strings or all SymPy expressions")


def _chains(lines: list[Line]) -> list[list[Line]]:
    chains: list[list[Line]] = []
    for line in lines:
        if line.relation is None or not chains:
            chains.append([])
        chains[-1].append(line)
    return chains


def _read(text: str | list[Line], notation: Notation, ctx: Derivation,
          parts: tuple[Part, ...], given: tuple) -> tuple:
    """In a child: the lines, and for each chain the parts whose start it is."""
    try:
        lines = parse_answer(text, notation) if isinstance(text, str) else text
    except ParseError as err:
        return ("error", str(err))
    starts = [[k for k, p in enumerate(parts)
               if is_start(ctx, Fixed(given, p.case), chain[0].expr, p.start)]
              for chain in _chains(lines)]
    return ("ok", [(ln.number, ln.relation, freeze(ln.expr), ln.why) for ln in lines], starts)


def check(answer: str | Sequence[Any], exercise: str | Exercise | None = None, *,
          seconds: float = SECONDS, megabytes: int = MEGABYTES, budget: float = BUDGET,
          jobs: int | None = None) -> Report:
    r"""Check every step of ``answer`` (text, lines, or SymPy expressions).

    With an ``exercise`` (a name from :data:`~.exercises.EXERCISES`, or an
    :class:`~.exercises.Exercise`) each chain must start at a part's start, should
    show its milestones, and should end at its goal; without one, each step is
    checked against the line before it. Each step may use ``seconds`` of CPU time
    and ``megabytes``; once ``budget`` CPU seconds are used, the rest are unchecked.
    """
    for name, value in (("seconds", seconds), ("megabytes", megabytes), ("budget", budget)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 < value
                <= (10**6 if name != "megabytes" else 2**20)):
            raise ValueError(f"{name} must be a positive finite number, not {value!r}")
    ex = exercise_named(exercise)
    text = _as_text(answer)
    parts = ex.parts if ex is not None else ()
    notation = ex.notation if ex is not None else LOGISTIC
    ctx = ex.context if ex is not None else free_context()
    given = ex.given if ex is not None else ()
    read, = run_all([(_read, (text, notation, ctx, parts, given))], seconds=seconds,
                    megabytes=megabytes)
    report = Report(ex, context=meanings(ctx))
    if read.status != "ok" or read.value[0] == "error":
        report.error = read.value[1] if read.status == "ok" else _limit_text(
            read, seconds, megabytes, "reading the answer")
        return report
    _, frozen, starts = read.value
    lines = [Line(number, rel, thaw(expr), why) for number, rel, expr, why in frozen]
    chains = _chains(lines)
    assigned = _assign(len(parts), starts)
    tasks, fixed = [], []
    for chain, index in zip(chains, assigned, strict=True):
        part = parts[index] if index is not None else None
        f = Fixed(given, part.case if part is not None else None)
        fixed.append(f)
        forms = _forms(index, part)
        var = part.var if part is not None else _var(parts)
        for k, line in enumerate(chain):
            prev = chain[k - 1].expr if k else None
            tasks.append((judge, (ctx, prev, line.expr, line.relation, var, f, forms)))
    outcomes = iter(run_all(tasks, seconds=seconds, megabytes=megabytes, jobs=jobs,
                            budget=max(0.0, budget - read.cpu)))
    results = [[_result(line, next(outcomes), seconds, megabytes) for line in chain]
               for chain in chains]
    for found, index, start in zip(results, assigned, starts, strict=True):
        if index is not None and index in start:  # the start, as found when it was read
            found[0][1].add("start")
    report.chains = tuple(
        _assess(ex, chain, found, index) for chain, found, index in
        zip(chains, results, assigned, strict=True))
    return report


def _var(parts: tuple[Part, ...]) -> sp.Symbol | None:
    return parts[0].var if len(parts) == 1 else None


def meanings(ctx: Derivation) -> tuple[sp.Basic, ...]:
    """The context's definitions (``where``, then functions) and declared conditions."""
    defs = [sp.Eq(n, v, evaluate=False) for n, v in ctx.where]
    defs += [sp.Eq(f(*lam.variables), lam.expr, evaluate=False)
             for f, lam in ctx.functions.items()]
    conds = [sp.Contains(s, v, evaluate=False) for s, v in ctx.conditions.items()]
    return (*defs, *conds)


def _forms(index: int | None, part: Part | None) -> list[tuple[str, str, Any]]:
    """What each line of a chain is compared with: (key, kind, target)."""
    if part is None:
        return []
    return [("goal", "goal", part.goal), *((f"m:{m.name}", m.kind, m) for m in part.milestones)]


def _limit_text(outcome: Outcome, seconds: float, megabytes: int, what: str) -> str:
    if outcome.status == "time":
        return f"{what} took longer than {seconds:g} s of CPU time: split this step into " \
               "smaller ones"
    if outcome.status == "memory":
        return f"{what} needed more than {megabytes} MB: split this step into smaller ones"
    if outcome.status == "skipped":
        return "not checked: the whole answer took more than its CPU time"
    kind = outcome.message.split(":", 1)[0]  # the exception's name, not SymPy's words
    return (f"not proven and no counterexample found: SymPy failed on {what} ({kind}); "
            "split this step into smaller ones")


def _result(line: Line, outcome: Outcome, seconds: float, megabytes: int) -> tuple:
    """(StepResult, the form keys the line matches)."""
    if outcome.status == "ok":
        found = outcome.value
        relied = tuple(r for r in found.get("relied", ()) if r is not sp.true)
        return StepResult(line, found["status"], found.get("reason", ""),
                          found.get("hint", ""), found.get("counterexample"),
                          relied), set(found.get("matches", ()))
    status = "start" if line.relation is None and outcome.status != "skipped" else None
    reason = _limit_text(outcome, seconds, megabytes, "this step")
    if status is None:
        status = {"time": "limit", "memory": "limit", "skipped": "unchecked"}.get(
            outcome.status, "undecided")
    return StepResult(line, status, reason), set()


def _assign(count: int, starts: list[list[int]]) -> list[int | None]:
    """Which part each chain answers (by its start, else the next free part in order)."""
    free = list(range(count))
    out: list[int | None] = [None] * len(starts)
    for i, found in enumerate(starts):
        match = next((k for k in found if k in free), None)
        if match is not None:
            free.remove(match)
            out[i] = match
    for i, found in enumerate(starts):
        if out[i] is None and free and not found:
            out[i] = free.pop(0)
    return out


def _assess(ex: Exercise | None, chain: list[Line], found: list[tuple],
            index: int | None) -> ChainResult:
    steps = [r for r, _ in found]
    matches = [m for _, m in found]
    part = ex.parts[index] if ex is not None and index is not None else None
    if part is None:
        if ex is not None:
            return ChainResult(None, tuple(steps), False, False,
                               "this chain answers no part of the exercise")
        return ChainResult(None, tuple(steps), True, False, "")
    start_ok = "start" in matches[0]
    if not start_ok and steps[0].status == "start":
        starts = " or ".join(f"${tex(s)}$" for s in part.start)
        steps[0] = replace(steps[0], reason=f"the exercise starts from {starts}")
    stones, after = [], 0
    for m in part.milestones:
        shown = [k for k, got in enumerate(matches) if "m:" + m.name in got]
        if shown:
            k = shown[0]
            steps[k] = replace(steps[k], shows=(*steps[k].shows, m.name))
            after = max(after, k)
            bad = next((s for s in steps[1:k + 1] if s.status != "proven"), None)
            note = f"shown on line {chain[k].number}"
            if not start_ok:
                note += f", but the chain does not start from ${tex(part.start[0])}$"
            elif bad is not None:
                note += f", but the step on line {bad.line.number} is {bad.status}"
            stones.append(MilestoneResult(m, chain[k].number, start_ok and bad is None, note))
        else:
            stones.append(MilestoneResult(m, None, False, f"not shown: {m.ask}"))
            if after + 1 < len(steps) and steps[after + 1].status == "proven":
                step = steps[after + 1]
                flag = (step.flag + "; " if step.flag else "proven, but ") + m.ask
                steps[after + 1] = replace(step, flag=flag)
    rels = {line.relation for line in chain[1:]}
    problems = [s for s in steps[1:] if s.status != "proven"]
    goals = [k for k, got in enumerate(matches) if k and "goal" in got]
    goal_form = any(k >= after for k in goals)  # reached from its milestones, not before
    wanted = ALLOWED[part.relation]
    if not start_ok:
        summary = f"it does not start from ${tex(part.start[0])}$"
    elif len(chain) == 1:
        summary = "it has no steps"
    elif problems:
        summary = f"the step on line {problems[0].line.number} is {problems[0].status}"
    elif not rels <= wanted or not (part.relation in ("=", r"\iff", *rels) or (
            part.relation in (r"\le", r"\ge") and rels & (wanted - {"="}))):
        summary = (f"the chain's relations are {', '.join(sorted(rels))}, "
                   f"the exercise asks for {part.relation}")
    elif goals and not goal_form:
        summary = f"the goal ${tex(part.goal)}$ comes before the milestones it is reached from"
    elif not goal_form:
        summary = f"the last line is not the goal ${tex(part.goal)}$"
    else:
        summary = ""
    return ChainResult(part, tuple(steps), start_ok, not summary, summary, tuple(stones))
