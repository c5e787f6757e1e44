"""A bound: the earlier expression is ``<``, ``\\le``, ``>`` or ``\\ge`` this step.

:class:`Bound` proves the sign of the difference from assumptions and conditions, or
cites a proven bound of another derivation at a stated argument (a closed bound cited at
many arguments does bounded work: :data:`MAX_CITED_CASES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.engine import definedness, domains, signs, statements
from derivations.engine.relation import (
    Relation,
    Shown,
    _about_every,
    _closure,
    _needs_conditions,
    _same_functions,
    _same_singularities,
    _with,
)
from derivations.engine.steps import DerivationLike, ProofGap, Step, StepError

#: the step's sign, and what it says about (this step) - (the earlier expression)
ORDER = {"<": "positive", r"\le": "nonnegative", ">": "negative", r"\ge": "nonpositive",
         r"\leq": "nonnegative", r"\geq": "nonpositive"}


@dataclass(frozen=True)
class Bound(Relation):
    r"""The earlier expression is ``<``, ``\le``, ``>`` or ``\ge`` this step, for every
    allowed value: the sign of their difference is proven from assumptions and conditions.

    With ``source``, ``results`` and ``var`` the step cites proven inequalities about one
    pattern in ``var`` (e.g. ``0 < \sigma'(z) \le 1/4``): every occurrence of the pattern,
    at any argument the source proved it for, stands for an arbitrary value in that range
    (a fresh symbol per argument, and per index when the argument runs over a sum's index).
    """

    sign: str = "<"
    of: Step | None = None
    source: DerivationLike | None = None
    results: tuple[str, ...] = ()
    var: sp.Symbol | None = None
    label_is_equal = False

    def label_for(self, d: DerivationLike, prev: Step | None, step: Step) -> Any:
        return None  # an order step has no left-hand side of its own

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        if self.sign not in ORDER:
            raise ProofGap(f"an order step is one of {', '.join(ORDER)}, not {self.sign}")
        before, after, cases = prev.expr, step.expr, [{}]
        if self.source is not None:
            before, after, cases = self._cite(d, before, after)
        want = ORDER[self.sign]
        for case in cases:  # each cited occurrence anywhere in its range, then expanded
            lc, rc = d.expand(before.xreplace(case)), d.expand(after.xreplace(case))
            if statements.is_statement(lc) or statements.is_statement(rc):
                raise ProofGap(f"'{self.sign}' relates two expressions; for statements use "
                               "iff")
            for inst in domains.instances(d.conditions, lc.free_symbols | rc.free_symbols):
                li, ri = lc.xreplace(inst), rc.xreplace(inst)
                _same_singularities(li, ri)
                for side, what in ((li, "the earlier side"), (ri, "this step")):
                    if not signs.is_real(side):
                        raise ProofGap(f"SymPy cannot show that {what} is a real number "
                                       "(an order compares real numbers only)")
                if not signs.has_sign(ri - li, want):
                    raise ProofGap(f"SymPy cannot show that the difference "
                                   f"{sp.simplify(ri - li)} is {want}")

    def _bounds(self) -> tuple[sp.Basic, list[tuple[str, sp.Basic]]]:
        """The cited pattern and its bounds ``[(sign, value), ...]`` (subject sign value)."""
        pattern, found = None, []
        for name in self.results:
            try:
                subject, sign, value = self.source.inequality(name)
            except StepError as exc:
                raise ProofGap(str(exc)) from None
            if pattern is not None and subject != pattern:
                raise ProofGap(f"the cited bounds are about {pattern} and {subject}: cite "
                               "bounds of one quantity in one step")
            pattern = subject
            found.append((sign, value))
        return pattern, found

    def _cite(self, d: DerivationLike, before: sp.Basic, after: sp.Basic
              ) -> tuple[sp.Basic, sp.Basic, list[dict]]:
        src = self.source
        src.verify()
        pattern, found = self._bounds()
        if self.var not in pattern.free_symbols:
            raise ProofGap(f"the cited bound on {pattern} is not in {self.var}")
        values = [v for _, v in found]
        _about_every(src, self.var, pattern, *values)
        _needs_conditions(d, src, _closure(src, pattern, *values) - {self.var})
        _same_functions(d, src, pattern, *values)
        allowed = domains.condition_set(self.var, src.conditions)
        if allowed is None:
            raise ProofGap(f"the cited bound's variable {self.var} may be complex")
        w = sp.Wild("w")
        args: list[sp.Basic] = []
        marks: list[sp.Dummy] = []

        def mark(w: sp.Basic) -> sp.Basic:  # named as the wild: replace() passes w=
            if w not in args:
                args.append(w)
                marks.append(sp.Dummy(f"cited{len(marks)}", real=True))
            return marks[args.index(w)]

        shape = pattern.xreplace({self.var: w})
        before, after = before.replace(shape, mark), after.replace(shape, mark)
        if not args:
            raise ProofGap(f"{pattern} does not occur in the earlier expression or this step")
        for arg in args:  # with its definitions put in: a defined symbol is its value
            value = d.expand(arg)
            for u in definedness.undefined_where(value):
                if not signs.nonzero(u):
                    raise ProofGap(f"the cited bound's argument {arg} is undefined where "
                                   f"{u} = 0: declare a condition that excludes it")
            for inst in domains.instances(d.conditions, value.free_symbols):
                if not definedness.contained(value.xreplace(inst), allowed):
                    raise ProofGap(f"the bound was proven for {self.var} in {allowed}; SymPy "
                                   f"cannot show that {arg} is in it")
        cases: list[dict] = [{}]
        for arg, m in zip(args, marks, strict=True):
            lo, hi, lo_open, hi_open = _range(found, self.var, arg)
            indices = _around(before, m) | _around(after, m)
            options = _anywhere(lo, hi, lo_open, hi_open, sorted(indices, key=str))
            cases = [{**c, m: o} for c in cases for o in options]
            if len(cases) > MAX_CITED_CASES:
                raise ProofGap(f"the cited bound occurs at {len(args)} arguments, more than "
                               f"{MAX_CITED_CASES} cases to prove: split the step")
        return before, after, cases

    def shown(self, d: DerivationLike, prev: Step | None, step: Step) -> list[Shown]:
        # the conditions of what the earlier side held and this one dropped were used too
        dropped = [c for c in d.conditions_of(prev.expr) if c not in
                   d.conditions_of(step.expr)]
        out = [Shown("for", tuple(dropped))] if dropped else []
        if self.source is None:
            return out
        pattern, found = self._bounds()
        rel = {"<": sp.StrictLessThan, r"\le": sp.LessThan, ">": sp.StrictGreaterThan,
               r"\ge": sp.GreaterThan, r"\leq": sp.LessThan, r"\geq": sp.GreaterThan}
        out.append(Shown("by", tuple(rel[sign](pattern, value, evaluate=False)
                                     for sign, value in found)))
        allowed = domains.condition_set(self.var, self.source.conditions)
        if allowed is not None and allowed != sp.S.Reals:
            out.append(Shown("for", (sp.Contains(self.var, allowed, evaluate=False),)))
        out += _with(self.premises(d, step))
        out.append(Shown("proven in", text=self.source.title))
        return out

    def premises(self, d: DerivationLike, step: Step) -> list[sp.Basic]:
        if self.source is None:
            return []
        return list(dict.fromkeys(p for name in self.results
                                  for p in self.source.premises(name)))

    def cited(self) -> list[DerivationLike]:
        return [self.source] if self.source is not None else []


#: the most combinations of cited values one order step proves (3 per closed range)
MAX_CITED_CASES = 27


def _range(found: list[tuple[str, sp.Basic]], var: sp.Symbol, arg: sp.Basic
           ) -> tuple[sp.Basic, sp.Basic, bool, bool]:
    """(lo, hi, lo open, hi open): the cited bounds at ``arg``, the tightest of each side."""
    lo, hi, lo_open, hi_open = -sp.oo, sp.oo, True, True
    for sign, value in found:
        value = value.xreplace({var: arg})
        if sign in ("<", r"\le", r"\leq"):
            if hi is not sp.oo:
                raise ProofGap("cite at most one upper and one lower bound")
            hi, hi_open = value, sign == "<"
        else:
            if lo is not -sp.oo:
                raise ProofGap("cite at most one upper and one lower bound")
            lo, lo_open = value, sign == ">"
    return lo, hi, lo_open, hi_open


def _around(expr: sp.Basic, mark: sp.Dummy) -> set:
    """The indices of the sums and products around ``mark`` (a cited occurrence);
    ProofGap inside a derivative, integral, limit or substitution (a bound is about
    values, not about how they change)."""
    found: set = set()

    def walk(e: sp.Basic, bound: frozenset, inside: bool) -> None:
        if e == mark:
            if inside:
                raise ProofGap("a cited bound is about values: it cannot stand inside a "
                               "derivative, integral, limit or substitution")
            found.update(bound)
            return
        if isinstance(e, (sp.Sum, sp.Product)):
            bound = bound | set(e.variables)
        inside = inside or isinstance(e, (sp.Derivative, sp.Integral, sp.Limit, sp.Subs))
        for a in e.args:
            walk(a, bound, inside)

    walk(expr, frozenset(), False)
    return found


def _anywhere(lo: sp.Basic, hi: sp.Basic, lo_open: bool, hi_open: bool,
              indices: list[sp.Symbol]) -> list[sp.Basic]:
    """Expressions whose values, over fresh nonnegative (positive) symbols, are exactly
    the range from ``lo`` to ``hi``; with ``indices``, a fresh value for each index."""
    def fresh(positive: bool) -> sp.Basic:
        kind = {"positive": True} if positive else {"nonnegative": True}
        if not indices:
            return sp.Dummy("r", **kind)
        # a fresh function of the indices: SymPy's doit() drops an IndexedBase's assumptions
        name = f"r_{sp.Dummy().dummy_index}"
        return sp.Function(name, real=True, **kind)(*indices)

    if lo.is_infinite and hi.is_infinite:
        return [fresh(False) - fresh(False)]
    if hi.is_infinite:
        return [lo + fresh(lo_open)]
    if lo.is_infinite:
        return [hi - fresh(hi_open)]
    span = hi - lo
    if lo_open and not hi_open:
        r = fresh(False)
        return [hi - span * r / (1 + r)]
    if hi_open:
        r = fresh(lo_open)
        return [lo + span * r / (1 + r)]
    if indices:
        raise ProofGap("a bound closed at both ends cannot be cited inside a sum or "
                       "product; cite one side")
    r = fresh(True)
    return [lo, hi, lo + span * r / (1 + r)]
