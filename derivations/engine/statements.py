"""Where statements hold: solution sets, regions of a variable, and zero piece by piece.

- :func:`solution_set`, :func:`solve` — the set where a statement holds
  (``And``/``Or``/``Not`` too), compared with :func:`same_set`.
- :func:`regions` — a variable's range cut where some coefficients change sign.
- :func:`zero_by_pieces` — :func:`~derivations.engine.signs.zero` on each piece of a
  range split at the kinks' zeros (``max(t, 0)`` on ``t < 0``, ``t = 0``, ``t > 0``).

>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> solution_set(t**2 < 1, t, sp.S.Reals)
Interval.open(-1, 1)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

import sympy as sp
from sympy.logic.boolalg import Boolean, BooleanAtom

from derivations.engine.definedness import contained, undefined_where
from derivations.engine.domains import _fresh, condition_set, parametrize
from derivations.engine.signs import nonzero, zero
from derivations.engine.steps import ProofGap


def zero_by_pieces(expr: sp.Expr, ranges: Mapping | None = None, depth: int = 3) -> bool:
    """:func:`zero`, and where that fails on an expression with kinks (``|t|``,
    ``max(t, 0)``, ``sign``), :func:`zero` on each piece of a symbol's range between the
    kinks' zeros (``t < 0``, ``t = 0``, ``t > 0``: fresh symbols with exactly those
    assumptions, which decide the kinks), up to ``depth`` splits.

    >>> t = sp.Symbol("t", real=True)
    >>> zero_by_pieces(sp.log(1 + sp.exp(t)) - sp.Max(t, 0) - sp.log(1 + sp.exp(-sp.Abs(t))))
    True
    """
    if zero(expr, ranges):
        return True
    if depth == 0:
        return False
    for u in _kink_arguments(expr):
        try:
            pieces = _split_at_zeros(u)
        except ProofGap:
            continue
        if pieces == [{}]:
            continue
        return all(zero_by_pieces(expr.xreplace(p), ranges, depth - 1) for p in pieces)
    return False


def _kink_arguments(expr: sp.Basic) -> list[sp.Expr]:
    out = []
    for node in expr.atoms(sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min):
        if isinstance(node, (sp.Max, sp.Min)):
            out += [u - v for u, v in itertools.combinations(node.args, 2)]
        else:
            out.append(node.args[0])
    return [u for u in out if u.free_symbols and not u.has(sp.Sum, sp.Product)]


def is_statement(expr: sp.Basic) -> bool:
    """Relations and their combinations (``z > 0``, ``Eq(a, b)``, ``And``…), not bare values."""
    return isinstance(expr, (sp.core.relational.Relational, BooleanAtom)) or (
        isinstance(expr, Boolean) and not isinstance(expr, sp.Symbol))


def _connective(solve_one: Callable[[sp.Basic, sp.Symbol, sp.Set], sp.Set],
                statement: sp.Basic, var: sp.Symbol, domain: sp.Set) -> sp.Set | None:
    """And, Or, Not as the intersection, union, complement of their parts' sets, each
    found by ``solve_one``; None for any other statement."""
    if isinstance(statement, sp.And):
        return sp.Intersection(*(solve_one(a, var, domain) for a in statement.args))
    if isinstance(statement, sp.Or):
        return sp.Union(*(solve_one(a, var, domain) for a in statement.args))
    if isinstance(statement, sp.Not):
        return sp.Complement(domain, solve_one(statement.args[0], var, domain))
    return None


def solution_set(statement: sp.Basic, var: sp.Symbol, domain: sp.Set) -> sp.Set:
    """Where ``statement`` holds for ``var`` in ``domain``; ProofGap if SymPy cannot tell."""
    if statement is sp.true:
        return domain
    if statement is sp.false:
        return sp.S.EmptySet
    combined = _connective(solution_set, statement, var, domain)
    if combined is not None:
        return combined
    if isinstance(statement, sp.Contains):
        if statement.args[0] == var:
            return sp.Intersection(statement.args[1], domain)
    if not isinstance(statement, sp.core.relational.Relational):
        raise ProofGap(f"{statement} is not a statement SymPy can solve")
    try:
        found = sp.solveset(statement, var, domain)
    except (NotImplementedError, ValueError, TypeError) as exc:
        raise ProofGap(f"SymPy cannot solve {statement} for {var} ({exc})") from None
    if found.atoms(sp.ConditionSet) or isinstance(found, sp.ConditionSet):
        raise ProofGap(f"SymPy cannot solve {statement} for {var}")
    return found


#: functions that jump: a coefficient built with them may change sign without vanishing
_JUMPS = (sp.sign, sp.Heaviside, sp.floor, sp.ceiling, sp.frac, sp.Piecewise, sp.Mod,
          sp.KroneckerDelta, sp.DiracDelta)


def coefficients(statement: sp.Basic, var: sp.Symbol) -> list[sp.Expr]:
    """The parts of ``statement`` that do not depend on ``var`` but on other symbols: for
    each relation ``lhs - rhs = num/den``, the coefficients of ``num`` and ``den`` as
    polynomials in the atoms that hold ``var`` (``e^{-z}``, ``z``), and whatever is
    inside those atoms (the ``c`` of ``e^{c z}``).

    >>> z, k = sp.symbols("z k", real=True)
    >>> coefficients((k**2 - 2*k + 2) * z > 0, z)
    [k**2 - 2*k + 2]
    """
    out: list[sp.Expr] = []
    rels = [statement] if isinstance(statement, sp.core.relational.Relational) else \
        list(statement.atoms(sp.core.relational.Relational))
    for rel in rels:
        num, den = sp.fraction(sp.together(rel.lhs - rel.rhs))
        for part in (sp.expand(num), sp.expand(den)):
            if not part.has(var):
                out.append(part)
                continue
            try:  # a constant term is never divided by: only the other coefficients
                gens = [g for g in sp.Poly(part).gens if g.has(var)]
                out += [c for m, c in sp.Poly(part, *gens).terms() if any(m)]
            except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError):
                gens = [part]
            for g in gens:
                out += [n for n in _var_free(g, var)]
    return [c for c in dict.fromkeys(out) if c.free_symbols - {var}]


def _var_free(e: sp.Basic, var: sp.Symbol) -> list[sp.Expr]:
    """The largest parts of ``e`` without ``var`` (but with other symbols)."""
    if not e.has(var):
        return [e] if e.free_symbols else []
    return [p for a in e.args for p in _var_free(a, var)]


def regions(statements: list[sp.Basic], var: sp.Symbol, limit: int = 64) -> list[dict]:
    """Substitutions that together cover every value of the symbols other than ``var``,
    such that in each every :func:`coefficients` of the statements is either provably
    nonzero or never vanishes: each is split exactly at its zeros (``solveset`` of the
    coefficient for one of its symbols), never at sampled values.

    >>> z, c = sp.symbols("z c", real=True)
    >>> [r[c] for r in regions([sp.Eq(c * z, c)], z)][0]
    0
    """
    out: list[dict] = [{}]
    for c in [c for s in statements for c in coefficients(s, var)]:
        later: list[dict] = []
        for region in out:
            here = c.xreplace(region)
            if not (here.free_symbols - {var}) or nonzero(here):
                later.append(region)
                continue
            for piece in _split_at_zeros(here):
                later.append({**{k: v.xreplace(piece) for k, v in region.items()}, **piece})
        out = later
        if len(out) > limit:
            raise ProofGap(f"the parameters split into more than {limit} cases; declare "
                           "conditions that fix their signs")
    return out


def _split_at_zeros(c: sp.Expr) -> list[dict]:
    """Values of one symbol of ``c`` that cover its range, split at the zeros and poles
    of ``c``: each root itself and the open intervals between them."""
    for s in sorted(c.free_symbols, key=str):
        domain = condition_set(s, {})
        if domain is None:
            raise ProofGap(f"{s} may be complex: declare it real")
        num, den = sp.fraction(sp.together(c))
        try:
            roots = sp.Union(sp.solveset(num, s, sp.S.Reals), sp.solveset(den, s, sp.S.Reals))
        except (NotImplementedError, ValueError, TypeError):
            continue
        if isinstance(roots, sp.FiniteSet) and all(r.is_number for r in roots):
            roots = sp.FiniteSet(*(r for r in roots if contained(r, domain)))
        if roots == sp.S.EmptySet:
            return [{}]
        if not isinstance(roots, sp.FiniteSet):
            continue
        if not isinstance(domain, (sp.Interval, sp.Union)) and domain != sp.S.Reals:
            continue  # integers: the sign may change between them
        if all(r.is_number for r in roots):
            pieces = [r for r in roots if contained(r, domain)]
            rest = sp.Complement(domain, roots)
            pieces += parametrize(s, rest) if rest != sp.S.EmptySet else []
            return [{s: v} for v in pieces]
        if len(roots) == 1 and domain == sp.S.Reals:
            (r,) = roots
            q = _fresh(f"q_{s}", positive=True)
            return [{s: r - q}, {s: r}, {s: r + q}]
    raise ProofGap(f"{c} may vanish, and SymPy cannot tell exactly where: declare a "
                   f"condition that keeps it away from 0 (or fixes its sign)")


def solve(statement: sp.Basic, var: sp.Symbol, domain: sp.Set) -> sp.Set:
    """:func:`solution_set`, and when SymPy cannot solve a relation with parameters:
    ``num/den ⋈ 0`` with its denominator's sign taken out, each coefficient SymPy cannot
    sign (though it never vanishes in this region, see :func:`regions`) replaced by a
    fresh symbol of its sign (a stronger statement, proven for every value of it); and
    if that fails too, by where it changes truth (:func:`_by_boundary`)."""
    combined = _connective(solve, statement, var, domain)
    if combined is not None:
        return combined
    try:
        return solution_set(statement, var, domain)
    except ProofGap:
        if not (statement.free_symbols - {var}) or \
                not isinstance(statement, sp.core.relational.Relational):
            raise
    simpler = _normalised(statement, var)
    try:
        return solution_set(simpler, var, domain)
    except ProofGap:
        return _by_boundary(simpler, var, domain)


def _by_boundary(rel: sp.Basic, var: sp.Symbol, domain: sp.Set) -> sp.Set:
    """Where ``f ⋈ 0`` holds for a real, continuous ``f``: the points where ``f`` vanishes
    or is undefined (SymPy solves the equations) cut the line into open intervals on which
    ``f`` keeps its sign; that sign is SymPy's, at a point inside each."""
    from sympy.core.relational import Relational
    if not isinstance(rel, Relational) or rel.rhs != 0 or rel.lhs.has(*_JUMPS):
        raise ProofGap(f"SymPy cannot solve {rel} for {var}")
    f = rel.lhs
    t = _fresh("t", real=True)
    if f.xreplace({var: t}).is_real is not True:
        raise ProofGap(f"SymPy cannot solve {rel} for {var} (nor show {f} real)")
    cuts: set = set()
    for e in [f, *undefined_where(f)]:
        found = sp.solveset(sp.numer(sp.together(e)), var, sp.S.Reals)
        if not isinstance(found, sp.FiniteSet):
            raise ProofGap(f"SymPy cannot solve {rel} for {var}")
        cuts |= set(found)
    if len(cuts) > 1 and not all(c.is_number for c in cuts):
        raise ProofGap(f"SymPy cannot solve {rel} for {var} (cannot order {sorted(cuts, key=str)})")
    points = sorted(cuts, key=lambda c: sp.N(c, 30)) if len(cuts) > 1 else list(cuts)
    bounds = [-sp.oo, *points, sp.oo]
    holds = sp.S.EmptySet
    for lo, hi in itertools.pairwise(bounds):
        inside = (lo + hi) / 2 if lo.is_finite and hi.is_finite else \
            (hi - 1 if lo == -sp.oo and hi != sp.oo else lo + 1 if hi == sp.oo and lo != -sp.oo
             else sp.S.Zero)
        truth = _truth(rel.func, f.xreplace({var: inside}))
        if truth:
            holds = sp.Union(holds, sp.Interval.open(lo, hi))
    for c in points:
        if undefined_where(f) and any(zero(u.xreplace({var: c})) for u in undefined_where(f)):
            continue
        if _truth(rel.func, f.xreplace({var: c})):
            holds = sp.Union(holds, sp.FiniteSet(c))
    return sp.Intersection(holds, domain)


def _truth(kind: type, value: sp.Expr) -> bool:
    """Whether ``value ⋈ 0`` (``kind`` the relation), as SymPy decides it from the signs
    of ``value`` in a few exact forms; ProofGap if none of them tells."""
    for form in (value, sp.simplify(value), sp.factor(sp.simplify(value))):
        said = kind(form, 0)
        if isinstance(said, BooleanAtom):
            return bool(said)
    raise ProofGap(f"SymPy cannot tell whether {kind(value, 0)}")


def _normalised(statement: sp.Basic, var: sp.Symbol) -> sp.Basic:
    signs: dict = {}

    def signed(c: sp.Expr) -> sp.Expr:
        if not (c.free_symbols - {var}) or c.is_positive or c.is_negative:
            return c
        if c.has(*_JUMPS) or _split_at_zeros(c) != [{}]:  # it must never vanish here
            raise ProofGap(f"SymPy cannot tell the sign of {c}")
        sample = {s: -1 if s.is_negative or s.is_nonpositive else 1 for s in c.free_symbols}
        at = c.xreplace(sample)
        positive = at.is_positive
        if positive is None or at.is_zero is not False:
            raise ProofGap(f"SymPy cannot tell the sign of {c}")
        key = sp.expand(c)
        if key not in signs:
            signs[key] = _fresh("C", positive=True) * (1 if positive else -1)
        return signs[key]

    def one(rel: sp.Basic) -> sp.Basic:
        num, den = sp.fraction(sp.together(rel.lhs - rel.rhs))
        num, den = (_recoefficient(sp.expand(p), var, signed) for p in (num, den))
        if den.is_positive or den.is_negative:
            flip = den.is_negative and not isinstance(rel, (sp.Eq, sp.Ne))
            return rel.reversed.func(num, 0) if flip else rel.func(num, 0)
        return rel.func(num / den, 0)

    return statement.replace(lambda e: isinstance(e, sp.core.relational.Relational), one)


def _recoefficient(part: sp.Expr, var: sp.Symbol, signed) -> sp.Expr:
    if not part.has(var):
        return part
    try:
        gens = [g for g in sp.Poly(part).gens if g.has(var)]
        poly = sp.Poly(part, *gens)
    except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError):
        return part
    return sp.Add(*((signed(c) if any(m) else c)  # a constant term needs no sign
                    * sp.Mul(*(g**n for g, n in zip(gens, m, strict=True)))
                    for m, c in poly.terms()))


def same_set(first: sp.Set, second: sp.Set) -> bool:
    """True when SymPy proves the two sets equal."""
    if first == second:
        return True
    if isinstance(first, sp.Interval) and isinstance(second, sp.Interval):
        return (first.left_open, first.right_open) == (second.left_open, second.right_open) \
            and all(u == v or (u.is_finite and v.is_finite and zero(u - v))
                    for u, v in ((first.start, second.start), (first.end, second.end)))
    try:
        return (sp.Complement(first, second) == sp.S.EmptySet
                and sp.Complement(second, first) == sp.S.EmptySet)
    except (TypeError, NotImplementedError):
        return False
