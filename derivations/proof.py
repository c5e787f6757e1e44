"""What the checker proves with, as small named transformations.

Each function here is exact SymPy: no number is ever evidence for a step.

- :func:`zero` — is an expression identically zero (exact rewriting only)?
- :func:`condition_set` — the set a symbol ranges over (declared, or from its assumptions).
- :func:`parametrize` — every value of a set, as finitely many expressions in fresh
  symbols that carry exactly the set's assumptions: ``(0, 1)`` is ``p/(1+p)``, ``p > 0``.
- :func:`instances` — the substitutions that cover all declared conditions at once.
- :func:`undefined_where` — the expressions that must not vanish for an expression
  to be defined (denominators, logarithm arguments).
- :func:`kinks` — where a differentiated expression is not differentiable.
- :func:`solution_set` — the set where a statement holds (``And``/``Or``/``Not`` too).
- :func:`counterexample` — a point where two sides differ: numbers may disprove.

>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> zero(sp.exp(t) * sp.exp(-t) - 1)
True
>>> [str(e) for e in parametrize(t, sp.FiniteSet(0, 1))]
['0', '1']
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping

import sympy as sp
from sympy.logic.boolalg import Boolean, BooleanAtom

#: functions that SymPy differentiates without complaint but that have kinks or jumps
NON_SMOOTH = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min, sp.arg, sp.atan2, sp.DiracDelta)
#: functions whose derivative is not defined on whole intervals here
NOT_DIFFERENTIABLE = (sp.Piecewise, sp.floor, sp.ceiling, sp.frac, sp.Mod)


def _unknown_sequence(f: sp.Basic, i: sp.Symbol) -> bool:
    """True when ``f`` has a term of an unknown sequence in ``i`` (``y_i``, ``g(i)``)."""
    return any(i in e.free_symbols for e in f.atoms(sp.Indexed, sp.core.function.AppliedUndef))


def _quick_sums() -> None:
    """SymPy's symbolic summation (Gosper's algorithm, hypergeometric terms) spends seconds
    on a sum of an unknown sequence such as ``sum_k y_k a_k`` before it finds no closed
    form; such a sum has none, so it is left unevaluated at once. This only ever leaves
    a sum as it is (what SymPy would return after trying): it cannot prove anything."""
    from sympy.concrete import summations

    original = summations.eval_sum_symbolic
    if getattr(original, "_quick", False):
        return

    def eval_sum_symbolic(f: sp.Basic, limits: tuple) -> sp.Basic | None:
        if _unknown_sequence(f, limits[0]):
            return None
        return original(f, limits)

    eval_sum_symbolic._quick = True  # type: ignore[attr-defined]
    summations.eval_sum_symbolic = eval_sum_symbolic


def _quick_indexed() -> None:
    """Every ``x[i]`` SymPy builds works out its base's assumptions again (``real`` ⇒
    ``finite``, ...), the bulk of the time of a substitution in a sum of indexed terms;
    the facts of a set of assumptions are the same every time, so each is worked out once
    and copied. What an indexed symbol is assumed to be does not change."""
    import copy

    from sympy.core.assumptions import StdFactKB
    from sympy.tensor.indexed import IndexedBase

    if getattr(IndexedBase._set_assumptions, "_quick", False):
        return
    known: dict = {}

    def _set_assumptions(obj: sp.Basic, assumptions: dict) -> None:
        key = tuple(sorted(assumptions.items()))
        if key not in known:
            tmp = assumptions.copy()
            facts = dict(assumptions, commutative=fuzzy_bool(assumptions.get("commutative",
                                                                             True)))
            kb = StdFactKB(facts)
            kb._generator = tmp
            known[key] = kb
        obj._assumptions = copy.copy(known[key])

    from sympy.core.logic import fuzzy_bool
    _set_assumptions._quick = True  # type: ignore[attr-defined]
    IndexedBase._set_assumptions = staticmethod(_set_assumptions)


_quick_sums()
_quick_indexed()


class ProofGap(Exception):  # noqa: N818 - always turned into a StepError
    """SymPy could not carry out a step of a proof; the text says what is missing."""


# ---------------------------------------------------------------- sums --
def collapse_sums(expr: sp.Basic, ranges: Mapping | None = None) -> sp.Basic:
    """Each sum split into its terms, with the factors free of its index taken out,
    and every Kronecker delta in its index summed away (what the ``ranges`` of free
    indices decide, :func:`refine_ranges`, decided on the way).

    >>> i, j, n = sp.symbols("i j n", integer=True, positive=True)
    >>> x = sp.IndexedBase("x")
    >>> collapse_sums(sp.Sum(2 * sp.KroneckerDelta(i, j) * x[i], (i, 1, j + n)))
    2*x[j]
    """
    from sympy.concrete.delta import deltasummation

    def one(s: sp.Sum) -> sp.Basic:
        if len(s.limits) != 1:
            return s
        v, lo, hi = s.limits[0]
        out = sp.S.Zero
        body = refine_ranges(_on_range(s.function, v, lo, hi), ranges or {})
        if body.has(sp.Piecewise):
            body = sp.piecewise_fold(body)
        for term in sp.Add.make_args(sp.expand(body, power_exp=True, mul=True,
                                               log=False, multinomial=False)):
            inner = [f for f in sp.Mul.make_args(term) if f.has(v)]
            outer = [f for f in sp.Mul.make_args(term) if not f.has(v)]
            body = sp.Mul(*inner)
            total = refine_ranges(deltasummation(body, (v, lo, hi)), ranges or {}) \
                if body.has(sp.KroneckerDelta) else sp.Sum(body, (v, lo, hi))
            out += sp.Mul(*outer) * total
        return out

    before, expr = None, fresh_indices(expr)  # no inner sum reuses an outer sum's index
    while before != expr:
        before = expr
        expr = canonical_sums(_exp_of_sums(expr.replace(lambda e: isinstance(e, sp.Sum), one)))
    return expr


def _exp_of_sums(expr: sp.Basic) -> sp.Basic:
    """prod_l e^{u_l} as e^{sum_l u_l}, the one form of an exponential of a sum."""
    return expr.replace(lambda e: isinstance(e, sp.Product) and isinstance(e.function, sp.exp),
                        lambda e: sp.exp(sp.Sum(e.function.args[0], *e.limits)))


def _on_range(body: sp.Basic, v: sp.Symbol, lo: sp.Basic, hi: sp.Basic) -> sp.Basic:
    """``body`` with each condition on ``v`` that holds for every v in [lo, hi] made True.

    A condition that holds for all ``v >= lo``, or for all ``v <= hi``, holds on the range.
    """
    if (hi - lo + 1).is_nonnegative is not True:  # Karr's rule for hi < lo - 1: leave it
        return body
    t = _fresh("t", integer=True, nonnegative=True)
    sure = {r: sp.true for r in body.atoms(sp.core.relational.Relational)
            if r.has(v) and (r.xreplace({v: lo + t}) is sp.true
                             or r.xreplace({v: hi - t}) is sp.true)}
    return body.xreplace(sure) if sure else body


def within_ranges(expr: sp.Basic) -> sp.Basic:
    """Each sum's conditions on its own index that hold on its range made True.

    SymPy's derivative of a sum in ``y_k`` answers "-y_k/a_k if k <= K"; inside
    a sum over k = 1, ..., K that condition always holds.
    """
    def one(s: sp.Sum) -> sp.Sum:
        body = s.function
        for v, lo, hi in s.limits:
            body = _on_range(body, v, lo, hi)
        return sp.Sum(body, *s.limits)

    # every index fresh first, so that an inner sum's own v is not taken for the outer v
    return fresh_indices(expr).replace(lambda e: isinstance(e, sp.Sum), one)


def fresh_indices(expr: sp.Basic, always: bool = False,
                  avoid: frozenset = frozenset()) -> sp.Basic:
    """Every sum's index replaced by a fresh one, so that a definition put inside
    another sum (or a derivative in an indexed symbol) cannot capture its index: always,
    or when two sums share an index or a sum's index is free outside it or in ``avoid``."""
    def rename(e: sp.Basic) -> sp.Basic:  # bottom-up, each node rebuilt as it was
        if not e.args:
            return e
        args = [rename(a) for a in e.args]
        if isinstance(e, sp.Sum):
            new = [(_fresh(str(v), integer=True), lo, hi) for v, lo, hi in args[1:]]
            body = args[0].xreplace({old[0]: n[0] for old, n in zip(args[1:], new,
                                                                    strict=True)})
            return sp.Sum(body, *new)
        if all(a is b for a, b in zip(args, e.args, strict=True)):
            return e
        return e.func(*args)

    needed = expr.has(sp.Sum) if always else _reused_indices(expr, avoid)
    return rename(expr) if needed else expr


def _reused_indices(expr: sp.Basic, avoid: frozenset = frozenset()) -> bool:
    """True when two sums share an index letter (or a sum's index is also free outside, or
    in ``avoid``): only then can one capture the other's, and fresh names are needed."""
    sums = expr.atoms(sp.Sum) if isinstance(expr, sp.Basic) else set()
    letters = [v for s in sums for v in s.variables]
    return len(set(letters)) != len(letters) or bool(set(letters) & (expr.free_symbols
                                                                     | avoid))


@functools.cache
def _sum_index(height: int) -> sp.Dummy:
    """The one index of every sum holding ``height`` sums: a Dummy, so that no symbol a
    user writes (even one named ``_sum0``) can be captured by it."""
    return sp.Dummy(f"sum{height}", integer=True)


def canonical_sums(expr: sp.Basic) -> sp.Basic:
    """Every sum's index named by how many sums it holds, so that sum_i y_i and sum_k y_k
    are equal wherever they stand, and nested sums keep distinct names."""
    def rename(e: sp.Basic) -> tuple[sp.Basic, int]:  # (renamed, height)
        if not e.args:
            return e, 0
        parts = [rename(a) for a in e.args]
        height = max((h for _, h in parts), default=0)
        args = [a for a, _ in parts]
        if isinstance(e, sp.Sum) and len(e.limits) == 1:
            (v, lo, hi), = e.limits
            new = _sum_index(height)
            body = e.function
            renamed = rename(body)[0].xreplace({v: new})
            return sp.Sum(renamed, (new, rename(lo)[0], rename(hi)[0])), height + 1
        return (e.func(*args) if args != list(e.args) else e), height

    try:
        return rename(expr)[0]
    except (TypeError, ValueError):
        return expr


# ---------------------------------------------------------------- zero --
def zero(expr: sp.Expr, ranges: Mapping | None = None) -> bool:
    """True when ``expr`` is identically 0, by exact rewriting only.

    Sums over a symbolic range are first collapsed (:func:`collapse_sums`); with
    ``ranges`` (:func:`index_ranges`), what an index's range decides is decided.
    """
    expr = refine_ranges(sp.sympify(expr).doit(), ranges or {})
    if expr == 0:
        return True
    if expr.has(sp.Product):
        expr = peel_products(expr)
    if expr.has(sp.Sum):
        expr = refine_ranges(sp.piecewise_fold(collapse_sums(expr)).doit(), ranges or {})
        if expr == 0:
            return True
        # a sum of positive terms as a positive symbol: log(e^z / S) = z - log S
        sums = {s: _fresh("S", positive=True) for s in _outermost_sums(expr) if _positive(s)}
        if sums and zero(sp.expand_log(expr.xreplace(sums), force=False)):
            return True
    for rewrite in (sp.simplify, lambda e: sp.simplify(sp.expand_log(e, force=False)),
                    lambda e: sp.simplify(sp.logcombine(e)), sp.cancel,
                    lambda e: sp.simplify(sp.expand(sp.powsimp(e)))):
        try:
            if rewrite(expr) == 0:
                return True
        except (TypeError, NotImplementedError, sp.PolynomialError, RecursionError,
                StopIteration):  # StopIteration: SymPy's sum_simplify on some sums:
            continue
    return False


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

def peel_products(expr: sp.Basic) -> sp.Basic:
    """Each product up to ``b + k`` (``k`` a positive integer) written as the product up to
    ``b`` times its last ``k`` factors, where the shorter range is provably not reversed;
    then every product over the same range and index is one product.

    >>> l, D = sp.Symbol("l", integer=True), sp.Symbol("D", integer=True, positive=True)
    >>> w = sp.IndexedBase("w")
    >>> peel_products(sp.Product(w[l], (l, 1, D + 1)))
    w[D + 1]*Product(w[l], (l, 1, D))
    """
    def one(p: sp.Product) -> sp.Basic:
        if len(p.limits) != 1:
            return p
        v, lo, hi = p.limits[0]
        k = sp.expand(hi).as_coeff_Add()[0]
        base = hi - k
        if not (k.is_Integer and k > 0 and base.free_symbols
                and (base - lo + 1).is_nonnegative is True):
            return p
        last = sp.Mul(*(p.function.xreplace({v: base + m}) for m in range(1, int(k) + 1)))
        return sp.Product(p.function, (v, lo, base)) * last

    return sp.powsimp(expr.replace(lambda e: isinstance(e, sp.Product), one))


def nonzero(expr: sp.Expr) -> bool:
    """True when SymPy can show ``expr`` never vanishes (from assumptions alone)."""
    if expr.is_zero is False or _positive(expr):
        return True
    try:
        return sp.simplify(expr).is_zero is False
    except (TypeError, NotImplementedError, RecursionError):
        return False


def _outermost_sums(expr: sp.Basic, bound: frozenset = frozenset()) -> list[sp.Sum]:
    """The sums that use no index of a sum or product around them (constants there)."""
    found = []
    if isinstance(expr, sp.Sum) and not (expr.free_symbols & bound):
        found.append(expr)
    if isinstance(expr, (sp.Sum, sp.Product)):
        bound = bound | set(expr.variables)
    for a in expr.args:
        found += _outermost_sums(a, bound)
    return found


def _positive(expr: sp.Basic) -> bool:
    """A sum (over a nonempty range) or product of positive terms, e.g. sum_c e^{z_c}."""
    if isinstance(expr, (sp.Sum, sp.Product)):
        nonempty = all((hi - lo + 1).is_positive for _, lo, hi in expr.limits)
        return nonempty and (expr.function.is_positive is True or _positive(expr.function))
    if isinstance(expr, (sp.Mul, sp.Add)):
        return all(a.is_positive is True or _positive(a) for a in expr.args)
    if isinstance(expr, sp.Pow):
        return expr.exp.is_real is True and (expr.base.is_positive is True
                                             or _positive(expr.base))
    return False


# ---------------------------------------------------------------- signs --
#: what a bound's sign says about (this step) - (the earlier expression)
SIGNS = ("positive", "nonnegative", "negative", "nonpositive")


def has_sign(expr: sp.Expr, want: str) -> bool:
    """True when SymPy proves ``expr`` is ``want`` (one of :data:`SIGNS`) for every
    value its symbols' assumptions allow, by exact rewriting only.

    Besides SymPy's own assumptions it uses two exact transformations:
    :func:`signed_sums` (a sum of nonnegative terms is nonnegative) and
    :func:`exp_of_positive` (for p > 0, e^p = 1 + q with q > 0).

    >>> p = sp.Symbol("p", positive=True)
    >>> has_sign(1 - sp.exp(-p), "positive"), has_sign(sp.exp(-p) - 1, "positive")
    (True, False)
    """
    if want not in SIGNS:
        raise ValueError(f"want is one of {SIGNS}, not {want!r}")
    if _signed(expr, want):
        return True
    cases = abs_cases(expr)
    return bool(cases) and all(_signed(c, want) for c in cases)


def _signed(expr: sp.Expr, want: str) -> bool:
    expr = real_derivatives(expr)
    for form in (expr, exp_of_positive(expr)):
        for rewrite in _SIGN_FORMS:
            try:
                u = signed_sums(rewrite(form))
            except (TypeError, NotImplementedError, sp.PolynomialError, RecursionError,
                    ValueError):
                continue
            if getattr(u, f"is_{want}") is True:
                return True
    return False


_SIGN_FORMS = (lambda e: e, sp.factor, sp.simplify, lambda e: sp.factor(sp.simplify(e)),
               lambda e: sp.simplify(sp.together(e)))


def real_derivatives(expr: sp.Basic) -> sp.Basic:
    """Each derivative of an undefined real function (the gradient through unknown layers)
    as a fresh real symbol: a real differentiable function's derivative is some real number.

    >>> x = sp.Symbol("x", real=True)
    >>> real_derivatives(sp.Abs(sp.Derivative(sp.Function("f", real=True)(x), x))).is_nonnegative
    True
    """
    def opaque(e: sp.Basic) -> bool:
        return isinstance(e, sp.Derivative) and isinstance(e.expr, sp.core.function.AppliedUndef) \
            and e.expr.is_real is True

    if not isinstance(expr, sp.Basic):
        return expr
    # f'(0) and f'(1) hold the same Derivative inside two Subs: each Subs is its own value
    at = {e: _fresh("dfdx", real=True) for e in expr.atoms(sp.Subs) if opaque(e.expr)}
    expr = expr.xreplace(at) if at else expr
    found = {e: _fresh("dfdx", real=True) for e in expr.atoms(sp.Derivative) if opaque(e)}
    return expr.xreplace(found) if found else expr


def abs_cases(expr: sp.Expr) -> list[sp.Expr]:
    """``expr`` split where the argument of an ``|u|`` changes sign, when ``u`` depends on
    one symbol only: that symbol runs over each piece of its range (from ``solveset``),
    so that every |u| resolves. Empty when there is nothing to split.

    >>> p = sp.Symbol("p", positive=True)
    >>> abs_cases(sp.Abs((p - 1) / (p + 1)))  # doctest: +ELLIPSIS
    [0, ..., ...]
    """
    for node in sorted(expr.atoms(sp.Abs), key=sp.default_sort_key):
        arg, free = node.args[0], node.args[0].free_symbols
        if len(free) != 1 or arg.is_extended_real is not True:
            continue
        (p,) = free
        domain = condition_set(p, {}) if isinstance(p, sp.Symbol) else None
        if domain is None or arg.is_nonnegative or arg.is_nonpositive:
            continue
        try:
            pieces = [sp.solveset(arg >= 0, p, domain), sp.solveset(arg < 0, p, domain)]
            values = [v for piece in pieces if not piece.is_empty
                      for v in parametrize(p, piece)]
        except (ProofGap, NotImplementedError, ValueError, TypeError):
            continue
        out = [sp.simplify(expr.xreplace({p: value})) for value in values]
        if all(not c.has(sp.Abs) or c.atoms(sp.Abs) != expr.atoms(sp.Abs) for c in out):
            return out
    return []


def is_real(expr: sp.Basic) -> bool:
    """True when SymPy shows ``expr`` is a (finite) real number for every allowed value:
    an order step compares real numbers only.

    >>> x = sp.Symbol("x", real=True)
    >>> is_real(sp.exp(x) + 1), is_real(sp.log(-1 - x**2)), is_real(sp.I * x)
    (True, False, False)
    """
    e = signed_sums(real_derivatives(expr))
    if e.is_extended_real is True and e.is_finite is not False:
        return e.is_real is True or e.is_finite is True or _finite_real(e)
    return False


def _finite_real(e: sp.Basic) -> bool:
    """Real with no infinite part: every atom a finite real number."""
    return all(getattr(a, "is_real", None) is True for a in e.atoms(sp.Symbol, sp.Number,
                                                                      sp.Indexed))\
        and not e.has(sp.oo, -sp.oo, sp.zoo, sp.nan)


def signed_sums(expr: sp.Basic) -> sp.Basic:
    """Each sum whose every term is nonnegative (or positive, over a nonempty range)
    replaced by a fresh symbol with that sign, so that SymPy can reason about it.

    >>> i, n = sp.Symbol("i", integer=True), sp.Symbol("n", integer=True, positive=True)
    >>> u = sp.IndexedBase("u", real=True)
    >>> signed_sums(sp.Sum(u[i] ** 2, (i, 1, n))).is_nonnegative
    True
    """
    def one(e: sp.Sum) -> sp.Basic:
        term = signed_sums(e.function)
        # a reversed range (hi < lo - 1) is minus a sum (Karr): only a range of
        # length >= 0 keeps the term's sign
        lengths = [(hi - lo + 1) for _, lo, hi in e.limits]
        if not all(n.is_nonnegative is True for n in lengths):
            return e
        if term.is_positive and all(n.is_positive is True for n in lengths):
            return _fresh("S", positive=True)
        if term.is_nonnegative:
            return _fresh("S", nonnegative=True)
        if term.is_extended_real and term.is_finite:
            return _fresh("S", real=True)
        return e

    if not isinstance(expr, sp.Basic) or not expr.has(sp.Sum):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.Sum), one)


def exp_of_positive(expr: sp.Basic) -> sp.Basic:
    """``expr`` with e^{c + k p} written (1 + q)^k e^c for each positive symbol ``p`` that
    occurs only in exponents, linearly, with an integer ``k``: q > 0 ranges exactly over
    e^p - 1, so a sign proven for every q > 0 holds for every p > 0.

    >>> p = sp.Symbol("p", positive=True)
    >>> exp_of_positive(sp.exp(-5 - p))
    exp(-5)/(_q_p + 1)
    """
    if not isinstance(expr, sp.Basic):
        return expr
    expr = sp.powsimp(sp.expand_power_exp(expr))
    for p in sorted(expr.free_symbols, key=str):
        if not (isinstance(p, sp.Symbol) and p.is_nonnegative):
            continue
        # p > 0 gives q > 0; p >= 0 gives q >= 0 (e^0 = 1)
        q = _fresh(f"q_{p}", **({"positive": True} if p.is_positive else {"nonnegative": True}))
        ok = True

        def put(e: sp.exp, p: sp.Symbol = p, q: sp.Dummy = q) -> sp.Basic:
            nonlocal ok
            arg = sp.expand(e.args[0])
            k = arg.coeff(p)
            rest = arg - k * p
            if not (k.is_integer and k != 0) or rest.has(p):
                ok = False
                return e
            return (1 + q) ** k * sp.exp(rest)

        new = expr.replace(lambda e, p=p: isinstance(e, sp.exp) and e.has(p), put)
        if ok and not new.has(p):
            expr = new
    return expr


# ---------------------------------------------------------- conditions --
def condition_set(sym: sp.Symbol, declared: Mapping[sp.Basic, sp.Set]) -> sp.Set | None:
    """The set ``sym`` ranges over: its declared condition, else its assumptions.

    None for a symbol with no real assumption (it may be complex).
    """
    if sym in declared:
        return declared[sym]
    if sym.is_positive:
        return sp.Interval.open(0, sp.oo)
    if sym.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if sym.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if sym.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    if sym.is_integer:
        return sp.S.Integers
    if sym.is_real:
        return sp.S.Reals
    return None


def assumption_statement(sym: sp.Basic) -> sp.Basic | None:
    """What the assumptions of a symbol (or of an applied function, ``f(x)`` for
    ``Function("f", positive=True)``) say, as one statement to show (``eta > 0``,
    ``u \\neq 0``, ``n \\in 2\\mathbb{Z}``), or None for real or nothing.

    >>> assumption_statement(sp.Symbol("n", even=True))
    Contains(n, ImageSet(Lambda(_k, 2*_k), Integers))
    """
    if sym.is_even or sym.is_odd:
        k = sp.Dummy("k", integer=True)
        parity = sp.Contains(sym, sp.ImageSet(sp.Lambda(k, 2 * k + (1 if sym.is_odd else 0)),
                                              sp.S.Integers), evaluate=False)
        sign = assumption_statement(sp.Dummy(positive=sym.is_positive, negative=sym.is_negative,
                                             nonnegative=sym.is_nonnegative,
                                             nonpositive=sym.is_nonpositive, real=True))
        return parity if sign is None else sp.And(sign.func(sym, 0, evaluate=False), parity,
                                                  evaluate=False)
    if sym.is_positive:
        return sp.Gt(sym, 0, evaluate=False)
    if sym.is_negative:
        return sp.Lt(sym, 0, evaluate=False)
    if sym.is_nonnegative:
        return sp.Ge(sym, 0, evaluate=False)
    if sym.is_nonpositive:
        return sp.Le(sym, 0, evaluate=False)
    if sym.is_integer:
        return sp.Contains(sym, sp.S.Integers, evaluate=False)
    if sym.is_rational:
        return sp.Contains(sym, sp.S.Rationals, evaluate=False)
    if sym.is_zero is False and sym.is_nonzero:
        return sp.Ne(sym, 0, evaluate=False)
    return None  # real (the default of the lecture) or unconstrained


def _fresh(name: str, **assumptions: bool) -> sp.Dummy:
    return sp.Dummy(name, **assumptions)


def parametrize(sym: sp.Symbol, domain: sp.Set) -> list[sp.Expr]:
    """Expressions whose values, over their fresh symbols' assumptions, are exactly ``domain``.

    Finite sets give their elements; intervals give one expression each in a
    fresh positive (or nonnegative) symbol; unions give all of their parts.
    """
    name = "p_" + str(sym).replace("\\", "")
    if isinstance(domain, sp.FiniteSet):
        return list(domain)
    if domain == sp.S.Reals:
        return [_fresh(name, real=True)]
    if isinstance(domain, sp.Union):
        return [e for part in domain.args for e in parametrize(sym, part)]
    if isinstance(domain, sp.Interval):
        lo, hi = domain.start, domain.end
        ends = [v for v, open_ in ((lo, domain.left_open), (hi, domain.right_open))
                if not open_ and v.is_finite]
        p = _fresh(name, positive=True)
        if lo.is_infinite and hi.is_infinite:
            inner = [_fresh(name, real=True)]
        elif hi.is_infinite:
            inner = [lo + p]
        elif lo.is_infinite:
            inner = [hi - p]
        else:
            inner = [lo + (hi - lo) * p / (1 + p)]
        return [*ends, *inner]
    raise ProofGap(f"cannot enumerate {sym} in {domain}: use intervals, finite sets "
                   "or unions of them")


def instances(declared: Mapping[sp.Basic, sp.Set], symbols: Iterable[sp.Basic],
              split: Iterable[sp.Basic] | None = None) -> Iterator[dict]:
    """Substitutions covering every declared condition of ``symbols`` (one dict each).

    Indices declared in ``{1, ..., K}`` are put in order (:func:`index_cases`) when they
    are in ``split`` (default: all); the others stay symbols, and :func:`refine_ranges`
    decides what their range decides.

    >>> y = sp.Symbol("y", real=True)
    >>> [d[y] for d in instances({y: sp.FiniteSet(0, 1)}, [y])]
    [0, 1]
    """
    syms = [s for s in declared if s in set(symbols)]
    ranges: dict = {}  # K -> the indices j, k declared in {1, ..., K}
    for s in list(syms):
        end = _index_range(s, declared[s]) if isinstance(declared[s], sp.Range) else None
        if end is not None:
            syms.remove(s)
            if split is None or s in set(split):
                ranges.setdefault(end, []).append(s)
    choices = [parametrize(s, declared[s]) for s in syms]
    choices += [index_cases(end, idx) for end, idx in ranges.items()]
    for combo in itertools.product(*choices):
        out = dict(zip(syms, combo[:len(syms)], strict=True))
        for cases in combo[len(syms):]:
            out.update(cases)
        yield out


def index_ranges(declared: Mapping[sp.Basic, sp.Set], inst: Mapping) -> dict:
    """``{j: (1, K)}`` for every index declared in ``{1, ..., K}`` that ``inst`` leaves a
    symbol, with ``K`` as ``inst`` has it (``j + p``)."""
    out = {}
    for s, domain in declared.items():
        if isinstance(domain, sp.Range) and s not in inst:
            end = _index_range(s, domain)
            if end is not None:
                out[s] = (sp.S.One, sp.sympify(end).xreplace(dict(inst)))
    return out


def refine_ranges(expr: sp.Basic, ranges: Mapping) -> sp.Basic:
    """Each relation in ``expr`` (a Piecewise's ``j <= K``) that holds, or fails, for
    every index in its range made True (False): it does if it does for every ``j`` from
    the range's start up, or for every ``j`` up to its end.

    >>> j, K = sp.symbols("j K", integer=True, positive=True)
    >>> refine_ranges(sp.Piecewise((1, j <= K), (0, True)), {j: (1, K)})
    1
    """
    if not ranges or not isinstance(expr, sp.Basic):
        return expr
    t = _fresh("t", integer=True, nonnegative=True)
    sure: dict = {}
    for rel in expr.atoms(sp.core.relational.Relational):
        for i, (lo, hi) in ranges.items():
            if not rel.has(i):
                continue
            for value, truth in ((rel, sp.true), (rel.negated, sp.false)):
                if value.xreplace({i: lo + t}) is sp.true or \
                        value.xreplace({i: hi - t}) is sp.true:
                    sure[rel] = truth
                    break
    return expr.xreplace(sure) if sure else expr


def linked(expr: sp.Basic, indices: Iterable[sp.Basic]) -> set:
    """The ``indices`` that occur together with another of them in a Kronecker delta or a
    relation (``delta_jk``, ``j <= k``): only those need their order split into cases."""
    found: set = set()
    wanted = set(indices)
    for node in expr.atoms(sp.KroneckerDelta, sp.core.relational.Relational):
        here = node.free_symbols & wanted
        if len(here) > 1:
            found |= here
    return found


def index_cases(end: sp.Symbol, indices: list[sp.Symbol]) -> list[dict]:
    """Substitutions covering exactly ``1 <= i <= K`` for every index ``i`` of ``indices``
    (integers >= 1): one per order of the indices with ties (a weak order: 3 for j, k;
    13 for three), each index the one before it plus ``1 + q`` or equal to it, and ``K``
    the largest plus ``p`` (p, q fresh integers >= 0), so that every ``delta_jk`` and
    ``j <= K`` decide.

    >>> j, k, K = sp.symbols("j k K", integer=True, positive=True)
    >>> len(index_cases(K, [j, k])), index_cases(K, [j])
    (3, [{K: _p_j + j}])
    """
    def fresh(name: str) -> sp.Dummy:
        return _fresh(name, integer=True, nonnegative=True)

    out = []
    for blocks in _weak_orders(list(indices)):
        first = blocks[0][0]
        case: dict = {i: first for i in blocks[0][1:]}
        previous = first
        for block in blocks[1:]:
            rep = previous + 1 + fresh(f"q_{block[0]}")
            case.update({i: rep for i in block})
            previous = rep
        case[end] = previous + fresh(f"p_{first}")
        out.append(case)
    return out


def _weak_orders(items: list) -> list[list[list]]:
    """Every way to put ``items`` in order with ties: lists of blocks, smallest first."""
    if not items:
        return [[]]
    out = []
    n = len(items)
    for size in range(1, n + 1):
        for first in itertools.combinations(items, size):
            rest = [i for i in items if i not in first]
            out += [[list(first), *more] for more in _weak_orders(rest)]
    return out


def _index_range(sym: sp.Symbol, domain: sp.Range) -> sp.Symbol | None:
    """``K`` when ``domain`` is {1, ..., K} for a positive integer symbol ``K``, else None."""
    if domain.inf == 1 and domain.step == 1 and isinstance(domain.sup, sp.Symbol) \
            and domain.sup.is_integer and domain.sup.is_positive and sym.is_integer \
            and sym.is_positive:
        return domain.sup
    return None


def contained(value: sp.Expr, domain: sp.Set | None) -> bool:
    """True when SymPy proves ``value`` lies in ``domain`` (None: any value)."""
    if domain is None:
        return True
    if domain == sp.S.Reals:
        return value.is_real is True
    if domain == sp.S.Integers:
        return value.is_integer is True
    if isinstance(domain, sp.Interval):
        lo, hi = domain.start, domain.end
        checks = []
        if lo.is_finite:
            checks.append((value - lo).is_positive if domain.left_open
                          else (value - lo).is_nonnegative)
        if hi.is_finite:
            checks.append((hi - value).is_positive if domain.right_open
                          else (hi - value).is_nonnegative)
        return value.is_real is True and all(c is True for c in checks)
    if isinstance(domain, sp.Union):
        return any(contained(value, part) for part in domain.args)
    if isinstance(domain, sp.FiniteSet):
        return any(zero(value - v) for v in domain)
    return domain.contains(value) is sp.true


# ---------------------------------------------------------- definedness --
def undefined_where(expr: sp.Basic) -> list[sp.Expr]:
    """The expressions that must not be 0 for ``expr`` to be defined.

    Denominators, and for every function what SymPy's ``singularities`` says of it
    (``log u``, ``coth u``, ``csch u`` at u = 0, ``atanh u`` at u = ±1, ``tan u`` where
    ``cos u = 0``). A function SymPy knows no singularity of must be finite where its
    argument may be (``gamma(u)`` only for u > 0, say): else :class:`ProofGap`.

    >>> x = sp.Symbol("x", real=True)
    >>> undefined_where((x**2 - 1) / (x - 1)), undefined_where(sp.coth(x))
    ([x - 1], [x])
    """
    out: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.exp.is_negative:
            out.append(node.base)
        elif isinstance(node, sp.Function) and node.args and not isinstance(
                node, (sp.core.function.AppliedUndef, sp.Piecewise)):
            out += _poles(node)
    return list(dict.fromkeys(out))


def _poles(node: sp.Function) -> list[sp.Expr]:
    """What must not vanish for the function application ``node`` to be defined."""
    kind, data = _singularities(node.func) if len(node.args) == 1 else ("unknown", ())
    (arg, *_) = node.args
    if kind == "points":
        return [arg - point for point in data]
    if kind == "bases":
        t = data[0]
        return [base.xreplace({t: arg}) for base in data[1]]
    signs = tuple(_signs(a) for a in node.args)
    if not _finite(node.func, signs):
        raise ProofGap(f"SymPy cannot tell where {node.func.__name__} is undefined (it has "
                       f"no singularities for it), and it cannot show {node} finite: declare "
                       "conditions that keep its argument where it is (e.g. positive)")
    return []


_SIGNS = ("real", "positive", "negative", "nonnegative", "nonpositive", "nonzero", "integer")


def _signs(arg: sp.Basic) -> tuple[str, ...]:
    if arg.is_real is not True:
        return ()
    return (*(k for k in _SIGNS[1:] if getattr(arg, f"is_{k}") is True), "real")


@functools.cache
def _finite(func: type, signs: tuple[tuple[str, ...], ...]) -> bool:
    """True when SymPy says ``func`` is finite at every finite argument with these
    assumptions (an argument's own finiteness is its own nodes' matter)."""
    args = [sp.Dummy(finite=True, **dict.fromkeys(said, True)) for said in signs]
    try:
        return func(*args).is_finite is True
    except (TypeError, ValueError):
        return False


@functools.cache
def _singularities(func: type) -> tuple[str, tuple]:
    """How SymPy's ``singularities`` describes ``func(t)`` on the reals: ``("points",
    (0,))`` for isolated points, ``("bases", (t, (cos(t),)))`` for the zeros of
    denominators (tan), ``("none", ())`` or ``("unknown", ())`` when it finds none."""
    t = sp.Dummy("t", real=True)
    try:
        found = sp.singularities(func(t), t, sp.S.Reals)
    except (NotImplementedError, TypeError, ValueError):
        return ("unknown", ())
    if isinstance(found, sp.FiniteSet):
        return ("points", tuple(found)) if found else ("none", ())
    written = func(t).rewrite([sp.sec, sp.csc, sp.cot, sp.tan], sp.cos).rewrite(
        [sp.sech, sp.csch, sp.coth, sp.tanh], sp.cosh)
    bases = tuple(p.base for p in written.atoms(sp.Pow) if p.exp.is_negative)
    return ("bases", (t, bases)) if bases else ("unknown", ())


def kinks(expr: sp.Expr, var: sp.Basic) -> list[sp.Expr]:
    """Expressions that vanish where ``expr`` is not differentiable in ``var``.

    ``|u|``, ``sign(u)``, ``H(u)`` bend at ``u = 0``; ``max(u, v)`` at ``u = v``.
    Piecewise, floor and the like raise :class:`ProofGap`. For an indexed ``var``
    such as ``w_j``, a kink inside a sum over ``l`` of ``|w_l|`` is one at ``w_j``
    (``j`` is one of the ``l``): the sum's index is put equal to ``j``.

    >>> l, j, m = sp.symbols("l j m", integer=True, positive=True)
    >>> w = sp.IndexedBase("w", real=True)
    >>> kinks(sp.Sum(sp.Abs(w[l]), (l, 1, m)), w[j])
    [w[j]]
    """
    out: list[sp.Expr] = []
    if not expr.has(*NON_SMOOTH, *NOT_DIFFERENTIABLE):
        return out

    def touches(node: sp.Basic) -> bool:
        if node.has(var):
            return True
        return isinstance(var, sp.Indexed) and any(
            e.base == var.base for e in node.atoms(sp.Indexed))

    def at_var(u: sp.Expr, bound: tuple) -> sp.Expr:
        """``u`` in the term of the sums around it where their index meets ``var``'s."""
        if not isinstance(var, sp.Indexed) or not bound:
            return u
        put: dict = {}
        for e in u.atoms(sp.Indexed):
            if e.base != var.base or len(e.indices) != len(var.indices):
                continue
            for mine, want in zip(e.indices, var.indices, strict=True):
                if mine in bound and put.get(mine, want) == want:
                    put[mine] = want
                elif mine != want and mine.free_symbols & set(bound):
                    raise ProofGap(f"cannot tell where {u} = 0 in {var}: differentiate a "
                                   "simpler sum, or split it first")
        return u.xreplace(put)

    def walk(node: sp.Basic, bound: tuple) -> None:
        if not isinstance(node, sp.Basic) or not touches(node):
            return
        if isinstance(node, NOT_DIFFERENTIABLE):
            raise ProofGap(f"{node.func.__name__} is differentiated in {var}: "
                           "split the domain into pieces first")
        if isinstance(node, (sp.Max, sp.Min)):
            out.extend(at_var(u - v, bound) for u, v in itertools.combinations(node.args, 2))
        elif isinstance(node, NON_SMOOTH):  # |u|, sign, H, arg at u = 0; atan2(y, x) at y = 0
            out.append(at_var(node.args[0], bound))
        if isinstance(node, (sp.Sum, sp.Product)):
            bound = (*bound, *node.variables)
        for a in node.args:
            walk(a, bound)

    walk(expr, ())
    return out


# ------------------------------------------------------------ statements --
def is_statement(expr: sp.Basic) -> bool:
    """Relations and their combinations (``z > 0``, ``Eq(a, b)``, ``And``…), not bare values."""
    return isinstance(expr, (sp.core.relational.Relational, BooleanAtom)) or (
        isinstance(expr, Boolean) and not isinstance(expr, sp.Symbol))


def solution_set(statement: sp.Basic, var: sp.Symbol, domain: sp.Set) -> sp.Set:
    """Where ``statement`` holds for ``var`` in ``domain``; ProofGap if SymPy cannot tell."""
    if statement is sp.true:
        return domain
    if statement is sp.false:
        return sp.S.EmptySet
    if isinstance(statement, sp.And):
        return sp.Intersection(*(solution_set(s, var, domain) for s in statement.args))
    if isinstance(statement, sp.Or):
        return sp.Union(*(solution_set(s, var, domain) for s in statement.args))
    if isinstance(statement, sp.Not):
        return sp.Complement(domain, solution_set(statement.args[0], var, domain))
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
    if isinstance(statement, sp.And):
        return sp.Intersection(*(solve(a, var, domain) for a in statement.args))
    if isinstance(statement, sp.Or):
        return sp.Union(*(solve(a, var, domain) for a in statement.args))
    if isinstance(statement, sp.Not):
        return sp.Complement(domain, solve(statement.args[0], var, domain))
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


# ------------------------------------------------------------- refuting --
_PROBES = (0, 1, -1, 2, -2, sp.Rational(1, 2), -sp.Rational(1, 2), 3, sp.Rational(1, 3),
           sp.Rational(7, 10), -sp.Rational(13, 10), 5)


def sample_points(symbols: Iterable[sp.Symbol], declared: Mapping[sp.Basic, sp.Set],
                  limit: int = 60, special: Mapping | None = None) -> Iterator[dict]:
    """Exact points that respect every symbol's condition, for refuting only."""
    syms = sorted(set(symbols), key=str)
    options = []
    for s in syms:
        domain = condition_set(s, declared)
        probes = [*(special or {}).get(s, []), *_PROBES]
        values = [v for v in probes if contained(sp.S(v), domain)] if domain is not None \
            else probes
        if isinstance(domain, sp.FiniteSet):
            values = list(domain)
        options.append(values or [sp.S.Half])
    for n, combo in enumerate(itertools.product(*options)):
        if n >= limit:
            return
        yield dict(zip(syms, combo, strict=True))


def number(value: sp.Basic) -> complex | None:
    """``value`` as a finite complex number (30 digits of working precision), else None."""
    try:
        v = complex(sp.N(value, 30))
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None
    return v if math.isfinite(v.real) and math.isfinite(v.imag) else None


def special_values(first: sp.Basic, second: sp.Basic, params: Iterable[sp.Symbol],
                   limit: int = 6) -> dict:
    """Values of each parameter where a factor or term of the statements vanishes.

    ``(a - 7) x = 0`` gives ``{a: [7]}``: where solveset's division by ``a - 7`` fails.
    """
    out: dict = {}
    parts = [n for e in (first, second) for n in sp.preorder_traversal(e)
             if isinstance(n, (sp.Add, sp.Pow, sp.Mul))]
    for s in params:
        found: list = []
        for node in parts:
            if len(found) >= limit or not node.has(s) or node.count_ops() > 20:
                continue
            try:
                roots = sp.solveset(node, s, sp.S.Reals)
            except Exception:
                continue
            if isinstance(roots, sp.FiniteSet):
                found += [r for r in roots if r.is_number and r not in found]
        out[s] = found[:limit]
    return out


def counterexample(first: sp.Basic, second: sp.Basic, declared: Mapping[sp.Basic, sp.Set],
                   statements: bool = False, special: Mapping | None = None) -> dict | None:
    """A point (with both values) where the two sides differ, or None if none was found.

    Only ever used to refute: finding no counterexample proves nothing.
    """
    free = (first.free_symbols | second.free_symbols)
    free = {s for s in free if isinstance(s, sp.Symbol)}
    for point in sample_points(free, declared, special=special):
        try:
            u, v = first.xreplace(point), second.xreplace(point)
            if statements:
                u, v = sp.simplify(u), sp.simplify(v)
                if isinstance(u, BooleanAtom) and isinstance(v, BooleanAtom) and u != v:
                    return {"at": point, "before": u, "after": v}
                continue
            nu, nv = number(u.doit()), number(v.doit())
        except Exception:
            continue
        if nu is None or nv is None:
            continue
        if abs(nu - nv) > 1e-9 * max(1.0, abs(nu), abs(nv)):
            return {"at": point, "before": u, "after": v}
    return None
