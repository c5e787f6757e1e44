# ruff: noqa: E501 - lambdify's lines, printed as they are
"""The trainer's kernels, printed by ``logreg.kernelspec`` from the proven results.

Generated: do not edit. After changing a derivation, run ``python -m logreg.kernelspec``.
"""

import functools
import math

import numpy as np

#: the derivation modules (and the spec) these kernels were printed from
SOURCES = ['derivations.engine', 'derivations.engine.bound', 'derivations.engine.cases', 'derivations.engine.counterexamples', 'derivations.engine.definedness', 'derivations.engine.derivation', 'derivations.engine.domains', 'derivations.engine.fingerprint', 'derivations.engine.lookalikes', 'derivations.engine.parallel', 'derivations.engine.printing', 'derivations.engine.relation', 'derivations.engine.results', 'derivations.engine.rules', 'derivations.engine.signs', 'derivations.engine.statements', 'derivations.engine.steps', 'derivations.engine.sums', 'derivations.engine.typeset', 'derivations.lecture.chain_rule', 'derivations.lecture.curvature', 'derivations.lecture.loss', 'derivations.lecture.sigmoid', 'derivations.lecture.softmax', 'derivations.lecture.stable', 'derivations.lecture.stepsize', 'derivations.lecture.symbols', 'logreg.kernelspec']
#: sha256 of those files: logreg.kernels prints the kernels again if it changes
STAMP = '798f16db6762a2881114ce3896d5023e2b162938d45acc0ab521aa6f37be67b4'


def sigmoid(z):
    """sigma(z): stable_sigmoid()"""
    return np.exp(functools.reduce(np.minimum, [0, z])) / (1 + np.exp(-np.abs(z)))


def loss(z, y):
    """L(z, y): stable_loss()"""
    x0 = 2 * y - 1
    return np.log1p(np.exp(-np.abs(x0 * z))) + functools.reduce(np.maximum, [0, -x0 * z])


def delta(z, y):
    """a - y = dL/dz: stable_delta()"""
    x0 = 2 * y - 1
    x1 = -x0
    return x1 * np.exp(functools.reduce(np.minimum, [0, x1 * z])) / (1 + np.exp(-np.abs(x0 * z)))


def curvature(z):
    """a(1 - a) = d2L/dz2: stable_curvature()"""
    x0 = np.exp(-np.abs(z))
    return x0 / (x0 + 1) ** 2


def loss_and_delta(z, y):
    """[L(z, y), a - y]: stable_loss(), stable_delta()"""
    x0 = 2 * y - 1
    x1 = -x0
    x2 = x1 * z
    x3 = np.exp(-np.abs(x0 * z))
    return [np.log1p(x3) + functools.reduce(np.maximum, [0, x2]), x1 * np.exp(functools.reduce(np.minimum, [0, x2])) / (x3 + 1)]


def loss_and_delta_signed(z, s):
    """[L, a - y] in s = 1 - 2y: stable_loss(), stable_delta()"""
    x0 = s * z
    x1 = np.exp(-np.abs(x0))
    return [np.log1p(x1) + functools.reduce(np.maximum, [0, x0]), s * np.exp(functools.reduce(np.minimum, [0, x0])) / (x1 + 1)]


def l2_penalty(w_j, lam):
    """lambda/2 w^2: l2_penalty()"""
    return 1 / 2 * lam * w_j ** 2


def l2_gradient(w_j, lam):
    """lambda w: l2_penalty()"""
    return lam * w_j


def l2_hessian(lam):
    """lambda: l2_penalty()"""
    return lam


def sigmoid_scalar(z):
    """sigma(z): stable_sigmoid()"""
    return math.exp(min(0, z)) / (1 + math.exp(-abs(z)))


def loss_scalar(z, y):
    """L(z, y): stable_loss()"""
    x0 = 2 * y - 1
    return math.log1p(math.exp(-abs(x0 * z))) + max(0, -x0 * z)


def delta_scalar(z, y):
    """a - y: stable_delta()"""
    x0 = 2 * y - 1
    x1 = -x0
    return x1 * math.exp(min(0, x1 * z)) / (1 + math.exp(-abs(x0 * z)))


def softmax_term(z, M):
    """e^{z_k - M}: stable_log_softmax()"""
    return np.exp(-M + z)


def softmax_log_rest(z, M, S):
    """log a_k = z_k - M - log S: stable_log_softmax()"""
    return -M + z - np.log(S)


def softmax_loss_rest(M, S, T):
    """L = M + log S - sum_k y_k z_k: stable_log_softmax()"""
    return M - T + np.log(S)


def softmax_delta(a, y):
    """a_j - y_j = dL/dz_j: softmax_gradient()"""
    return a - y


def softmax_curvature(a_j, a_k, delta):
    """a_j (delta_jk - a_k) = d2L/dz_j dz_k: softmax_hessian()"""
    return a_j * (-a_k + delta)


def smoothness(G, lam):
    """L = G/4 + lambda for two classes: smoothness()"""
    return 1 / 4 * G + lam


def softmax_smoothness(G, lam):
    """L = G/2 + lambda for softmax (Boehning): softmax_smoothness()"""
    return 1 / 2 * G + lam


def descent_step(L):
    """eta = 1/L: descent_lemma()"""
    return 1 / L
