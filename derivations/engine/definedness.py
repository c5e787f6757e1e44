"""Where an expression is defined and differentiable.

- :func:`contained` — does SymPy prove a value lies in a set?
- :func:`undefined_where` — the expressions that must not vanish for an expression to be
  defined (denominators, logarithm arguments).
- :func:`kinks` — where a differentiated expression is not differentiable (``|u|``,
  ``max``, ``sign`` at ``u = 0``).

>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> undefined_where(1 / (t - 1))
[t - 1]
"""

from __future__ import annotations

import functools
import itertools

import sympy as sp

from derivations.engine.signs import zero
from derivations.engine.steps import ProofGap

#: functions that SymPy differentiates without complaint but that have kinks or jumps
NON_SMOOTH = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min, sp.arg, sp.atan2, sp.DiracDelta)
#: functions whose derivative is not defined on whole intervals here
NOT_DIFFERENTIABLE = (sp.Piecewise, sp.floor, sp.ceiling, sp.frac, sp.Mod)


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
