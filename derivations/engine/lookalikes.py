"""No two things that look alike: a check of a derivation before it is proven.

:func:`no_lookalikes` raises :class:`~derivations.engine.steps.StepError` if two different
symbols or functions print alike in some output (up to spacing, braces, fonts and Unicode
confusables), if one prints like a number or a constant it shows, or if a name prints a
TeX command.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from derivations.engine.fingerprint import Fingerprint
from derivations.engine.steps import MATH_COMMANDS, StepError
from derivations.engine.typeset import _INVISIBLE, NAME_COMMANDS, looks, tex


def no_lookalikes(d: Fingerprint) -> None:
    """StepError if two different symbols or functions look alike in some output (the
    same rendering up to spacing, braces, fonts and Unicode confusables), if one prints
    like a number or a constant it shows, or if a name prints TeX commands."""
    seen: dict[str, Any] = {}
    constants: set = set()
    todo = list(d._content())
    while todo:
        e = todo.pop()
        if isinstance(e, (tuple, list)):
            todo += list(e)
            continue
        undefined = isinstance(e, sp.core.function.UndefinedFunction)
        if isinstance(e, sp.FunctionClass) and not undefined:
            continue
        if undefined:
            things = {e}
        elif isinstance(e, sp.Basic):
            constants |= {c for c in (sp.E, sp.pi, sp.I) if e.has(c)}
            if e.has(sp.exp):
                constants.add(sp.E)
            labels = {base.label for base in e.atoms(sp.IndexedBase)}
            labels |= {lim.args[3] for lim in e.atoms(sp.Limit)}  # its direction, + or -
            applied = {f for f in e.atoms(sp.Function) if isinstance(
                f, sp.core.function.AppliedUndef) or not type(f).__module__.startswith("sympy")}
            things = (e.atoms(sp.Symbol) - labels) | e.atoms(sp.Indexed) | applied | \
                {f.func for f in applied if isinstance(f, sp.core.function.AppliedUndef)}
        else:
            continue
        for thing in things:
            shown = tex(thing(sp.Symbol("x")) if isinstance(thing, sp.FunctionClass)
                        else thing)
            if isinstance(thing, sp.FunctionClass):
                shown = shown[:shown.rindex("(")]
            if not isinstance(thing, sp.Indexed):
                for cmd in re.findall(r"\\([A-Za-z]+|.)", shown):
                    if cmd not in NAME_COMMANDS and cmd not in MATH_COMMANDS:
                        raise StepError(f"{d.title!r}, {where_shown(d, thing)}: the "
                                        f"name {str(thing)!r} prints the TeX command "
                                        f"\\{cmd}; rename it")
            key = looks(sp.Symbol(shown)) if isinstance(thing, sp.FunctionClass) \
                else looks(thing)
            other = seen.setdefault(key, thing)
            if other != thing:
                raise StepError(f"{d.title!r}, {where_shown(d, thing)}: "
                                f"{_describe(thing)} and {_describe(other)} "
                                f"({where_shown(d, other)}) are different but look "
                                f"alike in the outputs ({shown}); rename one")
    for key, thing in seen.items():
        if isinstance(thing, sp.FunctionClass):
            continue
        alike = [c for c in constants if looks(c) == key]
        if re.fullmatch(r"[0-9.,/+-]+", _INVISIBLE.sub("", tex(thing))) or alike:
            what = f"the constant {alike[0]}" if alike else "a number"
            raise StepError(f"{d.title!r}, {where_shown(d, thing)}: "
                            f"{_describe(thing)} prints like {what}; rename it")

def where_shown(d: Fingerprint, thing: Any) -> str:
    """Where ``thing`` first shows: ``step 3``, or the definitions or a citation."""
    for n, step in enumerate(d._steps, 1):
        if any(isinstance(e, sp.Basic) and e.has(thing) for e in (step.expr, step.label)):
            return f"step {n}"
    if any(e.has(thing) for pair in d.where for e in pair):
        return "its definitions (where=)"
    return "a cited result"


def _describe(thing: Any) -> str:
    """A symbol or function as a reader of an error message can tell it apart."""
    if isinstance(thing, sp.FunctionClass):
        said = {k: v for k, v in getattr(thing, "_kwargs", {}).items()
                if k in _STATED}
        return f"the function {thing.__name__!r}" + (f" {said}" if said else "")
    if isinstance(thing, sp.Symbol):
        said = {k: v for k, v in thing.assumptions0.items() if k in _STATED}
        name = thing.name.encode("ascii", "backslashreplace").decode()
        return f"the symbol {name!r}" + (f" {said}" if said else "")
    return f"{thing}"


#: the assumptions an error message names
_STATED = ("real", "positive", "negative", "nonnegative", "nonpositive", "nonzero", "integer",
           "even", "odd")
