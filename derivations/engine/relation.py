"""How a step follows from an earlier one: the base :class:`Relation` and the plain kinds.

A relation's ``check`` proves the step with SymPy (the proof helpers of
:mod:`derivations.engine.signs` and their neighbours) or raises
:class:`~derivations.engine.steps.ProofGap`; its ``shown`` lists, as SymPy objects,
every parameter the check relied on, so that every output prints them beside the step
(values substituted, domains, the cited result, the learning rate). The relation sign
comes from the kind, never from free text.

Here: :class:`Shown`, :func:`prove_equal` and the helpers every kind shares, and the
kinds :class:`Given` (a premise), :class:`From` (a cited result) and :class:`Equal`.
The others: :mod:`.bound` (inequalities), :mod:`.cases` (equivalences and case splits),
:mod:`.rules` (substitution, limits, applying an identity, an update rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.engine import counterexamples, definedness, domains, signs, statements
from derivations.engine.steps import DerivationLike, ProofGap, Step, StepError
from derivations.engine.typeset import tex


@dataclass(frozen=True)
class Shown:
    """One thing printed beside a step: a word and SymPy statements, e.g. ("where", a = σ(z))."""

    word: str
    math: tuple[Any, ...] = ()
    text: str = ""


# ------------------------------------------------------------ helpers --
def prove_equal(d: DerivationLike, lhs: sp.Basic, rhs: sp.Basic, *, fixed: dict | None = None,
                keep: frozenset = frozenset()) -> None:
    """``lhs = rhs`` for every value the derivation's conditions allow, else ProofGap.

    Both sides are first expanded (definitions, functions, derivatives). The
    sides must also be undefined at the same places: a step may not remove
    or add a singularity that no declared condition excludes.
    """
    if lhs == rhs:  # the same expression: nothing to prove, no singularity moved
        return
    left, right = d.expand(lhs), d.expand(rhs)
    if statements.is_statement(left) or statements.is_statement(right):
        raise ProofGap("'=' relates two expressions; for statements use iff")
    if fixed:
        left, right = left.subs(fixed), right.subs(fixed)
    free = (left.free_symbols | right.free_symbols) - keep
    indices = [s for s in free if isinstance(d.conditions.get(s), sp.Range)]
    few = domains.linked(left - right, indices)
    for split in ([few, None] if len(few) < len(indices) else [None]):
        # first only the indices that meet in a delta or a relation in order, the rest
        # decided by their ranges; if that does not prove it, every index in order
        for inst in domains.instances(d.conditions, free, split):
            li, ri = left.xreplace(inst), right.xreplace(inst)
            _same_singularities(li, ri)
            if not statements.zero_by_pieces(li - ri, domains.index_ranges(d.conditions, inst)):
                if split is not None:
                    break
                raise ProofGap(_differs(d, li, ri, inst, fixed))
        else:
            return


def _differs(d: DerivationLike, left: sp.Basic, right: sp.Basic, inst: dict,
             fixed: dict | None = None) -> str:
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
    found = None if heavy else counterexamples.counterexample(left, right, d.conditions)
    if found:
        point = {**{k: sp.sympify(v).xreplace(found["at"]) for k, v in (fixed or {}).items()
                    if isinstance(k, sp.Symbol)},  # a case's variable, e.g. z = -p
                 **{k: v.xreplace(found["at"]) for k, v in inst.items()},
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
    """ProofGap unless both sides are undefined at the same places (where a factor of a
    denominator, a logarithm's argument or another function's pole may vanish). A factor
    in one symbol is compared by where it vanishes (``sinh u`` and ``u`` alike; ``cosh u``
    never), any other by the factor itself, up to sign."""
    def open_factors(e: sp.Basic) -> list[sp.Expr]:
        return [f for u in definedness.undefined_where(e) if not signs.nonzero(u)
                for f in _factors(u) if not signs.nonzero(f)]

    def split(factors: list[sp.Expr]) -> tuple[dict, list[sp.Expr]]:
        zeros: dict = {}
        rest = []
        for f in factors:
            if len(f.free_symbols) == 1:
                (s,) = f.free_symbols
                try:
                    found = sp.solveset(f, s, domains.condition_set(s, {}) or sp.S.Reals)
                except (NotImplementedError, ValueError, TypeError):
                    found = None
                if found is not None and not found.has(sp.ConditionSet) and \
                        not isinstance(found, sp.ConditionSet):
                    zeros[s] = sp.Union(zeros.get(s, sp.S.EmptySet), found)
                    continue
            rest.append(f)
        return zeros, rest

    (za, a), (zb, b) = split(open_factors(left)), split(open_factors(right))
    for s in {*za, *zb}:
        here, there = za.get(s, sp.S.EmptySet), zb.get(s, sp.S.EmptySet)
        if not statements.same_set(here, there):
            extra = sp.Complement(here, there)
            side = "the earlier side" if extra != sp.S.EmptySet else "this step"
            where = extra if extra != sp.S.EmptySet else sp.Complement(there, here)
            raise ProofGap(f"{side} is undefined at {s} in {where} and the other side is not "
                           "(a removable singularity); declare the restriction in the "
                           "derivation's conditions if it is meant")
    for here, there, side in ((a, b, "the earlier side"), (b, a, "this step")):
        for f in here:
            if not any(signs.zero(f - g) or signs.zero(f + g) for g in there):
                raise ProofGap(f"{side} is undefined where {f} = 0 and the other side is "
                               "not (a removable singularity); declare the restriction in "
                               "the derivation's conditions if it is meant")


def _domain(d: DerivationLike, var: sp.Symbol, domain: sp.Set) -> sp.Set:
    own = domains.condition_set(var, d.conditions)
    return domain if own is None else sp.Intersection(domain, own)


def _about_every(src: DerivationLike, var: sp.Symbol, *said: sp.Basic) -> None:
    """ProofGap when what ``src`` proved in ``var`` is about a definition of ``var`` (or of a
    symbol defined through it), not about every value: it may not be cited at another
    argument."""
    if any(n == var for n, _ in src.where):
        raise ProofGap(f"{src.title!r} defines {var}, so what it proved holds for that value "
                       f"of {var} only, not at other arguments")
    for eq in src.definitions_of(*said):
        if isinstance(eq.lhs, (sp.Symbol, sp.Indexed)) and eq.rhs.has(var):
            raise ProofGap(f"{src.title!r} defines {eq.lhs} = {eq.rhs}, so what it proved is "
                           f"about that definition, not about every {var}: cite it where "
                           "the definition holds, or prove it for a variable that is not "
                           "defined")


def _same_functions(d: DerivationLike, src: DerivationLike, *exprs: sp.Basic) -> None:
    """What ``src`` proved about a function it defines (``functions={f: ...}``) holds for
    that definition only: ``d`` must define it the same way wherever the cited
    statement uses it."""
    for fn, lam in src.functions.items():
        if not any(isinstance(e, sp.Basic) and e.has(fn) for e in exprs):
            continue
        args = lam.variables
        if fn not in d.functions or not signs.zero(d.unfold(fn(*args)) - src.unfold(fn(*args))):
            raise ProofGap(f"{src.title!r} proved it for {fn} as defined there "
                           f"({fn(*args)} = {lam.expr}): define functions={{{fn}: ...}} the "
                           "same way here")


def _not_defined(d: DerivationLike, var: sp.Basic, what: str) -> None:
    for name, value in d.where:
        if name == var:
            raise ProofGap(f"{var} is defined as {value} (where=...), so the {what} in {var} "
                           "would say nothing; use a variable that is not defined")


def _cited(source: DerivationLike, result: str | None) -> tuple[sp.Basic, sp.Basic]:
    """What ``source`` proved as ``result``: (subject, value); ProofGap if nothing."""
    try:
        return source.statement(result)
    except StepError as exc:
        raise ProofGap(str(exc)) from None


def _closure(source: DerivationLike, *exprs: sp.Basic) -> set:
    """The symbols of ``exprs`` and of every ``where`` definition they reach in ``source``."""
    found: set = set()
    for e in exprs:
        if isinstance(e, sp.Basic):
            found |= e.free_symbols
    for eq in source.definitions_of(*exprs):
        found |= eq.lhs.free_symbols | eq.rhs.free_symbols
    return found


def _needs_conditions(d: DerivationLike, source: DerivationLike, symbols: set,
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
        if not signs.zero(source.unfold(value) - d.unfold(mine[name])):
            raise ProofGap(f"{source.title!r} defines {name} = {value}, this derivation "
                           f"{name} = {mine[name]}")


def _carried(d: DerivationLike, source: DerivationLike, result: str | None,
             *exprs: sp.Basic) -> list[sp.Basic]:
    """What a result of ``source`` holds under that ``d`` does not say itself: the result's
    premises, and the definitions of ``source`` it uses that ``d`` does not make alike."""
    out = list(source.premises(result))
    mine = dict(d.where)
    for eq in source.definitions_of(*exprs):
        if isinstance(eq.lhs, (sp.Symbol, sp.Indexed)) and mine.get(eq.lhs) == eq.rhs:
            continue
        if not isinstance(eq.lhs, (sp.Symbol, sp.Indexed)) and eq.lhs.func in d.functions \
                and d.functions[eq.lhs.func] == source.functions.get(eq.lhs.func):
            continue
        out.append(eq)
    return out


def _with(premises: list[sp.Basic]) -> list[Shown]:
    return [Shown("with", tuple(premises))] if premises else []


# ---------------------------------------------------------- relations --
@dataclass(frozen=True)
class Relation:
    """How a step follows from an earlier one; ``check`` raises ProofGap."""

    sign = "="
    premise = False  # a premise is not proven, only stated
    starts_chain = False
    label_is_equal = True  # a label given to the step must be proven equal to it

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        raise NotImplementedError

    def check_label(self, d: DerivationLike, step: Step) -> None:
        """The step's label (its left-hand side) equals the step."""
        prove_equal(d, step.label, step.expr)

    def label_for(self, d: DerivationLike, prev: Step | None, step: Step) -> Any:
        """The left-hand side this kind generates (NotImplemented: any, proven equal)."""
        return NotImplemented

    def shown(self, d: DerivationLike, prev: Step | None, step: Step) -> list[Shown]:
        return []

    def premises(self, d: DerivationLike, step: Step) -> list[sp.Basic]:
        """Statements the step holds under beyond ``d``'s own definitions and conditions
        (a conditional substitution's values, what a cited result holds under)."""
        return []

    def cited(self) -> list[DerivationLike]:
        return []


@dataclass(frozen=True)
class Given(Relation):
    """A premise that starts a chain: a definition or the quantity to derive."""

    premise = True
    starts_chain = True

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        return None


@dataclass(frozen=True)
class From(Relation):
    """Starts a chain with exactly what an earlier derivation proved (cited by name)."""

    source: DerivationLike = None  # type: ignore[assignment]
    result: str | None = None
    starts_chain = True
    label_is_equal = False  # the label is the cited premise, generated

    def label_for(self, d: DerivationLike, prev: Step | None, step: Step) -> Any:
        return _cited(self.source, self.result)[0]

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        self.source.verify()
        subject, proved = _cited(self.source, self.result)
        if step.expr != proved:
            prove_equal(self.source, proved, step.expr)
        _same_functions(d, self.source, subject, proved, step.expr)
        chain = next(c for c in d.chains() if c[0] is step)
        _needs_conditions(d, self.source, _closure(self.source, step.expr, step.label),
                          definitions="conflict" if len(chain) > 1 else "none")

    def shown(self, d: DerivationLike, prev: Step | None, step: Step) -> list[Shown]:
        out = [Shown("proven in", text=self.source.title)]
        used = _closure(self.source, step.expr, step.label)
        conds = [sp.Contains(s, v, evaluate=False) for s, v in self.source.conditions.items()
                 if s in used]
        defs = self.source.definitions_of(step.expr, step.label)
        if defs:
            out.append(Shown("where", tuple(defs)))
        out += _with(list(self.source.premises(self.result)))
        if conds:
            out.append(Shown("for", tuple(conds)))
        return out

    def premises(self, d: DerivationLike, step: Step) -> list[sp.Basic]:
        return _carried(d, self.source, self.result, step.expr, step.label)

    def cited(self) -> list[DerivationLike]:
        return [self.source]


@dataclass(frozen=True)
class Equal(Relation):
    """The two expressions are equal for every allowed value (their difference is 0)."""

    of: Step | None = None

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        prove_equal(d, prev.expr, step.expr)
