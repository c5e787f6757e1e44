"""Statements and cases: :class:`Equivalent` (the same solution set in a variable),
:class:`ByCases` (an expression defined piece by piece, each piece proven on its set) and
:class:`InCase` (a step that holds in one case of the range).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.engine import counterexamples, domains, statements, sums
from derivations.engine.relation import Relation, Shown, _domain, _not_defined, prove_equal
from derivations.engine.steps import DerivationLike, ProofGap, Step


@dataclass(frozen=True)
class Equivalent(Relation):
    """Both statements hold for the same values of ``var`` in ``domain`` (shown)."""

    var: sp.Symbol = None  # type: ignore[assignment]
    domain: sp.Set = sp.S.Reals
    of: Step | None = None
    sign = r"\Leftrightarrow"
    label_is_equal = False

    def label_for(self, d: DerivationLike, prev: Step | None, step: Step) -> Any:
        return None

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        _not_defined(d, self.var, "equivalence")
        before, after = d.expand(prev.expr), d.expand(step.expr)
        for what, s in (("the earlier line", before), ("this step", after)):
            if not statements.is_statement(s):
                raise ProofGap(f"{what} is an expression, not a statement: write it as a "
                               "relation such as Eq(expr, 0) or expr > 0")
        if not (before.has(self.var) or after.has(self.var)):
            raise ProofGap(f"{self.var} occurs in neither statement")
        domain = _domain(d, self.var, self.domain)
        if domain.is_empty:
            raise ProofGap(f"the domain of {self.var} is empty")
        params = (before.free_symbols | after.free_symbols) - {self.var}
        for inst in domains.instances(d.conditions, params):
            for region in statements.regions([before.xreplace(inst), after.xreplace(inst)],
                                             self.var):
                first = statements.solve(before.xreplace(inst).xreplace(region), self.var, domain)
                second = statements.solve(after.xreplace(inst).xreplace(region), self.var, domain)
                if statements.same_set(first, second):
                    continue
                inst = {**{k: v.xreplace(region) for k, v in inst.items()}, **region}
                when = (" when " + ", ".join(f"{k} = {v}" for k, v in inst.items())
                        if inst else "")
                raise ProofGap(f"the solution sets differ{when}: {first} vs {second}")
        if params:  # solveset may divide by a parameter: look for a point that refutes
            special = counterexamples.special_values(before, after, params)
            found = counterexamples.counterexample(before, after, d.conditions, statements=True,
                                                   special=special)
            if found:
                at = ", ".join(f"{k} = {v}" for k, v in found["at"].items())
                raise ProofGap(f"at {at} one statement holds and the other does not")

    def shown(self, d: DerivationLike, prev: Step | None, step: Step) -> list[Shown]:
        return [Shown("for", (sp.Contains(self.var, _domain(d, self.var, self.domain),
                                          evaluate=False),))]


def _parameter_cases(d: DerivationLike, params: set) -> list[dict]:
    """Declared conditions enumerated; a real parameter split by sign (0 included)."""
    declared = [s for s in params if s in d.conditions]
    out = []
    for inst in domains.instances(d.conditions, declared):
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

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        _not_defined(d, self.var, "case split")
        domain = _domain(d, self.var, sp.S.Reals)
        sets = [statements.solution_set(d.expand(c), self.var, domain) for c in self.cases]
        covered = sp.Union(*sets)
        if not statements.same_set(covered, domain):
            raise ProofGap(f"the cases cover {covered}, not {domain}")
        for case, where in zip(self.cases, sets, strict=True):
            for value in domains.parametrize(self.var, where):
                try:
                    prove_equal(d, prev.expr, step.expr, fixed={self.var: value},
                                keep=frozenset({self.var}))
                except ProofGap as gap:
                    raise ProofGap(f"not equal in the case {case}: {gap}") from None

    def shown(self, d: DerivationLike, prev: Step | None, step: Step) -> list[Shown]:
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

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        c = self.case
        if not (isinstance(c, (sp.Eq, sp.Ne)) and all(
                isinstance(v, sp.Symbol) and v.is_integer for v in c.args)):
            raise ProofGap(f"a case is k = j or k \\neq j for two integer indices, not {c}")
        k, j = c.args
        if isinstance(c, sp.Eq):  # a sum's own index k is another k: rename it first
            prove_equal(d, sums.fresh_indices(prev.expr, always=True).xreplace({k: j}),
                        sums.fresh_indices(step.expr, always=True).xreplace({k: j}))
        else:
            prove_equal(d, prev.expr, step.expr, fixed={sp.KroneckerDelta(k, j): 0})

    def shown(self, d: DerivationLike, prev: Step | None, step: Step) -> list[Shown]:
        return [Shown("if", (self.case,))]
