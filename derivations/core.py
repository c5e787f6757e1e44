"""A derivation is a title, its definitions and conditions, and an ordered list of steps.

Every step states how it follows from an earlier one (a relation from
:mod:`derivations.relations`), and :meth:`Derivation.verify` asks SymPy to
prove each. Nothing is checked numerically: a step SymPy cannot prove is a
:class:`StepError`, and the fix is a smaller step or a stated condition. What
a reader sees is printed from the same objects (:mod:`derivations.printing`),
with every condition the proof used, and only once verified.

>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> d = Derivation("Toy")
>>> _ = d.given((z + 1) ** 2, "start")
>>> _ = d.equal(z**2 + 2 * z + 1, "expand the square")
>>> d.verify().result() == z**2 + 2 * z + 1
True
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

import sympy as sp
from sympy.codegen.cfunctions import log1p

from derivations import proof
from derivations.proof import ProofGap
from derivations.relations import (
    Apply,
    Bound,
    ByCases,
    Equal,
    Equivalent,
    From,
    Given,
    InCase,
    Limit,
    Relation,
    Shown,
    Substitution,
    UpdateRule,
)

Math = Any  # a SymPy expression, equation, inequality or boolean statement

#: the order signs a bound takes, as written in Python and in LaTeX, and their LaTeX
SIGNS = {"<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq", r"\le": r"\leq", r"\ge": r"\geq",
         r"\leq": r"\leq", r"\geq": r"\geq"}


class StepError(ValueError):
    """A step that SymPy could not prove; names the derivation, the step and both sides."""


@dataclass(frozen=True, eq=False)  # steps are told apart by identity: two may state the same
class Step:
    """One line: ``label  <relation sign>  expr``, with its justification.

    ``name`` names a result: on a chain's first step the chain's last line,
    on a later step that line itself.
    """

    expr: Math
    why: str
    relation: Relation
    label: Math = None
    name: str | None = None


def _no_free_text(label: Any) -> None:
    if isinstance(label, str):
        raise TypeError("label must be a SymPy expression that the checker proves equal to "
                        "the step (e.g. Derivative(sigma(z), z)), not text")


def _of(of: Any) -> Step | None:
    if of is not None and not isinstance(of, Step):
        raise TypeError("of= takes the Step returned by the builder method (e.g. "
                        "first = d.given(...); d.equal(..., of=first)), not a number")
    return of


def _renamed(kwargs: dict, **replacements: str) -> None:
    for old, new in replacements.items():
        if old in kwargs:
            raise TypeError(f"{old}= was removed: {new}")
    if kwargs:
        raise TypeError(f"unexpected keyword arguments {sorted(kwargs)}")


#: the only TeX commands allowed inside a justification's (or introduction's) $...$ math:
#: what the shipped derivations use and a few harmless symbols, each of which pdfLaTeX,
#: matplotlib's mathtext, MathML and MathJax all draw; nothing that defines, reads, writes
#: or re-catcodes (\\def, \\input, \\write, \\catcode, \\csname, ...)
MATH_COMMANDS = frozenset("""
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu
    xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma
    Upsilon Phi Psi Omega ell nabla partial infty
    frac sqrt log ln exp max min sum prod int lim sin cos tan sinh cosh tanh
    cdot times approx leq le geq ge neq ne ll gg to in notin mid pm mp prime
    leftarrow rightarrow Leftarrow Rightarrow Leftrightarrow ldots cdots
    mathrm operatorname mathbb mathbf tilde hat bar vert Vert left right quad qquad
""".split()) | frozenset(",;:! {}|_")


def text_problem(text: str) -> str | None:
    r"""Why ``text`` (prose with ``$...$`` math) may not go into TeX, Markdown or MathML.

    Inside math only :data:`MATH_COMMANDS` are allowed, and no ``^^`` (TeX's
    character codes), ``%`` or ``#``; None when it is fine.

    >>> text_problem(r"$\sigma' = \sigma(1-\sigma)$") is None
    True
    >>> print(text_problem(r"see $\input{/etc/passwd}$").split(", which")[0])
    its $...$ math uses \input
    """
    parts = text.split("$")
    for math in parts[1::2]:
        if "^^" in math or "%" in math or "#" in math:
            return ("its $...$ math contains ^^, % or #, which TeX reads as character codes, "
                    "comments or parameters")
        if any(ord(ch) < 32 for ch in math):
            return "its $...$ math contains a control character"
        for cmd in re.findall(r"\\([A-Za-z]+|.)", math):
            if cmd not in MATH_COMMANDS:
                return (f"its $...$ math uses \\{cmd}, which is not allowed (allowed: "
                        "Greek letters, \\frac, \\partial, \\log, \\sum, \\leq, \\operatorname, "
                        "... see derivations.core.MATH_COMMANDS)")
    return None


class Derivation:
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
            assumed = proof.condition_set(sym, {})
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
            expr = proof.fresh_indices(expr, avoid=free)  # a definition's free j: not a sum's
        for name, value in where:
            expr = (_define_indexed(expr, name, value) if isinstance(name, sp.Indexed)
                    else expr.subs(name, value))
        for fn, lam in self.functions.items():
            expr = _put_function(expr, fn, lam)
        expr = expr.replace(lambda e: isinstance(e, log1p), lambda e: sp.log(1 + e.args[0]))
        for node in expr.atoms(sp.Derivative):
            for var in node.variables:
                for kink in proof.kinks(node.expr, var):
                    if not all(proof.nonzero(kink.xreplace(inst)) for inst in
                               proof.instances(self.conditions, kink.free_symbols)):
                        raise ProofGap(f"it differentiates in {var} where {kink} = 0 is "
                                       "possible, a kink (|u|, max, sign have no derivative "
                                       "there); declare a condition that excludes it")
        ranges = proof.index_ranges(self.conditions, {})  # j <= K holds for j in 1..K
        if expr.has(sp.Sum):
            expr = proof.fresh_indices(expr)  # SymPy's doit confuses a reused index
            expr = proof.refine_ranges(expr.doit(deep=False), ranges)
            expr = proof.collapse_sums(proof.within_ranges(expr), ranges)
            return proof.canonical_sums(proof.refine_ranges(proof.within_ranges(expr).doit(),
                                                            ranges))
        return proof.refine_ranges(expr.doit(), ranges)

    def _fresh_definitions(self) -> tuple[tuple, frozenset]:
        """The definitions with every sum's index a fresh one (no sum of a definition can
        capture a symbol where it is put), and every symbol free in them or in the
        functions: a sum of the expanded expression must not use one as its index."""
        memo = self._cache.get("where")
        if memo is None or memo[0] is not self.where or memo[1] is not self.functions:
            where = tuple((n, proof.fresh_indices(v, always=True)) for n, v in self.where)
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

    # -- structure --------------------------------------------------------
    def chains(self) -> list[list[Step]]:
        """The steps grouped into chains, each starting with a premise."""
        out: list[list[Step]] = []
        for step in self._steps:
            if step.relation.starts_chain:
                out.append([])
            out[-1].append(step)
        return out

    def result_names(self) -> list[str]:
        return [s.name for s in self._steps if s.name is not None]

    def chain(self, name: str | None = None) -> list[Step]:
        """The steps that lead to the result ``name``: from its chain's premise to it.

        A name given to a chain's first step names the whole chain (its last
        line is the result); a name given to a later step names that line.
        With no name, the derivation must have a single chain.
        """
        chains = self.chains()
        if name is None:
            if len(chains) != 1:
                raise StepError(f"{self.title!r} has {len(chains)} chains; cite a result by "
                                f"name: {', '.join(self.result_names()) or '(none are named)'}")
            return chains[0]
        if not isinstance(name, str):
            raise TypeError(f"results are cited by name, not by {type(name).__name__}: "
                            f"{', '.join(self.result_names())}")
        for c in chains:
            for k, s in enumerate(c):
                if s.name == name:
                    return c if k == 0 else c[:k + 1]
        raise StepError(f"{self.title!r} has no result named {name!r}; it has "
                        f"{', '.join(self.result_names()) or 'no named results'}")

    def statement(self, name: str | None = None) -> tuple[Math, Math]:
        """``(subject, result)``: the result ``name`` and what it is equal to.

        The subject is the premise (or its label), carried along equalities and
        replaced by a step's own label; a limit, substitution or equivalence
        without a label changes the subject, and then there is no identity to cite.
        """
        chain = self.chain(name)
        if all(s.relation.premise for s in chain):
            raise StepError(f"{self.title!r}: {name or 'its chain'} is a premise only, "
                            "not a proven result")
        subject = self._subject(chain[-1])
        if subject is None and any(isinstance(s.relation, Bound) for s in self._path(chain[-1])):
            raise StepError(f"{self.title!r}: {name or 'its result'} is an inequality, not an "
                            "identity: cite it with bound(..., source=, result=, var=)")
        if subject is None:
            raise StepError(f"{self.title!r}: the chain of {name or 'its result'} changes what "
                            "it is about (a substitution or limit without a label)")
        return subject, chain[-1].expr

    def premises(self, name: str | None = None) -> tuple[sp.Basic, ...]:
        """What the result ``name`` holds under besides this derivation's own definitions
        and conditions, as statements: the values a substitution put in while its label
        kept the general subject (``with Σ_k y_k = 1``), and what every result the chain
        cites holds under. A step that cites the result shows them and carries them on.

        >>> from derivations.lecture.softmax import softmax_gradient
        >>> softmax_gradient().premises("net-input")
        (Eq(Sum(y[k], (k, 1, K)), 1),)
        """
        out: list[sp.Basic] = []
        for step in self.chain(name):
            for p in step.relation.premises(self, step):
                if p not in out:
                    out.append(p)
        return tuple(out)

    def _path(self, step: Step) -> list[Step]:
        """The steps from the chain's premise to ``step``, following what each cites."""
        path = []
        while step is not None:
            path.append(step)
            step = self.previous(step)
        return path[::-1]

    def inequality(self, name: str | None = None) -> tuple[Math, str, Math]:
        r"""``(subject, sign, bound)``: the inequality the chain ``name`` proved.

        Along the chain every step is ``=`` or an order step in one direction; the
        sign is strict when one of them is.

        >>> import derivations.lecture.stepsize as st
        >>> st.sigmoid_bound().inequality("at-most")
        (Derivative(sigma(z), z), '\\leq', 1/4)
        """
        self.verify()
        path = self._path(self.chain(name)[-1])
        bounds = [s.relation.sign for s in path[1:] if isinstance(s.relation, Bound)]
        if not bounds:
            raise StepError(f"{self.title!r}: {name or 'its chain'} proves no inequality")
        odd = [s for s in path[1:] if not isinstance(s.relation, (Bound, Equal, Apply, ByCases))]
        upward = {sign in ("<", r"\le", r"\leq") for sign in bounds}
        if odd or len(upward) != 1:
            raise StepError(f"{self.title!r}: {name or 'its chain'} mixes order steps of both "
                            "directions (or other relations): it proves no one inequality")
        strict = any(sign in ("<", ">") for sign in bounds)
        sign = ("<" if strict else r"\leq") if upward.pop() else (">" if strict else r"\geq")
        first = path[0]
        return (first.label if first.label is not None else first.expr), sign, path[-1].expr

    def key(self, name: str | None = None) -> tuple[Math, str, Math, list[Shown]]:
        r"""A proven result as ``(left, sign, right, relied_on)``, for a summary.

        An equivalence chain gives premise ⇔ result, an update rule parameter ←
        value, any other chain :meth:`statement`'s subject = result. ``relied_on``
        gathers the definitions and conditions every step of the chain was shown with.

        >>> import derivations
        >>> left, sign, right, _ = derivations.threshold().key()
        >>> left, sign, right
        (sigma(z) > 1/2, '\\Leftrightarrow', z > 0)
        """
        self.verify()
        chain = self.chain(name)
        last = chain[-1]
        if all(s.relation.premise for s in chain):
            raise StepError(f"{self.title!r}: {name or 'its chain'} is a premise only, "
                            "not a proven result")
        if isinstance(last.relation, UpdateRule):
            left, sign, right = last.label, last.relation.sign, last.expr
        elif len(chain) > 1 and all(isinstance(s.relation, Equivalent) for s in chain[1:]):
            left, sign, right = chain[0].expr, last.relation.sign, last.expr
        elif any(isinstance(s.relation, Bound) for s in self._path(last)):
            left, sign, right = self.inequality(name)
        else:
            (left, right), sign = self.statement(name), "="
        cited: list[Shown] = []  # what the steps cite (an identity, a gradient and its source)
        relied: dict[str, list] = {"where": [], "for": []}
        for step in chain:
            for item in self.shown(step):
                if item.word in relied:
                    relied[item.word] += [m for m in item.math if m not in relied[item.word]]
                elif (item.math or item.text) and item not in cited:
                    cited.append(item)
        return left, sign, right, [*cited, *(Shown(w, tuple(m)) for w, m in relied.items() if m)]

    def _subject(self, step: Step) -> Math:
        """What ``step`` is equal to: its label, or along equalities its source's subject."""
        if step.label is not None:
            return step.label
        prev = self.previous(step)
        if prev is None:
            return step.expr if step.relation.premise else None
        if isinstance(step.relation, (Equal, ByCases, Apply)):
            return self._subject(prev)
        return None

    def result(self, name: str | None = None) -> Math:
        """The proven expression named ``name`` (the last line of the only chain when None)."""
        self.verify()
        chain = self.chain(name)
        if all(s.relation.premise for s in chain):
            raise StepError(f"{self.title!r}: {name or 'its chain'} is a premise only, "
                            "not a proven result")
        return chain[-1].expr

    def number(self, step: Step) -> int:
        """The 1-based position of ``step``, as cited in outputs ("from (3)")."""
        for n, s in enumerate(self._steps, 1):
            if s is step:
                return n
        raise StepError(f"{self.title!r}: that step is not in this derivation")

    def previous(self, step: Step) -> Step | None:
        """The step that ``step`` follows from (None for a chain's first step)."""
        if step.relation.starts_chain:
            return None
        of = getattr(step.relation, "of", None)
        return of if of is not None else self._steps[self.number(step) - 2]

    # -- checking ---------------------------------------------------------
    def _fail(self, step: Step, prev: Step | None, why: str) -> StepError:
        from derivations.printing import tex
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
        self._no_lookalikes()
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

    def _content(self) -> list[Any]:
        """Every SymPy object this derivation shows or checks with: steps, labels, the
        relations' parameters, definitions, functions, conditions and cited statements."""
        parts: list[Any] = [e for s in self._steps for e in (s.expr, s.label)]
        parts += [e for pair in self.where for e in pair]
        for step in self._steps:
            rel = step.relation
            parts += [getattr(rel, f.name) for f in fields(rel)
                      if not isinstance(getattr(rel, f.name), (Derivation, Step))]
            names = getattr(rel, "results", None) or (getattr(rel, "result", None),)
            for source in rel.cited():
                for name in names:
                    try:  # what the step shows of it (the check proves the source)
                        if hasattr(rel, "results"):
                            path = source._path(source.chain(name)[-1])
                            parts += [path[0].expr, path[0].label, path[-1].expr]
                        else:
                            parts += source.statement(name)
                        parts += source.premises(name)
                    except StepError:
                        continue  # the check of the step says so
        used = [e for e in parts if isinstance(e, sp.Basic)]  # what is shown of the rest:
        parts += [(fn, lam) for fn, lam in self.functions.items()  # the functions and
                  if any(e.has(fn) for e in used)]                  # conditions used
        parts += [(s, c) for s, c in self.conditions.items() if any(e.has(s) for e in used)]
        return parts

    def _no_lookalikes(self) -> None:
        """StepError if two different symbols or functions look alike in some output (the
        same rendering up to spacing, braces, fonts and Unicode confusables), if one prints
        like a number or a constant it shows, or if a name prints TeX commands."""
        from derivations.printing import _INVISIBLE, NAME_COMMANDS, looks, tex
        seen: dict[str, Any] = {}
        constants: set = set()
        todo = list(self._content())
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
                            raise StepError(f"{self.title!r}, {self._where_shown(thing)}: the "
                                            f"name {str(thing)!r} prints the TeX command "
                                            f"\\{cmd}; rename it")
                key = looks(sp.Symbol(shown)) if isinstance(thing, sp.FunctionClass) \
                    else looks(thing)
                other = seen.setdefault(key, thing)
                if other != thing:
                    raise StepError(f"{self.title!r}, {self._where_shown(thing)}: "
                                    f"{_describe(thing)} and {_describe(other)} "
                                    f"({self._where_shown(other)}) are different but look "
                                    f"alike in the outputs ({shown}); rename one")
        for key, thing in seen.items():
            if isinstance(thing, sp.FunctionClass):
                continue
            alike = [c for c in constants if looks(c) == key]
            if re.fullmatch(r"[0-9.,/+-]+", _INVISIBLE.sub("", tex(thing))) or alike:
                what = f"the constant {alike[0]}" if alike else "a number"
                raise StepError(f"{self.title!r}, {self._where_shown(thing)}: "
                                f"{_describe(thing)} prints like {what}; rename it")

    def _where_shown(self, thing: Any) -> str:
        """Where ``thing`` first shows: ``step 3``, or the definitions or a citation."""
        for n, step in enumerate(self._steps, 1):
            if any(isinstance(e, sp.Basic) and e.has(thing) for e in (step.expr, step.label)):
                return f"step {n}"
        if any(e.has(thing) for pair in self.where for e in pair):
            return "its definitions (where=)"
        return "a cited result"

    def _adopt(self, fingerprint: str | None) -> None:
        """Take a proof made of this very content elsewhere (see :func:`verify_all`):
        only when ``fingerprint`` is this derivation's content hash."""
        if fingerprint is not None and fingerprint == self._fingerprint():
            self._proof = fingerprint

    @property
    def verified(self) -> bool:
        """True when verified and nothing it says or cites has changed since."""
        return self._proof is not None and self._proof == self._fingerprint()

    def _fingerprint(self) -> str:
        """A hash of everything this derivation says and cites (JSON of the parts: no two
        different lists of parts encode alike; SymPy objects by :func:`sympy_key`, with the
        assumptions of every symbol and function)."""
        parts: list[Any] = [self.title, self.name, self.intro, self._key(self.where),
                            sorted((self._key(k), self._key(v))
                                   for k, v in self.functions.items()),
                            sorted((self._key(k), self._key(v))
                                   for k, v in self.conditions.items())]
        for step in self._steps:
            kind = type(step.relation)
            parts += [self._key(step.expr), self._key(step.label), step.why, str(step.name),
                      f"{kind.__module__}.{kind.__qualname__}"]
            parts += [self._key(getattr(step.relation, f.name)) for f in fields(step.relation)]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def _key(self, value: Any) -> Any:
        """``value`` for :meth:`_fingerprint`, as JSON-able lists and strings."""
        if isinstance(value, Derivation):
            return ["derivation", value._fingerprint()]
        if isinstance(value, Step):
            return ["step", self.number(value)]
        if isinstance(value, (sp.Basic, sp.FunctionClass)):
            return ["sympy", _sympy_json(value)]
        if isinstance(value, (tuple, list)):
            return ["seq", [self._key(v) for v in value]]
        if isinstance(value, Mapping):
            return ["map", sorted((self._key(k), self._key(v)) for k, v in value.items())]
        return ["repr", repr(value)]

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
                found = {s for s in _shown_symbols(e) if isinstance(s, sp.Symbol)}
                if isinstance(e, sp.Eq) and any(e.lhs == n for n, _ in self.where):
                    found -= pattern
                syms |= found
        out = []
        for s in sorted(syms, key=str):
            if s in self.conditions:
                out.append(sp.Contains(s, self.conditions[s], evaluate=False))
            elif (said := _assumed(s)) is not None:
                out.append(said)
        applied = {f for e in exprs if isinstance(e, sp.Basic) and not isinstance(e, sp.Contains)
                   for f in e.atoms(sp.core.function.AppliedUndef)}
        for f in sorted(applied, key=str):  # a function's assumptions: f(x) > 0
            if f.func not in self.functions and (said := _assumed(f)) is not None:
                out.append(said)
        return out

    # -- rendering (see derivations.printing), always of the verified object --
    def latex(self) -> str:
        """The steps as ``align*`` environments, one per chain (verifies first)."""
        from derivations.printing import latex
        return latex(self.verify())

    def markdown(self) -> str:
        """Title, introduction and the steps in ``$$`` math with their notes (verifies first)."""
        from derivations.printing import markdown
        return markdown(self.verify())

    def lines(self) -> list[tuple[str, str]]:
        """One ``(mathtext, note)`` pair per step, for line-by-line engines (verifies first)."""
        from derivations.printing import note_text, step_line
        self.verify()
        return [(step_line(s), note_text(self, s)) for s in self._steps]

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


def sympy_key(e: Any, memo: dict | None = None) -> Any:
    """``e`` as nested JSON-able lists that tell apart whatever SymPy's checks tell apart:
    each node's class (module and name), every symbol's and function's name and
    assumptions (``srepr`` drops a function's), a dummy's identity, numbers exactly.

    >>> f, g = sp.Function("f"), sp.Function("f", positive=True)
    >>> x = sp.Symbol("x")
    >>> sp.srepr(f(x)) == sp.srepr(g(x)), sympy_key(f(x)) == sympy_key(g(x))
    (True, False)
    """
    memo = {} if memo is None else memo
    if id(e) in memo:
        return memo[id(e)]
    if isinstance(e, sp.core.function.UndefinedFunction):
        out: Any = ["function", e.__name__, sorted((k, v) for k, v in e._kwargs.items()
                                                  if v is not None)]
    elif isinstance(e, sp.FunctionClass):
        out = ["class", f"{e.__module__}.{e.__qualname__}"]
    elif isinstance(e, sp.Symbol):
        out = [type(e).__name__, e.name, sorted((k, v) for k, v in e.assumptions0.items()
                                                if v is not None)]
        if isinstance(e, sp.Dummy):
            out.append(e.dummy_index)
    elif isinstance(e, (sp.Number, sp.NumberSymbol)) or not isinstance(e, sp.Basic):
        out = ["atom", sp.srepr(e) if isinstance(e, sp.Basic) else repr(e)]
    else:
        head = sympy_key(e.func, memo) if isinstance(e, sp.core.function.AppliedUndef) \
            else f"{type(e).__module__}.{type(e).__qualname__}"
        out = [head, [sympy_key(a, memo) for a in e.args]]
    memo[id(e)] = out
    return out


@functools.lru_cache(maxsize=8192)
def _sympy_json(e: Any) -> str:
    """:func:`sympy_key` as JSON, remembered per SymPy object: an object is immutable, and
    two that SymPy holds equal have the same symbols, assumptions and structure (an edit
    to a derivation puts in another object, whose key is worked out afresh)."""
    return json.dumps(sympy_key(e))


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


def _shown_symbols(e: sp.Basic) -> set:
    """The free symbols of ``e``, with the indices of indexed symbols and the variables
    of derivatives (``dL/dz_j`` is about j), but not the index of a sum."""
    found = set(e.free_symbols)
    for node in e.atoms(sp.Derivative):
        for v in node.variables:
            found |= v.free_symbols
    bound = {v for s in e.atoms(sp.Sum, sp.Product) for v in s.variables}
    found |= {s for t in found if isinstance(t, sp.Indexed) for i in t.indices
              for s in i.free_symbols}
    return found - bound


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


def _assumed(sym: sp.Basic) -> sp.Basic | None:
    if sym.is_integer and sym.is_positive and not (sym.is_even or sym.is_odd):
        return sp.Contains(sym, sp.S.Naturals, evaluate=False)
    if sym.is_integer and sym.is_nonnegative and not (sym.is_even or sym.is_odd):
        return sp.Contains(sym, sp.S.Naturals0, evaluate=False)
    return proof.assumption_statement(sym)


# ------------------------------------------------------- many at once --
def _prove(make: Callable[[], Derivation]) -> str:
    return make().verify()._fingerprint()


def verify_all(makers: Sequence[Callable[[], Derivation]], workers: Any = None) -> None:
    """Verify the derivation each of ``makers`` returns; with ``workers`` (a
    ``concurrent.futures`` process pool), in parallel, the latest first (in this
    lecture, the longest).

    A worker builds the same derivation with the same code, runs the same
    :meth:`Derivation.verify` and sends back the proven content's hash; the
    derivation here adopts it only when its own content has that hash. Any that
    did not come back proven (a maker that cannot be pickled, a failed step) is
    verified here, so a failure raises as it always does.

    >>> d = Derivation("Toy"); _ = d.given(sp.Integer(1), "one")
    >>> verify_all([lambda: d]); d.verified
    True
    """
    todo = [m for m in makers if not m().verified]
    if workers is not None and len(todo) > 1:
        jobs = []
        try:
            for make in reversed(todo):
                try:
                    jobs.append((make, workers.submit(_prove, make)))
                except Exception:  # a broken pool: proven here below
                    break
            for make, job in jobs:
                try:
                    make()._adopt(job.result())
                except Exception:  # not sent (a local function), failed or lost: below
                    continue
        except BaseException:  # interrupted: what has not started never will
            for _, job in jobs:
                job.cancel()
            raise
    for make in todo:
        make().verify()
