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

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping

import sympy as sp
from sympy.logic.boolalg import Boolean, BooleanAtom

#: functions that SymPy differentiates without complaint but that have kinks or jumps
NON_SMOOTH = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min, sp.arg, sp.atan2)
#: functions whose derivative is not defined on whole intervals here
NOT_DIFFERENTIABLE = (sp.Piecewise, sp.floor, sp.ceiling, sp.frac)


class ProofGap(Exception):  # noqa: N818 - always turned into a StepError
    """SymPy could not carry out a step of a proof; the text says what is missing."""


# ---------------------------------------------------------------- sums --
def collapse_sums(expr: sp.Basic) -> sp.Basic:
    """Each sum split into its terms, with the factors free of its index taken out,
    and every Kronecker delta in its index summed away.

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
        body = sp.piecewise_fold(_on_range(s.function, v, lo, hi))
        for term in sp.Add.make_args(sp.expand(body, power_exp=True, mul=True,
                                               log=False, multinomial=False)):
            inner = [f for f in sp.Mul.make_args(term) if f.has(v)]
            outer = [f for f in sp.Mul.make_args(term) if not f.has(v)]
            body = sp.Mul(*inner)
            total = deltasummation(body, (v, lo, hi)) if body.has(sp.KroneckerDelta) \
                else sp.Sum(body, (v, lo, hi))
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


def fresh_indices(expr: sp.Basic, always: bool = False) -> sp.Basic:
    """Every sum's index replaced by a fresh one, so that a definition put inside
    another sum (or a derivative in an indexed symbol) cannot capture its index."""
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

    needed = expr.has(sp.Sum) if always else _reused_indices(expr)
    return rename(expr) if needed else expr


def _reused_indices(expr: sp.Basic) -> bool:
    """True when two sums share an index letter (or a sum's index is also free outside):
    only then can one capture the other's, and fresh names are needed."""
    sums = expr.atoms(sp.Sum) if isinstance(expr, sp.Basic) else set()
    letters = [v for s in sums for v in s.variables]
    return len(set(letters)) != len(letters) or bool(set(letters) & expr.free_symbols)


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
            new = sp.Symbol(f"_sum{height}", integer=True)
            body = e.function
            renamed = rename(body)[0].xreplace({v: new})
            return sp.Sum(renamed, (new, rename(lo)[0], rename(hi)[0])), height + 1
        return (e.func(*args) if args != list(e.args) else e), height

    try:
        return rename(expr)[0]
    except (TypeError, ValueError):
        return expr


# ---------------------------------------------------------------- zero --
def zero(expr: sp.Expr) -> bool:
    """True when ``expr`` is identically 0, by exact rewriting only.

    Sums over a symbolic range are first collapsed (:func:`collapse_sums`).
    """
    expr = sp.sympify(expr).doit()
    if expr == 0:
        return True
    if expr.has(sp.Product):
        expr = peel_products(expr)
    if expr.has(sp.Sum):
        expr = sp.piecewise_fold(collapse_sums(expr)).doit()
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

    found = {e: _fresh("dfdx", real=True) for e in expr.atoms(sp.Derivative) if opaque(e)} \
        if isinstance(expr, sp.Basic) else {}
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
        nonempty = all((hi - lo + 1).is_positive for _, lo, hi in e.limits)
        if term.is_positive and nonempty:
            return _fresh("S", positive=True)
        if term.is_nonnegative:
            return _fresh("S", nonnegative=True)
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
        if not (isinstance(p, sp.Symbol) and p.is_positive):
            continue
        q = _fresh(f"q_{p}", positive=True)
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


def assumption_statement(sym: sp.Symbol) -> sp.Basic | None:
    """What a symbol's assumptions say, as a statement to show (``eta > 0``), or None."""
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


def instances(declared: Mapping[sp.Basic, sp.Set],
              symbols: Iterable[sp.Basic]) -> Iterator[dict]:
    """Substitutions covering every declared condition of ``symbols`` (one dict each).

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
            ranges.setdefault(end, []).append(s)
    choices = [parametrize(s, declared[s]) for s in syms]
    choices += [index_cases(end, idx) for end, idx in ranges.items()]
    for combo in itertools.product(*choices):
        out = dict(zip(syms, combo[:len(syms)], strict=True))
        for cases in combo[len(syms):]:
            out.update(cases)
        yield out


def index_cases(end: sp.Symbol, indices: list[sp.Symbol]) -> list[dict]:
    """Substitutions covering exactly 1 <= j (, k) <= K for integers j, k >= 1.

    One index: ``K = j + p``. Two: ``k = j``, ``j > k`` or ``j < k``, each with
    ``K`` their larger plus ``p`` (p, q fresh integers >= 0), so that ``delta_jk``
    and every ``j <= K`` decide. A third index over the same range stays any
    integer >= 1 (a weaker assumption: what is proven still holds).
    """
    def fresh(name: str) -> sp.Dummy:
        return _fresh(name, integer=True, nonnegative=True)

    j = indices[0]
    p = fresh(f"p_{j}")
    if len(indices) == 1:
        return [{end: j + p}]
    k, q = indices[1], fresh(f"q_{j}{indices[1]}")
    return [{k: j, end: j + p},
            {j: k + 1 + q, end: k + 1 + q + p},
            {k: j + 1 + q, end: j + 1 + q + p}]


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

    >>> x = sp.Symbol("x", real=True)
    >>> undefined_where((x**2 - 1) / (x - 1))
    [x - 1]
    """
    out: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.exp.is_negative:
            out.append(node.base)
        elif isinstance(node, sp.log):
            out.append(node.args[0])
        elif isinstance(node, (sp.tan, sp.sec)):
            out.append(sp.cos(node.args[0]))
        elif isinstance(node, (sp.cot, sp.csc)):
            out.append(sp.sin(node.args[0]))
    return list(dict.fromkeys(out))


def kinks(expr: sp.Expr, var: sp.Symbol) -> list[sp.Expr]:
    """Expressions that vanish where ``expr`` is not differentiable in ``var``.

    ``|u|``, ``sign(u)``, ``H(u)`` bend at ``u = 0``; ``max(u, v)`` at ``u = v``.
    Piecewise, floor and the like raise :class:`ProofGap`.
    """
    out: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Basic) or not node.has(var):
            continue
        if isinstance(node, NOT_DIFFERENTIABLE):
            raise ProofGap(f"{node.func.__name__} is differentiated in {var}: "
                           "split the domain into pieces first")
        if isinstance(node, (sp.Max, sp.Min)):
            out += [u - v for u, v in itertools.combinations(node.args, 2)]
        elif isinstance(node, NON_SMOOTH):  # |u|, sign, H, arg at u = 0; atan2(y, x) at y = 0
            out.append(node.args[0])
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


def same_set(first: sp.Set, second: sp.Set) -> bool:
    """True when SymPy proves the two sets equal."""
    if first == second:
        return True
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
