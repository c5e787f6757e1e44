"""How large a step gradient descent may take: σ' ≤ 1/4 bounds the loss's curvature.

The sigmoid's slope is positive and at most 1/4 (:func:`sigmoid_bound`), so along any
direction the mean loss curves at most a quarter of the design's own curvature
(:func:`smoothness`; softmax: a half, :func:`softmax_smoothness`). A function that curves
at most L is L-smooth, and gradient descent with a step 0 < η ≤ 2/L never increases it
(:func:`descent_lemma`); 1/L is the step that promises the largest decrease. The trainer's
``eta="auto"`` is that 1/L, computed from these proven results.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.engine import Derivation
from derivations.lecture.sigmoid import sigmoid_derivative
from derivations.lecture.symbols import SIGMOID, a, lam, mul, sigma, z

HALF = sp.S.Half
QUARTER = sp.Rational(1, 4)

#: the largest eigenvalue of the design's Gram matrix X̃ᵀX̃/n, x̃ = (x, 1)
G = sp.Symbol("G", nonnegative=True)
#: the Rayleigh quotient vᵀ(X̃ᵀX̃/n)v of a unit direction v, and the weights' share ‖v_w‖²
rho = sp.Symbol("rho", real=True)
omega = sp.Symbol("omega", real=True)
#: the smoothness constant L (the name L_s in Python: L is also the loss) and a step η
L_s = sp.Symbol("L", positive=True)
eta_ = sp.Symbol("eta", real=True)
#: the loss at the current weights, and the squared length of its gradient
J = sp.Symbol("J", real=True)
g2 = sp.Symbol("g^2", positive=True)
#: examples: i runs over 1..n; u_i = x̃_iᵀv is how example i's net input moves along v
n = sp.Symbol("n", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)
u = sp.IndexedBase("u", real=True)
Z = sp.IndexedBase("z", real=True)
#: the weights' share of a direction's squared length
r = sp.Symbol("r", nonnegative=True)


@cache
def sigmoid_bound() -> Derivation:
    r"""0 < σ'(z) <= 1/4 for every real z.

    >>> sigmoid_bound().inequality("at-most")[1:]
    ('\\leq', 1/4)
    """
    d = Derivation("The slope of the sigmoid is at most 1/4", name="sigmoid-bound",
                   where=[(a, sigma(z))], functions={sigma: SIGMOID}, intro=(
                       r"The slope $\sigma' = \sigma(1-\sigma)$ is positive everywhere "
                       r"and never above its peak $1/4$: a product $a(1-a)$ of two "
                       r"numbers that add up to 1 is largest when both are $1/2$."))
    e = sp.exp(-z)
    d.from_(mul(sigma(z), 1 - sigma(z)), "the slope", sigmoid_derivative(), "slope",
            name="positive")
    d.equal(e / (1 + e) ** 2, r"definition of $\sigma$")
    d.bound(sp.S.Zero, r"$e^{-z} > 0$ over a square", ">")
    d.from_(mul(sigma(z), 1 - sigma(z)), "the slope", sigmoid_derivative(), "slope",
            name="at-most")
    d.equal(mul(a, 1 - a), r"write $a$ for $\sigma(z)$")
    d.equal(QUARTER - (a - HALF) ** 2, "complete the square")
    d.bound(QUARTER, "a square is never negative", "<=")
    return d


@cache
def smoothness() -> Derivation:
    r"""The mean loss curves at most G/4 + λ along any unit direction: L = G/4 + λ.

    >>> smoothness().result("constant")
    G/4 + lambda
    """
    def mean(term: sp.Expr) -> sp.Expr:
        return mul(1 / n, sp.Sum(term, (i, 1, n)))
    d = Derivation("A step size from the curvature", name="smoothness",
                   functions={sigma: SIGMOID},
                   conditions={rho: sp.Interval(0, G), omega: sp.Interval(0, 1)}, intro=(
                       r"Along a direction $v$ the mean loss curves by $v^T H v$, where "
                       r"example $i$ contributes $\sigma'(z^{(i)}) u_i^2$ with "
                       r"$u_i = \tilde{x}^{(i)T} v$ and $\tilde{x} = (x, 1)$ (the "
                       r"curvature section's $a(1-a) x_j x_k$), and the L2 penalty "
                       r"$\lambda \Vert v_w \Vert^2$. Since $\sigma' \leq 1/4$ the loss "
                       r"curves at most a quarter of $G$, the largest eigenvalue of "
                       r"$\tilde{X}^T \tilde{X}/n$: it is $L$-smooth with $L = G/4 + "
                       r"\lambda$."))
    d.given(sp.Add(mean(sp.Derivative(sigma(Z[i]), Z[i]) * u[i] ** 2), lam * r,
                   evaluate=False), r"$v^T H v$: the curvature of each example, plus the "
            r"penalty's on the weights ($r = \Vert v_w \Vert^2$)", name="hessian")
    d.bound(sp.Add(mean(QUARTER * u[i] ** 2), lam * r, evaluate=False),
            r"each example's $\sigma'$ is at most $1/4$", "<=",
            source=sigmoid_bound(), result=("positive", "at-most"), var=z)
    d.equal(sp.Add(mul(QUARTER, mean(u[i] ** 2)), lam * r, evaluate=False),
            r"that is $\frac{1}{4} v^T (\tilde{X}^T \tilde{X}/n) v + \lambda r$")
    d.given(sp.Add(QUARTER * rho, lam * omega, evaluate=False),
            r"the same for a unit direction $v$: $\rho = v^T (\tilde{X}^T \tilde{X}/n) v$ "
            r"is at most the largest eigenvalue $G$, and $\omega = \Vert v_w \Vert^2$ "
            r"at most 1", name="constant")
    d.bound(G / 4 + lam, r"the largest curvature: $L = G/4 + \lambda$", "<=")
    return d


@cache
def softmax_smoothness() -> Derivation:
    r"""Softmax regression's mean loss curves at most G/2 + λ along any unit direction.

    >>> softmax_smoothness().result("constant")
    G/2 + lambda
    """
    d = Derivation("A step size for softmax regression", name="softmax-smoothness",
                   conditions={rho: sp.Interval(0, G), omega: sp.Interval(0, 1)}, intro=(
                       r"Per example the softmax Hessian in the net inputs is "
                       r"$\mathrm{diag}(a) - a a^T$. Böhning (1992) showed it is at most "
                       r"$\frac{1}{2}(I - \mathbf{1}\mathbf{1}^T/K)$, whose largest "
                       r"eigenvalue is $1/2$: twice the binary bound, since two classes "
                       r"share one $a(1-a) \leq 1/4$ in both $z_0$ and $z_1$. So the mean "
                       r"loss is $L$-smooth with $L = G/2 + \lambda$."))
    d.given(sp.Add(HALF * rho, lam * omega, evaluate=False),
            r"a unit direction's curvature by Boehning's bound (a cited theorem, not "
            r"proven here): $\rho \leq G$ as above, $\omega = \Vert v_w \Vert^2$",
            name="constant")
    d.bound(G / 2 + lam, r"the largest curvature: $L = G/2 + \lambda$", "<=")
    return d


@cache
def descent_lemma() -> Derivation:
    r"""A step 0 < η <= 2/L never increases an L-smooth loss; η = 1/L promises the most.

    >>> descent_lemma().result("step")
    Eq(eta, 1/L)
    """
    d = Derivation("Steps that never increase the loss", name="descent-lemma",
                   conditions={eta_: sp.Interval.Lopen(0, 2 / L_s)}, intro=(
                       r"For an $L$-smooth loss $J$ the descent lemma (Nesterov 2004, "
                       r"Lemma 1.2.3, a cited theorem) bounds the loss after a step "
                       r"$w \leftarrow w - \eta \nabla J$ by $J(w) - \eta \Vert \nabla J "
                       r"\Vert^2 + \frac{L}{2} \eta^2 \Vert \nabla J \Vert^2$. Any "
                       r"$0 < \eta \leq 2/L$ keeps it at or below $J(w)$, and $\eta = "
                       r"1/L$ promises the largest decrease, $\Vert \nabla J \Vert^2 / "
                       r"2L$."))
    decrease = mul(eta_, g2, sp.Add(1, -L_s * eta_ / 2, evaluate=False))
    d.given(sp.Add(J, -eta_ * g2, mul(L_s / 2, eta_**2, g2), evaluate=False),
            r"the descent lemma's bound on the loss after one step ($g^2 = \Vert \nabla J "
            r"\Vert^2$)", name="range")
    d.equal(sp.Add(J, -mul(eta_, sp.Add(1, -L_s * eta_ / 2, evaluate=False), g2),
                   evaluate=False), r"take out $\eta g^2$")
    d.bound(J, r"$0 < \eta \leq 2/L$: the bracket is not negative", "<=")
    d.given(sp.Eq(sp.Derivative(decrease, eta_), 0),
            r"the promised decrease $\eta g^2 (1 - L\eta/2)$ is largest where its "
            r"slope in $\eta$ vanishes", name="step")
    d.iff(sp.Eq(mul(g2, sp.Add(1, -L_s * eta_, evaluate=False)), 0), "differentiate", eta_)
    d.iff(sp.Eq(eta_, 1 / L_s), r"divide by $g^2 > 0$", eta_)
    return d
