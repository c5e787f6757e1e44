r"""Exercises: a start, a goal, milestones and points, proven once when first used.

An exercise is written in a TOML file (the built-ins are ``exercises.toml`` beside
this module; a teacher's own are read with ``--exercises FILE``) in the lecture's
LaTeX, read by the same parser as the answers. When it is first used, each part
is proven: every start equals the first, the chain start → milestones → goal
holds step by step with the relations the checker uses, and a ``lecture`` result
is the goal the lecture proved. A file that fails is refused, naming the step.

>>> ex = EXERCISES["logistic-gradient"]
>>> ex.parts[0].start[0], evaluated(ex.parts[0].goal)
(Derivative(L, w_j), x_j*(a - y))
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from types import MappingProxyType

import sympy as sp

from derivations.checking import spec as specs
from derivations.checking.notation import LOGISTIC, Notation
from derivations.checking.parser import evaluated
from derivations.checking.spec import ExerciseError, Milestone, Part
from derivations.engine import Derivation, tex
from derivations.lecture.loss import loss_of
from derivations.lecture.symbols import LABELS, NLL, SIGMOID, L, a, b, s, sigma, w_j, x_j, y, z

BUILTIN = Path(__file__).with_name("exercises.toml")


@dataclass(frozen=True, eq=False)
class Exercise:
    """An exercise as read from its file (proven at the first use of ``parts``)."""

    name: str
    title: str
    task: str
    context: Derivation
    unproven: tuple[Part, ...]
    notation: Notation = LOGISTIC
    given: tuple[tuple[sp.Basic, sp.Basic], ...] = ()  # facts every step may use
    goal_share: Fraction = Fraction(1, 2)
    lecture: str | None = None
    origin: str = "built in"

    @property
    def parts(self) -> tuple[Part, ...]:
        """The parts, once proven (ExerciseError naming the step that fails)."""
        _proven(self)
        return self.unproven

    @property
    def prompt(self) -> str:
        """The task, with each part's start and goal printed from what was read."""
        legs = []
        for p in self.unproven:
            if p.relation == r"\iff":
                legs.append(f"from ${tex(p.start[0])}$ equivalently to ${tex(p.goal)}$")
            elif p.relation == "=":
                legs.append(f"from ${tex(p.start[0])}$ to ${tex(p.goal)}$")
            else:
                legs.append(f"that ${tex(p.statement)}$, from ${tex(p.start[0])}$")
            if p.case is not None:
                legs[-1] += f" (for ${tex(p.case)}$)"
        return f"{self.task}: " + "; then, in a new chain, ".join(legs) + "."


@cache
def _proven(ex: Exercise) -> None:
    from derivations.checking.prover import prove_exercise

    failure = prove_exercise(ex)
    if failure:
        raise ExerciseError(f"{ex.origin}: exercise {ex.name!r} is not proven: {failure}")


# --------------------------------------------------------------- reading --
def read_exercises(data: str, origin: str, base: Mapping[str, dict] | None = None
                   ) -> dict[str, Exercise]:
    """The exercises of a TOML text (``extends`` copies an exercise of ``base``)."""
    try:
        doc = tomllib.loads(data)
    except tomllib.TOMLDecodeError as err:
        raise ExerciseError(f"{origin}: not TOML: {err}") from None
    items = doc.get("exercise")
    if not isinstance(items, list) or not items or set(doc) - {"exercise"}:
        raise ExerciseError(f"{origin}: a file of [[exercise]] tables (see the README's "
                            "\"Your own exercises\")")
    out: dict[str, Exercise] = {}
    for k, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ExerciseError(f"{origin}: exercise {k} is not a table")
        name = item.get("name", f"#{k}")
        if isinstance(item.get("extends"), str):
            parent = (base or {}).get(item["extends"])
            if parent is None:
                raise ExerciseError(f"{origin}: exercise {name!r} extends "
                                    f"{item['extends']!r}, which is not a built-in exercise")
            item = {**parent, **{key: v for key, v in item.items() if key != "extends"}}
        if name in out:
            raise ExerciseError(f"{origin}: two exercises are named {name!r}")
        out[name] = _exercise(item, f"{origin}: exercise {name!r}")
        out[name] = Exercise(**{**out[name].__dict__, "origin": origin})
    return out


def _exercise(item: dict, where: str) -> Exercise:
    fields = {"name", "title", "task", "lecture", "notation", "definitions", "conditions",
              "given", "part", "scoring"}
    specs.only(item, fields, where)
    name = specs.text(item, "name", where, pattern=r"[a-z0-9]+(-[a-z0-9]+)*")
    notation = specs.notation(item, where)
    lecture = item.get("lecture")
    source = specs.lecture(lecture, where) if lecture is not None else None
    defs = [specs.definition(t, notation, f"{where}, definitions") for t in
            specs.strings(item, "definitions", where)]
    conds = [specs.condition(t, notation, f"{where}, conditions") for t in
             specs.strings(item, "conditions", where)]
    given = tuple(specs.given(t, notation, f"{where}, given") for t in
                  specs.strings(item, "given", where))
    raw_parts = item.get("part")
    if not isinstance(raw_parts, list) or not raw_parts:
        raise ExerciseError(f"{where}: at least one [[exercise.part]] with a start and a goal")
    parts = tuple(specs.part(p, notation, f"{where}, part {k}", source)
                  for k, p in enumerate(raw_parts, 1))
    said = [v for _, v in defs] + [e for p in parts for e in (*p.start, p.goal, *p.solution,
                                                               *(t for m in p.milestones
                                                                 for t in m.targets))]
    context = _context(name, source, defs, dict(conds), notation, where,
                       any(e.has(sigma) for e in said))
    goal = specs.scoring(item, where)
    return Exercise(name, specs.text(item, "title", where), specs.text(item, "task", where),
                    context, parts, notation, given, goal, lecture)


def _context(name: str, source: Derivation | None, defs: list, conds: dict,
             notation: Notation, where: str, sigmoid: bool) -> Derivation:
    """The lecture derivation's definitions, functions and conditions, with the file's."""
    where_ = list(source.where) if source is not None else []
    for n, v in defs:
        if any(n == m for m, _ in where_):
            raise ExerciseError(f"{where}: {n} is defined twice")
        where_.append((n, v))
    functions = {sigma: SIGMOID} if sigmoid or any(v.has(sigma) for _, v in where_) else {}
    if source is not None:
        functions.update(source.functions)
        conds = {**source.conditions, **conds}
    if notation.loss is not None and any(n == L for n, _ in where_):
        functions[loss_of] = NLL  # L(a, y) is the loss L is defined as
    try:
        return Derivation(name, name=name, where=specs.ordered(where_), functions=functions,
                          conditions=conds)
    except (TypeError, ValueError) as err:
        raise ExerciseError(f"{where}: {err}") from None


@cache
def builtin_specs() -> Mapping[str, dict]:
    doc = tomllib.loads(BUILTIN.read_text(encoding="utf-8"))
    return MappingProxyType({item["name"]: item for item in doc["exercise"]})


@cache
def _builtins() -> Mapping[str, Exercise]:
    return MappingProxyType(read_exercises(BUILTIN.read_text(encoding="utf-8"), "built in"))


class _Lazy(Mapping):
    """The built-in exercises, read from their file on first use."""

    def __getitem__(self, key: str) -> Exercise:
        return _builtins()[key]

    def __iter__(self):
        return iter(_builtins())

    def __len__(self) -> int:
        return len(_builtins())


EXERCISES: Mapping[str, Exercise] = _Lazy()


def load_file(path: str | Path) -> dict[str, Exercise]:
    """The exercises in a teacher's TOML file, each proven (ExerciseError if one is not)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ExerciseError(f"cannot read the exercises {str(path)!r}: {err.strerror}") \
            from None
    if len(data) > 256_000:
        raise ExerciseError(f"{path.name}: an exercise file of at most 256 kB")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ExerciseError(f"{path.name}: UTF-8 text") from None
    found = read_exercises(text, path.name, builtin_specs())
    for ex in found.values():
        _ = ex.parts
    return found


@cache
def free_context() -> Derivation:
    """What the lecture's names mean when no exercise is given.

    σ the sigmoid, ``L(a, y)`` and ``L`` the NLL loss, ``a = σ(z)``, ``z = w^T x + b``
    (written ``w_j x_j + b + s``, ``s`` the other features' share), ``y`` in {0, 1}.
    """
    return Derivation("the lecture's notation", name="free",
                      where=[(L, NLL(a, y)), (a, sigma(z)), (z, w_j * x_j + b + s)],
                      functions={sigma: SIGMOID, loss_of: NLL}, conditions={y: LABELS})


__all__ = ["EXERCISES", "Exercise", "ExerciseError", "Milestone", "Part", "evaluated",
           "free_context", "load_file", "read_exercises"]
