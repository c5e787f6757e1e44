"""Softmax regression: the lecture's chain rule for K classes.

With net inputs z_k = sum_l w_{kl} x_l + b_k for k = 1, ..., K, the softmax
a_k = e^{z_k} / sum_c e^{z_c} and the cross-entropy L = -sum_k y_k log a_k
(one-hot y), the same three factors give

- da_k/dz_j = a_k (delta_kj - a_j),
- dL/dz_j = a_j - y_j, so dL/dw_{jl} = (a_j - y_j) x_l and dL/db_j = a_j - y_j,

the rule of logistic regression for every class. K and the number of features
m are symbols: SymPy's derivative of a sum over the classes holds for an index
j in {1, ..., K}, a condition each derivation declares and every output shows.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.engine import Derivation
from derivations.lecture.loss import loss_of
from derivations.lecture.symbols import NLL, SIGMOID, L, mul, sigma

#: the number of classes and of features
K = sp.Symbol("K", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)
#: class indices (j, k; c in sums) and a feature index l
j, k, c, l = (sp.Symbol(n, integer=True, positive=True) for n in "jkcl")  # noqa: E741
Z, A, Y = (sp.IndexedBase(n, real=True) for n in ("z", "a", "y"))
W, X, B = (sp.IndexedBase(n, real=True) for n in ("w", "x", "b"))
#: the classes 1, ..., K and the features 1, ..., m
CLASSES = sp.Range(1, K + 1)
FEATURES = sp.Range(1, m + 1)
#: a shift added to every net input (shift invariance, the largest z in the trainer)
M = sp.Symbol("M", real=True)


class logsumexp(sp.Function):  # noqa: N801 - named as in the literature
    """logsumexp(z) = log sum_c e^{z_c}, of the row of net inputs z."""

    is_real = True

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return r"\operatorname{logsumexp}\left(" + printer._print(self.args[0]) + r"\right)"


def normaliser(shift: sp.Expr = sp.S.Zero) -> sp.Sum:
    """sum_{c=1}^{K} e^{z_c - shift}."""
    return sp.Sum(sp.exp(Z[c] - shift), (c, 1, K))


def softmax_of(index: sp.Symbol) -> sp.Expr:
    """a_index = e^{z_index} / sum_c e^{z_c}."""
    return sp.exp(Z[index]) / normaliser()


#: L = -sum_k y_k log a_k, the cross-entropy of one-hot labels
CROSS_ENTROPY = -sp.Sum(Y[k] * sp.log(A[k]), (k, 1, K))
#: the labels are one-hot: they sum to 1
ONE_HOT = ((sp.Sum(Y[k], (k, 1, K)), sp.S.One),)
#: z_k = sum_l w_{kl} x_l + b_k
NET_INPUT = sp.Sum(W[k, l] * X[l], (l, 1, m)) + B[k]


@cache
def softmax_jacobian() -> Derivation:
    r"""da_k/dz_j = a_k(delta_kj - a_j): a_j(1 - a_j) on the diagonal, -a_k a_j off it.

    >>> softmax_jacobian().result("jacobian")
    a[k]*(KroneckerDelta(j, k) - a[j])
    """
    d = Derivation("The softmax and its Jacobian", name="softmax-jacobian",
                   where=[(A[k], softmax_of(k))], conditions={j: CLASSES, k: CLASSES},
                   intro=(r"Softmax regression has one net input $z_k$ per class and turns "
                          r"them into probabilities $a_k$ that are positive and sum to 1. "
                          r"Each output depends on every net input, so its derivative is a "
                          r"$K \times K$ matrix, the Jacobian."))
    total = normaliser()
    d.given(sp.Derivative(A[k], Z[j]), "how output $k$ moves with net input $j$",
            name="jacobian")
    d.equal((mul(sp.KroneckerDelta(k, j), sp.exp(Z[k]), total)
             - mul(sp.exp(Z[k]), sp.exp(Z[j]))) / total**2,
            r"quotient rule; $\partial z_k/\partial z_j = \delta_{kj}$ and the sum has one "
            r"term $e^{z_j}$")
    d.equal(mul(A[k], sp.KroneckerDelta(k, j) - A[j]), r"take out $a_k$")
    d.given(sp.Derivative(A[k], Z[j]), "the diagonal of the Jacobian", name="diagonal")
    d.equal(mul(A[k], sp.KroneckerDelta(k, j) - A[j]), "the Jacobian above")
    d.case(mul(A[j], 1 - A[j]), r"$\delta_{jj} = 1$: the sigmoid's $a(1-a)$",
           sp.Eq(k, j))
    d.given(sp.Derivative(A[k], Z[j]), "off the diagonal", name="off-diagonal")
    d.equal(mul(A[k], sp.KroneckerDelta(k, j) - A[j]), "the Jacobian above")
    d.case(-mul(A[k], A[j]), r"$\delta_{kj} = 0$", sp.Ne(k, j))
    return d


@cache
def softmax_gradient() -> Derivation:
    r"""dL/dz_j = a_j - y_j, for one-hot labels.

    >>> softmax_gradient().result("net-input")
    a[j] - y[j]
    """
    d = Derivation("The gradient of the cross-entropy", name="softmax-gradient",
                   where=[(L, CROSS_ENTROPY), (A[k], softmax_of(k))],
                   conditions={j: CLASSES},
                   intro=(r"The loss of one example is the cross-entropy of its one-hot "
                          r"label: only the true class's $-\log a_k$ counts. The chain "
                          r"rule runs through every output $a_k$, and the Jacobian "
                          r"collapses the sum."))
    total = sp.Sum(Y[k], (k, 1, K))
    delta = sp.KroneckerDelta(k, j)
    d.given(sp.Derivative(L, Z[j]), "the error signal at net input $j$", name="net-input")
    d.equal(sp.Sum(mul(sp.Derivative(L, A[k]), sp.Derivative(A[k], Z[j])), (k, 1, K)),
            "chain rule through every output $a_k$")
    d.equal(sp.Sum(mul(-Y[k] / A[k], A[k], delta - A[j]), (k, 1, K)),
            r"$\partial L/\partial a_k = -y_k/a_k$; the Jacobian")
    d.equal(-sp.Sum(mul(Y[k], delta - A[j]), (k, 1, K)), r"$a_k$ cancels")
    d.equal(mul(A[j], total) - Y[j], r"$\delta_{kj}$ keeps the term $k = j$")
    d.substitute(A[j] - Y[j], r"one-hot labels sum to 1", dict(ONE_HOT),
                 label=sp.Derivative(L, Z[j]))
    return d


@cache
def softmax_weights() -> Derivation:
    r"""dL/dw_{jl} = (a_j - y_j) x_l and dL/db_j = a_j - y_j: grad_W L = (a - y) x^T.

    >>> softmax_weights().result("weight")
    (a[j] - y[j])*x[l]
    """
    d = Derivation("The gradient for the weights", name="softmax-weights",
                   where=[(L, CROSS_ENTROPY), (A[k], softmax_of(k)), (Z[k], NET_INPUT)],
                   conditions={j: CLASSES, l: FEATURES},
                   intro=(r"Class $j$'s weights enter only its own net input $z_j$, so the "
                          r"sum of the chain rule has one term: the error signal times the "
                          r"feature. Over all classes and features, "
                          r"$\nabla_W L = (a - y)\, x^T$."))
    total = sp.Sum(Y[k], (k, 1, K))
    for param, dz, name, what in ((W[j, l], X[l], "weight", "weight $w_{jl}$"),
                                  (B[j], sp.S.One, "bias", "bias $b_j$")):
        d.given(sp.Derivative(L, param), f"the gradient for the {what}", name=name)
        d.equal(mul(sp.Derivative(L, Z[j]), sp.Derivative(Z[j], param)),
                f"only $z_j$ depends on the {what.split()[0]}")
        extra = (dz,) if name == "weight" else ()
        why = r"the error signal of the cross-entropy; $\partial z_j/\partial w_{jl} = x_l$" \
            if extra else r"the error signal of the cross-entropy; $\partial z_j/\partial b_j = 1$"
        d.equal(mul(mul(A[j], total) - Y[j], *extra) if extra else mul(A[j], total) - Y[j],
                why)
        d.substitute(mul(A[j] - Y[j], *extra) if extra else A[j] - Y[j],
                     "one-hot labels sum to 1", dict(ONE_HOT), label=sp.Derivative(L, param))
    return d


@cache
def two_classes() -> Derivation:
    r"""K = 2: a_1 = sigma(z_1 - z_0), and the cross-entropy is the NLL loss of a_1.

    >>> two_classes().result("probability")
    sigma(-z_0 + z_1)
    """
    z0, z1, y1, a0, a1 = sp.symbols("z_0 z_1 y_1 a_0 a_1", real=True)
    d = Derivation("Two classes give logistic regression", name="softmax-two-classes",
                   functions={sigma: SIGMOID, loss_of: NLL},
                   where=[(a0, sp.exp(z0) / (sp.exp(z0) + sp.exp(z1))),
                          (a1, sp.exp(z1) / (sp.exp(z0) + sp.exp(z1)))],
                   conditions={y1: sp.FiniteSet(0, 1)},
                   intro=(r"With $K = 2$ classes, numbered 0 and 1, softmax is the "
                          r"sigmoid of the difference of the two net inputs, and the "
                          r"cross-entropy of the one-hot label $(1 - y_1, y_1)$ is the "
                          r"lecture's loss: logistic regression is softmax regression "
                          r"with one net input fixed."))
    d.given(a1, "softmax over two classes", name="probability")
    d.equal(1 / (1 + sp.exp(-(z1 - z0))), r"divide by $e^{z_1}$")
    d.equal(sigma(z1 - z0), "the sigmoid of the difference")
    d.given(mul(-1, (1 - y1) * sp.log(a0) + y1 * sp.log(a1)),
            r"the cross-entropy with $y_0 = 1 - y_1$", name="loss")
    d.equal(mul(-1, (1 - y1) * sp.log(1 - a1) + y1 * sp.log(a1)), r"$a_0 = 1 - a_1$")
    d.equal(loss_of(a1, y1), r"the NLL loss at $a = a_1$")
    d.equal(loss_of(sigma(z1 - z0), y1), r"$a_1 = \sigma(z_1 - z_0)$, above")
    return d


@cache
def shift_invariance() -> Derivation:
    r"""Adding M to every net input leaves each a_k unchanged.

    >>> shift_invariance().result()
    a[k]
    """
    d = Derivation("Softmax ignores a common shift", name="softmax-shift",
                   where=[(A[k], softmax_of(k))], conditions={k: CLASSES},
                   intro=(r"Adding the same number $M$ to every net input multiplies the "
                          r"numerator and every term of the denominator by $e^M$. So "
                          r"the weights of softmax regression are not unique: adding one "
                          r"vector to every class's weights changes no prediction, which "
                          r"is why an L2 penalty or a reference class pins them down. It "
                          r"also lets the trainer subtract the largest net input before "
                          r"exponentiating."))
    shifted = sp.exp(Z[k] + M) / sp.Sum(sp.exp(Z[c] + M), (c, 1, K))
    d.given(shifted, r"softmax of $z_k + M$")
    top = sp.Mul(sp.exp(M), sp.exp(Z[k]), evaluate=False)
    bottom = sp.Mul(sp.exp(M), normaliser(), evaluate=False)
    d.equal(sp.Mul(top, sp.Pow(bottom, -1, evaluate=False), evaluate=False),
            r"$e^{z + M} = e^M e^z$, in every term")
    d.equal(A[k], r"$e^M$ cancels")
    return d


@cache
def stable_log_softmax() -> Derivation:
    r"""log a_k = z_k - M - log sum_c e^{z_c - M}, for any M; the trainer takes M = max z.

    >>> stable_log_softmax().result("log-softmax")
    -M - log(Sum(exp(-M + z[c]), (c, 1, K))) + z[k]
    """
    lse = logsumexp
    d = Derivation("An overflow-free log-softmax", name="stable-log-softmax",
                   where=[(A[k], softmax_of(k))], conditions={k: CLASSES},
                   functions={lse: sp.Lambda(Z, sp.log(normaliser()))},
                   intro=(r"$e^{z}$ overflows for $z > 709$ in double precision. The "
                          r"logarithm of softmax needs only the log-sum-exp of the net "
                          r"inputs, and that can be computed with the largest net input "
                          r"$M = \max_c z_c$ taken out: then no exponent is positive and "
                          r"the largest term of the sum is 1. The loss of one example is "
                          r"then a log-sum-exp minus the true class's net input."))
    d.given(sp.log(A[k]), "the log-probability of class $k$", name="log-softmax")
    d.equal(Z[k] - lse(Z), r"$\log(e^{z_k}/S) = z_k - \log S$")
    d.equal(Z[k] - M - sp.log(normaliser(M)),
            r"take $e^M$ out of the sum, for any $M$ (the trainer's $M = \max_c z_c$)")
    d.given(lse(Z), "the log-sum-exp", name="logsumexp")
    d.equal(M + sp.log(normaliser(M)), r"take $e^M$ out of the sum")
    labels, scores = sp.Sum(Y[k], (k, 1, K)), sp.Sum(Y[k] * Z[k], (k, 1, K))
    shifted_lse = M + sp.log(normaliser(M))
    d.given(CROSS_ENTROPY, "the cross-entropy of one example", name="cross-entropy")
    d.equal(-sp.Sum(mul(Y[k], Z[k] - shifted_lse), (k, 1, K)), "the log-softmax above")
    d.equal(mul(shifted_lse, labels) - scores, "the log-sum-exp does not depend on $k$")
    d.substitute(shifted_lse - scores, "one-hot labels sum to 1", {labels: sp.S.One},
                 label=CROSS_ENTROPY)
    return d


@cache
def softmax_hessian() -> Derivation:
    r"""d^2L/(dz_j dz_k) = a_j(delta_jk - a_k): the blocks of Newton's Hessian.

    >>> softmax_hessian().result("net-input")
    a[j]*(KroneckerDelta(j, k) - a[k])
    """
    d = Derivation("The Hessian of softmax regression", name="softmax-hessian",
                   where=[(L, -sp.Sum(Y[c] * sp.log(A[c]), (c, 1, K))), (A[k], softmax_of(k))],
                   conditions={j: CLASSES, k: CLASSES},
                   intro=(r"Newton's method needs the second derivatives. Differentiating "
                          r"the error signal $a_j - y_j$ once more, the label drops out "
                          r"and the Jacobian of softmax appears. Since $z_j$ is linear in "
                          r"the weights, block $(j, k)$ of the Hessian of the mean loss is "
                          r"$\frac{1}{n} \sum a_j(\delta_{jk} - a_k)\, x x^T$ over the "
                          r"$n$ examples, plus $\lambda$ on the diagonal for the L2 penalty."))
    labels = sp.Sum(Y[c], (c, 1, K))
    d.given(sp.Derivative(L, Z[j], Z[k]), "differentiate the loss twice", name="net-input")
    d.equal(sp.Derivative(mul(A[j], labels) - Y[j], Z[k]), "the error signal at $z_j$")
    d.substitute(sp.Derivative(A[j] - Y[j], Z[k]), "one-hot labels sum to 1",
                 {labels: sp.S.One}, label=sp.Derivative(L, Z[j], Z[k]))
    d.equal(sp.Derivative(A[j], Z[k]), r"the label does not depend on $z_k$")
    d.equal(mul(A[j], sp.KroneckerDelta(j, k) - A[k]), "the Jacobian of softmax")
    return d


@cache
def softmax_newton() -> Derivation:
    r"""d^2L/(dw_{jl} dw_{kr}) = a_j(delta_jk - a_k) x_l x_r, Newton's blocks for the weights.

    >>> softmax_newton().result()
    a[j]*(KroneckerDelta(j, k) - a[k])*x[l]*x[r]
    """
    r = sp.Symbol("r", integer=True, positive=True)
    d = Derivation("The Hessian for the weights", name="softmax-newton",
                   where=[(L, CROSS_ENTROPY), (A[k], softmax_of(k)), (Z[k], NET_INPUT)],
                   conditions={j: CLASSES, k: CLASSES, l: FEATURES, r: FEATURES},
                   intro=(r"Each weight enters one net input, linearly, so the second "
                          r"derivatives in the weights are those in the net inputs times "
                          r"two features. Block $(j, k)$ of Newton's Hessian, over all "
                          r"features, is $a_j(\delta_{jk} - a_k)\, x x^T$, averaged over "
                          r"the examples."))
    d.given(sp.Derivative(L, W[j, l], W[k, r]), "one entry of the Hessian")
    d.equal(mul(sp.Derivative(L, Z[j], Z[k]), sp.Derivative(Z[j], W[j, l]),
                sp.Derivative(Z[k], W[k, r])),
            r"$w_{jl}$ enters only $z_j$, $w_{kr}$ only $z_k$, both linearly")
    labels = sp.Sum(Y[c], (c, 1, K))
    d.equal(mul(labels, A[j], sp.KroneckerDelta(j, k) - A[k], X[l], X[r]),
            r"the Hessian in the net inputs; $\partial z_j/\partial w_{jl} = x_l$")
    d.substitute(mul(A[j], sp.KroneckerDelta(j, k) - A[k], X[l], X[r]),
                 "one-hot labels sum to 1", {labels: sp.S.One},
                 label=sp.Derivative(L, W[j, l], W[k, r]))
    return d
