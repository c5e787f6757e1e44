"""Which proven results become the trainer's kernels, and how they are printed (SymPy).

The trainer never imports SymPy: :mod:`logreg.kernels` runs the functions in
``logreg/_kernels.py``, which is this module's printout of the proven forms, and a
test checks the file is exactly what :func:`generate` prints now. Each kernel is
``sympy.lambdify``'s own source for the proven expression, with its global names
qualified (``exp`` -> ``np.exp``, ``math.exp``; ``reduce`` -> ``functools.reduce``).

After editing a derivation, rewrite the file (the tests say so when it is stale)::

    python -m logreg.kernelspec

Until then ``logreg.kernels`` notices the change (the file records a hash of the
derivation modules the kernels come from) and prints the kernels again itself, once,
into a cache file (see :func:`logreg.kernels.cache_dir`).

>>> print(kernels()["sigmoid"].source().splitlines()[0])
def sigmoid(z):
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp

from derivations.lecture.curvature import PENALTY
from derivations.lecture.curvature import l2_penalty as l2_penalty_derivation
from derivations.lecture.softmax import (
    A,
    M,
    Y,
    j,
    k,
    shift_invariance,
    softmax_gradient,
    softmax_hessian,
    stable_log_softmax,
)
from derivations.lecture.stable import stable_curvature, stable_delta, stable_loss, stable_sigmoid
from derivations.lecture.stepsize import G, L_s, descent_lemma, eta_, smoothness, softmax_smoothness
from derivations.lecture.symbols import lam, w_j, y, z
from logreg.provenance import GENERATED, source_stamp


@dataclass(frozen=True)
class Kernel:
    """One kernel: its name, argument names, the proven expression(s) and the target
    (``"numpy"`` for arrays, ``"math"`` for Python floats); ``proven`` says where."""

    name: str
    args: tuple[sp.Symbol, ...]
    expr: sp.Expr | tuple[sp.Expr, ...]
    proven: str
    target: str = "numpy"

    def compile(self) -> Callable:
        """``lambdify`` the expression (a tuple gives one function returning a list,
        with common subexpressions computed once)."""
        body = [e.doit() for e in self.expr] if isinstance(self.expr, tuple) \
            else self.expr.doit()
        # the module object itself for NumPy: lambdify reads np.__dict__ and prints the
        # plain names (exp, minimum), which source() qualifies
        modules = [np] if self.target == "numpy" else "math"
        return sp.lambdify(self.args, body, modules=modules, cse=True)

    def source(self) -> str:
        """The lambdified function's source, named ``self.name``, with qualified names."""
        fn = self.compile()
        tree = ast.parse(inspect.getsource(fn))
        func = tree.body[0]
        assert isinstance(func, ast.FunctionDef)
        func.name = self.name
        func.body.insert(0, ast.Expr(ast.Constant(f"{self.proven}")))
        namespace = fn.__globals__
        local = {a.arg for a in func.args.args} | {
            t.id for node in ast.walk(func) if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}

        class Qualify(ast.NodeTransformer):
            def visit_Name(self, node: ast.Name) -> ast.AST:
                if node.id in local or not isinstance(node.ctx, ast.Load):
                    return node
                return ast.copy_location(_qualified(node.id, namespace), node)

        return ast.unparse(ast.fix_missing_locations(Qualify().visit(tree))) + "\n"


def _qualified(name: str, namespace: dict) -> ast.expr:
    """``np.name``, ``math.name``, ``functools.reduce`` or a builtin, for a global name
    of a lambdified function (an unknown name is an error, not a guess)."""
    obj = namespace.get(name, getattr(builtins, name, None))
    for module, alias in ((np, "np"), (math, "math"), (functools, "functools")):
        if obj is not None and getattr(module, name, None) is obj:
            return ast.Attribute(ast.Name(alias, ast.Load()), name, ast.Load())
    if obj is getattr(builtins, name, None) and obj is not None:
        return ast.Name(name, ast.Load())
    raise RuntimeError(f"lambdify printed the name {name!r}, which is neither NumPy's, "
                       "math's, functools' nor a builtin")


def _plain(*names: str) -> tuple[sp.Symbol, ...]:
    """Real symbols with Python-safe names (lambdify would rename ``lambda`` to a Dummy,
    whose name changes from run to run)."""
    return tuple(sp.Symbol(n, real=True) for n in names)


# ----------------------------------------------------------------- softmax sums --
# Rows of Z hold the net inputs z_1, ..., z_K of one example. Each proven formula sums
# over the classes; split_sum cuts it into the sum's term (computed elementwise) and
# the rest (computed from the row sum S), so NumPy sums along rows.
S_ = sp.Symbol("S", positive=True)
T_ = sp.Symbol("T", real=True)


def split_sum(expr: sp.Expr, index: sp.Symbol) -> tuple[sp.Expr, sp.Expr | None]:
    """``(outer, term)``: ``expr`` at class ``index`` with its one sum replaced by ``S``,
    and the sum's term; indexed symbols become plain (``z[k]`` -> ``z``).

    >>> from derivations.lecture.softmax import stable_log_softmax, k
    >>> split_sum(stable_log_softmax().result("log-softmax"), k)
    (-M + z - log(S), exp(-M + z))
    """
    outer, terms = split_sums(expr, index, (S_,))
    return outer, (terms[0] if terms else None)


def split_sums(expr: sp.Expr, index: sp.Symbol, names: tuple[sp.Symbol, ...]
               ) -> tuple[sp.Expr, list[sp.Expr]]:
    """``expr`` with its sums replaced by ``names`` (in the order of their ``str``), and
    the sums' terms, each with its indexed symbols made plain (``y[c] z[c]`` -> ``y z``)."""
    sums = sorted(expr.atoms(sp.Sum), key=str)
    if len(sums) > len(names):
        raise ValueError(f"{expr} has {len(sums)} sums over the classes, "
                         f"names for {len(names)}")

    def plain(e: sp.Expr, i: sp.Symbol) -> sp.Expr:
        return e.xreplace({t: sp.Symbol(str(t.base), real=True) for t in e.atoms(sp.Indexed)
                           if t.indices == (i,)})

    outer = plain(expr.xreplace(dict(zip(sums, names, strict=False))), index)
    return outer, [plain(t.function, t.limits[0][0]) for t in sums]


def _softmax_kernels() -> list[Kernel]:
    z_, y_, a_, a_j, a_k, d_jk = _plain("z", "y", "a", "a_j", "a_k", "delta")
    # log a_k = z_k - M - log S with S = sum_c e^{z_c - M} (stable_log_softmax, M = max z)
    log_softmax, term = split_sum(stable_log_softmax().result("log-softmax"), k)
    # a_k = e^{z_k - M} / S (shift invariance, with -M for M): its numerator is the term
    soft, same_term = split_sum(shift_invariance().chain()[0].expr.xreplace({M: -M}), k)
    if same_term != term or sp.simplify(soft - term / S_) != 0:
        raise RuntimeError("softmax is no longer the sum's term over the row sum")
    # L = M + log S - T with T = sum_k y_k z_k, one-hot labels (stable_log_softmax)
    loss, (exp_term, score) = split_sums(stable_log_softmax().result("cross-entropy"), k,
                                         (S_, T_))
    if exp_term != term or score != y_ * z_:  # softmax_loss sums y z with einsum
        raise RuntimeError("the cross-entropy is no longer M + log S - sum_k y_k z_k")
    delta = softmax_gradient().result("net-input")            # a_j - y_j = dL/dz_j
    curvature = softmax_hessian().result("net-input")         # a_j (delta_jk - a_k)
    return [
        Kernel("softmax_term", (z_, M), term, "e^{z_k - M}: stable_log_softmax()"),
        Kernel("softmax_log_rest", (z_, M, S_), log_softmax,
               "log a_k = z_k - M - log S: stable_log_softmax()"),
        Kernel("softmax_loss_rest", (M, S_, T_), loss,
               "L = M + log S - sum_k y_k z_k: stable_log_softmax()"),
        Kernel("softmax_delta", (a_, y_), delta.xreplace({A[j]: a_, Y[j]: y_}),
               "a_j - y_j = dL/dz_j: softmax_gradient()"),
        Kernel("softmax_curvature", (a_j, a_k, d_jk), curvature.xreplace(
            {A[j]: a_j, A[k]: a_k, sp.KroneckerDelta(j, k): d_jk}),
            "a_j (delta_jk - a_k) = d2L/dz_j dz_k: softmax_hessian()"),
    ]


def _step_kernels() -> list[Kernel]:
    """eta="auto": the smoothness constant L at G and λ, and the descent lemma's step."""
    lam_ = sp.Symbol("lam", nonnegative=True)
    step = descent_lemma().result("step")             # Eq(eta, 1/L): the step is its side
    if isinstance(step, sp.Eq):
        if step.lhs != eta_:
            raise RuntimeError(f"descent_lemma()'s step is no longer eta = ...: {step}")
        step = step.rhs
    if step.free_symbols != {L_s}:
        raise RuntimeError(f"descent_lemma()'s step is not in L alone: {step}")
    return [
        Kernel("smoothness", (G, lam_), smoothness().result("constant").xreplace({lam: lam_}),
               "L = G/4 + lambda for two classes: smoothness()", "math"),
        Kernel("softmax_smoothness", (G, lam_),
               softmax_smoothness().result("constant").xreplace({lam: lam_}),
               "L = G/2 + lambda for softmax (Boehning): softmax_smoothness()", "math"),
        Kernel("descent_step", (L_s,), step, "eta = 1/L: descent_lemma()", "math"),
    ]


def _kernels() -> list[Kernel]:
    sigmoid = stable_sigmoid().result()
    loss = stable_loss().result("loss")
    delta = stable_delta().result()
    curvature = stable_curvature().result()
    lam_ = sp.Symbol("lam", nonnegative=True)
    penalty = PENALTY.xreplace({lam: lam_})
    gradient = l2_penalty_derivation().result("gradient").xreplace({lam: lam_})
    diagonal = l2_penalty_derivation().result("diagonal").xreplace({lam: lam_})
    # the label's sign s = 1 - 2y (y = (1 - s)/2): the loss and delta with a third
    # fewer operations per element, for the passes, which compute s once
    sign = sp.Symbol("s", real=True)
    signed = tuple(e.subs(y, (1 - sign) / 2) for e in (loss, delta))
    return [
        Kernel("sigmoid", (z,), sigmoid, "sigma(z): stable_sigmoid()"),
        Kernel("loss", (z, y), loss, "L(z, y): stable_loss()"),
        Kernel("delta", (z, y), delta, "a - y = dL/dz: stable_delta()"),
        Kernel("curvature", (z,), curvature, "a(1 - a) = d2L/dz2: stable_curvature()"),
        Kernel("loss_and_delta", (z, y), (loss, delta),
               "[L(z, y), a - y]: stable_loss(), stable_delta()"),
        Kernel("loss_and_delta_signed", (z, sign), signed,
               "[L, a - y] in s = 1 - 2y: stable_loss(), stable_delta()"),
        Kernel("l2_penalty", (w_j, lam_), penalty, "lambda/2 w^2: l2_penalty()"),
        Kernel("l2_gradient", (w_j, lam_), gradient, "lambda w: l2_penalty()"),
        Kernel("l2_hessian", (lam_,), diagonal, "lambda: l2_penalty()"),
        Kernel("sigmoid_scalar", (z,), sigmoid, "sigma(z): stable_sigmoid()", "math"),
        Kernel("loss_scalar", (z, y), loss, "L(z, y): stable_loss()", "math"),
        Kernel("delta_scalar", (z, y), delta, "a - y: stable_delta()", "math"),
        *_softmax_kernels(),
        *_step_kernels(),
    ]


@functools.cache
def kernels() -> dict[str, Kernel]:
    """Every kernel by name (the derivations are proven on the first call)."""
    return {kern.name: kern for kern in _kernels()}


HEADER = '''# ruff: noqa: E501 - lambdify's lines, printed as they are
"""The trainer's kernels, printed by ``logreg.kernelspec`` from the proven results.

Generated: do not edit. After changing a derivation, run ``python -m logreg.kernelspec``.
"""

import functools
import math

import numpy as np

#: the derivation modules (and the spec) these kernels were printed from
SOURCES = {sources!r}
#: sha256 of those files: logreg.kernels prints the kernels again if it changes
STAMP = {stamp!r}
'''


def generate() -> str:
    """The text of ``logreg/_kernels.py``: the header, then every kernel's source."""
    stamp, sources = source_stamp()
    parts = [HEADER.format(sources=sources, stamp=stamp)]
    parts += ["\n\n" + kern.source() for kern in kernels().values()]
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Rewrite ``logreg/_kernels.py`` (``--check``: only say whether it is current)."""
    text = generate()
    path = Path(GENERATED)
    current = path.read_text() if path.exists() else None
    if argv is None:
        argv = sys.argv[1:]
    if "--check" in argv:
        print("current" if current == text else "stale: run python -m logreg.kernelspec")
        return 0 if current == text else 1
    if current != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
