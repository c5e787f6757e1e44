"""How a step follows from an earlier one: one class per kind, each with its own check.

A relation's ``check`` proves the step with SymPy (see :mod:`derivations.proof`)
or raises :class:`~derivations.proof.ProofGap`; its ``shown`` lists, as SymPy
objects, every parameter the check relied on, so that every output prints
them beside the step (values substituted, domains, the cited result, the
learning rate). The relation sign comes from the kind, never from free text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy as sp

from derivations import proof
from derivations.proof import ProofGap

if TYPE_CHECKING:
    from derivations.core import Derivation, Step


@dataclass(frozen=True)
class Shown:
    """One thing printed beside a step: a word and SymPy statements, e.g. ("where", a = σ(z))."""

    word: str
    math: tuple[Any, ...] = ()
    text: str = ""


# ------------------------------------------------------------ helpers --
def prove_equal(d: Derivation, lhs: sp.Basic, rhs: sp.Basic, *, fixed: dict | None = None,
                keep: frozenset = frozenset()) -> None:
    """``lhs = rhs`` for every value the derivation's conditions allow, else ProofGap.

    Both sides are first expanded (definitions, functions, derivatives). The
    sides must also be undefined at the same places: a step may not remove
    or add a singularity that no declared condition excludes.
    """
    if lhs == rhs:  # the same expression: nothing to prove, no singularity moved
        return
    left, right = d.expand(lhs), d.expand(rhs)
    if proof.is_statement(left) or proof.is_statement(right):
        raise ProofGap("'=' relates two expressions; for statements use iff")
    if fixed:
        left, right = left.subs(fixed), right.subs(fixed)
    free = (left.free_symbols | right.free_symbols) - keep
    for inst in proof.instances(d.conditions, free):
        li, ri = left.xreplace(inst), right.xreplace(inst)
        _same_singularities(li, ri)
        if not proof.zero(li - ri):
            raise ProofGap(_differs(d, li, ri, inst))


def _differs(d: Derivation, left: sp.Basic, right: sp.Basic, inst: dict) -> str:
    from derivations.printing import tex
    diff = left - right
    heavy = diff.has(sp.Sum, sp.Integral, sp.Product)  # simplifying these again costs minutes
    if not heavy:
        try:
            diff = sp.simplify(diff)
        except Exception:
            pass
    msg = f"the difference does not simplify to 0 (it is {tex(diff)})"
    if inst:
        msg += " with " + ", ".join(f"{tex(k)} = {tex(v)}" for k, v in inst.items())
    if diff.has(sp.Piecewise, sp.KroneckerDelta):
        msg += "; SymPy splits into cases here: state the range (e.g. an index j <= m)"
    found = None if heavy else proof.counterexample(left, right, d.conditions)
    if found:
        point = {**{k: v.xreplace(found["at"]) for k, v in inst.items()},
                 **{k: v for k, v in found["at"].items() if not isinstance(k, sp.Dummy)}}
        at = ", ".join(f"{k} = {v}" for k, v in point.items())
        msg += (f"; counterexample at {at}: {sp.N(found['before'], 6)} vs "
                f"{sp.N(found['after'], 6)}")
    return msg


def _factors(u: sp.Expr) -> list[sp.Expr]:
    num = sp.numer(sp.together(u))
    try:
        _, found = sp.factor_list(num)
        return [f for f, _ in found if f.free_symbols] or [num]
    except (sp.PolynomialError, NotImplementedError, TypeError):
        return [num]


def _same_singularities(left: sp.Basic, right: sp.Basic) -> None:
    def open_factors(e: sp.Basic) -> list[sp.Expr]:
        return [f for u in proof.undefined_where(e) if not proof.nonzero(u)
                for f in _factors(u) if not proof.nonzero(f)]

    a, b = open_factors(left), open_factors(right)
    for here, there, side in ((a, b, "the earlier side"), (b, a, "this step")):
        for f in here:
            if not any(proof.zero(f - g) or proof.zero(f + g) for g in there):
                raise ProofGap(f"{side} is undefined where {f} = 0 and the other side is "
                               "not (a removable singularity); declare the restriction in "
                               "the derivation's conditions if it is meant")


def _domain(d: Derivation, var: sp.Symbol, domain: sp.Set) -> sp.Set:
    own = proof.condition_set(var, d.conditions)
    return domain if own is None else sp.Intersection(domain, own)


def _not_defined(d: Derivation, var: sp.Basic, what: str) -> None:
    for name, value in d.where:
        if name == var:
            raise ProofGap(f"{var} is defined as {value} (where=...), so the {what} in {var} "
                           "would say nothing; use a variable that is not defined")


def _cited(source: Derivation, result: str | None) -> tuple[sp.Basic, sp.Basic]:
    """What ``source`` proved as ``result``: (subject, value); ProofGap if nothing."""
    from derivations.core import StepError
    try:
        return source.statement(result)
    except StepError as exc:
        raise ProofGap(str(exc)) from None


def _closure(source: Derivation, *exprs: sp.Basic) -> set:
    """The symbols of ``exprs`` and of every ``where`` definition they reach in ``source``."""
    found: set = set()
    for e in exprs:
        if isinstance(e, sp.Basic):
            found |= e.free_symbols
    for eq in source.definitions_of(*exprs):
        found |= eq.lhs.free_symbols | eq.rhs.free_symbols
    return found


def _needs_conditions(d: Derivation, source: Derivation, symbols: set,
                      definitions: str = "all") -> None:
    """The cited result holds under the source's conditions: this derivation must state them.

    ``definitions="all"``: a symbol the source defines (``where``) must be defined the
    same way here (an identity may hold only because of it); ``"conflict"``: it may
    be left free here (later steps then hold for any value) but not mean something else.
    """
    for sym, where in source.conditions.items():
        if sym not in symbols:
            continue
        mine = d.conditions.get(sym)
        if mine is None or mine.is_subset(where) is not True:
            raise ProofGap(f"{source.title!r} proved this for {sym} in {where}: declare "
                           f"conditions={{{sym}: {where}}} here too")
    if definitions == "none":
        return
    mine = dict(d.where)
    for name, value in source.where:
        if name not in symbols and not (isinstance(name, sp.Indexed) and name.base.label
                                        in symbols):
            continue
        if name not in mine:
            if definitions == "conflict":
                continue
            raise ProofGap(f"{source.title!r} proved it with {name} = {value}: define "
                           f"where=[({name}, {value})] here too")
        if not proof.zero(source.unfold(value) - d.unfold(mine[name])):
            raise ProofGap(f"{source.title!r} defines {name} = {value}, this derivation "
                           f"{name} = {mine[name]}")


# ---------------------------------------------------------- relations --
@dataclass(frozen=True)
class Relation:
    """How a step follows from an earlier one; ``check`` raises ProofGap."""

    sign = "="
    premise = False  # a premise is not proven, only stated
    starts_chain = False
    label_is_equal = True  # a label given to the step must be proven equal to it

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        raise NotImplementedError

    def check_label(self, d: Derivation, step: Step) -> None:
        """The step's label (its left-hand side) equals the step."""
        prove_equal(d, step.label, step.expr)

    def label_for(self, d: Derivation, prev: Step | None, step: Step) -> Any:
        """The left-hand side this kind generates (NotImplemented: any, proven equal)."""
        return NotImplemented

    def shown(self, d: Derivation, prev: Step | None, step: Step) -> list[Shown]:
        return []

    def cited(self) -> list[Derivation]:
        return []


@dataclass(frozen=True)
class Given(Relation):
    """A premise that starts a chain: a definition or the quantity to derive."""

    premise = True
    starts_chain = True

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        return None


@dataclass(frozen=True)
class From(Relation):
    """Starts a chain with exactly what an earlier derivation proved (cited by name)."""

    source: Derivation = None  # type: ignore[assignment]
    result: str | None = None
    starts_chain = True
    label_is_equal = False  # the label is the cited premise, generated

    def label_for(self, d: Derivation, prev: Step | None, step: Step) -> Any:
        return _cited(self.source, self.result)[0]

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        self.source.verify()
        _, proved = _cited(self.source, self.result)
        if step.expr != proved:
            prove_equal(self.source, proved, step.expr)
        chain = next(c for c in d.chains() if c[0] is step)
        _needs_conditions(d, self.source, _closure(self.source, step.expr, step.label),
                          definitions="conflict" if len(chain) > 1 else "none")

    def shown(self, d: Derivation, prev: Step | None, step: Step) -> list[Shown]:
        out = [Shown("proven in", text=self.source.title)]
        used = _closure(self.source, step.expr, step.label)
        conds = [sp.Contains(s, v, evaluate=False) for s, v in self.source.conditions.items()
                 if s in used]
        defs = self.source.definitions_of(step.expr, step.label)
        if defs:
            out.append(Shown("where", tuple(defs)))
        if conds:
            out.append(Shown("for", tuple(conds)))
        return out

    def cited(self) -> list[Derivation]:
        return [self.source]


@dataclass(frozen=True)
class Equal(Relation):
    """The two expressions are equal for every allowed value (their difference is 0)."""

    of: Step | None = None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        prove_equal(d, prev.expr, step.expr)


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
    source: Derivation | None = None
    results: tuple[str, ...] = ()
    var: sp.Symbol | None = None
    label_is_equal = False

    def label_for(self, d: Derivation, prev: Step | None, step: Step) -> Any:
        return None  # an order step has no left-hand side of its own

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        if self.sign not in ORDER:
            raise ProofGap(f"an order step is one of {', '.join(ORDER)}, not {self.sign}")
        before, after, cases = prev.expr, step.expr, [{}]
        if self.source is not None:
            before, after, cases = self._cite(d, before, after)
        want = ORDER[self.sign]
        for case in cases:  # each cited occurrence anywhere in its range, then expanded
            lc, rc = d.expand(before.xreplace(case)), d.expand(after.xreplace(case))
            if proof.is_statement(lc) or proof.is_statement(rc):
                raise ProofGap(f"'{self.sign}' relates two expressions; for statements use "
                               "iff")
            for inst in proof.instances(d.conditions, lc.free_symbols | rc.free_symbols):
                li, ri = lc.xreplace(inst), rc.xreplace(inst)
                _same_singularities(li, ri)
                if not proof.has_sign(ri - li, want):
                    raise ProofGap(f"SymPy cannot show that the difference "
                                   f"{sp.simplify(ri - li)} is {want}")

    def _bounds(self) -> tuple[sp.Basic, list[tuple[str, sp.Basic]]]:
        """The cited pattern and its bounds ``[(sign, value), ...]`` (subject sign value)."""
        from derivations.core import StepError
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

    def _cite(self, d: Derivation, before: sp.Basic, after: sp.Basic
              ) -> tuple[sp.Basic, sp.Basic, list[dict]]:
        src = self.source
        src.verify()
        pattern, found = self._bounds()
        if self.var not in pattern.free_symbols:
            raise ProofGap(f"the cited bound on {pattern} is not in {self.var}")
        _needs_conditions(d, src, _closure(src, pattern, *(v for _, v in found)) - {self.var})
        for fn, lam in src.functions.items():
            if pattern.has(fn) and not (fn in d.functions and proof.zero(
                    d.unfold(fn(*lam.variables)) - src.unfold(fn(*lam.variables)))):
                raise ProofGap(f"{src.title!r} proved it for {fn} as defined there: define "
                               f"functions={{{fn}: ...}} the same way here")
        allowed = proof.condition_set(self.var, src.conditions)
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
        for arg in args:
            for inst in proof.instances(d.conditions, arg.free_symbols):
                if not proof.contained(arg.xreplace(inst), allowed):
                    raise ProofGap(f"the bound was proven for {self.var} in {allowed}; SymPy "
                                   f"cannot show that {arg} is in it")
        cases: list[dict] = [{}]
        for arg, m in zip(args, marks, strict=True):
            lo, hi, lo_open, hi_open = _range(found, self.var, arg)
            indices = _around(before, m) | _around(after, m)
            options = _anywhere(lo, hi, lo_open, hi_open, sorted(indices, key=str))
            cases = [{**c, m: o} for c in cases for o in options]
        return before, after, cases

    def shown(self, d: Derivation, prev: Step | None, step: Step) -> list[Shown]:
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
        allowed = proof.condition_set(self.var, self.source.conditions)
        if allowed is not None and allowed != sp.S.Reals:
            out.append(Shown("for", (sp.Contains(self.var, allowed, evaluate=False),)))
        out.append(Shown("proven in", text=self.source.title))
        return out

    def cited(self) -> list[Derivation]:
        return [self.source] if self.source is not None else []


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


@dataclass(frozen=True)
class Substitution(Relation):
    """The earlier expression with stated values put in, e.g. ``{y: 1}`` (shown)."""

    values: tuple[tuple[sp.Basic, sp.Basic], ...] = ()
    of: Step | None = None

    def _values(self) -> dict:
        # expand() names a sum's index by its depth: a sum is put in under that name
        return {proof.canonical_sums(k) if isinstance(k, sp.Sum) else k: v
                for k, v in self.values}

    def check_label(self, d: Derivation, step: Step) -> None:
        """The label is what the chain is about ("dL/dz_j, with sum y = 1"): the earlier
        step's subject, or equal to this step with the same values put in."""
        subject = d._subject(d.previous(step))
        if subject is not None:
            try:
                prove_equal(d, step.label, subject)
                return
            except ProofGap:
                pass
        prove_equal(d, d.expand(step.label).subs(self._values()), step.expr)

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        before = d.expand(prev.expr)
        values = list(self._values().items())
        for var, value in values:
            _not_defined(d, var, "substitution")
            if not before.has(var):
                raise ProofGap(f"{var} does not occur in the earlier expression")
            allowed = proof.condition_set(var, d.conditions)
            if allowed is not None and not proof.contained(sp.S(value), allowed):
                raise ProofGap(f"{var} = {value} is outside {var}'s condition {allowed}")
        prove_equal(d, before.subs(dict(values)), step.expr)

    def shown(self, d: Derivation, prev: Step | None, step: Step) -> list[Shown]:
        return [Shown("with", tuple(sp.Eq(k, v, evaluate=False) for k, v in self.values))]


@dataclass(frozen=True)
class Limit(Relation):
    """The step is the limit of the earlier expression as ``var`` approaches ``point``."""

    var: sp.Symbol = None  # type: ignore[assignment]
    point: Any = 0
    direction: str = "+"
    of: Step | None = None
    label_is_equal = False  # the label is the limit itself, generated

    def label_for(self, d: Derivation, prev: Step | None, step: Step) -> Any:
        return sp.Limit(prev.expr, self.var, self.point, self.direction)

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        _not_defined(d, self.var, "limit")
        before, want = d.expand(prev.expr), d.expand(step.expr)
        if not before.has(self.var):
            raise ProofGap(f"{self.var} does not occur in the earlier expression")
        for inst in _parameter_cases(d, (before.free_symbols | want.free_symbols) - {self.var}):
            try:
                got = sp.limit(before.xreplace(inst), self.var, self.point, self.direction)
            except (NotImplementedError, ValueError, TypeError) as exc:
                raise ProofGap(f"SymPy cannot take this limit ({exc}); state the sign of "
                               "the other symbols") from None
            if got.has(sp.Limit, sp.AccumBounds) or got is sp.nan:
                raise ProofGap(f"SymPy cannot settle this limit (it gives {got})")
            target = want.xreplace(inst)
            if got != target and (got.is_infinite or not proof.zero(got - target)):
                raise ProofGap(f"the limit is {got}")


@dataclass(frozen=True)
class Equivalent(Relation):
    """Both statements hold for the same values of ``var`` in ``domain`` (shown)."""

    var: sp.Symbol = None  # type: ignore[assignment]
    domain: sp.Set = sp.S.Reals
    of: Step | None = None
    sign = r"\Leftrightarrow"
    label_is_equal = False

    def label_for(self, d: Derivation, prev: Step | None, step: Step) -> Any:
        return None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        _not_defined(d, self.var, "equivalence")
        before, after = d.expand(prev.expr), d.expand(step.expr)
        for what, s in (("the earlier line", before), ("this step", after)):
            if not proof.is_statement(s):
                raise ProofGap(f"{what} is an expression, not a statement: write it as a "
                               "relation such as Eq(expr, 0) or expr > 0")
        if not (before.has(self.var) or after.has(self.var)):
            raise ProofGap(f"{self.var} occurs in neither statement")
        domain = _domain(d, self.var, self.domain)
        if domain.is_empty:
            raise ProofGap(f"the domain of {self.var} is empty")
        params = (before.free_symbols | after.free_symbols) - {self.var}
        for inst in _parameter_cases(d, params):
            first = proof.solution_set(before.xreplace(inst), self.var, domain)
            second = proof.solution_set(after.xreplace(inst), self.var, domain)
            if not proof.same_set(first, second):
                when = (" when " + ", ".join(f"{k} = {v}" for k, v in inst.items())
                        if inst else "")
                raise ProofGap(f"the solution sets differ{when}: {first} vs {second}")
        if params:  # solveset may divide by a parameter: look for a point that refutes
            found = proof.counterexample(before, after, d.conditions, statements=True,
                                         special=proof.special_values(before, after, params))
            if found:
                at = ", ".join(f"{k} = {v}" for k, v in found["at"].items())
                raise ProofGap(f"at {at} one statement holds and the other does not")

    def shown(self, d: Derivation, prev: Step | None, step: Step) -> list[Shown]:
        return [Shown("for", (sp.Contains(self.var, _domain(d, self.var, self.domain),
                                          evaluate=False),))]


def _parameter_cases(d: Derivation, params: set) -> list[dict]:
    """Declared conditions enumerated; a real parameter split by sign (0 included)."""
    declared = [s for s in params if s in d.conditions]
    out = []
    for inst in proof.instances(d.conditions, declared):
        rest = [s for s in params if s not in d.conditions]
        splits = []
        for s in rest:
            if s.is_positive or s.is_negative:
                splits.append([s])
            elif s.is_nonnegative:
                splits.append([sp.S.Zero, sp.Dummy(str(s), positive=True)])
            elif s.is_nonpositive:
                splits.append([sp.S.Zero, -sp.Dummy(str(s), positive=True)])
            elif s.is_real:
                p = sp.Dummy(str(s), positive=True)
                splits.append([-p, sp.S.Zero, p])
            else:
                raise ProofGap(f"{s} may be complex: declare it real or state its values")
        import itertools
        for combo in itertools.product(*splits):
            out.append({**inst, **dict(zip(rest, combo, strict=True))})
    return out


@dataclass(frozen=True)
class ByCases(Relation):
    """Equal in every case; the cases must cover the domain of ``var`` (all shown).

    Each case is a condition such as ``z > 0``; the checker proves the step for
    every value satisfying it (through a fresh symbol with exactly those
    assumptions, or each value of a finite set), never at a sample point.
    """

    var: sp.Symbol = None  # type: ignore[assignment]
    cases: tuple[Any, ...] = ()
    of: Step | None = None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        _not_defined(d, self.var, "case split")
        domain = _domain(d, self.var, sp.S.Reals)
        sets = [proof.solution_set(d.expand(c), self.var, domain) for c in self.cases]
        covered = sp.Union(*sets)
        if not proof.same_set(covered, domain):
            raise ProofGap(f"the cases cover {covered}, not {domain}")
        for case, where in zip(self.cases, sets, strict=True):
            for value in proof.parametrize(self.var, where):
                try:
                    prove_equal(d, prev.expr, step.expr, fixed={self.var: value},
                                keep=frozenset({self.var}))
                except ProofGap as gap:
                    raise ProofGap(f"not equal in the case {case}: {gap}") from None

    def shown(self, d: Derivation, prev: Step | None, step: Step) -> list[Shown]:
        return [Shown("cases", tuple(self.cases)),
                Shown("for", (sp.Contains(self.var, _domain(d, self.var, sp.S.Reals),
                                          evaluate=False),))]


@dataclass(frozen=True)
class InCase(Relation):
    """The earlier expression in one case of two indices, ``k = j`` or ``k \\neq j`` (shown).

    ``k = j`` puts ``j`` for ``k``; ``k \\neq j`` sets the Kronecker delta
    ``\\delta_{kj}`` to 0, and the rest is proven for every ``z_k``, ``z_j``
    (which holds in particular when ``k \\neq j``).
    """

    case: Any = None
    of: Step | None = None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        c = self.case
        if not (isinstance(c, (sp.Eq, sp.Ne)) and all(
                isinstance(v, sp.Symbol) and v.is_integer for v in c.args)):
            raise ProofGap(f"a case is k = j or k \\neq j for two integer indices, not {c}")
        k, j = c.args
        if isinstance(c, sp.Eq):  # a sum's own index k is another k: rename it first
            prove_equal(d, proof.fresh_indices(prev.expr, always=True).xreplace({k: j}),
                        proof.fresh_indices(step.expr, always=True).xreplace({k: j}))
        else:
            prove_equal(d, prev.expr, step.expr, fixed={sp.KroneckerDelta(k, j): 0})

    def shown(self, d: Derivation, prev: Step | None, step: Step) -> list[Shown]:
        return [Shown("if", (self.case,))]


@dataclass(frozen=True)
class Apply(Relation):
    """Rewrite with a proven identity, named ``result`` of ``source`` (this one if None).

    The identity's premise label is the pattern in ``var``; every argument it
    is applied at must provably lie where the identity was proven.
    """

    var: sp.Symbol = None  # type: ignore[assignment]
    source: Derivation | None = None
    result: str | None = None
    of: Step | None = None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        src = self.source or d
        if self.source is not None:
            src.verify()
        pattern, replacement = _cited(src, self.result)
        if src is d and d.number(d.chain(self.result)[-1]) >= d.number(step):
            raise ProofGap("the identity it applies is not proven before it")
        if self.var not in pattern.free_symbols:
            raise ProofGap(f"the identity {pattern} = {replacement} is not in {self.var}")
        others = _closure(src, pattern, replacement) - {self.var}
        if src is not d:
            _needs_conditions(d, src, others)
        allowed = proof.condition_set(self.var, src.conditions)
        if allowed is None:
            raise ProofGap(f"the identity's variable {self.var} may be complex: declare it real")
        w = sp.Wild("w")
        at: list[sp.Expr] = []

        def put(w: sp.Expr) -> sp.Expr:
            at.append(w)
            return replacement.xreplace({self.var: w})

        rewritten = prev.expr.replace(pattern.xreplace({self.var: w}), put)
        if not at:
            raise ProofGap(f"{pattern} does not occur in the earlier expression")
        for arg in at:
            for inst in proof.instances(d.conditions, arg.free_symbols):
                if not proof.contained(arg.xreplace(inst), allowed):
                    raise ProofGap(f"the identity was proven for {self.var} in {allowed}; "
                                   f"SymPy cannot show that {arg} is in it")
        prove_equal(d, rewritten, step.expr)

    def shown(self, d: Derivation, prev: Step | None, step: Step) -> list[Shown]:
        src = self.source or d
        pattern, replacement = src.statement(self.result)
        out = [Shown("by", (sp.Eq(pattern, replacement, evaluate=False),))]
        allowed = proof.condition_set(self.var, src.conditions)
        if allowed is not None and allowed != sp.S.Reals:
            out.append(Shown("for", (sp.Contains(self.var, allowed, evaluate=False),)))
        if self.source is not None:
            out.append(Shown("proven in", text=src.title))
        return out

    def cited(self) -> list[Derivation]:
        return [self.source] if self.source is not None else []


@dataclass(frozen=True)
class UpdateRule(Relation):
    """``param <- param - lr * g``: a step against the gradient ``source`` proved.

    The cited result must be a derivative in ``param`` itself, and ``lr`` must be
    positive. With ``batch=(i, B)`` the rule averages the per-example gradient
    over a minibatch: every symbol in ``per_example`` gets the index ``i``.
    """

    source: Derivation = None  # type: ignore[assignment]
    lr: sp.Expr = None  # type: ignore[assignment]
    result: str | None = None
    batch: tuple | None = None
    per_example: tuple[sp.Symbol, ...] = ()
    sign = r"\leftarrow"
    starts_chain = True
    label_is_equal = False  # the label is the parameter

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        if not isinstance(step.label, sp.Symbol):
            raise ProofGap(f"an update assigns to a parameter symbol, not {step.label}")
        lr_set = proof.condition_set(self.lr, d.conditions) if isinstance(self.lr, sp.Symbol) \
            else None
        if lr_set is not None and lr_set.is_subset(sp.Interval.open(0, sp.oo)) is not True:
            raise ProofGap(f"the learning rate {self.lr} must be positive, not in {lr_set}")
        if self.lr.is_positive is not True:
            raise ProofGap(f"the learning rate {self.lr} must be positive (a step against "
                           "the gradient): declare it, e.g. Symbol('eta', positive=True)")
        self.source.verify()
        about, g = _cited(self.source, self.result)
        if not (isinstance(about, sp.Derivative) and about.variables == (step.label,)):
            raise ProofGap(f"{self.source.title!r} proved {about} = {g}, which is not a "
                           f"derivative in {step.label}")
        _needs_conditions(d, self.source, _closure(self.source, g))
        if self.batch is not None:
            i, size = self.batch
            g = sp.Sum(g.subs({v: sp.IndexedBase(str(v))[i] for v in self.per_example}),
                       (i, 1, size)) / size
        prove_equal(d, step.label - self.lr * g, step.expr)

    def shown(self, d: Derivation, prev: Step | None, step: Step) -> list[Shown]:
        out = [Shown("by", (sp.Eq(*self.source.statement(self.result), evaluate=False),)),
               Shown("proven in", text=self.source.title)]
        if self.batch is not None:
            i, size = self.batch
            out.append(Shown("mean over", (sp.Contains(i, sp.Range(1, size + 1),
                                                       evaluate=False),)))
        return out

    def cited(self) -> list[Derivation]:
        return [self.source]
