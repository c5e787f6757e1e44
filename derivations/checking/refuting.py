r"""Numbers that refute a wrong step, and a hint why: in the symbols the student wrote.

A counterexample is a point that respects the conditions where the two sides
differ; every value it uses is shown. A definition the student's lines do not
look through (``z`` when only ``z`` is written, ``a`` when ``a`` and ``y`` are)
stays a variable, within its range (``a`` in (0, 1)); others are put in, and
their values are shown as derived. Sums over the K classes are refuted at
small K, every index and indexed value shown. A hint (a sign, a missing or
extra factor, a dropped term, a reversed inequality) is given only when it is
proven and is written in the student's own symbols.
"""

from __future__ import annotations

import itertools
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.logic.boolalg import BooleanAtom

from derivations.checking.report import Counterexample
from derivations.engine import (
    Derivation,
    Equal,
    Equivalent,
    ProofGap,
    counterexamples,
    definedness,
    domains,
    statements,
    tex,
)
from derivations.lecture.symbols import a, sigma, x_j, y, z

#: factors a student commonly drops or adds, in the lecture's notation
FACTORS = (x_j, a * (1 - a), a, 1 - a, sigma(z) * (1 - sigma(z)), sigma(z), 1 - sigma(z),
           sp.exp(-z), sp.exp(z), 1 + sp.exp(-z), (1 + sp.exp(-z)) ** 2, y, 1 - y, a - y,
           sp.Integer(2))
#: an inequality turned around, its sides kept
FLIP = {sp.StrictLessThan: sp.StrictGreaterThan, sp.StrictGreaterThan: sp.StrictLessThan,
        sp.LessThan: sp.GreaterThan, sp.GreaterThan: sp.LessThan}
_VALUES = (sp.Rational(3, 10), sp.Rational(-7, 10), sp.Rational(11, 10), sp.Rational(1, 5),
           sp.Rational(-3, 2))


class _Line:
    """A stand-in for a Step where a relation only reads ``expr``."""

    def __init__(self, expr: sp.Basic) -> None:
        self.expr = expr


def close(u: complex, v: complex) -> bool:
    return abs(u - v) <= 1e-9 * max(1.0, abs(u), abs(v))


def holds(u: complex, v: complex, relation: str) -> bool:
    if relation == "=":
        return close(u, v)
    if abs(u.imag) > 1e-12 or abs(v.imag) > 1e-12:
        return False
    tol = 1e-9 * max(1.0, abs(u), abs(v))
    return {"<": v.real - u.real > tol, ">": u.real - v.real > tol,
            r"\le": v.real - u.real > -tol, r"\ge": u.real - v.real > -tol}[relation]


def holds_infinite(left: sp.Basic, right: sp.Basic, relation: str) -> bool:
    """True when ``left relation right`` holds for these exact values (one may be ±∞)."""
    test = {"=": sp.Eq, "<": sp.Lt, ">": sp.Gt, r"\le": sp.Le, r"\ge": sp.Ge}[relation]
    return test(left, right) is sp.true


def written(*exprs: sp.Basic) -> set:
    """The symbols (and indexed symbols) the student wrote, derivatives' variables too."""
    out: set = set()
    for e in exprs:
        out |= {s for s in e.free_symbols if isinstance(s, (sp.Symbol, sp.Indexed))}
        for node in e.atoms(sp.Derivative):
            out |= {v for v in node.variables if isinstance(v, (sp.Symbol, sp.Indexed))}
    return out - labels(*exprs)


def labels(*exprs: sp.Basic) -> set:
    """The names of indexed symbols (``a`` of ``a_k``), which are no values."""
    return {i.base.label for e in exprs for i in e.atoms(sp.Indexed)}


def value_at(expr: sp.Basic, point: dict) -> complex | None:
    """``expr``'s value at a point (indices first, then sums done, then indexed values)."""
    try:
        plain = {k: v for k, v in point.items() if not isinstance(k, sp.Indexed)}
        cells = {k: v for k, v in point.items() if isinstance(k, sp.Indexed)}
        out = sp.S(expr.xreplace(plain)).doit()
        return counterexamples.number(sp.S(out.xreplace(cells)).doit() if cells else out)
    except (TypeError, ValueError, RecursionError, NotImplementedError, AttributeError,
            ZeroDivisionError):
        return None


def _range(value: sp.Basic, d: Derivation) -> sp.Set | None:
    """The values a definition takes, when it is plainly known: σ(·) in (0, 1), an
    expression linear in an unbounded real symbol everywhere; else None."""
    value = sp.sympify(value)
    if isinstance(value, AppliedUndef) and value.func in d.functions and \
            d.functions[value.func] == d.functions.get(sigma):
        return sp.Interval.open(0, 1)
    for s in value.free_symbols:
        if isinstance(s, sp.Symbol) and s not in d.conditions and s.is_real and \
                s.is_positive is None and s.is_negative is None and \
                value.is_polynomial(s) and sp.degree(value, s) == 1 and \
                not sp.diff(value, s).free_symbols:
            return sp.S.Reals
    return None


def _student_view(d: Derivation, seen: set) -> tuple[Derivation, set]:
    """The context with the definitions of written names that nothing else written
    depends on dropped (each kept within its range): (context, those names)."""
    values = {n: sp.sympify(v) for n, v in d.where if isinstance(n, sp.Symbol)}

    def deps(name: sp.Symbol, seen_: frozenset = frozenset()) -> set:
        out = set(values[name].free_symbols)
        for other in values[name].free_symbols & values.keys() - seen_:
            out |= deps(other, seen_ | {name})
        return out

    free, conditions = set(), dict(d.conditions)
    for name, value in values.items():
        if name in seen and not deps(name) & (seen - {name}):
            domain = _range(value, d)
            if domain is not None:
                free.add(name)
                if domain != sp.S.Reals:
                    conditions[name] = domain
    if not free:
        return d, free
    return Derivation(d.title, name=d.name, where=[(n, v) for n, v in d.where if n not in free],
                      functions=d.functions, conditions=conditions), free


def index_points(exprs: list[sp.Basic], fixed: Any = None, count: int = 2) -> list[dict]:
    """Points for expressions with sums over K classes: K = 3, each index a class
    (the case respected), each indexed value a plain number, labels one-hot."""
    syms = {s for e in exprs for s in e.free_symbols if isinstance(s, sp.Symbol)}
    ends = [s for s in syms if s.is_integer and str(s) == "K"]
    indices = sorted((s for s in syms if s.is_integer and s not in ends), key=str)
    one_hot = fixed is not None and any(k.has(sp.Indexed) for k, _ in fixed.given)
    out = []
    for shift in range(count):
        point = {e: sp.Integer(3) for e in ends}
        for n, s in enumerate(indices):
            point[s] = sp.Integer((n + shift) % 3 + 1)
        if fixed is not None and isinstance(fixed.case, sp.Ne):
            k, j = fixed.case.args
            if point.get(k) is not None and point.get(k) == point.get(j):
                point[k] = sp.Integer(point[k] % 3 + 1)
        cells = sorted({c for e in exprs for c in sp.S(e.xreplace(point)).doit()
                        .atoms(sp.Indexed)}, key=str)
        for n, cell in enumerate(cells):
            if one_hot and str(cell.base) == "y":
                point[cell] = sp.Integer(int(cell.indices[0] == (shift + 1) % 3 + 1))
            else:
                point[cell] = _VALUES[(n + shift) % len(_VALUES)]
        out.append(point)
    return out


def refute(d: Derivation, prev: sp.Basic, cur: sp.Basic, relation: str,
           fixed: Any = None) -> Counterexample | None:
    """A point where the step fails, shown in the student's symbols, else None."""
    if relation == r"\iff" or statements.is_statement(prev) or statements.is_statement(cur):
        found = counterexamples.counterexample(d.expand(prev), d.expand(cur), d.conditions,
                                               statements=True)
        if found is None:
            return None
        return Counterexample(tuple(found["at"].items()), (), found["before"], found["after"])
    seen = written(prev, cur)
    view, _ = _student_view(d, seen)
    values = fixed.values() if fixed is not None else {}
    sides = []
    for e in (prev, cur):
        e = fixed.put(e) if fixed is not None else e
        out = view.expand(e)
        sides.append(out.xreplace(values) if values else out)
    left, right = sides
    if (left.is_number and right.is_number and left.is_extended_real and
            right.is_extended_real and (left.is_infinite or right.is_infinite)):
        return None if holds_infinite(left, right, relation) else \
            Counterexample((), (), left, right)
    if left.has(sp.Sum, sp.Indexed) or right.has(sp.Sum, sp.Indexed):
        return _refute_indexed(left, right, relation, view, fixed)
    free_syms = {s for s in left.free_symbols | right.free_symbols if isinstance(s, sp.Symbol)}
    for point in counterexamples.sample_points(free_syms, view.conditions, limit=80):
        u, v = _values(left, right, point)
        if u is None or v is None:
            continue  # undefined, or not real there: no evidence either way
        if not holds(u, v, relation):
            derived = []
            for name, _ in view.where:
                if name in seen and isinstance(name, sp.Symbol):
                    value = counterexamples.number(view.expand(name).xreplace(point))
                    if value is not None:
                        derived.append((name, sp.Float(value.real, 15)))
            order = sorted(point.items(), key=lambda kv: (kv[0] not in seen, str(kv[0])))
            return Counterexample(tuple(order), tuple(derived), sp.Float(u.real, 30),
                                  sp.Float(v.real, 30))
    return None


def _values(left: sp.Basic, right: sp.Basic, point: dict) -> tuple:
    u = counterexamples.number(sp.S(left.xreplace(point)).doit())
    v = counterexamples.number(sp.S(right.xreplace(point)).doit())
    if u is None or v is None or abs(u.imag) > 1e-12 or abs(v.imag) > 1e-12:
        return None, None
    return u, v


def _refute_indexed(left: sp.Basic, right: sp.Basic, relation: str, d: Derivation,
                    fixed: Any) -> Counterexample | None:
    """Sums over K classes refuted at K = 2 and 3, each index and value shown."""
    ends = sorted({s for s in left.free_symbols | right.free_symbols
                   if isinstance(s, sp.Symbol) and s.is_integer and str(s) == "K"}, key=str)
    indices = sorted({s for s in left.free_symbols | right.free_symbols
                      if isinstance(s, sp.Symbol) and s.is_integer and s not in ends}, key=str)
    one_hot = fixed is not None and any(k.has(sp.Indexed) for k, _ in fixed.given)
    tries = 0
    for size in (3, 2):
        for combo in itertools.product(range(1, size + 1), repeat=len(indices)):
            point = {**dict.fromkeys(ends, sp.Integer(size)),
                     **{s: sp.Integer(v) for s, v in zip(indices, combo, strict=True)}}
            if fixed is not None and isinstance(fixed.case, sp.Ne) and \
                    point.get(fixed.case.args[0]) == point.get(fixed.case.args[1]):
                continue
            tries += 1
            if tries > 12:
                return None
            lft, rgt = (sp.S(e.xreplace(point)).doit() for e in (left, right))
            cells = sorted(lft.atoms(sp.Indexed) | rgt.atoms(sp.Indexed), key=str)
            hot = (sum(combo) + tries) % size + 1  # the true class is j at some points only
            values = {}
            for n, cell in enumerate(cells):
                if one_hot and str(cell.base) == "y":
                    values[cell] = sp.Integer(int(cell.indices[0] == hot))
                else:
                    values[cell] = _VALUES[(n + tries) % len(_VALUES)]
            others = {s for s in lft.free_symbols | rgt.free_symbols
                      if isinstance(s, sp.Symbol)} - labels(lft, rgt)
            rest = next(counterexamples.sample_points(others, d.conditions, limit=1), {})
            u, v = _values(lft, rgt, {**values, **rest})
            if u is not None and v is not None and not holds(u, v, relation):
                at = (*point.items(), *rest.items(), *values.items())
                return Counterexample(tuple(at), (), sp.Float(u.real, 30),
                                      sp.Float(v.real, 30))
    return None


def wrong(d: Derivation, prev: sp.Basic, cur: sp.Basic, relation: str,
          var: sp.Symbol | None, found: Counterexample) -> dict:
    out = {"status": "wrong", "reason": "the two lines differ" if relation == "=" else
           f"the relation {relation} does not hold", "counterexample": found}
    try:
        out["hint"] = hint(d, prev, cur, relation, var)
    except (ProofGap, TypeError, ValueError, NotImplementedError, ZeroDivisionError,
            AttributeError):
        out["hint"] = ""
    return out


def _generic(symbols: set, d: Derivation) -> list[dict]:
    """Two points with unremarkable values, for a quick look before a proof."""
    values = (sp.Rational(3, 7), sp.Rational(-5, 11), sp.Rational(2, 9), sp.Rational(7, 5))
    out = []
    for shift in (0, 1):
        point = {}
        for k, s in enumerate(sorted(symbols, key=str)):
            domain = domains.condition_set(s, d.conditions)
            options = [v for v in values[shift:] + values[:shift]
                       if definedness.contained(v, domain)] if domain is not None else list(values)
            if isinstance(domain, sp.FiniteSet):
                options = list(domain)
            point[s] = (options or [sp.S.Half])[(k + shift) % len(options or [0])]
        out.append(point)
    return out


def proven_equal(ctx: Derivation, u: sp.Basic, v: sp.Basic) -> bool:
    try:
        Equal().check(ctx, _Line(u), _Line(v))
        return True
    except (ProofGap, TypeError, ValueError, NotImplementedError):
        return False


def hint(d: Derivation, prev: sp.Basic, cur: sp.Basic, relation: str,
         var: sp.Symbol | None) -> str:
    """Why a wrong step is wrong, when a simple reason is proven: a factor, a term, a
    reversed inequality; never in symbols the student did not write."""
    if relation == r"\iff":
        turned = FLIP.get(type(cur))
        if turned is not None and var is not None:
            try:
                Equivalent(var=var).check(d, _Line(prev), _Line(turned(*cur.args,
                                                                       evaluate=False)))
                return ("the inequality points the wrong way: multiplying by a negative "
                        "number, or taking reciprocals of positive numbers, reverses it")
            except (ProofGap, TypeError, ValueError, NotImplementedError):
                return ""
        return ""
    if relation != "=":
        return ""
    seen = written(prev, cur)
    left, right = d.expand(prev), d.expand(cur)
    if left.has(sp.Indexed, sp.Sum) or right.has(sp.Indexed, sp.Sum):
        points = index_points([left, right], count=2)
    else:
        free = {s for s in left.free_symbols | right.free_symbols
                if isinstance(s, sp.Symbol)}
        points = _generic(free, d)

    def at(e: sp.Basic, p: dict) -> complex | None:
        return value_at(e, p)

    lv, rv = [at(left, p) for p in points], [at(right, p) for p in points]
    if any(v is None for v in (*lv, *rv)):
        return ""
    # a factor: the new line is F times the old one, or the old one F times the new
    for f in (sp.S.NegativeOne, *FACTORS, *[-g for g in FACTORS]):
        if not f.free_symbols <= seen:
            continue  # a factor in symbols the student did not write
        fx = d.expand(f)
        fv = [at(fx, p) for p in points]
        if any(v is None or v == 0 for v in fv):
            continue
        if all(close(r, fa * lft) for r, fa, lft in zip(rv, fv, lv, strict=True)) and \
                proven_equal(d, cur, sp.Mul(f, prev)):
            return _factor_text(f, "extra", prev)
        if all(close(lft, fa * r) for r, fa, lft in zip(rv, fv, lv, strict=True)) and \
                proven_equal(d, prev, sp.Mul(f, cur)):
            return _factor_text(f, "missing", prev)
    # a term: dropped, its sign flipped, or one too many
    for term in sp.Add.make_args(prev) if isinstance(prev, sp.Add) else ():
        tv = [at(d.expand(term), p) for p in points]
        if any(v is None for v in tv):
            continue
        for times in (1, 2):  # dropped, or its sign flipped
            if all(close(r, lft - times * t) for r, lft, t in zip(rv, lv, tv, strict=True)) \
                    and proven_equal(d, cur, prev - times * term):
                return (f"the term ${tex(term)}$ was dropped" if times == 1 else
                        f"the sign of the term ${tex(term)}$ flipped")
    for term in sp.Add.make_args(cur) if isinstance(cur, sp.Add) else ():
        tv = [at(d.expand(term), p) for p in points]
        if all(t is not None and close(r - t, lft) for r, lft, t in
               zip(rv, lv, tv, strict=True)) and proven_equal(d, prev, cur - term):
            return f"the term ${tex(term)}$ is extra"
    if prev.has(sp.Derivative, sp.Limit, sp.Subs) or cur.has(sp.Derivative, sp.Limit, sp.Subs):
        return ""
    ratio = sp.simplify(cur / prev)  # in the student's symbols, definitions not put in
    if ratio.count_ops() <= 6 and ratio.is_number is not True and \
            ratio.free_symbols <= seen and proven_equal(d, cur, ratio * prev):
        return f"this line is ${tex(ratio)}$ times the one before"
    return ""


def _factor_text(f: sp.Basic, kind: str, prev: sp.Basic) -> str:
    if f == -1:
        text = "a sign error: this line is the negative of the one before"
        inner = [n.expr for n in prev.atoms(sp.Derivative) if n.expr.has(sp.exp)]
        if inner:  # the derivative of e^{-z}, as SymPy computes it
            e = sp.exp(-z)
            text += (" (check the derivatives' signs: the quotient rule's minus, and the "
                     f"inner derivative: the derivative of ${tex(e)}$ is "
                     f"${tex(sp.diff(e, z))}$)")
        return text
    if f.could_extract_minus_sign():
        return f"a sign error and {'an' if kind == 'extra' else 'a'} {kind} factor " \
               f"${tex(-f)}$"
    return f"{'an' if kind == 'extra' else 'a'} {kind} factor ${tex(f)}$"


__all__ = ["BooleanAtom", "hint", "holds", "refute", "wrong"]
