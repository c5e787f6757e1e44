r"""The calculus in a student's line: derivatives, limits and sums, and what they apply to.

``\frac{d}{dz}`` and ``\lim`` apply to one closed factor (a bracket, a fraction,
a function) or else to the factors written side by side up to a ``\cdot``; a
``\sum`` applies to the rest of its term. These are the :class:`~.parser.Parser`'s
methods that read them (a mixin, so that each module reads in one sitting).
"""

from __future__ import annotations

import re

import sympy as sp

from derivations.checking.tokens import Token

FUNCTIONS = {r"\exp": sp.exp, r"\log": sp.log, r"\ln": sp.log, r"\tanh": sp.tanh}


def _neg(x: sp.Expr) -> sp.Expr:
    if isinstance(x, sp.Number) and x != 0:  # -1 is a number, not -(1)
        return -x
    return sp.Mul(sp.S.NegativeOne, x, evaluate=False)


def _product(factors: list[sp.Expr]) -> sp.Expr:
    """A product kept in the order written, each factor wrapped (as ``symbols.mul`` does)."""
    if len(factors) == 1:
        return factors[0]
    flat = []
    for f in factors:
        if isinstance(f, sp.Mul) and all(isinstance(g, sp.UnevaluatedExpr) for g in f.args):
            flat.extend(f.args)
        else:
            flat.append(sp.UnevaluatedExpr(f))
    return sp.Mul(*flat, evaluate=False)



class _Dots:
    """``\\dots`` between the terms of a sum (``e^{z_1} + \\dots + e^{z_K}``)."""

    def __init__(self, token: Token) -> None:
        self.token = token



class Calculus:
    """Derivatives, limits and sums, for :class:`~.parser.Parser` (its helpers are
    ``peek``, ``take``, ``error``, ``nest``, ``atom``, ``power``, ``term`` ...)."""

    def derivative(self) -> sp.Expr:
        r"""``\frac{d}{dz} u``, ``\frac{d^2}{dz^2}``, ``\frac{\partial L}{\partial w_j}``,
        ``\frac{\partial^2 L}{\partial z_j \partial z_k}``."""
        self.at += 1
        kind = self.toks[self.at].text
        self.at += 1
        order = self.order()
        what = None
        if self.peek() != "}":
            self.nest()
            what = self.power()
            self.depth -= 1
        self.take("}", "} after what is differentiated")
        self.take("{", r"a derivative's bottom, e.g. {dz} or {\partial w_j}")
        variables: list[tuple[sp.Basic, int]] = []
        while self.peek() == kind:
            self.at += 1
            var = self.atom()
            if not isinstance(var, (sp.Symbol, sp.Indexed)):
                raise self.error(f"a variable after {kind}", self.toks[self.at - 1])
            variables.append((var, self.order()))
        self.take("}", f"{kind} and a variable, e.g. {{{kind} z}}, matching the top")
        if not variables or sum(n for _, n in variables) != order:
            raise self.error(r"a derivative whose top and bottom match, e.g. "
                             r"\frac{d^2}{dz^2} or \frac{\partial L}{\partial a}",
                             self.toks[self.at - 1])
        if what is None:
            self.nest()
            what = self.operand()
            self.depth -= 1
        return sp.Derivative(what, *variables)

    def order(self) -> int:
        if self.peek() == "^":
            digits = self.peek(1) if self.peek(1) != "{" else self.peek(2)
            if digits not in {"2", "3"}:
                raise self.error("an order of 2 or 3")
            self.at += 2 if self.peek(1) != "{" else 4
            return int(digits)
        return 1

    def slash_derivative(self, at: Token) -> sp.Expr:
        r"""``\partial L / \partial w_j``, inline."""
        what = self.power()
        self.take("/", r"/\partial and the variable after \partial L")
        self.take(r"\partial", r"\partial after the slash")
        var = self.atom()
        if not isinstance(var, (sp.Symbol, sp.Indexed)):
            raise self.error(r"a variable after \partial", at)
        return sp.Derivative(what, var)

    def operand(self) -> sp.Expr:
        r"""What ``\frac{d}{dz}`` or ``\lim`` applies to: one closed factor (a bracket, a
        fraction, a function), or else the factors written side by side, up to \cdot."""
        closed = self.opener() is not None or self.peek() in {
            r"\frac", r"\sigma", r"\sqrt", r"\sum", "{", *FUNCTIONS}
        factors = [self.signed()]
        if closed:
            return factors[0]
        while self.peek() is not None and self.starts_factor() and not self.bar_ahead():
            factors.append(self.power())
        return _product(factors)

    def limit(self) -> sp.Expr:
        self.take("_", r"_{z \to ...} after \lim")
        self.take("{")
        var = self.atom()
        self.take(r"\to", r"\to")
        point = self.atom()
        direction = "+-"  # two-sided unless 0^+ or 0^- says from which side
        if self.peek() == "^" and self.peek(1) in {"+", "-"}:
            direction, self.at = self.peek(1), self.at + 2
        elif [self.peek(k) for k in range(4)] in (["^", "{", "+", "}"], ["^", "{", "-", "}"]):
            direction, self.at = self.peek(2), self.at + 4
        self.take("}", r"a limit point such as 0, 0^+, 1^- or \infty, without the variable")
        if not isinstance(var, sp.Symbol) or var in getattr(point, "free_symbols", {var}):
            raise self.error(r"a symbol before \to, and a limit point without it")
        if point.is_infinite:
            direction = "-" if point == sp.oo else "+"
        self.nest()
        rest = self.operand()
        self.depth -= 1
        return sp.Limit(rest, var, point, direction)

    def sum(self, at: Token) -> sp.Expr:
        r"""``\sum_{k=1}^{K}``, ``\sum_k``, ``\sum_{k \neq j}`` (the sum less its term at
        j): the sum of the rest of the term."""
        if self.n.classes is None:
            raise self.error(r"no \sum in this exercise's notation (sums belong to the "
                             "softmax exercises)", at)
        index, lower, upper, excluded = None, sp.S.One, self.n.classes, None
        for _ in range(2):
            if self.peek() == "_" and index is None:
                self.at += 1
                braced = self.peek() == "{"
                self.at += braced
                tok = self.peek() or ""
                if not re.fullmatch(r"[A-Za-z]", tok):
                    raise self.error("the sum's index, a letter")
                index = self.n.index(tok)
                self.at += 1
                if braced and self.peek() in (r"\neq", r"\ne"):  # \sum_{k \neq j}
                    self.at += 1
                    other = self.peek() or ""
                    if not re.fullmatch(r"[A-Za-z]", other):
                        raise self.error("the index the sum leaves out, a letter")
                    excluded = self.n.index(other)
                    self.at += 1
                if braced and self.peek() == "=":
                    self.at += 1
                    lower = self.expr()
                if braced:
                    self.take("}")
            elif self.peek() == "^":
                self.at += 1
                self.nest()
                upper = self.group()
                self.depth -= 1
        if index is None:
            raise self.error(r"the sum's index, e.g. \sum_{k=1}^{K} or \sum_k", at)
        self.nest()
        body = self.term() if self.peek() != "-" else _neg(self._after_minus())
        self.depth -= 1
        if isinstance(body, _Dots):
            raise self.error(r"a sum's terms, not \dots", body.token)
        whole = sp.Sum(body, (index, lower, upper))
        if excluded is None:
            return whole
        left_out = sp.Mul(sp.S.NegativeOne, body.xreplace({index: excluded}), evaluate=False)
        return sp.Add(whole, left_out, evaluate=False)  # every term but the one at excluded

    def _after_minus(self) -> sp.Expr:
        self.at += 1
        out = self.term()
        if isinstance(out, _Dots):
            raise self.error(r"a term, not \dots", out.token)
        return out


