r"""A checked answer as data, and its text, Markdown, JSON and Gradescope forms.

Every formula is printed from the SymPy object the checker read and proved; the
student's own words (justifications, and anything quoted in an error) are shown
with control characters escaped, so no report can move a terminal's cursor,
clear its screen or turn text around.

>>> visible("ok\x1b[2J\u202e")
'ok\\x1b[2J\\u202e'
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.logic.boolalg import BooleanAtom

from derivations.checking.scoring import Award, cents, rule, split
from derivations.engine import tex

MARKS = {"start": "·", "proven": "✓", "wrong": "✗", "undecided": "?", "limit": "!",
         "unchecked": "-"}


def visible(text: str) -> str:
    """Control and bidirectional-formatting characters as escapes (``\\x1b``)."""
    def esc(ch: str) -> str:
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return "".join(esc(ch) if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
                   and ch not in "\u200d" else ch for ch in text)


def escape_markdown(text: str) -> str:
    """A student's own words as plain Markdown text: no markup, no math."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|$~-])", r"\\\1", visible(text))


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

    line: Any
    status: str
    reason: str = ""
    hint: str = ""
    counterexample: Counterexample | None = None
    relied: tuple[sp.Basic, ...] = ()
    shows: tuple[str, ...] = ()  # the milestones this line shows
    flag: str = ""  # e.g. "proven, but show the chain-rule factors"

    @property
    def mark(self) -> str:
        return "~" if self.flag else MARKS[self.status]

    def message(self) -> str:
        """One sentence: the verdict and its reason (text with $math$)."""
        parts = [self.flag or self.reason]
        conds = [r for r in self.relied if not isinstance(r, sp.Eq) or r.lhs.has(sp.Sum)]
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
class MilestoneResult:
    """Whether a chain shows a milestone: on which line, and whether it counts."""

    milestone: Any
    line: int | None
    counted: bool
    note: str


@dataclass(frozen=True)
class ChainResult:
    """One chain of lines: which part of the exercise it answers and whether it gets there."""

    part: Any
    steps: tuple[StepResult, ...]
    start_ok: bool
    goal_reached: bool
    summary: str
    milestones: tuple[MilestoneResult, ...] = ()


@dataclass
class Report:
    """The verdicts on an answer. ``passed``: every step proven and, with an exercise,
    every milestone shown and the goal reached (full marks)."""

    exercise: Any
    chains: tuple[ChainResult, ...] = ()
    error: str = ""
    context: tuple[sp.Basic, ...] = ()  # what the names mean: definitions, then conditions

    def __post_init__(self) -> None:
        self.error = visible(self.error)

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

    def _chain_for(self, part: Any) -> ChainResult | None:
        found = [c for c in self.chains if c.part is part]
        return next((c for c in found if c.goal_reached), found[0] if found else None)

    @property
    def goal_reached(self) -> bool | None:
        """None without an exercise; else True when every part's goal is reached."""
        if self.exercise is None:
            return None
        if self.error:
            return False
        return all(c is not None and c.goal_reached
                   for c in map(self._chain_for, self.exercise.parts))

    @property
    def passed(self) -> bool:
        checked = [s for s in self.steps if s.status != "start"]
        ok = not self.error and bool(checked) and all(s.status == "proven" for s in checked)
        return ok and (self.exercise is None or all(a.earned for a in self.awards()))

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in ("proven", "wrong", "undecided", "limit", "unchecked")}
        for s in self.steps:
            if s.status in out:
                out[s.status] += 1
        out["flagged"] = sum(1 for s in self.steps if s.flag)
        return out

    # -- points ---------------------------------------------------------------
    def awards(self, points: float = 10.0) -> list[Award]:
        """Every scored item, its points in cents adding up to ``points`` exactly."""
        total = cents(points)
        if self.exercise is None:
            checked = [s for s in self.steps if s.status != "start"]
            if not checked:
                return [Award("Steps", total, False, self.error or "no steps to check")]
            return [Award(f"Step on line {s.line.number}: ${tex(s.line.expr)}$", c,
                          s.status == "proven" and not self.error, _step_output(s))
                    for s, c in zip(checked, split(total, [1] * len(checked)), strict=True)]
        ex, out = self.exercise, []
        parts = ex.parts
        for n, (part, part_cents) in enumerate(zip(parts, split(
                total, [p.weight for p in parts]), strict=True), 1):
            label = f" (part {n})" if len(parts) > 1 else ""
            chain = None if self.error else self._chain_for(part)
            stones = list(part.milestones)
            share = [ex.goal_share, 1 - ex.goal_share] if stones else [1]
            goal_cents, stone_cents = [*split(part_cents, share), 0][:2]
            found = {id(r.milestone): r for r in (chain.milestones if chain else ())}
            for m, c in zip(stones, split(stone_cents, [m.weight for m in stones]),
                            strict=True):
                r = found.get(id(m))
                why = r.note if r else (self.error or f"no chain starts from "
                                        f"${tex(part.start[0])}$")
                out.append(Award(f"Milestone{label}: the {m.name}", c,
                                 bool(r and r.counted), why))
            reached = bool(chain and chain.goal_reached)
            missing = [r.milestone.name for r in (chain.milestones if chain else ())
                       if not r.counted]
            why = self.goal_text(part)
            if reached and missing:
                why += "; but not every milestone is shown (" + ", ".join(missing) + ")"
            out.append(Award(f"Goal{label}: ${tex(part.statement)}$", goal_cents,
                             reached and not missing, why))
        return out

    def score(self, points: float = 10.0) -> float:
        return sum(a.cents for a in self.awards(points) if a.earned) / 100

    def rule(self) -> str:
        return rule(self.exercise.goal_share if self.exercise is not None else None)

    # -- words ------------------------------------------------------------------
    def goal_text(self, part: Any = None) -> str:
        if self.error:
            return "the answer could not be read: " + self.error
        if self.exercise is None:
            return ""
        parts = [part] if part is not None else self.exercise.parts
        missing = [p for p in parts if not (self._chain_for(p) and
                                            self._chain_for(p).goal_reached)]
        if not missing:
            goals = ", ".join(f"${tex(p.statement)}$" for p in parts)
            return f"goal reached: {goals}"
        why = [self._chain_for(p).summary for p in missing if self._chain_for(p)]
        why += [f"no chain starts from ${tex(p.start[0])}$" for p in missing
                if self._chain_for(p) is None]
        goals = ", ".join(f"${tex(p.statement)}$" for p in missing)
        return f"goal not reached ({goals})" + (": " + "; ".join(why) if why else "")

    def _lines(self) -> list[tuple[StepResult, str]]:
        out = []
        for s in self.steps:
            rel = "" if s.line.relation is None else s.line.relation + " "
            out.append((s, f"{rel}{tex(s.line.expr)}"))
        return out

    def _summary(self) -> list[tuple[bool, str]]:
        """(earned, words) for each milestone and goal, in order."""
        if self.exercise is None or self.error:
            return []
        out = []
        for a in self.awards():
            words = a.name.split(":", 1)[0].lower()
            if a.name.startswith("Milestone"):
                out.append((a.earned, f"{words}: the {a.name.split(': the ', 1)[1]}: "
                                      f"{a.output}"))
        return out

    def text(self) -> str:
        """The terminal report: one line per step, its mark, its line and the reason."""
        head = self.exercise.title if self.exercise else "Each step against the one before"
        out = [head] + ([f"  {self.context_text()}"] if self.context else [])
        for s, math in self._lines():
            why = f"   % {s.line.why}" if s.line.why else ""
            out.append(f"{s.mark} line {s.line.number}: {math}{why}")
            if s.message():
                out.append(f"    {s.message()}")
        if self.error and self.exercise is None:
            out.append("✗ the answer could not be read: " + self.error)
        for earned, words in self._summary():
            out.append(("✓ " if earned else "✗ ") + words)
        if self.goal_text() and self.exercise is not None:
            out.append(("✓ " if self.goal_reached else "✗ ") + self.goal_text())
        return "\n".join(visible(line) for line in out) + "\n"

    def markdown(self) -> str:
        """A Markdown report with the lines as display math (Jupyter renders it)."""
        head = self.exercise.title if self.exercise else "Each step against the one before"
        out = [f"### {head}", ""]
        if self.exercise is not None:
            out += [self.exercise.prompt, ""]
        if self.context:
            out += [self.context_text()[0].upper() + self.context_text()[1:] + ".", ""]
        for s, math in self._lines():
            why = f" ({escape_markdown(s.line.why)})" if s.line.why else ""
            out.append(f"- **{s.mark} line {s.line.number}** ${math}${why}"
                       + (f"  \n  {s.message()}" if s.message() else ""))
        if self.error and self.exercise is None:
            out.append(f"- **✗** {escape_markdown(self.goal_text())}")
        summary = self._summary()
        if summary:
            out += [""] + [f"- {'✓' if e else '✗'} {w}" for e, w in summary]
        if self.goal_text() and self.exercise is not None:
            goal = escape_markdown(self.goal_text()) if self.error else self.goal_text()
            out += ["", f"**{'✓' if self.goal_reached else '✗'} {goal}**"]
        return "\n".join(out) + "\n"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def as_dict(self, points: float = 10.0) -> dict:
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
                    "at": {tex(k): _value(v) for k, v in (*ce.at, *ce.derived)},
                    "before": _value(ce.before), "after": _value(ce.after)}
            steps.append(item)
        awards = self.awards(points)
        return {"exercise": self.exercise.name if self.exercise else None,
                "context": [tex(c) for c in self.context], "passed": self.passed,
                "goal_reached": self.goal_reached, "goal": self.goal_text(),
                "error": self.error, "counts": self.counts(), "steps": steps,
                "score": sum(a.cents for a in awards if a.earned) / 100, "max_score": points,
                "scoring": self.rule(),
                "points": [{"name": a.name, "score": a.score, "max_score": a.points,
                            "output": a.output} for a in awards]}

    def json(self, points: float = 10.0) -> str:
        return json.dumps(self.as_dict(points), indent=2, ensure_ascii=False) + "\n"

    def gradescope(self, points: float = 10.0) -> dict:
        """Gradescope's ``results.json``: one test per milestone and goal (or per step
        without an exercise), and every step's verdict, with the scoring rule."""
        awards = self.awards(points)
        tests = [{"name": a.name, "score": a.score, "max_score": a.points,
                  "output": a.output, "status": "passed" if a.earned else "failed"}
                 for a in awards]
        if self.exercise is not None:
            tests += [{"name": f"Step on line {s.line.number}: ${tex(s.line.expr)}$",
                       "output": _step_output(s),
                       "status": "passed" if s.status == "proven" else "failed"}
                      for s in self.steps if s.status != "start"]
        score = sum(a.cents for a in awards if a.earned) / 100
        verdict = ("Full marks: every step proven" + (", every milestone shown and the goal "
                   "reached." if self.exercise else ".")) if self.passed else \
            f"{score:g} of {points:g} points."
        return {"score": score, "tests": tests,
                "output": f"{verdict} Scoring: {self.rule()}."}


def _step_output(s: StepResult) -> str:
    return f"{s.status}: {s.message()}" if s.message() else s.status
