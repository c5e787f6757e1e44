"""A derivation is a title, its symbols and an ordered list of steps.

Every step states how it follows from an earlier one (a :class:`Relation`),
and :meth:`Derivation.verify` asks SymPy to prove each of those relations.
Nothing is checked numerically: a relation SymPy cannot prove is an error,
and the fix is a smaller step, never a "trusted" one.

>>> from derivations.symbols import z
>>> d = Derivation("Toy", symbols=(z,))
>>> d.given((z + 1) ** 2, "start", label="f(z)")
>>> d.equal(z**2 + 2 * z + 1, "expand the square")
>>> d.verify().result() == z**2 + 2 * z + 1
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.codegen.cfunctions import log1p

Math = Any  # a SymPy expression, equation, inequality or boolean statement


class StepError(ValueError):
    """A step that SymPy could not prove to follow from the one it cites."""


def _simplify_to_zero(expr: sp.Expr) -> bool:
    """True when ``expr`` is identically zero, by exact rewriting only."""
    expr = expr.doit()
    if expr == 0:
        return True
    for rewrite in (sp.simplify, lambda e: sp.simplify(sp.expand_log(e, force=False)),
                    lambda e: sp.simplify(sp.logcombine(e)), sp.cancel):
        try:
            if rewrite(expr) == 0:
                return True
        except (TypeError, NotImplementedError, sp.PolynomialError):
            continue
    return False


# --------------------------------------------------------------- relations --
class Relation:
    """How a step follows from an earlier one. ``check`` raises StepError."""

    symbol: str = "="
    starts_chain: bool = False
    of: int | None = None  # 1-based number of the step it follows from

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        raise NotImplementedError

    def fail(self, d: Derivation, prev: Step | None, step: Step, why: str) -> StepError:
        n = d.steps.index(step) + 1
        before = "nothing" if prev is None else _tex(prev.expr)
        return StepError(
            f"{d.title!r}, step {n} ({step.why}) does not follow from step "
            f"{d.steps.index(prev) + 1 if prev else '-'}: {why}\n"
            f"  before: {before}\n  step:   {_tex(step.expr)}")


@dataclass
class Given(Relation):
    """A premise that starts a chain: a definition or the quantity to derive."""

    symbol: str = "="
    starts_chain: bool = True

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        return None


@dataclass
class From(Relation):
    """Starts a chain with exactly the result an earlier derivation proved."""

    source: Derivation = None  # type: ignore[assignment]
    chain: int = -1
    symbol: str = "="
    starts_chain: bool = True

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        self.source.verify()
        proved = self.source.result(self.chain)
        if step.expr != proved and not _simplify_to_zero(step.expr - proved):
            raise self.fail(d, prev, step, f"{self.source.title!r} proved "
                            f"{_tex(proved)}, not this")


@dataclass
class Equal(Relation):
    """The difference of the two expressions simplifies to zero."""

    of: int | None = None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        diff = d.expand(prev.expr) - d.expand(step.expr)
        if not _simplify_to_zero(diff):
            raise self.fail(d, prev, step, "the difference does not simplify to 0 "
                            f"(it is {_tex(sp.simplify(diff))})")


@dataclass
class Substitution(Relation):
    """The earlier expression with stated values substituted, e.g. ``{y: 1}``."""

    values: dict = field(default_factory=dict)
    of: int | None = None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        diff = d.expand(prev.expr).subs(self.values) - d.expand(step.expr)
        if not _simplify_to_zero(diff):
            raise self.fail(d, prev, step, f"substituting {self.values} gives "
                            f"{_tex(sp.simplify(d.expand(prev.expr).subs(self.values)))}")


@dataclass
class Limit(Relation):
    """The step is the limit of the earlier expression as ``var -> point``."""

    var: sp.Symbol = None  # type: ignore[assignment]
    point: Any = 0
    direction: str = "+"
    of: int | None = None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        got = sp.limit(d.expand(prev.expr), self.var, self.point, self.direction)
        want = d.expand(step.expr)
        if got != want and sp.simplify(got - want) != 0:
            raise self.fail(d, prev, step, f"the limit is {_tex(got)}")


@dataclass
class Equivalent(Relation):
    """Both statements have the same solution set for ``var`` over ``domain``."""

    var: sp.Symbol = None  # type: ignore[assignment]
    domain: sp.Set = sp.S.Reals
    symbol: str = r"\Leftrightarrow"
    of: int | None = None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        before = sp.solveset(d.expand(prev.expr), self.var, self.domain)
        after = sp.solveset(d.expand(step.expr), self.var, self.domain)
        if isinstance(before, sp.ConditionSet) or isinstance(after, sp.ConditionSet):
            raise self.fail(d, prev, step, "SymPy cannot solve one of the statements "
                            "for " + str(self.var) + "; split the step")
        if before != after:
            raise self.fail(d, prev, step, f"solution sets differ: {before} vs {after}")


@dataclass
class ByCases(Relation):
    """Equal on every case; the cases' conditions must cover ``domain``.

    Each case is ``(condition, replacement)``: ``var`` is replaced by an
    expression that satisfies the condition by its assumptions, e.g.
    ``(z > 0, p)`` with ``p`` positive, or ``(Eq(y, 1), 1)``.
    """

    var: sp.Symbol = None  # type: ignore[assignment]
    cases: Sequence[tuple[Any, Any]] = ()
    domain: sp.Set = sp.S.Reals
    of: int | None = None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        covered = sp.Union(*(sp.solveset(c, self.var, self.domain) for c, _ in self.cases))
        if covered != self.domain:
            raise self.fail(d, prev, step, f"the cases cover {covered}, not {self.domain}")
        for cond, repl in self.cases:
            if cond.subs(self.var, repl) is not sp.true:
                raise self.fail(d, prev, step, f"{repl} does not satisfy {cond}")
            diff = (d.expand(prev.expr) - d.expand(step.expr)).subs(self.var, repl)
            if not _simplify_to_zero(diff):
                raise self.fail(d, prev, step, f"not equal in the case {cond}")


@dataclass
class UpdateRule(Relation):
    """``param <- param - lr * g``, with ``g`` exactly what ``source`` proved.

    With ``batch=(i, B)`` the rule averages the proven per-example gradient
    over a minibatch: every symbol in ``per_example`` gets the index ``i``.
    """

    source: Derivation = None  # type: ignore[assignment]
    lr: sp.Expr = None  # type: ignore[assignment]
    chain: int = -1
    batch: tuple | None = None
    per_example: Sequence[sp.Symbol] = ()
    symbol: str = r"\leftarrow"
    starts_chain: bool = True

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        self.source.verify()
        g = self.source.result(self.chain)
        if self.batch is not None:
            i, size = self.batch
            g = sp.Sum(g.subs({v: sp.IndexedBase(str(v))[i] for v in self.per_example}),
                       (i, 1, size)) / size
        expected = step.label - self.lr * g
        if not _simplify_to_zero((step.expr - expected).doit()):
            raise self.fail(d, prev, step, f"expected {_tex(expected)} from "
                            f"{self.source.title!r}")


@dataclass
class Apply(Relation):
    """Rewrite with a proven identity ``label(var) = result(var)`` at any argument.

    The identity is chain ``chain`` of ``source`` (of this derivation when
    ``source`` is None): its first step's label is the pattern, its last
    expression the replacement, e.g. ``softplus(t) = max(t, 0) + log1p(e^{-|t|})``.
    """

    var: sp.Symbol = None  # type: ignore[assignment]
    source: Derivation | None = None
    chain: int = 0
    of: int | None = None

    def check(self, d: Derivation, prev: Step | None, step: Step) -> None:
        src = self.source or d
        if self.source is not None:
            src.verify()
        elif d.steps.index(d.chains()[self.chain][-1]) >= d.steps.index(step):
            raise self.fail(d, prev, step, "the identity it applies is not proven before it")
        first = src.chains()[self.chain][0]
        if not isinstance(first.label, sp.Basic):
            raise self.fail(d, prev, step, "the identity has no symbolic left-hand side")
        w = sp.Wild("w")
        rewritten = prev.expr.replace(first.label.subs(self.var, w),
                                      src.result(self.chain).subs(self.var, w))
        if rewritten == prev.expr:
            raise self.fail(d, prev, step, f"{_tex(first.label)} does not occur in it")
        if rewritten != step.expr and \
                not _simplify_to_zero(d.expand(rewritten) - d.expand(step.expr)):
            raise self.fail(d, prev, step, f"applying the identity gives {_tex(rewritten)}")


# ------------------------------------------------------------------- steps --
@dataclass(eq=False)  # steps are told apart by identity: two may state the same thing
class Step:
    """One line: ``label  <relation symbol>  expr``, with its justification."""

    expr: Math
    why: str
    relation: Relation
    label: Math | str | None = None


def _tex(expr: Math) -> str:
    from derivations.render import tex
    return tex(expr)


class Derivation:
    """A titled, ordered list of steps, each proven from an earlier one.

    ``where`` lists definitions applied, in order, before any check, e.g.
    ``[(L, NLL(a, y)), (a, sigma(z))]``; ``functions`` maps named functions
    such as ``sigma`` to their ``Lambda``.
    """

    def __init__(self, title: str, symbols: Iterable[sp.Symbol] = (), *,
                 name: str | None = None, intro: str = "",
                 where: Sequence[tuple[sp.Basic, sp.Basic]] = (),
                 functions: dict | None = None) -> None:
        self.title = title
        self.name = name or title.lower().replace(" ", "-")
        self.intro = intro
        self.symbols = tuple(symbols)
        self.where = list(where)
        self.functions = dict(functions or {})
        self.steps: list[Step] = []
        self._verified = False

    # -- building ---------------------------------------------------------
    def add(self, expr: Math, why: str, relation: Relation | None = None,
            label: Math | str | None = None) -> Step:
        """Append a step; the relation defaults to :class:`Equal`."""
        step = Step(expr, why, relation or Equal(), label)
        if not self.steps and not step.relation.starts_chain:
            raise StepError(f"{self.title!r}: the first step must be a premise "
                            "(given) or an earlier result (from)")
        self.steps.append(step)
        self._verified = False
        return step

    def given(self, expr: Math, why: str, label: Math | str | None = None,
              symbol: str = "=") -> None:
        self.add(expr, why, Given(symbol=symbol), label)

    def from_(self, expr: Math, why: str, source: Derivation, chain: int = -1,
              label: Math | str | None = None) -> None:
        self.add(expr, why, From(source=source, chain=chain), label)

    def equal(self, expr: Math, why: str, of: int | None = None,
              label: Math | str | None = None) -> None:
        self.add(expr, why, Equal(of=of), label)

    def substitute(self, expr: Math, why: str, values: dict, of: int | None = None,
                   label: Math | str | None = None) -> None:
        self.add(expr, why, Substitution(values=values, of=of), label)

    def limit(self, expr: Math, why: str, var: sp.Symbol, point: Any,
              direction: str = "+", of: int | None = None) -> None:
        prev = self.steps[(of or len(self.steps)) - 1].expr
        label = sp.Limit(prev, var, point, direction)
        self.add(expr, why, Limit(var=var, point=point, direction=direction, of=of), label)

    def iff(self, statement: Math, why: str, var: sp.Symbol,
            domain: sp.Set = sp.S.Reals) -> None:
        self.add(statement, why, Equivalent(var=var, domain=domain))

    def by_cases(self, expr: Math, why: str, var: sp.Symbol,
                 cases: Sequence[tuple[Any, Any]], domain: sp.Set = sp.S.Reals,
                 label: Math | str | None = None) -> None:
        self.add(expr, why, ByCases(var=var, cases=cases, domain=domain), label)

    def apply(self, expr: Math, why: str, var: sp.Symbol, source: Derivation | None = None,
              chain: int = 0) -> None:
        self.add(expr, why, Apply(var=var, source=source, chain=chain))

    def update(self, param: sp.Symbol, value: sp.Expr, why: str, source: Derivation,
               lr: sp.Expr, chain: int = -1, batch: tuple | None = None,
               per_example: Sequence[sp.Symbol] = ()) -> None:
        self.add(value, why, UpdateRule(source=source, lr=lr, chain=chain, batch=batch,
                                        per_example=per_example), param)

    # -- checking ---------------------------------------------------------
    def expand(self, expr: Math) -> Math:
        """Apply the definitions, then evaluate derivatives, sums and limits."""
        for name, value in self.where:
            # subs() does not reach an indexed term through a Sum's bound index
            expr = (expr.xreplace({name: value}) if isinstance(name, sp.Indexed)
                    else expr.subs(name, value))
        for fn, lam in self.functions.items():
            expr = expr.subs(fn, lam)
        expr = expr.replace(lambda e: isinstance(e, log1p),
                            lambda e: sp.log(1 + e.args[0]))
        return expr.doit()

    def chains(self) -> list[list[Step]]:
        """The steps grouped into chains, each starting with a premise."""
        out: list[list[Step]] = []
        for step in self.steps:
            if step.relation.starts_chain:
                out.append([])
            out[-1].append(step)
        return out

    def verify(self) -> Derivation:
        """Prove every step; raise :class:`StepError` at the first that fails."""
        if self._verified:
            return self
        if not self.steps:
            raise StepError(f"{self.title!r} has no steps")
        for n, step in enumerate(self.steps):
            rel = step.relation
            if rel.starts_chain:
                prev = None
            else:
                k = rel.of if rel.of is not None else n
                if not 1 <= k <= n:
                    raise StepError(f"{self.title!r}, step {n + 1} ({step.why}) cites "
                                    f"step {k}, which is not before it")
                prev = self.steps[k - 1]
            rel.check(self, prev, step)
        self._verified = True
        return self

    @property
    def verified(self) -> bool:
        return self._verified

    def result(self, chain: int = -1) -> Math:
        """The last expression of a chain (the last chain by default)."""
        return self.chains()[chain][-1].expr

    # -- rendering (see derivations.render) -------------------------------
    def latex(self) -> str:
        """The steps as ``align*`` environments, one per chain."""
        from derivations.render import latex
        return latex(self)

    def markdown(self) -> str:
        """Title, introduction and the steps in ``$$`` math with justifications."""
        from derivations.render import markdown
        return markdown(self)

    def lines(self) -> list[tuple[str, str]]:
        """One ``(mathtext, justification)`` pair per step, for line-by-line engines."""
        from derivations.render import step_line
        return [(step_line(s), s.why) for s in self.steps]

    def _repr_latex_(self) -> str:
        return self.latex()

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        state = "verified" if self._verified else "unverified"
        return f"<Derivation {self.title!r}: {len(self.steps)} steps, {state}>"

