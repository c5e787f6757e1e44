"""The lecture's symbols and named functions, shared by every derivation.

Every symbol is real; ``eta`` is positive and ``lambda`` nonnegative. What SymPy's
assumptions cannot say (``y`` in {0, 1}, ``a`` in (0, 1)) a derivation declares
in its ``conditions``; :data:`LABELS` and :data:`PROBABILITIES` are those sets.
"""

from __future__ import annotations

import sympy as sp

z = sp.Symbol("z", real=True)
a = sp.Symbol("a", real=True)
y = sp.Symbol("y", real=True)
L = sp.Symbol("L", real=True)
x_j = sp.Symbol("x_j", real=True)
x_k = sp.Symbol("x_k", real=True)
w_j = sp.Symbol("w_j", real=True)
w_k = sp.Symbol("w_k", real=True)
b = sp.Symbol("b", real=True)
eta = sp.Symbol("eta", positive=True)
lam = sp.Symbol("lambda", nonnegative=True)
t = sp.Symbol("t", real=True)
#: ``s`` stands for the rest of the net input, sum_{k != j} w_k x_k (k != j).
s = sp.Symbol("s", real=True)

#: the values a label takes, and the values of an activation a = sigma(z)
LABELS = sp.FiniteSet(0, 1)
PROBABILITIES = sp.Interval.open(0, 1)

#: The sigmoid as an undefined function, so that it prints as sigma(z).
sigma = sp.Function("sigma", real=True)

#: sigma(z) = 1 / (1 + e^{-z}), the lecture's definition.
SIGMOID = sp.Lambda(z, 1 / (1 + sp.exp(-z)))
#: Negative log-likelihood L(a, y) = -[y log a + (1 - y) log(1 - a)].
NLL = sp.Lambda((a, y), -(y * sp.log(a) + (1 - y) * sp.log(1 - a)))
#: Squared error with the 1/2 convention, L(a, y) = (a - y)^2 / 2.
MSE = sp.Lambda((a, y), sp.Rational(1, 2) * (a - y) ** 2)


class softplus(sp.Function):  # noqa: N801 - named as in the literature
    """softplus(t) = log(1 + e^t), the loss of a logit t."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return SIGMOID(self.args[0])

    def _eval_rewrite_as_log(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.log(1 + sp.exp(arg))

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return r"\operatorname{softplus}\left(" + printer._print(self.args[0]) + r"\right)"


def mul(*factors: sp.Expr) -> sp.Expr:
    """A product kept in the order written (for display; SymPy would sort it).

    ``doit()`` turns it back into an ordinary product.
    """
    return sp.Mul(*(sp.UnevaluatedExpr(f) for f in factors), evaluate=False)
