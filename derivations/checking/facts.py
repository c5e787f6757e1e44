"""What every step of an exercise's part may use: given facts and a case, and the relation
that proves an equality with them (:class:`EqualGiven`, the lecture's Equal plus the facts).

>>> import sympy as sp
>>> k, j = sp.symbols("k j", integer=True, positive=True)
>>> Fixed(case=sp.Ne(k, j)).values()
{KroneckerDelta(j, k): 0}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.engine import (
    Bound,
    Derivation,
    Equivalent,
    ProofGap,
    Relation,
    Shown,
    sums,
)
from derivations.engine.relation import prove_equal

__all__ = ["EqualGiven", "Fixed", "relation_for", "with_facts"]


@dataclass(frozen=True)
class Fixed:
    """What every step of a part may use: given facts (``Σ_k y_k = 1``) and a case
    of two indices (``k \\neq j`` sets ``δ_kj`` to 0; ``k = j`` puts ``j`` for ``k``)."""

    given: tuple[tuple[sp.Basic, sp.Basic], ...] = ()
    case: sp.Basic | None = None

    def values(self, facts: bool = True) -> dict:
        out = {sums.canonical_sums(k): v for k, v in self.given} if facts else {}
        if isinstance(self.case, sp.Ne):
            out[sp.KroneckerDelta(*self.case.args)] = sp.S.Zero
        return out

    def put(self, e: sp.Basic) -> sp.Basic:
        """``e`` in the case ``k = j`` (indices of sums renamed first)."""
        if isinstance(self.case, sp.Eq):
            k, j = self.case.args
            return sums.fresh_indices(e, always=True).xreplace({k: j})
        return e


@dataclass(frozen=True)
class EqualGiven(Relation):
    """Equal for every allowed value, using the part's given facts and case (shown)."""

    fixed: Fixed = Fixed()

    def check(self, d: Derivation, prev: Any, step: Any) -> None:
        f = self.fixed
        before, after = f.put(prev.expr), f.put(step.expr)
        try:  # the facts only where the proof needs them: they hide the sums they replace
            prove_equal(with_facts(d, f, facts=False), before, after)
        except ProofGap:
            if not f.given:
                raise
            prove_equal(with_facts(d, f), before, after)
            object.__setattr__(self, "used", True)  # shown beside the step

    def shown(self, d: Derivation, prev: Any, step: Any) -> list[Shown]:
        used = getattr(self, "used", False)
        facts = [sp.Eq(k, v, evaluate=False) for k, v in self.fixed.given if used]
        return ([Shown("with", tuple(facts))] if facts else []) + \
            ([Shown("if", (self.fixed.case,))] if self.fixed.case is not None else [])


class _WithFacts(Derivation):
    """A context whose expansions have the given facts put in, exactly where they stand
    (``Σ_k y_k`` is 1, ``δ_kj`` is 0)."""

    _facts: dict = {}  # noqa: RUF012 - set per instance, before any expansion

    def _expand(self, expr: Any) -> Any:
        out = super()._expand(expr)
        return out.xreplace(self._facts) if isinstance(out, sp.Basic) else out


def with_facts(d: Derivation, fixed: Fixed, facts: bool = True) -> Derivation:
    """``d`` with ``fixed``'s facts (or only its case) put in after every expansion."""
    values = fixed.values(facts)
    if not values:
        return d
    out = _WithFacts(d.title, name=d.name, where=d.where, functions=d.functions,
                     conditions=d.conditions)
    out._facts = values  # a private field: a Derivation's public ones are fixed
    return out


def relation_for(relation: str, var: sp.Symbol | None, fixed: Fixed = Fixed()) -> Relation:
    """The lecture's relation for a step written with ``relation``."""
    if relation == "=":
        return EqualGiven(fixed=fixed)
    if relation == r"\iff":
        return Equivalent(var=var)
    return Bound(sign=relation)
