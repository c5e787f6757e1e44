"""A derivation is a title, its definitions and conditions, and an ordered list of steps.

Every step states how it follows from an earlier one (a relation, e.g.
:class:`~derivations.engine.relation.Equal`), and :meth:`Derivation.verify` asks SymPy to
prove each. Nothing is checked numerically: a step SymPy cannot prove is a
:class:`~derivations.engine.steps.StepError`, and the fix is a smaller step or a stated
condition. What a reader sees is printed from the same objects
(:mod:`derivations.engine.printing`), with every condition the proof used, and only once
verified.

>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> d = Derivation("Toy")
>>> _ = d.given((z + 1) ** 2, "start")
>>> _ = d.equal(z**2 + 2 * z + 1, "expand the square")
>>> d.verify().result() == z**2 + 2 * z + 1
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import sympy as sp
from sympy.codegen.cfunctions import log1p

from derivations.engine import definedness, domains, signs, sums
from derivations.engine.bound import Bound
from derivations.engine.cases import ByCases, Equivalent, InCase
from derivations.engine.fingerprint import Fingerprint
from derivations.engine.lookalikes import no_lookalikes
from derivations.engine.relation import Equal, From, Given, Relation, Shown
from derivations.engine.results import Results
from derivations.engine.rules import Apply, Limit, Substitution, UpdateRule
from derivations.engine.steps import (
    Math,
    ProofGap,
    Step,
    StepError,
    _no_free_text,
    _of,
    _renamed,
    text_problem,
)
from derivations.engine.typeset import tex

#: the order signs a bound takes, as written in Python and in LaTeX, and their LaTeX
SIGNS = {"<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq", r"\le": r"\leq", r"\ge": r"\geq",
         r"\leq": r"\leq", r"\geq": r"\geq"}


#: the printers of a whole derivation, by format ("latex", "markdown", "lines"). The
#: printers sit one floor above the Derivation (derivations.engine.printing) and register
#: themselves here with :func:`printer` when imported, which importing anything of
#: ``derivations.engine`` does (its ``__init__`` imports them): so ``d.latex()`` works
#: without this module importing the floor above it.
PRINTERS: dict[str, Callable[[Derivation], Any]] = {}


def printer(fmt: str) -> Callable[[Callable], Callable]:
    """Register a function of a derivation as its printer for ``fmt`` (a decorator)."""
    def register(show: Callable) -> Callable:
        PRINTERS[fmt] = show
        return show
    return register


class Derivation(Results, Fingerprint):
    """A titled, ordered list of steps, each proven from an earlier one.

    ``where`` lists definitions applied, in order, before any check, e.g.
    ``[(L, NLL(a, y)), (a, sigma(z))]``; ``functions`` maps named functions
    such as ``sigma`` to their ``Lambda``; ``conditions`` maps symbols to the
    sets they range over, e.g. ``{y: FiniteSet(0, 1), a: Interval.open(0, 1)}``
    (SymPy's assumptions cannot say these). The checker uses all three, and
    every output shows them.
    """

    def __init__(self, title: str, *, name: str | None = None, intro: str = "",
                 where: Sequence[tuple[sp.Basic, sp.Basic]] = (),
                 functions: Mapping | None = None,
                 conditions: Mapping[sp.Basic, sp.Set] | None = None) -> None:
        if not isinstance(title, str):
            raise TypeError("Derivation(title, ...): the symbols argument was removed; "
                            "declare conditions=... instead")
        self.title = title
        self.name = name or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.name):
            raise ValueError(f"Derivation name {self.name!r} is a file name: lower-case letters, "
                             "digits and single hyphens, e.g. name='odd-symmetry'")
        if not isinstance(intro, str):
            raise TypeError("intro is text with $...$ math")
        for what, text in (("its title", title), ("its introduction", intro)):
            bad = text_problem(text)
            if bad:
                raise StepError(f"{title!r}, {what}: {bad}")
        self.intro = intro
        self.where = tuple((sp.sympify(n), sp.sympify(v)) for n, v in where)
        names = [n for n, _ in self.where]
        for n, value in self.where:
            if not isinstance(n, (sp.Symbol, sp.Indexed)):
                raise TypeError(f"where= defines symbols (or indexed symbols), not {n}")
            if names.count(n) > 1:
                raise TypeError(f"where= defines {n} twice")
            if value.has(n.base if isinstance(n, sp.Indexed) else n):
                raise TypeError(f"where= defines {n} in terms of itself")
            if isinstance(n, sp.Indexed) and len(set(n.indices)) != len(n.indices):
                raise TypeError(f"where= defines {n} with a repeated index: it would say "
                                "nothing about the other entries; use distinct indices")
        for i, (n, _) in enumerate(self.where):  # applied in order: later ones are inside
            for later, value in self.where[i + 1:]:
                if value.has(n.base if isinstance(n, sp.Indexed) else n):
                    raise TypeError(f"where= lists {n} before {later}, whose definition uses "
                                    f"it; list each definition before those it uses, e.g. "
                                    "[(L, ...), (a, sigma(z)), (z, ...)]")
        for fn, lam in (functions or {}).items():
            if not isinstance(fn, sp.FunctionClass) or not isinstance(lam, sp.Lambda):
                raise TypeError(f"functions= maps a function such as sigma to its Lambda, "
                                f"not {fn!r} to {lam!r}")
        self.functions = MappingProxyType(dict(functions or {}))
        self.conditions = MappingProxyType({k: sp.sympify(v) if not isinstance(v, sp.Set)
                                            else v for k, v in (conditions or {}).items()})
        for sym, cond in self.conditions.items():
            if not isinstance(sym, sp.Symbol):
                raise TypeError(f"conditions= are on symbols, not {sym}")
            if not isinstance(cond, sp.Set):
                raise TypeError(f"conditions[{sym}] must be a SymPy set such as "
                                f"FiniteSet(0, 1) or Interval.open(0, 1), not {cond!r}")
            assumed = domains.condition_set(sym, {})
            try:
                inside = assumed is None or cond.is_subset(assumed) is True
            except (ValueError, TypeError):  # SymPy cannot compare, e.g. Range(1, K)
                inside = False
            if not inside:
                raise TypeError(f"conditions[{sym}] = {cond} is not within what {sym}'s "
                                f"assumptions say ({assumed})")
        self._steps: list[Step] = []
        self._proof: str | None = None
        self._cache: dict = {}
        self._sealed = True

    def __setattr__(self, attr: str, value: Any) -> None:
        if getattr(self, "_sealed", False) and not attr.startswith("_"):
            raise AttributeError(f"{attr} of a Derivation is fixed when it is made (the proofs "
                                 "rely on it); build a new Derivation")
        object.__setattr__(self, attr, value)

    # -- building ---------------------------------------------------------
    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(self._steps)

    def add(self, expr: Math, why: str, relation: Relation | None = None,
            label: Math = None, name: str | None = None) -> Step:
        """Append a step (the relation defaults to :class:`Equal`) and return it."""
        if self._proof is not None:
            raise StepError(f"{self.title!r} is verified and frozen; build a new derivation")
        _no_free_text(label)
        if not isinstance(why, str):
            raise TypeError("why must be the justification text")
        if why.count("$") % 2 or any(ch in why for ch in ("&", "\\\\")) or \
                why.count("{") != why.count("}"):
            raise TypeError("why is text with $...$ math: balanced $ and braces, "
                            "no & or \\\\ (they would break the alignment)")
        bad = text_problem(why)
        if bad:
            raise StepError(f"{self.title!r}, step {len(self._steps) + 1} ({why[:40]}): {bad}")
        relation = relation or Equal()
        if not self._steps and not relation.starts_chain:
            raise StepError(f"{self.title!r}: the first step must be a premise "
                            "(given) or an earlier result (from_)")
        if name is not None:
            if name in self.result_names():
                raise ValueError(f"{self.title!r} already has a result named {name!r}")
        of = getattr(relation, "of", None)
        if of is not None and of not in self._steps:
            raise StepError(f"{self.title!r}: of= cites a step that is not in this derivation")
        step = Step(sp.sympify(expr), why, relation, label, name)
        self._steps.append(step)
        return step

    def given(self, expr: Math, why: str, *, label: Math = None, name: str | None = None,
              **old: Any) -> Step:
        """A premise: a definition or the quantity to derive; ``label`` is proven equal to it."""
        _renamed(old, symbol="the sign comes from the relation (iff, update, ...)")
        return self.add(expr, why, Given(), label, name)

    def from_(self, expr: Math, why: str, source: Derivation, result: str | None = None, *,
              name: str | None = None, **old: Any) -> Step:
        """Start a chain with what ``source`` proved as its result ``result``."""
        _renamed(old, chain="cite the result by name: result='...'",
                 label="the label is the cited result's premise")
        subject, _ = source.statement(result)
        return self.add(expr, why, From(source=source, result=result), subject, name)

    def equal(self, expr: Math, why: str, *, of: Step | None = None, label: Math = None,
              name: str | None = None) -> Step:
        """The same value as the earlier expression, for every allowed value of its symbols."""
        return self.add(expr, why, Equal(of=_of(of)), label, name)

    def substitute(self, expr: Math, why: str, values: Mapping, *, of: Step | None = None,
                   label: Math = None, name: str | None = None) -> Step:
        """The earlier expression with ``values`` (e.g. ``{y: 1}``) put in; values are shown."""
        pairs = tuple((sp.sympify(k), sp.sympify(v)) for k, v in values.items())
        return self.add(expr, why, Substitution(values=pairs, of=_of(of)), label, name)

    def limit(self, expr: Math, why: str, var: sp.Symbol, point: Any, direction: str = "+",
              *, of: Step | None = None) -> Step:
        """The limit of the earlier expression as ``var -> point`` (from ``direction``)."""
        if direction not in ("+", "-"):
            raise TypeError(f"direction is '+' (from above) or '-' (from below), not "
                            f"{direction!r}")
        prev = _of(of) or (self._steps[-1] if self._steps else None)
        if prev is None:
            raise StepError(f"{self.title!r}: a limit needs an earlier step")
        label = sp.Limit(prev.expr, var, point, direction)
        return self.add(expr, why, Limit(var=var, point=sp.sympify(point), direction=direction,
                                         of=of), label)

    def iff(self, statement: Math, why: str, var: sp.Symbol, domain: sp.Set = sp.S.Reals, *,
            of: Step | None = None) -> Step:
        """The same solution set for ``var`` over ``domain`` (and ``var``'s conditions)."""
        return self.add(statement, why, Equivalent(var=var, domain=domain, of=_of(of)))

    def by_cases(self, expr: Math, why: str, var: sp.Symbol, cases: Sequence[Any], *,
                 of: Step | None = None, label: Math = None, **old: Any) -> Step:
        """Equal in each case (a condition on ``var``); the cases cover all of ``var``'s range.

        ``var`` ranges over its declared condition (or its assumptions); to narrow
        it, declare ``conditions=`` on the derivation, where every output shows it.
        """
        _renamed(old, domain="declare conditions={var: ...} on the derivation")
        if any(isinstance(c, tuple) for c in cases):
            raise TypeError("cases are conditions only, e.g. [z > 0, z <= 0]: the checker "
                            "proves each case for all its values, with no representative")
        return self.add(expr, why, ByCases(var=var, cases=tuple(cases), of=_of(of)), label)

    def case(self, expr: Math, why: str, case: sp.Basic, *, of: Step | None = None,
             label: Math = None, name: str | None = None) -> Step:
        """The earlier expression when ``case`` holds: ``Eq(k, j)`` or ``Ne(k, j)`` (shown)."""
        return self.add(expr, why, InCase(case=case, of=_of(of)), label, name)

    def bound(self, expr: Math, why: str, sign: str = "<=", *, of: Step | None = None,
              name: str | None = None, source: Derivation | None = None,
              result: str | tuple[str, ...] | None = None, var: sp.Symbol | None = None
              ) -> Step:
        r"""The earlier expression is ``sign`` (``<``, ``<=``, ``>``, ``>=``) this one, for
        every allowed value: ``a(1-a) <= 1/4`` because ``1/4 - a(1-a) = (a - 1/2)^2 >= 0``.

        With ``source`` and ``result`` (one name or several) the step uses proven
        inequalities about a pattern in ``var``, e.g. ``0 < \sigma'(z) <= 1/4``: each
        occurrence is replaced by a value anywhere in that range (shown beside the step).
        """
        if sign not in SIGNS:
            raise TypeError(f"sign is one of {', '.join(repr(s) for s in SIGNS)}, not {sign!r}")
        names = (result,) if isinstance(result, str) or result is None else tuple(result)
        if (source is None) != (var is None) or (source is None and result is not None):
            raise TypeError("a bound that cites a result takes source=, result= and var= "
                            "(the variable of the cited pattern), e.g. var=z")
        return self.add(expr, why, Bound(sign=SIGNS[sign], of=_of(of), source=source,
                                         results=names if source is not None else (),
                                         var=var), None, name)

    def apply(self, expr: Math, why: str, var: sp.Symbol, source: Derivation | None = None,
              result: str | None = None, *, of: Step | None = None, **old: Any) -> Step:
        """Rewrite with the proven identity ``result`` of ``source`` (this derivation if None)."""
        _renamed(old, chain="cite the identity by name: result='...'")
        return self.add(expr, why, Apply(var=var, source=source, result=result, of=_of(of)))

    def update(self, param: sp.Symbol, value: sp.Expr, why: str, source: Derivation,
               lr: sp.Expr, result: str | None = None, *, batch: tuple | None = None,
               per_example: Sequence[sp.Symbol] = (), name: str | None = None,
               **old: Any) -> Step:
        """``param <- value``, proven to be ``param - lr * (gradient source proved)``."""
        _renamed(old, chain="cite the gradient by name: result='...'")
        return self.add(value, why, UpdateRule(source=source, lr=lr, result=result, batch=batch,
                                               per_example=tuple(per_example)), param, name)

    # -- what the checker works with ---------------------------------------
    def expand(self, expr: Math) -> Math:
        """:meth:`_expand`, remembered per expression while the definitions are the same
        objects (a derivation's are fixed; :meth:`verify` forgets everything anyway)."""
        defs = (self.where, self.functions, self.conditions)
        memo = self._cache.get("expand")
        if memo is None or any(x is not y for x, y in zip(memo[0], defs, strict=True)):
            memo = self._cache["expand"] = (defs, {})
        key = sp.sympify(expr)  # SymPy's equality tells f(x) from a positive f(x)
        if key not in memo[1]:
            memo[1][key] = self._expand(key)
        return memo[1][key]

    def _expand(self, expr: Math) -> Math:
        """Apply the definitions, then evaluate derivatives, sums and limits.

        A derivative of a function with a kink (``|u|``, ``max``, ``sign``) that
        the declared conditions do not keep away from is a ProofGap.
        """
        where, free = self._fresh_definitions()
        if isinstance(expr, sp.Basic) and expr.has(sp.Sum):
            expr = sums.fresh_indices(expr, avoid=free)  # a definition's free j: not a sum's
        for name, value in where:
            expr = (_define_indexed(expr, name, value) if isinstance(name, sp.Indexed)
                    else expr.subs(name, value))
        for fn, lam in self.functions.items():
            expr = _put_function(expr, fn, lam)
        expr = expr.replace(lambda e: isinstance(e, log1p), lambda e: sp.log(1 + e.args[0]))
        for node in expr.atoms(sp.Derivative):
            for var in node.variables:
                for kink in definedness.kinks(node.expr, var):
                    if not all(signs.nonzero(kink.xreplace(inst)) for inst in
                               domains.instances(self.conditions, kink.free_symbols)):
                        raise ProofGap(f"it differentiates in {var} where {kink} = 0 is "
                                       "possible, a kink (|u|, max, sign have no derivative "
                                       "there); declare a condition that excludes it")
        ranges = domains.index_ranges(self.conditions, {})  # j <= K holds for j in 1..K
        if expr.has(sp.Sum):
            expr = sums.fresh_indices(expr)  # SymPy's doit confuses a reused index
            expr = domains.refine_ranges(expr.doit(deep=False), ranges)
            expr = sums.collapse_sums(sums.within_ranges(expr), ranges)
            return sums.canonical_sums(domains.refine_ranges(sums.within_ranges(expr).doit(),
                                                             ranges))
        return domains.refine_ranges(expr.doit(), ranges)

    def _fresh_definitions(self) -> tuple[tuple, frozenset]:
        """The definitions with every sum's index a fresh one (no sum of a definition can
        capture a symbol where it is put), and every symbol free in them or in the
        functions: a sum of the expanded expression must not use one as its index."""
        memo = self._cache.get("where")
        if memo is None or memo[0] is not self.where or memo[1] is not self.functions:
            where = tuple((n, sums.fresh_indices(v, always=True)) for n, v in self.where)
            free = set().union(*(n.free_symbols | v.free_symbols for n, v in self.where),
                               *(lam.free_symbols for lam in self.functions.values()))
            memo = self._cache["where"] = (self.where, self.functions, where,
                                           frozenset(free))
        return memo[2], memo[3]

    def unfold(self, expr: Math) -> Math:
        """Only the named functions replaced by their definitions (sigma -> 1/(1+e^-z))."""
        for fn, lam in self.functions.items():
            expr = _put_function(expr, fn, lam)
        return expr

    def definitions_of(self, *exprs: Math) -> list[sp.Eq]:
        """The ``where`` definitions and functions the given expressions rely on, as equations."""
        needed: list[sp.Eq] = []
        todo = list(exprs)
        seen: set = set()
        while todo:
            e = todo.pop()
            if not isinstance(e, sp.Basic):
                continue
            for name, value in self.where:
                if name not in seen and e.has(name):
                    seen.add(name)
                    needed.append(sp.Eq(name, value, evaluate=False))
                    todo.append(value)
            for fn, lam in self.functions.items():
                if fn not in seen and e.has(fn):
                    seen.add(fn)
                    args = lam.variables
                    needed.append(sp.Eq(fn(*args), lam.expr, evaluate=False))
        order = {eq.lhs: i for i, eq in enumerate(needed)}
        return sorted(needed, key=lambda eq: order[eq.lhs])

    # -- checking ---------------------------------------------------------
    def _fail(self, step: Step, prev: Step | None, why: str) -> StepError:
        n = self.number(step)
        before = "nothing" if prev is None else tex(prev.expr)
        was = f"step {self.number(prev)}" if prev is not None else "-"
        return StepError(
            f"{self.title!r}, step {n} ({step.why}) does not follow from {was}: {why}\n"
            f"  before: {before}\n  step:   {tex(step.expr)}")

    def verify(self) -> Derivation:
        """Prove every step; raise :class:`StepError` at the first that fails.

        Once verified the derivation is frozen; a change to it or to anything
        it cites (detected by a content hash) makes it unverified again.
        """
        if self.verified:
            return self
        self._proof = None
        self._cache = {}  # from scratch: nothing expanded or proven before counts
        if not self._steps:
            raise StepError(f"{self.title!r} has no steps")
        for n, step in enumerate(self._steps, 1):
            bad = text_problem(step.why) if isinstance(step.why, str) else "it is not text"
            if bad:
                raise StepError(f"{self.title!r}, step {n}: {bad}")
        no_lookalikes(self)
        chain_of = {id(s): k for k, c in enumerate(self.chains()) for s in c}
        for step in self._steps:
            prev = self.previous(step)
            if prev is not None and self.number(prev) >= self.number(step):
                raise StepError(f"{self.title!r}, step {self.number(step)} ({step.why}) "
                                f"cites step {self.number(prev)}, which is not before it")
            if prev is not None and chain_of[id(prev)] != chain_of[id(step)]:
                raise StepError(f"{self.title!r}, step {self.number(step)} ({step.why}) "
                                f"cites step {self.number(prev)} of another chain; start a "
                                "new chain there or cite a named result")
            try:
                expected = step.relation.label_for(self, prev, step)
                if expected is not NotImplemented and step.label != expected:
                    raise ProofGap(f"its left-hand side must be {expected}, not {step.label}")
                step.relation.check(self, prev, step)
                if step.label is not None and step.relation.label_is_equal:
                    try:
                        step.relation.check_label(self, step)
                    except ProofGap as gap:
                        raise ProofGap(f"its left-hand side is not what it shows: {gap}") \
                            from None
            except StepError:
                raise
            except ProofGap as gap:
                raise self._fail(step, prev, str(gap)) from None
            except RecursionError:
                raise self._fail(step, prev, "the expression is too deep for SymPy") from None
            except Exception as exc:
                raise self._fail(step, prev, f"SymPy could not check it "
                                 f"({type(exc).__name__}: {exc})") from None
        self._proof = self._fingerprint()
        return self

    # -- what a reader sees beside a step ------------------------------------
    def shown(self, step: Step) -> list[Shown]:
        """Everything the check of ``step`` relied on, as SymPy objects, in print order."""
        prev = self.previous(step)
        out: list[Shown] = []
        cited = {s.relation.of for s in self._steps if getattr(s.relation, "of", None)}
        if any(s is step for s in cited):
            out.append(Shown(f"({self.number(step)})"))
        if prev is not None and self._steps[self.number(step) - 2] is not prev:
            out.append(Shown(f"from ({self.number(prev)})"))
        out += step.relation.shown(self, prev, step)
        if step.relation.starts_chain and not isinstance(step.relation, From):
            chain = next(c for c in self.chains() if c[0] is step)
            defs = self.definitions_of(*(e for s in chain for e in (s.expr, s.label)))
            if defs:
                out.append(Shown("where", tuple(defs)))
        said = [m for item in out for m in item.math]
        conds = [c for c in self.conditions_of(step.expr, step.label, *said) if c not in said]
        if conds:
            out.append(Shown("for", tuple(conds)))
        return out

    def conditions_of(self, *exprs: Math) -> list[sp.Basic]:
        """Declared conditions and assumptions (η > 0) of the symbols shown in ``exprs``."""
        syms: set = set()
        pattern = {i for name, _ in self.where if isinstance(name, sp.Indexed)
                   for i in name.indices}  # a definition's a_k holds for every k
        for e in exprs:
            if isinstance(e, sp.Basic) and not isinstance(e, sp.Contains):
                found = {s for s in domains.shown_symbols(e) if isinstance(s, sp.Symbol)}
                if isinstance(e, sp.Eq) and any(e.lhs == n for n, _ in self.where):
                    found -= pattern
                syms |= found
        out = []
        for s in sorted(syms, key=str):
            if s in self.conditions:
                out.append(sp.Contains(s, self.conditions[s], evaluate=False))
            elif (said := domains.assumed(s)) is not None:
                out.append(said)
        applied = {f for e in exprs if isinstance(e, sp.Basic) and not isinstance(e, sp.Contains)
                   for f in e.atoms(sp.core.function.AppliedUndef)}
        for f in sorted(applied, key=str):  # a function's assumptions: f(x) > 0
            if f.func not in self.functions and (said := domains.assumed(f)) is not None:
                out.append(said)
        return out

    # -- rendering: conveniences over derivations.engine.printing (see PRINTERS) ----------
    def latex(self) -> str:
        """The steps as ``align*`` environments, one per chain (verifies first)."""
        return self._printed("latex")

    def markdown(self) -> str:
        """Title, introduction and the steps in ``$$`` math with their notes (verifies first)."""
        return self._printed("markdown")

    def lines(self) -> list[tuple[str, str]]:
        """One ``(mathtext, note)`` pair per step, for line-by-line engines (verifies first)."""
        return self._printed("lines")

    def _printed(self, fmt: str) -> Any:
        """This derivation, verified, printed by the printer registered for ``fmt``."""
        show = PRINTERS.get(fmt)
        if show is None:  # only before derivations.engine.printing has run
            raise RuntimeError(f"no {fmt} printer is registered: import derivations.engine")
        return show(self.verify())

    def _repr_latex_(self) -> str | None:
        try:
            return self.latex()
        except StepError:
            return None  # Jupyter falls back to the Markdown, which says why

    def _repr_markdown_(self) -> str:
        try:
            return self.markdown()
        except StepError as exc:
            return f"**{self.title}: not verified.**\n\n```\n{exc}\n```\n"

    def __repr__(self) -> str:
        state = "verified" if self.verified else "unverified"
        return f"<Derivation {self.title!r}: {len(self._steps)} steps, {state}>"




def _define_indexed(expr: Math, name: sp.Indexed, value: sp.Basic) -> Math:
    """Every ``z[i]`` replaced by ``value`` at ``i`` (a definition for each index).

    A derivative in ``z[j]`` is taken first: a sum over all ``z[i]`` depends on
    ``z[j]`` through its term ``i = j``, which a substitution would lose.
    ``subs`` would not reach a term through a sum's bound index, so this walks
    the tree instead.
    """
    base, pattern = name.base, name.indices

    def mine(e: sp.Basic) -> bool:
        return isinstance(e, sp.Indexed) and e.base == base

    expr = expr.replace(lambda e: isinstance(e, sp.Derivative)
                        and any(mine(v) for v in e.variables), lambda e: e.doit())
    if not all(isinstance(i, sp.Symbol) for i in pattern):
        return expr.xreplace({name: value})
    return expr.replace(mine, lambda e: value.xreplace(dict(zip(pattern, e.indices,
                                                                 strict=True))))


def _put_function(expr: Math, fn: Any, lam: sp.Lambda) -> Math:
    """``fn`` replaced by its definition; ``subs`` keeps derivatives in it as ``Subs``.

    SymPy's ``Sum`` cannot take ``subs`` of a function class, so sums use ``replace``.
    """
    try:
        return expr.subs(fn, lam)
    except TypeError:
        return expr.replace(fn, lam)
