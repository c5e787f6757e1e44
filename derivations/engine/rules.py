"""The relations that apply a rule: :class:`Substitution` (stated values put in),
:class:`Limit` (a limit taken), :class:`Apply` (rewrite with a proven identity) and
:class:`UpdateRule` (``w <- w - eta * gradient``, the gradient cited by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.engine import definedness, domains, signs, sums
from derivations.engine.cases import _parameter_cases
from derivations.engine.relation import (
    Relation,
    Shown,
    _about_every,
    _cited,
    _closure,
    _needs_conditions,
    _not_defined,
    _same_functions,
    _with,
    prove_equal,
)
from derivations.engine.steps import DerivationLike, ProofGap, Step


@dataclass(frozen=True)
class Substitution(Relation):
    """The earlier expression with stated values put in, e.g. ``{y: 1}`` (shown)."""

    values: tuple[tuple[sp.Basic, sp.Basic], ...] = ()
    of: Step | None = None

    def _values(self) -> dict:
        # expand() names a sum's index by its depth: a sum is put in under that name
        return {sums.canonical_sums(k) if isinstance(k, sp.Sum) else k: v
                for k, v in self.values}

    def conditional(self, d: DerivationLike, step: Step) -> bool:
        """True when the label keeps the general subject (``dL/dz_j`` with Σ_k y_k = 1):
        the line then holds only with the values, which every citation carries. False
        when the label is the subject with the values put in (``L(a, 1)`` for ``L(a, y)``,
        y = 1) or is otherwise proven equal to the line outright."""
        if step.label is None:
            return False
        subject = d._subject(d.previous(step))
        if subject is None:
            return False
        if step.label == subject:
            return True
        if step.label == subject.subs(dict(self.values)):
            return False
        try:
            prove_equal(d, step.label, step.expr)
            return False
        except ProofGap:
            return True

    def check_label(self, d: DerivationLike, step: Step) -> None:
        """The label is the subject with the values put in (``L(a, 1)``), proven equal to
        the step; or it is the chain's subject itself, and the values become a premise
        of this line ("dL/dz_j, with Σ_k y_k = 1"), shown and carried by every citation."""
        if self.conditional(d, step):
            prove_equal(d, step.label, d._subject(d.previous(step)))
        else:
            prove_equal(d, step.label, step.expr)

    def premises(self, d: DerivationLike, step: Step) -> list[sp.Basic]:
        if not self.conditional(d, step):
            return []
        return [sp.Eq(k, v, evaluate=False) for k, v in self.values]

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        before = d.expand(prev.expr)
        values = list(self._values().items())
        for var, value in values:
            _not_defined(d, var, "substitution")
            if not before.has(var):
                raise ProofGap(f"{var} does not occur in the earlier expression")
            allowed = domains.condition_set(var, d.conditions)
            if allowed is not None and not definedness.contained(sp.S(value), allowed):
                raise ProofGap(f"{var} = {value} is outside {var}'s condition {allowed}")
        prove_equal(d, before.subs(dict(values)), step.expr)

    def shown(self, d: DerivationLike, prev: Step | None, step: Step) -> list[Shown]:
        return [Shown("with", tuple(sp.Eq(k, v, evaluate=False) for k, v in self.values))]


@dataclass(frozen=True)
class Limit(Relation):
    """The step is the limit of the earlier expression as ``var`` approaches ``point``."""

    var: sp.Symbol = None  # type: ignore[assignment]
    point: Any = 0
    direction: str = "+"
    of: Step | None = None
    label_is_equal = False  # the label is the limit itself, generated

    def label_for(self, d: DerivationLike, prev: Step | None, step: Step) -> Any:
        return sp.Limit(prev.expr, self.var, self.point, self.direction)

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        _not_defined(d, self.var, "limit")
        _approachable(self.var, self.point, self.direction,
                      domains.condition_set(self.var, d.conditions))
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
            if got != target and (got.is_infinite or not signs.zero(got - target)):
                raise ProofGap(f"the limit is {got}")


def _approachable(var: sp.Symbol, point: Any, direction: str, allowed: sp.Set | None) -> None:
    """ProofGap unless ``var`` can approach ``point`` from ``direction`` inside ``allowed``:
    ``a -> 1^+`` needs values of a just above 1, ``z -> oo`` values without bound."""
    side = "above" if direction == "+" else "below"
    if allowed is None:
        raise ProofGap(f"{var} may be complex: declare it real for a limit")
    point = sp.sympify(point)
    if point.is_infinite:
        want = "-" if point == sp.oo else "+"
        if direction != want or point not in (sp.oo, -sp.oo):
            raise ProofGap(f"{var} approaches {point} only from "
                           f"{'below' if want == '-' else 'above'}: direction '{want}'")
        end = allowed.sup if point == sp.oo else allowed.inf
        if end != point or isinstance(allowed, sp.FiniteSet):
            raise ProofGap(f"{var} in {allowed} cannot approach {point}")
        return
    parts = allowed.args if isinstance(allowed, sp.Union) else (allowed,)
    for part in parts:
        if not isinstance(part, sp.Interval):
            continue
        if direction == "+":
            below = part.start == -sp.oo or (point - part.start).is_nonnegative is True
            above = part.end == sp.oo or (part.end - point).is_positive is True
        else:
            below = part.start == -sp.oo or (point - part.start).is_positive is True
            above = part.end == sp.oo or (part.end - point).is_nonnegative is True
        if below and above:
            return
    raise ProofGap(f"{var} in {allowed} cannot approach {point} from {side}: the limit would "
                   "use values outside the declared set")


@dataclass(frozen=True)
class Apply(Relation):
    """Rewrite with a proven identity, named ``result`` of ``source`` (this one if None).

    The identity's premise label is the pattern in ``var``; every argument it
    is applied at must provably lie where the identity was proven.
    """

    var: sp.Symbol = None  # type: ignore[assignment]
    source: DerivationLike | None = None
    result: str | None = None
    of: Step | None = None

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        src = self.source or d
        if self.source is not None:
            src.verify()
        pattern, replacement = _cited(src, self.result)
        if src is d and d.number(d.chain(self.result)[-1]) >= d.number(step):
            raise ProofGap("the identity it applies is not proven before it")
        if self.var not in pattern.free_symbols:
            raise ProofGap(f"the identity {pattern} = {replacement} is not in {self.var}")
        _about_every(src, self.var, pattern, replacement)
        others = _closure(src, pattern, replacement) - {self.var}
        if src is not d:
            _needs_conditions(d, src, others)
            _same_functions(d, src, pattern, replacement)
        allowed = domains.condition_set(self.var, src.conditions)
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
            for inst in domains.instances(d.conditions, arg.free_symbols):
                if not definedness.contained(arg.xreplace(inst), allowed):
                    raise ProofGap(f"the identity was proven for {self.var} in {allowed}; "
                                   f"SymPy cannot show that {arg} is in it")
        prove_equal(d, rewritten, step.expr)

    def shown(self, d: DerivationLike, prev: Step | None, step: Step) -> list[Shown]:
        src = self.source or d
        pattern, replacement = src.statement(self.result)
        out = [Shown("by", (sp.Eq(pattern, replacement, evaluate=False),))]
        allowed = domains.condition_set(self.var, src.conditions)
        if allowed is not None and allowed != sp.S.Reals:
            out.append(Shown("for", (sp.Contains(self.var, allowed, evaluate=False),)))
        out += _with(list(src.premises(self.result)))
        if self.source is not None:
            out.append(Shown("proven in", text=src.title))
        return out

    def premises(self, d: DerivationLike, step: Step) -> list[sp.Basic]:
        return list((self.source or d).premises(self.result))

    def cited(self) -> list[DerivationLike]:
        return [self.source] if self.source is not None else []


@dataclass(frozen=True)
class UpdateRule(Relation):
    """``param <- param - lr * g``: a step against the gradient ``source`` proved.

    The cited result must be a derivative in ``param`` itself, and ``lr`` must be
    positive. With ``batch=(i, B)`` the rule averages the per-example gradient
    over a minibatch: every symbol in ``per_example`` gets the index ``i``.
    """

    source: DerivationLike = None  # type: ignore[assignment]
    lr: sp.Expr = None  # type: ignore[assignment]
    result: str | None = None
    batch: tuple | None = None
    per_example: tuple[sp.Symbol, ...] = ()
    sign = r"\leftarrow"
    starts_chain = True
    label_is_equal = False  # the label is the parameter

    def check(self, d: DerivationLike, prev: Step | None, step: Step) -> None:
        if not isinstance(step.label, sp.Symbol):
            raise ProofGap(f"an update assigns to a parameter symbol, not {step.label}")
        lr_set = domains.condition_set(self.lr, d.conditions) if isinstance(self.lr, sp.Symbol) \
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
        _same_functions(d, self.source, about, g)
        if self.batch is not None:
            i, size = self.batch
            g = sp.Sum(g.subs({v: sp.IndexedBase(str(v))[i] for v in self.per_example}),
                       (i, 1, size)) / size
        prove_equal(d, step.label - self.lr * g, step.expr)

    def shown(self, d: DerivationLike, prev: Step | None, step: Step) -> list[Shown]:
        out = [Shown("by", (sp.Eq(*self.source.statement(self.result), evaluate=False),)),
               Shown("proven in", text=self.source.title)]
        if self.batch is not None:
            i, size = self.batch
            out.append(Shown("mean over", (sp.Contains(i, sp.Range(1, size + 1),
                                                       evaluate=False),)))
        return out + _with(list(self.source.premises(self.result)))

    def premises(self, d: DerivationLike, step: Step) -> list[sp.Basic]:
        return list(self.source.premises(self.result))

    def cited(self) -> list[DerivationLike]:
        return [self.source]
