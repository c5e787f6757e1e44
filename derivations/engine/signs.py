"""Is an expression identically zero, nonzero, or of a sign? Exact rewriting only.

- :func:`zero` — identically 0, by exact rewriting (sums collapsed first).
- :func:`nonzero`, :func:`has_sign` — never 0, or positive/nonnegative/... for every
  allowed value, from the assumptions of its symbols.
- :func:`abs_cases`, :func:`signed_sums`, :func:`exp_of_positive`,
  :func:`real_derivatives`, :func:`peel_products` — the rewritings that make SymPy see it.

No number is ever evidence here.

>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> zero(sp.exp(t) * sp.exp(-t) - 1), has_sign(sp.exp(t) + 1, "positive")
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from derivations.engine.domains import _fresh, condition_set, parametrize, refine_ranges
from derivations.engine.steps import ProofGap
from derivations.engine.sums import collapse_sums


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
