r"""Check a student's derivation step by step with the lecture's relations.

Each step (a line and the one before it) is proven by the same relations and
soundness rules as the lecture's derivations (:mod:`derivations.relations`),
with the lecture's definitions and declared conditions. The verdict is

- ``proven``, with what the proof relied on (definitions, conditions);
- ``wrong``, with a counterexample: a point that respects the conditions where
  the two sides differ, both values given (numbers may disprove, never prove),
  and a hint when one is found (a sign, a missing or extra factor, a dropped term);
- ``undecided``: not proven and no counterexample found ("split this step");
- ``limit``: the step took too long or needed too much memory.

Every step runs in a child process with a time and memory limit
(:mod:`derivations.sandbox`); the text was read by :mod:`derivations.parsing`,
which never executes it.

>>> report = check(r'''\sigma'(z) = \frac{d}{dz}\frac{1}{1+e^{-z}}
... = \frac{e^{-z}}{(1+e^{-z})^2}''', "sigmoid-derivative")
>>> [step.status for step in report.steps]
['start', 'proven', 'proven']
>>> report.goal_reached
False
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product
from typing import Any

import sympy as sp
from sympy.logic.boolalg import BooleanAtom

from derivations import proof
from derivations.core import Derivation
from derivations.exercises import EXERCISES, Exercise, Part, free_context
from derivations.parsing import Line, ParseError, evaluated, parse_answer
from derivations.printing import tex
from derivations.proof import ProofGap
from derivations.relations import (
    Bound,
    Equal,
    Equivalent,
    Relation,
    _same_singularities,
)
from derivations.sandbox import MEGABYTES, Outcome, run_all
from derivations.symbols import a, sigma, x_j, y, z

#: seconds and megabytes each step may use, and seconds for the whole answer
SECONDS, BUDGET = 5.0, 60.0
MARKS = {"start": "·", "proven": "✓", "wrong": "✗", "undecided": "?", "limit": "!",
         "unchecked": "-"}


@dataclass(frozen=True)
class Counterexample:
    """Where a wrong step fails: the values put in, and both sides' values there."""

    at: tuple[tuple[sp.Basic, sp.Basic], ...]
    derived: tuple[tuple[sp.Basic, sp.Basic], ...]  # defined symbols (a = σ(z)) there
    before: sp.Basic
    after: sp.Basic

    def text(self) -> str:
        """``at $z = 0$: $0.25$ before, $-0.25$ after`` (text with $math$)."""
        at = ", ".join(f"{tex(k)} = {_value(v)}" for k, v in (*self.at, *self.derived))
        where = f"at ${at}$: " if at else ""
        digits = 6
        while digits < 15 and _value(self.before, digits) == _value(self.after, digits):
            digits += 3
        return (f"{where}${_value(self.before, digits)}$ before, "
                f"${_value(self.after, digits)}$ after")


def _value(v: sp.Basic, digits: int = 6) -> str:
    """An exact value as it is, a float to 6 significant digits, a truth value as a word."""
    if isinstance(v, BooleanAtom):
        return r"\text{true}" if v else r"\text{false}"
    if isinstance(v, sp.Float):
        if float(v).is_integer() and abs(v) < 1e15:
            return tex(sp.Integer(int(v)))
        return tex(sp.Float(v, digits))
    return tex(v)


@dataclass(frozen=True)
class StepResult:
    """The verdict on one line (a chain's first line has status ``start``)."""

    line: Line
    status: str
    reason: str = ""
    hint: str = ""
    counterexample: Counterexample | None = None
    relied: tuple[sp.Basic, ...] = ()
    shows: tuple[str, ...] = ()  # the milestones this line shows
    flag: str = ""  # e.g. "proven, but show the three chain-rule factors"

    @property
    def mark(self) -> str:
        return "~" if self.flag else MARKS[self.status]

    def message(self) -> str:
        """One sentence: the verdict and its reason (text with $math$)."""
        parts = [self.flag or self.reason]
        conds = [r for r in self.relied if not isinstance(r, sp.Eq)]
        if conds and self.status == "proven":
            parts.append("for " + ", ".join(f"${tex(c)}$" for c in conds))
        if self.shows and self.status == "proven":
            parts.append("shows the " + " and the ".join(self.shows))
        if self.counterexample is not None:
            parts.append("counterexample " + self.counterexample.text())
        if self.hint:
            parts.append("hint: " + self.hint)
        return "; ".join(p for p in parts if p)


@dataclass(frozen=True)
class ChainResult:
    """One chain of lines: which part of the exercise it answers and whether it gets there."""

    part: Part | None
    steps: tuple[StepResult, ...]
    start_ok: bool
    goal_reached: bool
    summary: str


@dataclass
class Report:
    """The verdicts on an answer; ``passed`` when every step is proven and the goal reached."""

    exercise: Exercise | None
    chains: tuple[ChainResult, ...] = ()
    error: str = ""
    context: tuple[sp.Basic, ...] = ()  # what the names mean: definitions, then conditions

    def context_text(self) -> str:
        r"""``where $a = \sigma(z)$, ...; for $y \in \{0, 1\}$`` (text with $math$)."""
        defs = [c for c in self.context if isinstance(c, sp.Eq)]
        conds = [c for c in self.context if not isinstance(c, sp.Eq)]
        out = "where " + ", ".join(f"${tex(c)}$" for c in defs) if defs else ""
        if conds:
            out += ("; " if out else "") + "for " + ", ".join(f"${tex(c)}$" for c in conds)
        return out

    @property
    def steps(self) -> list[StepResult]:
        return [s for c in self.chains for s in c.steps]

    @property
    def goal_reached(self) -> bool | None:
        """None without an exercise; else True when every part's goal is reached."""
        if self.exercise is None:
            return None
        if self.error:
            return False
        parts = self.exercise.parts
        return all(any(c.part is p and c.goal_reached for c in self.chains) for p in parts)

    @property
    def passed(self) -> bool:
        checked = [s for s in self.steps if s.status != "start"]
        return (not self.error and bool(checked) and all(s.status == "proven" for s in checked)
                and self.goal_reached is not False)

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in ("proven", "wrong", "undecided", "limit", "unchecked")}
        for s in self.steps:
            if s.status in out:
                out[s.status] += 1
        out["flagged"] = sum(1 for s in self.steps if s.flag)
        return out

    def goal_text(self) -> str:
        if self.error:
            return "the answer could not be read: " + self.error
        if self.exercise is None:
            return ""
        missing = [p for p in self.exercise.parts
                   if not any(c.part is p and c.goal_reached for c in self.chains)]
        if not missing:
            goals = ", ".join(f"${tex(p.goal)}$" for p in self.exercise.parts)
            return f"goal reached: {goals}"
        why = [c.summary for c in self.chains if c.part in missing and c.summary]
        why += [f"no chain starts from ${tex(p.start[0])}$" for p in missing
                if not any(c.part is p for c in self.chains)]
        goals = ", ".join(f"${tex(p.goal)}$" for p in missing)
        return f"goal not reached ({goals})" + (": " + "; ".join(why) if why else "")

    # -- outputs ------------------------------------------------------------
    def text(self) -> str:
        """The terminal report: one line per step, its mark, its line and the reason."""
        head = self.exercise.title if self.exercise else "Each step against the one before"
        out = [head] + ([f"  {self.context_text()}"] if self.context else [])
        for s in self.steps:
            rel = "" if s.line.relation is None else s.line.relation + " "
            why = f"   % {s.line.why}" if s.line.why else ""
            out.append(f"{s.mark} line {s.line.number}: {rel}{tex(s.line.expr)}{why}")
            if s.message():
                out.append(f"    {s.message()}")
        if self.error and self.exercise is None:
            out.append("✗ the answer could not be read: " + self.error)
        if self.goal_text() and self.exercise is not None:
            out.append(("✓ " if self.goal_reached else "✗ ") + self.goal_text())
        return "\n".join(out) + "\n"

    def markdown(self) -> str:
        """A Markdown report with the lines as display math (Jupyter renders it)."""
        head = self.exercise.title if self.exercise else "Each step against the one before"
        out = [f"### {head}", ""]
        if self.exercise is not None:
            out += [self.exercise.prompt, ""]
        if self.context:
            out += [self.context_text()[0].upper() + self.context_text()[1:] + ".", ""]
        for s in self.steps:
            rel = "" if s.line.relation is None else s.line.relation + " "
            why = f" ({escape_markdown(s.line.why)})" if s.line.why else ""
            out.append(f"- **{s.mark} line {s.line.number}** ${rel}{tex(s.line.expr)}${why}"
                       + (f"  \n  {s.message()}" if s.message() else ""))
        if self.error and self.exercise is None:
            out.append(f"- **✗** {escape_markdown(self.goal_text())}")
        if self.goal_text() and self.exercise is not None:
            goal = escape_markdown(self.goal_text()) if self.error else self.goal_text()
            out += ["", f"**{'✓' if self.goal_reached else '✗'} {goal}**"]
        return "\n".join(out) + "\n"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def as_dict(self) -> dict:
        """Everything in plain types (math as LaTeX strings), for ``--format json``."""
        steps = []
        for s in self.steps:
            item: dict[str, Any] = {
                "line": s.line.number, "relation": s.line.relation, "latex": tex(s.line.expr),
                "why": s.line.why, "status": s.status, "reason": s.reason, "hint": s.hint,
                "flag": s.flag, "shows": list(s.shows), "relied": [tex(r) for r in s.relied]}
            if s.counterexample is not None:
                ce = s.counterexample
                item["counterexample"] = {
                    "at": {tex(k): tex(v) for k, v in (*ce.at, *ce.derived)},
                    "before": _value(ce.before), "after": _value(ce.after)}
            steps.append(item)
        return {"exercise": self.exercise.name if self.exercise else None,
                "context": [tex(c) for c in self.context], "passed": self.passed,
                "goal_reached": self.goal_reached,
                "goal": self.goal_text(), "error": self.error, "counts": self.counts(),
                "steps": steps}

    def json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"

    def gradescope(self, points: float = 10.0) -> dict:
        """Gradescope's ``results.json``: one test per step and one for the goal.

        Points: the goal carries half of ``points`` and the checked steps share the
        other half equally; a proven step earns its share (a flagged one too), any
        other verdict none. Without an exercise the steps share all the points.
        """
        tests: list[dict] = []
        checked = [s for s in self.steps if s.status != "start"]
        steps_total = points / 2 if self.exercise is not None else points
        if self.error:
            tests.append({"name": "Reading the answer", "score": 0, "max_score": steps_total,
                          "output": self.error, "status": "failed"})
        share = steps_total / len(checked) if checked else 0.0
        for s in checked:
            ok = s.status == "proven"
            tests.append({"name": f"Step on line {s.line.number}: ${tex(s.line.expr)}$",
                          "score": round(share if ok else 0.0, 4),
                          "max_score": round(share, 4),
                          "output": f"{s.status}: {s.message()}" if s.message() else s.status,
                          "status": "passed" if ok else "failed"})
        if not checked and not self.error:
            tests.append({"name": "Steps", "score": 0, "max_score": steps_total,
                          "output": "the answer has no steps to check", "status": "failed"})
        if self.exercise is not None:
            tests.append({"name": "Goal", "score": points / 2 if self.goal_reached else 0,
                          "max_score": points / 2, "output": self.goal_text(),
                          "status": "passed" if self.goal_reached else "failed"})
        proven = sum(1 for s in checked if s.status == "proven")
        score = (steps_total * proven / len(checked) if checked else 0.0) + (
            points / 2 if self.exercise is not None and self.goal_reached else 0.0)
        return {"score": round(score, 4), "tests": tests,
                "output": ("Every step proven" + (" and the goal reached."
                                                  if self.exercise else "."))
                if self.passed else "Not every step is proven" +
                (", or the goal is not reached." if self.exercise else ".")}


def escape_markdown(text: str) -> str:
    """A student's own words as plain Markdown text: no markup, no math."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|$~-])", r"\\\1", text)


# ------------------------------------------------------------ reading --
MAX_BYTES = 64_000  # an answer file; longer is refused before it is decoded


def answer_text(data: bytes, markdown: bool = False) -> str:
    r"""The text of an answer file: UTF-8, at most MAX_BYTES; ParseError names the byte.

    In Markdown only the math counts: lines inside ``$$ ... $$`` or fenced code
    blocks; every other line is blanked (line numbers stay those of the file).
    """
    if len(data) > MAX_BYTES:
        raise ParseError(1, 1, f"an answer file of at most {MAX_BYTES} bytes (this one "
                         "is longer)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise ParseError(line, column, "UTF-8 text (this byte is not)") from None
    if "\x00" in text:
        raise ParseError(1, text.index("\x00") + 1, "text, not binary data")
    return _markdown_math(text) if markdown else text


def _markdown_math(text: str) -> str:
    rows, out, inside = text.splitlines(), [], False
    if not any("$$" in r or r.lstrip().startswith("```") for r in rows):
        return text
    for row in rows:
        if row.lstrip().startswith("```"):
            inside = not inside
            out.append("")
            continue
        dollars = row.count("$$")
        keep = inside or dollars > 0
        if dollars % 2:
            inside = not inside
        out.append(row if keep else "")
    return "\n".join(out)


# ------------------------------------------------------------ checking --
def exercise_named(name: str | Exercise | None) -> Exercise | None:
    """The exercise called ``name`` (ValueError listing them if there is none)."""
    if name is None or isinstance(name, Exercise):
        return name
    if name not in EXERCISES:
        raise ValueError(f"there is no exercise {name!r}; the exercises are "
                         f"{', '.join(EXERCISES)}")
    return EXERCISES[name]


def _lines(answer: str | Sequence[Any]) -> list[Line]:
    if isinstance(answer, str):
        return parse_answer(answer)
    if isinstance(answer, (bytes, bytearray)):
        raise TypeError("an answer is text: decode a file's bytes with answer_text(data)")
    if not isinstance(answer, Sequence) or not answer:
        raise TypeError("an answer is text, a list of lines (strings) or a list of SymPy "
                        "expressions")
    if all(isinstance(item, str) for item in answer):
        return parse_answer("\n".join(answer))
    if all(isinstance(item, sp.Basic) for item in answer):
        rel = r"\iff" if all(proof.is_statement(e) for e in answer) else "="
        return [Line(k + 1, None if k == 0 else rel, e) for k, e in enumerate(answer)]
    raise TypeError("an answer's lines are all strings or all SymPy expressions")


def check(answer: str | Sequence[Any], exercise: str | Exercise | None = None, *,
          seconds: float = SECONDS, megabytes: int = MEGABYTES, budget: float = BUDGET,
          jobs: int | None = None) -> Report:
    r"""Check every step of ``answer`` (text, lines, or SymPy expressions).

    With an ``exercise`` (a name from :data:`~derivations.exercises.EXERCISES`) the
    chain must start at its start, should show its milestones, and should end at
    its goal; without one, each step is checked against the line before it.
    Each step may use ``seconds`` and ``megabytes``; after ``budget`` seconds the
    remaining steps are left unchecked.
    """
    ex = exercise_named(exercise)
    for name, value in (("seconds", seconds), ("megabytes", megabytes), ("budget", budget)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 < value
                <= (10**6 if name != "megabytes" else 2**20)):
            raise ValueError(f"{name} must be a positive finite number, not {value!r}")
    try:
        lines = _lines(answer)
    except ParseError as err:
        return Report(ex, error=str(err))
    ctx = ex.context if ex is not None else free_context()
    forms = _targets(ex)
    chains: list[list[Line]] = []
    for line in lines:
        if line.relation is None:
            chains.append([])
        chains[-1].append(line)
    tasks = []
    for chain in chains:
        var = _var(ex)
        for k, line in enumerate(chain):
            prev = chain[k - 1] if k else None
            tasks.append((_judge, (ctx, prev.expr if prev else None, line.expr,
                                   line.relation, var, forms)))
    outcomes = iter(run_all(tasks, seconds=seconds, megabytes=megabytes, jobs=jobs,
                            budget=budget))
    results = [[_result(line, next(outcomes), seconds, megabytes) for line in chain]
               for chain in chains]
    report = Report(ex, context=meanings(ctx))
    report.chains = tuple(_assess(ex, chain, found, index) for chain, found, index in
                          zip(chains, results, _assign(ex, results), strict=True))
    return report


def meanings(ctx: Derivation) -> tuple[sp.Basic, ...]:
    """The context's definitions (``where``, then functions) and declared conditions."""
    defs = [sp.Eq(n, v, evaluate=False) for n, v in ctx.where]
    defs += [sp.Eq(f(*lam.variables), lam.expr, evaluate=False)
             for f, lam in ctx.functions.items()]
    conds = [sp.Contains(s, v, evaluate=False) for s, v in ctx.conditions.items()]
    return (*defs, *conds)


def _var(ex: Exercise | None) -> sp.Symbol | None:
    if ex is not None and len(ex.parts) == 1 and ex.parts[0].var is not None:
        return ex.parts[0].var
    return None


def _targets(ex: Exercise | None) -> list[tuple[str, str, Any]]:
    """What each line is compared with: (key, kind, target)."""
    out: list[tuple[str, str, Any]] = []
    for k, part in enumerate(ex.parts if ex is not None else ()):
        out.append((f"{k}:start", "forms", tuple(evaluated(s) for s in part.start)))
        out.append((f"{k}:goal", "forms", (evaluated(part.goal),)))
        for m in part.milestones:
            out.append((f"{k}:m:{m.name}", "factors", m.factors))
    return out


def _result(line: Line, outcome: Outcome, seconds: float, megabytes: int) -> tuple:
    """(StepResult, the form keys the line matches)."""
    if outcome.status == "ok":
        found = outcome.value
        relied = tuple(r for r in found.get("relied", ()) if r is not sp.true)
        return StepResult(line, found["status"], found.get("reason", ""),
                          found.get("hint", ""), found.get("counterexample"),
                          relied), set(found.get("matches", ()))
    status = "start" if line.relation is None and outcome.status != "skipped" else None
    if outcome.status == "time":
        reason = f"took longer than {seconds:g} s: split this step into smaller ones"
    elif outcome.status == "memory":
        reason = f"too large (more than {megabytes} MB): split this step into smaller ones"
    elif outcome.status == "skipped":
        reason = "not checked: the whole answer took too long"
    else:
        reason = f"SymPy could not check it ({outcome.message})"
    if status is None:
        status = {"time": "limit", "memory": "limit", "skipped": "unchecked"}.get(
            outcome.status, "undecided")
    return StepResult(line, status, reason), set()


def _assign(ex: Exercise | None, results: list[list[tuple]]) -> list[int | None]:
    """Which part of the exercise each chain answers (by its first line, else in order)."""
    if ex is None:
        return [None] * len(results)
    free = list(range(len(ex.parts)))
    out: list[int | None] = [None] * len(results)
    for i, found in enumerate(results):  # first by their start
        match = next((k for k in free if f"{k}:start" in found[0][1]), None)
        if match is not None:
            free.remove(match)
            out[i] = match
    for i in range(len(results)):  # then the rest, in order
        if out[i] is None and free and not any(f"{k}:start" in results[i][0][1]
                                               for k in range(len(ex.parts))):
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
    key = f"{index}:"
    start_ok = key + "start" in matches[0]
    if not start_ok and steps[0].status == "start":
        starts = " or ".join(f"${tex(s)}$" for s in part.start)
        steps[0] = StepResult(steps[0].line, "start",
                              f"the exercise starts from {starts}")
    # milestones: shown on some line, else the step that left the last one shown is flagged
    after = 0
    for m in part.milestones:
        shown = [k for k, got in enumerate(matches) if k >= after and key + "m:" + m.name in got]
        if shown:
            k = shown[0]
            steps[k] = replace(steps[k], shows=(*steps[k].shows, m.name))
            after = k
        elif after + 1 < len(steps) and steps[after + 1].status == "proven":
            steps[after + 1] = replace(steps[after + 1], flag="proven, but " + m.ask)
    rels = {line.relation for line in chain[1:]}
    problems = [s for s in steps[1:] if s.status != "proven"]
    goal_form = key + "goal" in matches[-1] and len(chain) > 1
    goal = f"${tex(part.goal)}$"
    if not start_ok:
        summary = f"it does not start from ${tex(part.start[0])}$"
    elif len(chain) == 1:
        summary = "it has no steps"
    elif problems:
        summary = f"the step on line {problems[0].line.number} is {problems[0].status}"
    elif rels != {part.relation}:
        summary = (f"the chain's relations are {', '.join(sorted(rels))}, "
                   f"the exercise asks for {part.relation}")
    elif not goal_form:
        summary = f"the last line is not the goal {goal}"
    else:
        summary = ""
    return ChainResult(part, tuple(steps), start_ok, not summary, summary)


# -------------------------------------------- the work, in a child process --
def _judge(ctx: Derivation, prev: sp.Basic | None, cur: sp.Basic, relation: str | None,
           var: sp.Symbol | None, forms: list) -> dict:
    """Everything about one line: the verdict on its step, and the forms it matches."""
    raw = (prev, cur)
    cur = evaluated(cur)
    prev = evaluated(prev) if prev is not None else None
    ctx = _without(ctx, *_bound(cur, prev))
    out: dict[str, Any] = {"matches": [k for k, kind, target in forms
                                       if _matches(ctx, cur, kind, target)]}
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
    out.update(_verdict(ctx, prev, cur, relation, var, raw))
    return out


def _undefined(e: sp.Basic, limit: bool = False) -> str:
    if e.has(sp.zoo, sp.nan) or (e.has(sp.oo, -sp.oo) and not limit and not e.has(sp.Limit)):
        return "this line is undefined or infinite (a division by 0 or a log of 0)"
    return ""


def _relation(relation: str, var: sp.Symbol | None) -> Relation:
    if relation == "=":
        return Equal()
    if relation == r"\iff":
        return Equivalent(var=var)
    return Bound(sign=relation)


def _verdict(ctx: Derivation, prev: sp.Basic, cur: sp.Basic, relation: str,
             var: sp.Symbol | None, raw: tuple = (None, None)) -> dict:
    if relation == r"\iff":
        if var is None:
            symbols = (prev.free_symbols | cur.free_symbols)
            if len(symbols) != 1:
                return {"status": "undecided", "reason": "an equivalence in more than one "
                        "variable: the checker needs an exercise that names the variable"}
            var = symbols.pop()
        ctx = _without(ctx, var)
    d = Derivation("answer", where=ctx.where, functions=ctx.functions,
                   conditions=ctx.conditions)
    first = d.given(prev, "the line before")
    step = d.add(cur, "this step", _relation(relation, var))
    left, right = d.expand(prev), d.expand(cur)
    if all(e.is_number and e.is_extended_real for e in (left, right)) and \
            (left.is_infinite or right.is_infinite):  # limits: compared exactly
        if _holds_infinite(left, right, relation):
            return {"status": "proven", "reason": ""}
        return _wrong(d, prev, cur, relation, var,
                      Counterexample((), (), left, right))
    if not proof.is_statement(prev) and not proof.is_statement(cur) and relation != r"\iff":
        # numbers may disprove: a wrong step needs no failed proof attempt first
        found = _counterexample(d, d.expand(prev), d.expand(cur), relation,
                                _mentioned(prev, cur), prev.free_symbols | cur.free_symbols)
        if found is not None:
            return _wrong(d, prev, cur, relation, var, found)
    try:
        if relation != r"\iff" and raw[0] is not None:
            _as_written(d, *raw)
        step.relation.check(d, first, step)
    except _Undefined as gap:
        return {"status": "wrong", "reason": str(gap)}
    except ProofGap as gap:
        text = str(gap)
        return _refuted(d, prev, cur, relation, var,
                        text if len(text) < 240 else text[:240] + " ...")
    relied = [m for item in (*d.shown(first), *d.shown(step)) for m in item.math
              if item.word in ("where", "for") and m is not sp.true]
    return {"status": "proven", "reason": "", "relied": list(dict.fromkeys(relied))}


class _Undefined(ProofGap):
    """One side is undefined at an allowed point and the other is not: the step is wrong."""


def _as_written(d: Derivation, prev: sp.Basic, cur: sp.Basic) -> None:
    """Denominators and logarithms as the student wrote them (before SymPy cancels
    ``y/y``) must be undefined at the same places on both sides, else ProofGap."""
    def parts(e: sp.Basic) -> list[sp.Basic]:
        return [d.expand(evaluated(u)) for u in proof.undefined_where(e)]

    before, after = parts(prev), parts(cur)
    free = set().union(set(), *(u.free_symbols for u in before + after))
    for inst in proof.instances(d.conditions, free):
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


def _without(ctx: Derivation, *free: sp.Symbol) -> Derivation:
    """The context with the definitions of ``free`` dropped (they vary freely)."""
    if all(name not in free for name, _ in ctx.where):
        return ctx
    return Derivation(ctx.title, where=[(n, v) for n, v in ctx.where if n not in free],
                      functions=ctx.functions, conditions=ctx.conditions)


def _refuted(d: Derivation, prev: sp.Basic, cur: sp.Basic, relation: str,
             var: sp.Symbol | None, gap: str) -> dict:
    left, right = d.expand(prev), d.expand(cur)
    found = _counterexample(d, left, right, relation, _mentioned(prev, cur),
                            prev.free_symbols | cur.free_symbols)
    if found is None:
        return {"status": "undecided", "reason": f"not proven ({gap}) and no counterexample "
                "found: split this step into smaller ones"}
    return _wrong(d, prev, cur, relation, var, found)


def _wrong(d: Derivation, prev: sp.Basic, cur: sp.Basic, relation: str,
           var: sp.Symbol | None, found: Counterexample) -> dict:
    out = {"status": "wrong", "reason": "the two lines differ" if relation == "=" else
           f"the relation {relation} does not hold", "counterexample": found}
    try:
        out["hint"] = _hint(d, prev, cur, d.expand(prev), d.expand(cur), relation, var)
    except (ProofGap, TypeError, ValueError, NotImplementedError, ZeroDivisionError):
        out["hint"] = ""
    return out


def _close(u: complex, v: complex) -> bool:
    return abs(u - v) <= 1e-9 * max(1.0, abs(u), abs(v))


def _holds(u: complex, v: complex, relation: str) -> bool:
    if relation == "=":
        return _close(u, v)
    if abs(u.imag) > 1e-12 or abs(v.imag) > 1e-12:
        return False
    tol = 1e-9 * max(1.0, abs(u), abs(v))
    return {"<": v.real - u.real > tol, ">": u.real - v.real > tol,
            r"\le": v.real - u.real > -tol, r"\ge": u.real - v.real > -tol}[relation]


def _mentioned(*exprs: sp.Basic) -> set:
    """The symbols a reader sees the value of: outside derivatives (∂L/∂a names no value)."""
    out: set = set()
    for e in exprs:
        out |= e.replace(lambda n: isinstance(n, (sp.Derivative, sp.Subs)),
                         lambda n: sp.S.Zero).free_symbols
    return out


def _holds_infinite(left: sp.Basic, right: sp.Basic, relation: str) -> bool:
    """True when ``left relation right`` holds for these exact values (one may be ±∞)."""
    test = {"=": sp.Eq, "<": sp.Lt, ">": sp.Gt, r"\le": sp.Le, r"\ge": sp.Ge}[relation]
    return test(left, right) is sp.true


def _counterexample(d: Derivation, left: sp.Basic, right: sp.Basic, relation: str,
                    mentioned: set, written: set | None = None) -> Counterexample | None:
    if relation == r"\iff":
        found = proof.counterexample(left, right, d.conditions, statements=True)
        if found is None:
            return None
        point, before, after = found["at"], found["before"], found["after"]
    elif (left.is_number and right.is_number and left.is_extended_real
          and right.is_extended_real and (left.is_infinite or right.is_infinite)):
        if _holds_infinite(left, right, relation):
            return None
        point, before, after = {}, left, right
    else:
        free = {s for s in left.free_symbols | right.free_symbols if isinstance(s, sp.Symbol)}
        for point in proof.sample_points(free, d.conditions, limit=80):
            u = proof.number(sp.S(left.xreplace(point)).doit())
            v = proof.number(sp.S(right.xreplace(point)).doit())
            if u is None or v is None or abs(u.imag) > 1e-12 or abs(v.imag) > 1e-12:
                continue  # undefined, or not real there: no evidence either way
            if not _holds(u, v, relation):
                before, after = sp.Float(u.real, 30), sp.Float(v.real, 30)
                break
        else:
            return None
    derived = []
    for name, _ in d.where:
        if isinstance(name, sp.Symbol) and name in mentioned:
            value = proof.number(d.expand(name).xreplace(point))
            if value is not None:
                derived.append((name, sp.Float(value.real, 15)))
    at = [(k, v) for k, v in point.items() if k in mentioned or k in (written or set())]
    if not at and not derived:
        at = list(point.items())
    return Counterexample(tuple(at), tuple(derived), before, after)


#: factors a student commonly drops or adds, in the lecture's notation
FACTORS = (x_j, a * (1 - a), a, 1 - a, sigma(z) * (1 - sigma(z)), sigma(z), 1 - sigma(z),
           sp.exp(-z), sp.exp(z), 1 + sp.exp(-z), (1 + sp.exp(-z)) ** 2, y, 1 - y, a - y,
           sp.Integer(2))


def _generic(symbols: set, d: Derivation) -> list[dict]:
    """Two points with unremarkable values, for a quick look before a proof."""
    values = (sp.Rational(3, 7), sp.Rational(-5, 11), sp.Rational(2, 9), sp.Rational(7, 5))
    out = []
    for shift in (0, 1):
        point = {}
        for k, s in enumerate(sorted(symbols, key=str)):
            domain = proof.condition_set(s, d.conditions)
            options = [v for v in values[shift:] + values[:shift]
                       if proof.contained(v, domain)] if domain is not None else list(values)
            if isinstance(domain, sp.FiniteSet):
                options = list(domain)
            point[s] = (options or [sp.S.Half])[(k + shift) % len(options or [0])]
        out.append(point)
    return out


def _hint(d: Derivation, prev: sp.Basic, cur: sp.Basic, left: sp.Basic, right: sp.Basic,
          relation: str, var: sp.Symbol | None) -> str:
    """Why a wrong step is wrong, when a simple reason is proven: a factor, a term, a
    reversed inequality."""
    if relation == r"\iff":
        turned = FLIP.get(type(cur))
        if turned is not None and var is not None:
            try:
                Equivalent(var=var).check(d, _Line(prev), _Line(turned(*cur.args,
                                                                        evaluate=False)))
                return ("the inequality points the wrong way: multiplying by a negative "
                        "number, or taking reciprocals of positive numbers, reverses it")
            except (ProofGap, TypeError, ValueError, NotImplementedError):
                return ""
        return ""
    if relation != "=":
        return ""
    free = {s for s in left.free_symbols | right.free_symbols if isinstance(s, sp.Symbol)}
    points = _generic(free, d)

    def at(e: sp.Basic, p: dict) -> complex | None:
        return proof.number(e.xreplace(p).doit())

    def proven(e1: sp.Basic, e2: sp.Basic) -> bool:
        return _proven_equal(d, e1, e2)

    lv, rv = [at(left, p) for p in points], [at(right, p) for p in points]
    if any(v is None for v in (*lv, *rv)):
        return ""
    # a factor: the new line is F times the old one, or the old one F times the new
    for f in (sp.S.NegativeOne, *FACTORS, *[-g for g in FACTORS]):
        fx = d.expand(f)
        if fx.free_symbols - free:
            continue
        fv = [at(fx, p) for p in points]
        if any(v is None or v == 0 for v in fv):
            continue
        if all(_close(r, fa * lft) for r, fa, lft in zip(rv, fv, lv, strict=True)) and \
                proven(cur, sp.Mul(f, prev)):
            return _factor_text(f, "extra", prev)
        if all(_close(lft, fa * r) for r, fa, lft in zip(rv, fv, lv, strict=True)) and \
                proven(prev, sp.Mul(f, cur)):
            return _factor_text(f, "missing", prev)
    # a term: dropped, its sign flipped, or one too many
    for term in sp.Add.make_args(prev) if isinstance(prev, sp.Add) else ():
        tv = [at(d.expand(term), p) for p in points]
        if any(v is None for v in tv):
            continue
        for times in (1, 2):  # dropped, or its sign flipped
            if all(_close(r, lft - times * t) for r, lft, t in zip(rv, lv, tv, strict=True)) \
                    and proven(cur, prev - times * term):
                return (f"the term ${tex(term)}$ was dropped" if times == 1 else
                        f"the sign of the term ${tex(term)}$ flipped")
    for term in sp.Add.make_args(cur) if isinstance(cur, sp.Add) else ():
        tv = [at(d.expand(term), p) for p in points]
        if all(t is not None and _close(r - t, lft) for r, lft, t in
               zip(rv, lv, tv, strict=True)) and proven(prev, cur - term):
            return f"the term ${tex(term)}$ is extra"
    try:
        ratio = sp.simplify(right / left)
    except (TypeError, ZeroDivisionError):
        return ""
    if ratio.count_ops() <= 6 and ratio.is_number is not True:
        return f"this line is ${tex(ratio)}$ times the one before"
    return ""


def _factor_text(f: sp.Basic, kind: str, prev: sp.Basic) -> str:
    if f == -1:
        text = "a sign error: this line is the negative of the one before"
        inner = [n.expr for n in prev.atoms(sp.Derivative) if n.expr.has(sp.exp)]
        if inner:  # the derivative of e^{-z}, as SymPy computes it
            e = sp.exp(-z)
            text += (" (check the derivatives' signs: the quotient rule's minus, and the "
                     f"inner derivative: the derivative of ${tex(e)}$ is "
                     f"${tex(sp.diff(e, z))}$)")
        return text
    if f.could_extract_minus_sign():
        return f"a sign error and {'an' if kind == 'extra' else 'a'} {kind} factor " \
               f"${tex(-f)}$"
    return f"{'an' if kind == 'extra' else 'a'} {kind} factor ${tex(f)}$"


#: an inequality turned around, its sides kept
FLIP = {sp.StrictLessThan: sp.StrictGreaterThan, sp.StrictGreaterThan: sp.StrictLessThan,
        sp.LessThan: sp.GreaterThan, sp.GreaterThan: sp.LessThan}


class _Line:
    """A stand-in for a Step where a relation only reads ``expr``."""

    def __init__(self, expr: sp.Basic) -> None:
        self.expr = expr


def _matches(ctx: Derivation, e: sp.Basic, kind: str, target: Any) -> bool:
    if kind == "forms":
        return any(_same_form(ctx, e, t) for t in target)
    return _shows_factors(ctx, e, target)


def _defined(ctx: Derivation, e: sp.Basic) -> sp.Basic:
    """``e`` with the ``where`` definitions put in (functions and derivatives kept)."""
    for name, value in ctx.where:
        e = e.xreplace({name: value}) if isinstance(name, sp.Indexed) else e.subs(name, value)
    return e


def _same_form(ctx: Derivation, e: sp.Basic, target: sp.Basic) -> bool:
    """Written as ``target`` is: equal with the definitions put in, functions kept."""
    if e == target:
        return True
    if proof.is_statement(e) or proof.is_statement(target):
        return _same_statement(e, target)
    u, v = _defined(ctx, e), _defined(ctx, target)
    if u.has(sp.Derivative) != v.has(sp.Derivative):
        return False
    try:
        return sp.simplify(u - v, doit=False) == 0
    except (TypeError, NotImplementedError, RecursionError):
        return False


def _same_statement(e: sp.Basic, target: sp.Basic) -> bool:
    rel = sp.core.relational.Relational
    if not (isinstance(e, rel) and isinstance(target, rel)):
        return False
    for form in (e, e.reversed):
        if type(form) is type(target) and sp.simplify((form.lhs - form.rhs)
                                                      - (target.lhs - target.rhs)) == 0:
            return True
    return False


def _shows_factors(ctx: Derivation, e: sp.Basic, factors: Sequence[sp.Basic]) -> bool:
    """``e`` is a product whose factors group into ``factors``, each proven equal."""
    mine = [f for f in sp.Mul.make_args(e) if not f.is_number]
    coeff = sp.Mul(*[f for f in sp.Mul.make_args(e) if f.is_number])
    if coeff != 1 or not (len(factors) <= len(mine) <= 8):
        return False
    free = set().union(*(ctx.expand(f).free_symbols for f in (*factors, *mine)))
    points = _generic({s for s in free if isinstance(s, sp.Symbol)}, ctx)
    wanted = [[proof.number(ctx.expand(f).xreplace(p).doit()) for p in points] for f in factors]
    cache: dict[tuple[int, int], bool] = {}

    def fits(group: tuple[int, ...], k: int) -> bool:
        key = (sum(1 << i for i in group), k)
        if key not in cache:
            prod_ = sp.Mul(*(mine[i] for i in group))
            got = [proof.number(ctx.expand(prod_).xreplace(p).doit()) for p in points]
            cache[key] = (all(g is not None and w is not None and _close(g, w)
                              for g, w in zip(got, wanted[k], strict=True))
                          and _proven_equal(ctx, prod_, factors[k]))
        return cache[key]

    for assignment in product(range(len(factors)), repeat=len(mine)):
        groups = [tuple(i for i, g in enumerate(assignment) if g == k)
                  for k in range(len(factors))]
        if all(groups) and all(fits(g, k) for k, g in enumerate(groups)):
            return True
    return False


def _proven_equal(ctx: Derivation, u: sp.Basic, v: sp.Basic) -> bool:
    try:
        Equal().check(ctx, _Line(u), _Line(v))
        return True
    except (ProofGap, TypeError, ValueError, NotImplementedError):
        return False


__all__ = ["ChainResult", "Counterexample", "Report", "StepResult", "answer_text", "check",
           "exercise_named", "meanings"]
