r"""The fields of an exercise file, each read and checked with a message naming it.

Every formula is LaTeX read by the answers' parser (:mod:`.parser`), in the
exercise's notation: ``definitions`` such as ``a = \sigma(z)``, ``conditions``
such as ``y \in \{0, 1\}`` or ``a \in (0, 1)``, ``given`` facts such as
``\sum_{k=1}^{K} y_k = 1``, and each part's start, goal and milestones.

>>> condition(r"y \in \{0, 1\}", LOGISTIC, "test")
(y, {0, 1})
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from derivations.checking.notation import LOGISTIC, NOTATIONS, RELATIONS, Notation  # noqa: F401
from derivations.checking.parser import ParseError, evaluated, parse_tokens
from derivations.checking.reading import COMPARE, _pieces, _statement, row
from derivations.engine import Derivation, tex

__all__ = ["COMPARE", "condition", "definition", "given", "math", "part"]


class ExerciseError(ValueError):
    """An exercise file that cannot be used: which exercise, which field, what is wrong."""


@dataclass(frozen=True)
class Milestone:
    """A line the exercise wants shown, earning ``weight`` shares of the milestones' points.

    ``form``: a line written as one of ``targets`` (same value, same functions applied);
    ``factors``: a product of the ``targets``, each maybe worked out (summed over
    ``over``); ``bound``: a step ``lhs \\le rhs`` as one of the ``targets`` says.
    """

    name: str
    kind: str
    targets: tuple[sp.Basic, ...]
    over: sp.Symbol | None = None
    weight: Fraction = Fraction(1)

    @property
    def shown_as(self) -> sp.Basic:
        """The milestone as one formula, printed in the feedback."""
        if self.kind != "factors":
            return self.targets[0]
        product = sp.Mul(*(sp.UnevaluatedExpr(f) for f in self.targets), evaluate=False)
        return sp.Sum(product, (self.over, 1, sp.Symbol("K", integer=True, positive=True))) \
            if self.over is not None else product

    @property
    def ask(self) -> str:
        """What completes "proven, but ..." in the feedback."""
        return f"show the {self.name} ${tex(self.shown_as)}$"


@dataclass(frozen=True)
class Part:
    """One chain of an exercise: from one of ``start`` to ``goal`` by ``relation``."""

    start: tuple[sp.Basic, ...]
    goal: sp.Basic
    relation: str = "="
    var: sp.Symbol | None = None  # the variable of an equivalence chain
    milestones: tuple[Milestone, ...] = ()
    case: sp.Basic | None = None  # k \neq j: every step holds in this case
    result: str | None = None  # the lecture's result this part is
    weight: Fraction = Fraction(1)
    solution: tuple[sp.Basic, ...] = ()  # lines from start to goal, proven when read

    @property
    def statement(self) -> sp.Basic:
        r"""What the part proves, e.g. ``\sigma'(z) \le 1/4``."""
        if self.relation == r"\iff":
            return self.goal
        return COMPARE[self.relation](self.start[0], self.goal, evaluate=False)


def _error(where: str, message: str) -> ValueError:
    return ExerciseError(f"{where}: {message}")


def only(item: dict, allowed: set, where: str) -> None:
    extra = sorted(set(item) - allowed)
    if extra:
        raise _error(where, f"unknown field {extra[0]!r} (the fields are "
                            f"{', '.join(sorted(allowed))})")


def text(item: dict, key: str, where: str, pattern: str | None = None) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 400:
        raise _error(where, f"{key} = \"...\" (text of at most 400 characters)")
    if pattern and not re.fullmatch(pattern, value):
        raise _error(where, f"{key} {value!r}: lower-case letters, digits and single hyphens")
    if any(ord(ch) < 32 or 0x7f <= ord(ch) < 0xa0 for ch in value):
        raise _error(where, f"{key}: no control characters")
    return value


def strings(item: dict, key: str, where: str) -> list[str]:
    value = item.get(key, [])
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _error(where, f"{key} = ['...', ...] (LaTeX strings)")
    return value


def notation(item: dict, where: str) -> Notation:
    name = item.get("notation", "logistic")
    if name not in NOTATIONS:
        raise _error(where, f"notation {name!r}: one of {', '.join(NOTATIONS)}")
    return NOTATIONS[name]


def lecture(name: Any, where: str) -> Derivation:
    from derivations.lecture import LECTURE

    found = {s.name: s.derivation for s in LECTURE}
    if name not in found:
        raise _error(where, f"lecture {name!r}: one of {', '.join(found)}")
    return found[name]()


def math(latex: str, n: Notation, where: str) -> sp.Basic:
    """An expression or a statement (``a \\le b``), as written (unevaluated)."""
    if len(latex) > 1000 or "\n" in latex or "\r" in latex:
        raise _error(where, "one line of LaTeX of at most 1000 characters")
    try:
        r = row(1, latex)
        pieces = _pieces(r)
        if len(pieces) == 1:
            return parse_tokens(pieces[0][1], n, len(latex) + 1)
        if any(rel == r"\iff" for rel, _ in pieces) or not all(t for _, t in pieces):
            raise ParseError(1, 1, r"one expression, or a statement such as z > 0")
        return _statement([(rel, parse_tokens(t, n)) for rel, t in pieces], 1)
    except ParseError as err:
        raise _error(where, f"{latex!r}: column {err.column}: {err.message}") from None


def definition(latex: str, n: Notation, where: str) -> tuple[sp.Basic, sp.Basic]:
    """``a = \\sigma(z)``: (name, value); the name a symbol or an indexed one (``a_k``)."""
    eq = math(latex, n, where)
    if not isinstance(eq, sp.Eq) or not isinstance(eq.lhs, (sp.Symbol, sp.Indexed)):
        raise _error(where, f"{latex!r}: a definition such as a = \\sigma(z)")
    return eq.lhs, evaluated(eq.rhs)


def condition(latex: str, n: Notation, where: str) -> tuple[sp.Symbol, sp.Set]:
    r"""``y \in \{0, 1\}``, ``a \in (0, 1)``, ``k \in \{1, \dots, K\}``, ``z \neq 0``,
    ``x > 0``: (symbol, the set it ranges over)."""
    m = re.fullmatch(r"\s*(.+?)\s*\\(in|neq|ne)\b\s*(.+?)\s*", latex)
    if m is None:
        statement = math(latex, n, where)
        if not isinstance(statement, tuple(COMPARE.values())) or \
                not isinstance(statement.lhs, sp.Symbol):
            raise _error(where, rf"{latex!r}: a condition such as y \in \{{0, 1\}}, "
                                r"a \in (0, 1), z \neq 0 or x > 0")
        sym = statement.lhs
        return sym, sp.solveset(evaluated(statement), sym, sp.S.Reals)
    sym = math(m.group(1), n, where)
    if not isinstance(sym, sp.Symbol):
        raise _error(where, f"{latex!r}: a condition on one symbol")
    if m.group(2) != "in":
        return sym, sp.S.Reals - sp.FiniteSet(evaluated(math(m.group(3), n, where)))
    return sym, _set(m.group(3), n, f"{where}, {latex!r}")


def _set(latex: str, n: Notation, where: str) -> sp.Set:
    body = latex.strip()
    if re.fullmatch(r"\\mathbb\{R\}|\\mathbb R", body):
        return sp.S.Reals
    braces = re.fullmatch(r"\\\{(.*)\\\}", body)
    if braces:
        items = [i.strip() for i in braces.group(1).split(",")]
        if len(items) == 3 and items[1] in (r"\dots", r"\ldots", "..."):
            lo, hi = (evaluated(math(i, n, where)) for i in (items[0], items[2]))
            return sp.Range(lo, hi + 1)
        return sp.FiniteSet(*(evaluated(math(i, n, where)) for i in items))
    interval = re.fullmatch(r"([(\[])(.*),(.*)([)\]])", body)
    if interval:
        lo, hi = (evaluated(math(i.strip(), n, where)) for i in interval.group(2, 3))
        return sp.Interval(lo, hi, interval.group(1) == "(", interval.group(4) == ")")
    raise _error(where, r"a set such as \{0, 1\}, (0, 1), [0, \infty) or \{1, \dots, K\}")


def given(latex: str, n: Notation, where: str) -> tuple[sp.Basic, sp.Basic]:
    """``\\sum_{k=1}^{K} y_k = 1``: a sum every step may replace by its value."""
    eq = math(latex, n, where)
    if not isinstance(eq, sp.Eq) or not isinstance(evaluated(eq.lhs), sp.Sum):
        raise _error(where, f"{latex!r}: a fact such as \\sum_{{k=1}}^{{K}} y_k = 1")
    return evaluated(eq.lhs), evaluated(eq.rhs)


def scoring(item: dict, where: str) -> Fraction:
    table = item.get("scoring", {})
    if not isinstance(table, dict):
        raise _error(where, "[exercise.scoring] is a table, e.g. goal = 0.5")
    only(table, {"goal"}, f"{where}, scoring")
    return weight(table.get("goal", 0.5), f"{where}, scoring.goal", most=1)


def weight(value: Any, where: str, most: float | None = None) -> Fraction:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    share = Fraction(str(value)) if ok and value == value and abs(value) < 1e6 else None
    if share is None or share <= 0 or (most is not None and share > most):
        bound = f" and at most {most}" if most is not None else ""
        raise _error(where, f"a number greater than 0{bound}, not {value!r}")
    return share


def part(item: Any, n: Notation, where: str, source: Derivation | None) -> Any:
    if not isinstance(item, dict):
        raise _error(where, "a table with a start and a goal")
    only(item, {"start", "goal", "relation", "variable", "case", "result", "milestone",
                "points", "solution"}, where)
    relation = RELATIONS.get(item.get("relation", "="))
    if relation is None:
        raise _error(where, f"relation {item.get('relation')!r}: one of "
                            f"{', '.join(sorted(set(RELATIONS.values())))}")
    starts = tuple(math(t, n, f"{where}, start") for t in strings(item, "start", where))
    if not starts:
        raise _error(where, "start = ['...'] (one or more ways to write the start)")
    goal = math(text(item, "goal", where), n, f"{where}, goal")
    var = None
    if relation == r"\iff":
        var = _variable(item, starts[0], goal, n, where)
    case = item.get("case")
    if case is not None:
        case = _case(text(item, "case", where), n, where)
    result = item.get("result")
    if result is not None and source is None:
        raise _error(where, "result = ... names a result of the exercise's lecture = ...")
    if result is not None and result not in source.result_names():
        raise _error(where, f"result {result!r}: the lecture's results are "
                            f"{', '.join(source.result_names())}")
    stones = item.get("milestone", [])
    if not isinstance(stones, list):
        raise _error(where, "[[exercise.part.milestone]] tables")
    milestones = tuple(milestone(m, n, f"{where}, milestone {k}")
                       for k, m in enumerate(stones, 1))
    solution = tuple(math(t, n, f"{where}, solution") for t in
                     strings(item, "solution", where))
    return Part(starts, goal, relation, var, milestones, case, result,
                weight(item.get("points", 1), f"{where}, points"), solution)


def _variable(item: dict, start: sp.Basic, goal: sp.Basic, n: Notation, where: str
              ) -> sp.Symbol:
    if "variable" in item:
        var = math(text(item, "variable", where), n, f"{where}, variable")
    else:
        free = evaluated(start).free_symbols | evaluated(goal).free_symbols
        var = free.pop() if len(free) == 1 else None
    if not isinstance(var, sp.Symbol):
        raise _error(where, "variable = 'z': the variable of the equivalences")
    return var


def _case(latex: str, n: Notation, where: str) -> sp.Basic:
    m = re.fullmatch(r"\s*([A-Za-z])\s*(\\neq|\\ne|=)\s*([A-Za-z])\s*", latex)
    if m is None:
        raise _error(where, rf"case {latex!r}: k \neq j or k = j, two indices")
    k, j = n.index(m.group(1)), n.index(m.group(3))
    return sp.Eq(k, j, evaluate=False) if m.group(2) == "=" else sp.Ne(k, j, evaluate=False)


def milestone(item: Any, n: Notation, where: str) -> Any:
    if not isinstance(item, dict):
        raise _error(where, "a table with a name and a form, factors or bound")
    only(item, {"name", "form", "factors", "bound", "sum", "points"}, where)
    kinds = [k for k in ("form", "factors", "bound") if k in item]
    if len(kinds) != 1:
        raise _error(where, "exactly one of form = [...], factors = [...], bound = [...]")
    kind = kinds[0]
    targets = tuple(math(t, n, f"{where}, {kind}") for t in strings(item, kind, where))
    if not targets:
        raise _error(where, f"{kind} = ['...'] with at least one formula")
    if kind == "bound" and not all(isinstance(t, tuple(COMPARE.values())) and
                                   not isinstance(t, sp.Eq) for t in targets):
        raise _error(where, r"bound = ['a(1-a) \le \frac14', ...]: inequalities")
    over = None
    if "sum" in item:
        letter = text(item, "sum", where)
        if kind != "factors" or not re.fullmatch(r"[a-z]", letter) or n.classes is None:
            raise _error(where, "sum = 'k': factors summed over a class index (softmax)")
        over = n.index(letter)
    return Milestone(text(item, "name", where), kind, targets, over,
                     weight(item.get("points", 1), f"{where}, points"))


def ordered(where: list[tuple[sp.Basic, sp.Basic]]) -> list[tuple[sp.Basic, sp.Basic]]:
    """Definitions ordered as the engine wants: each before those it uses."""
    def uses(value: sp.Basic, name: sp.Basic) -> bool:
        return value.has(name.base if isinstance(name, sp.Indexed) else name)

    todo, out = list(where), []
    while todo:
        # the next one is a definition no other remaining definition uses
        free = next((d for d in todo if not any(uses(v, d[0]) for n2, v in todo
                                                if n2 is not d[0])), todo[0])
        out.append(free)
        todo.remove(free)
    return out
