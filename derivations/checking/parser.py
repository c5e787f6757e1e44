r"""Students' LaTeX read into SymPy by a recursive-descent parser; never executed.

The text is only ever tokenised and matched against a grammar: no ``eval``,
``sympify`` or ``parse_expr``. The parser never backtracks, so it reads a line
in time linear in its length; limits on nesting, numbers and exponents are
checked before any SymPy object is built, and every sum, product and power is
built unevaluated (:func:`evaluated` evaluates it later, under the checker's
limits). What the names mean comes from a :class:`~.notation.Notation`.

>>> parse_expression(r"\frac{1}{1 + e^{-z}}")
1/(1 + exp(-z))
>>> parse_expression(r"\sigma(z)\left(1-\sigma(z)\right)")  # kept in the order written
sigma(z)*(1 - sigma(z))
>>> parse_expression(r"\dfrac{\partial \mathcal{L}}{\partial w_j}")
Derivative(L, w_j)
"""

from __future__ import annotations

import math
import re

import sympy as sp

from derivations.checking.calculus import FUNCTIONS, Calculus, _Dots, _neg, _product
from derivations.checking.notation import KNOWN, LOGISTIC, RELATIONS, SIZING, Notation
from derivations.checking.tokens import ParseError, Token, math_tokens, raw_tokens
from derivations.lecture.symbols import sigma

MAX_DEPTH = 24       # nested groups, fractions, brackets and operators
MAX_DIGITS = 12      # digits in one number
MAX_EXPONENT = 100   # largest whole-number exponent |n|, checked before a power is built
MAX_RESULT_DIGITS = 1000  # digits of a number a power of numbers may make
MAX_TOWER = 1000     # product of the exponents of powers nested in powers

GREEK = frozenset(rf"\{g}" for g in ("alpha", "beta", "gamma", "epsilon", "varepsilon",
                                     "theta", "mu", "nu", "xi", "rho", "tau", "phi",
                                     "varphi", "psi", "omega", "ell"))
OPENERS = {"(": ")", "[": "]", r"\{": r"\}"}


def _div(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    if isinstance(y, sp.Mul) and all(isinstance(f, sp.UnevaluatedExpr) for f in y.args):
        y = sp.Mul(*(f.args[0] for f in y.args), evaluate=False)  # printed as a denominator
    inverse = sp.Pow(y, sp.S.NegativeOne, evaluate=False)
    return inverse if x == 1 else sp.Mul(x, inverse, evaluate=False)


def _scale(expr: sp.Basic) -> float:
    """How much nested numeric powers in ``expr`` multiply an exponent: 10^{99} gives 99."""
    if isinstance(expr, (sp.Pow, sp.exp)):
        base, power = (sp.E, expr.args[0]) if isinstance(expr, sp.exp) else expr.args
        return max(_largest(power), 1.0) * _scale(base)
    return max((_scale(arg) for arg in expr.args), default=1.0)


def _largest(expr: sp.Basic) -> float:
    return max((abs(float(n)) for n in expr.atoms(sp.Number) if n.is_finite), default=0.0)


def _worth(expr: sp.Basic) -> float:
    """The largest number in ``expr``, counting what a part made only of numbers is
    worth (``10^{10}`` is 10^10): a bound, computed without making the number."""
    found: list[float] = []
    _digits(expr, found)
    return max(_largest(expr), 10.0 ** min(max(found, default=0.0), 300.0))


def _digits(expr: sp.Basic, found: list[float]) -> float | None:
    """A bound on log10 of how large (or, for a fraction, how fine) ``expr`` is, when it
    is made only of numbers, else None; every such part's bound goes into ``found``."""
    args = [_digits(arg, found) for arg in expr.args]
    if isinstance(expr, sp.Rational):
        out = math.log10(max(abs(expr.p), expr.q, 1))
    elif isinstance(expr, sp.Number):
        out = math.log10(max(abs(float(expr)), 1.0)) if expr.is_finite else None
    elif expr in (sp.E, sp.pi):
        out = 0.5
    elif None in args or not args:
        out = None
    elif isinstance(expr, sp.UnevaluatedExpr):
        out = args[0]
    elif isinstance(expr, sp.Add):
        out = max(args) + math.log10(len(args))
    elif isinstance(expr, sp.Mul):
        out = sum(args)
    elif isinstance(expr, sp.Pow):
        out = 10.0 ** min(args[1], 300.0) * args[0]
    elif isinstance(expr, sp.exp):
        out = 10.0 ** min(args[0], 300.0) * 0.5
    else:
        out = None
    if out is not None:
        out = min(out, 1e300)
        found.append(out)
    return out


def evaluated(expr: sp.Basic) -> sp.Basic:
    r"""``expr`` with SymPy's automatic simplification applied, as if typed in Python.

    >>> evaluated(parse_expression(r"2 \cdot 3 + z - z"))
    6
    """
    if not expr.args:
        return expr
    if isinstance(expr, sp.UnevaluatedExpr):
        return evaluated(expr.args[0])
    return expr.func(*(evaluated(arg) for arg in expr.args))


class Parser(Calculus):
    """One expression from a list of tokens, in a notation; ``expression()`` reads it all."""

    def __init__(self, toks: list[Token], notation: Notation = LOGISTIC, end: int = 0) -> None:
        self.toks, self.n, self.at, self.depth = toks, notation, 0, 0
        self.end = end or (toks[-1].column + len(toks[-1].text) if toks else 1)

    # -- helpers ------------------------------------------------------------
    def peek(self, k: int = 0) -> str | None:
        i = self.at + k
        return self.toks[i].text if i < len(self.toks) else None

    def error(self, expected: str, at: Token | None = None) -> ParseError:
        tok = at or (self.toks[self.at] if self.at < len(self.toks) else None)
        line = tok.line if tok else (self.toks[-1].line if self.toks else 1)
        if at is not None:
            return ParseError(line, tok.column, expected)
        found = repr(tok.text) if tok else "the end of the line"
        return ParseError(line, tok.column if tok else self.end,
                          f"expected {expected}, found {found}")

    def take(self, text: str, expected: str | None = None) -> Token:
        while self.peek() in SIZING:
            self.at += 1
        if self.peek() != text:
            raise self.error(expected or repr(text))
        self.at += 1
        return self.toks[self.at - 1]

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"at most {MAX_DEPTH} nested groups")

    def opener(self) -> str | None:
        """The bracket that opens here (after any sizing command), else None."""
        k = 0
        while self.peek(k) in SIZING:
            k += 1
        tok = self.peek(k)
        return tok if tok in OPENERS or (tok == "." and k) else None

    # -- grammar ------------------------------------------------------------
    def expression(self) -> sp.Expr:
        out = self.expr()
        if self.peek() is not None:
            raise self.error("an operator or the end of the line")
        return out

    def expr(self) -> sp.Expr:
        """terms joined by + and -, ``\\dots`` standing for the terms of a sum."""
        terms: list[sp.Expr | _Dots] = []
        sign = "+"
        if self.peek() in {"+", "-"}:
            sign = self.peek()
            self.at += 1
        while True:
            term = self.term()
            terms.append(term if sign == "+" or isinstance(term, _Dots) else _neg(term))
            if isinstance(term, _Dots) and sign == "-":
                raise self.error(r"+ before \dots", term.token)
            if self.peek() not in {"+", "-"}:
                break
            sign = self.peek()
            self.at += 1
        dots = [t for t in terms if isinstance(t, _Dots)]
        if dots:
            return self.ellipsis(terms, dots)
        return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)

    def ellipsis(self, terms: list, dots: list[_Dots]) -> sp.Expr:
        r"""``t_1 + t_2 + \dots + t_K`` as the sum over c = 1..K of the pattern of t_K."""
        at = dots[0].token
        if len(dots) > 1 or terms[-1] is dots[0] or terms[0] is dots[0] or \
                terms[-2] is not dots[0] or self.n.classes is None:
            raise self.error(r"a sum written with \dots as t_1 + \dots + t_K, alone in "
                             r"brackets (or \sum_{c=1}^{K})", at)
        last, first = terms[-1], terms[:-2]
        c = next(sp.Symbol(v, integer=True, positive=True) for v in "cilmnpq"
                 if sp.Symbol(v, integer=True, positive=True) not in last.free_symbols)
        pattern = last.xreplace({self.n.classes: c})
        ok = pattern != last and all(
            evaluated(pattern.xreplace({c: k + 1})) == evaluated(t)
            for k, t in enumerate(first))
        if not ok:
            raise self.error(r"terms before \dots that follow the last term's pattern, "
                             r"e.g. e^{z_1} + e^{z_2} + \dots + e^{z_K}", at)
        return sp.Sum(pattern, (c, 1, self.n.classes))

    def term(self) -> sp.Expr | _Dots:
        r"""factors, multiplied (``\cdot``, ``\times``, ``*`` or side by side) or divided."""
        if self.peek() == r"\dots":
            self.at += 1
            return _Dots(self.toks[self.at - 1])
        factors = [self.power()]
        while True:
            nxt = self.peek()
            if nxt in {r"\cdot", r"\times", "*"}:
                self.at += 1
                factors.append(self.signed())
            elif nxt == "/":
                self.at += 1
                den = self.power()
                if den == 0:
                    raise self.error("a divisor that is not 0")
                factors = [_div(_product(factors), den)]
            elif self.bar_ahead():
                factors = [self.evaluation(_product(factors))]
            elif nxt is not None and self.starts_factor():
                factors.append(self.power())
            else:
                return _product(factors)

    def signed(self) -> sp.Expr:
        """A factor after ``\\cdot``, which may carry its own sign (``a \\cdot -b``)."""
        if self.peek() == "-":
            self.at += 1
            self.nest()
            out = _neg(self.power())
            self.depth -= 1
            return out
        return self.power()

    def starts_factor(self) -> bool:
        tok = self.peek()
        if tok in RELATIONS or tok in {"+", "-", "}", ")", "]", r"\}", ",", "|", "^", "_",
                                       "'", r"\cdot", r"\times", "*", "/", r"\right",
                                       r"\to", r"\dots", ".", "&"}:
            return False
        return not (tok in SIZING and self.opener() is None)

    def bar_ahead(self) -> bool:
        """``|_{z=0}``, ``\\Big|_{z=0}`` or ``\\right|_{z=0}``: evaluation at a point."""
        k = 1 if self.peek() in SIZING else 0
        return self.peek(k) == "|" and self.peek(k + 1) == "_"

    def evaluation(self, expr: sp.Expr) -> sp.Expr:
        """``expr|_{z=0}``: ``expr`` with ``z = 0`` put in, as a Subs (unevaluated)."""
        self.at += 2 if self.peek() in SIZING else 1
        return self.at_point(expr)

    def at_point(self, expr: sp.Expr) -> sp.Expr:
        self.take("_")
        self.take("{", "{z = ...} after the bar")
        start = self.toks[self.at] if self.at < len(self.toks) else None
        var = self.atom()
        self.take("=", "= after the variable")
        value = self.expr()
        self.take("}")
        if not isinstance(var, (sp.Symbol, sp.Indexed)) or value.has(var):
            raise self.error("a symbol = a value without it, e.g. |_{z=0}", start)
        return sp.Subs(expr, var, value)

    def power(self) -> sp.Expr:
        base = self.atom()
        if isinstance(base, _Dots):
            raise self.error(r"\dots only between the terms of a sum", base.token)
        return self.exponent(base)

    def exponent(self, base: sp.Expr) -> sp.Expr:
        if self.peek() != "^":
            return base
        self.at += 1
        if self.n.transpose is not None and base == self.n.symbol("w") and \
                self.peek() in {"T", r"\top", "{"} and self._transpose():
            return self.n.transpose
        self.nest()
        exponent = self.group()
        self.depth -= 1
        self.check_power(base, exponent)
        if base == sp.E:
            return sp.exp(exponent, evaluate=False)
        return sp.Pow(base, exponent, evaluate=False)

    def _transpose(self) -> bool:
        """``w^T x``, ``w^{T} x``, ``w^\\top x``: the weighted sum (True when read)."""
        k = 1 if self.peek() in {"T", r"\top"} else 3
        if k == 3 and not (self.peek(1) in {"T", r"\top"} and self.peek(2) == "}"):
            return False
        self.at += k
        if self.peek() != "x":
            raise self.error("x after w^T")
        self.at += 1
        return True

    def check_power(self, base: sp.Expr, exponent: sp.Expr) -> None:
        """Refuse exponents that would make huge numbers, before the power exists."""
        if _largest(exponent) > MAX_EXPONENT:
            raise self.error(f"numbers of at most {MAX_EXPONENT} in an exponent")
        if max(_largest(exponent), 1.0) * _scale(base) * _scale(exponent) > MAX_TOWER:
            raise self.error(f"powers of powers whose exponents multiply to at most {MAX_TOWER}")
        if _worth(exponent) > MAX_EXPONENT:  # 10^{10^{10}}: the exponent is 10^10
            raise self.error(f"an exponent worth at most {MAX_EXPONENT} (a power of numbers "
                             "counts as its value)")
        digits = max(_worth(exponent), 1.0) * math.log10(max(_worth(base), 1.0) + 1)
        if digits > MAX_RESULT_DIGITS:
            raise self.error(f"a number of at most {MAX_RESULT_DIGITS} digits")

    def group(self) -> sp.Expr:
        """``{...}`` or one token's worth (``e^2``, ``x_j``; ``e^{12}`` but ``e^12`` is e^1 2)."""
        if self.peek() == "{":
            self.at += 1
            self.nest()
            out = self.expr()
            self.take("}")
            self.depth -= 1
            return out
        tok = self.peek()
        if tok is not None and tok.isdigit() and len(tok) > 1:  # TeX takes one digit
            first = self.toks[self.at]
            self.toks[self.at:self.at + 1] = [Token(tok[0], first.column, first.line),
                                              Token(tok[1:], first.column + 1, first.line)]
        return self.atom()

    def atom(self) -> sp.Expr | _Dots:
        tok = self.peek()
        if tok is None:
            raise self.error("a number, a symbol or a bracket")
        opener = self.opener()
        if opener is not None:
            return self.bracket(opener)
        if tok in SIZING:
            self.at += 1
            raise self.error("a bracket after the sizing command")
        if tok == "{":
            return self.group()
        if tok == "-":
            self.at += 1
            self.nest()
            out = _neg(self.power())
            self.depth -= 1
            return out
        if tok == r"\dots":
            self.at += 1
            return _Dots(self.toks[self.at - 1])
        if re.fullmatch(r"\d+(\.\d+)?", tok):
            if len(tok.replace(".", "")) > MAX_DIGITS:
                raise self.error(f"a number of at most {MAX_DIGITS} digits")
            self.at += 1
            whole, _, frac = tok.partition(".")  # digits only: read as integers, never parsed
            return sp.Rational(int(whole + frac), 10 ** len(frac))
        here = self.toks[self.at]
        self.at += 1
        if tok == r"\frac":
            return self.fraction()
        if tok in FUNCTIONS or tok == r"\sigma":
            return self.function(tok)
        if tok == r"\sqrt":
            return sp.Pow(self.group(), sp.S.Half, evaluate=False)
        if tok == r"\lim":
            return self.limit()
        if tok == r"\sum":
            return self.sum(here)
        if tok == r"\partial":
            return self.slash_derivative(here)
        if tok == r"\infty":
            return sp.oo
        if tok == r"\delta":
            return self.delta()
        if tok == "e" and self.peek() != "_":
            return sp.E
        if tok == "L" and self.n.loss is not None and self.opener() == "(":
            return self.loss()
        if re.fullmatch(r"[A-Za-z]", tok) or tok in GREEK or tok in self.n.symbols:
            name = tok.lstrip("\\")
            if self.peek() == "_":
                self.at += 1
                return self.n.symbol(name, self.subscript())
            return self.n.symbols.get(tok, self.n.symbol(name))
        self.at -= 1
        if tok.startswith("\\") and tok not in KNOWN and tok not in GREEK:
            raise self.error(f"{tok} is not part of the notation (see the README: \\frac, "
                             r"\cdot, \exp, \log, \sigma, \partial, \sum, \lim ...)", here)
        raise self.error("a number, a symbol or a bracket")

    def bracket(self, opener: str) -> sp.Expr:
        """``(...)``, ``\\left[...\\right]``, ``\\{...\\}``, ``\\left. ...\\right|``; a
        bracket ``[...]_{y=1}`` is evaluated at the point."""
        while self.peek() in SIZING:
            self.at += 1
        self.at += 1
        self.nest()
        inner = self.expr()
        if opener == ".":
            if self.peek() == r"\right" and self.peek(1) == ".":
                self.at += 2
        else:
            self.take(OPENERS[opener], f"{OPENERS[opener]!r} to close the bracket")
        self.depth -= 1
        if opener == "[" and self.peek() == "_" and self.peek(1) == "{":
            return self.at_point(inner)
        return inner

    def loss(self) -> sp.Expr:
        """``L(a, y)``: the exercise's loss of two arguments; ``L(a - y)`` is L times it."""
        while self.peek() in SIZING:
            self.at += 1
        self.at += 1
        self.nest()
        first = self.expr()
        if self.peek() == ",":
            self.at += 1
            second = self.expr()
            self.take(")")
            self.depth -= 1
            return self.n.loss(first, second)
        self.take(")", "')' or ', y)'")
        self.depth -= 1
        return _product([self.n.symbol("L"), self.exponent(first)])

    def subscript(self) -> str:
        """``_j``, ``_{jk}``, ``_{j,k}``, ``_1``: the subscript's letters and digits."""
        if self.peek() != "{":
            tok = self.peek() or ""
            if not re.fullmatch(r"[A-Za-z0-9]", tok[:1] or "#") or tok.startswith("\\"):
                raise self.error("a subscript letter or digit")
            self.at += 1
            if tok.isdigit() and len(tok) > 1:
                return tok[0]
            return tok
        self.at += 1
        parts = []
        while self.peek() not in {"}", None}:
            tok = self.peek()
            if not re.fullmatch(r"[A-Za-z0-9,]+", tok):
                raise self.error("a subscript of letters or digits")
            parts.append(tok)
            self.at += 1
        self.take("}")
        if not parts:
            raise self.error("a subscript")
        return "".join(parts)

    def argument(self) -> sp.Expr:
        """``\\log(a)``, ``\\log{(1-a)}``, ``\\log a_k``, ``\\log 2``: one atom."""
        self.nest()
        out = self.atom()
        self.depth -= 1
        if isinstance(out, _Dots):
            raise self.error("the function's argument", out.token)
        return out

    def function(self, name: str) -> sp.Expr:
        r"""``\exp(z)``, ``\log a``, ``\sigma(z)``, ``\sigma'(z)``, ``\sigma^2(z)``."""
        primes, power = 0, None
        while True:
            if self.peek() in {"'", r"\prime"}:
                primes, self.at = primes + 1, self.at + 1
            elif self.peek() == "^" and self.peek(1) == r"\prime":
                primes, self.at = primes + 1, self.at + 2
            elif [self.peek(k) for k in range(4)] == ["^", "{", r"\prime", "}"]:
                primes, self.at = primes + 1, self.at + 4
            elif self.peek() == "^" and self.peek(1) == "{" and self.peek(2) == r"\prime":
                self.at += 2
                while self.peek() == r"\prime":
                    primes, self.at = primes + 1, self.at + 1
                self.take("}")
            elif self.peek() == "^" and power is None:
                self.at += 1
                self.nest()
                power = self.group()
                self.depth -= 1
            else:
                break
        if primes and name != r"\sigma":
            raise self.error(f"no prime on {name}")
        if primes > 2:
            raise self.error("at most two primes")
        if self.opener() is None and name == r"\sigma":
            raise self.error(r"the sigmoid's argument in brackets, e.g. \sigma(z)")
        arg = self.argument()
        if name == r"\sigma":
            value = sigma(arg) if not primes else (
                sp.Derivative(sigma(arg), (arg, primes)) if arg.is_Symbol else
                sp.Subs(sp.Derivative(sigma(sp.Symbol("z", real=True)),
                                      (sp.Symbol("z", real=True), primes)),
                        sp.Symbol("z", real=True), arg))
        else:
            if name == r"\exp":
                self.check_power(sp.E, arg)
            value = FUNCTIONS[name](arg, evaluate=False)
        if power is not None:
            self.check_power(value, power)
            value = sp.Pow(value, power, evaluate=False)
        return value

    def delta(self) -> sp.Expr:
        r"""``\delta_{kj}``: the Kronecker delta of two indices (else the symbol δ)."""
        if self.peek() != "_":
            return self.n.symbol("delta")
        self.at += 1
        sub = self.subscript().replace(",", "")
        if len(sub) != 2:
            return self.n.symbol("delta", sub)
        return sp.KroneckerDelta(self.n.index(sub[0]), self.n.index(sub[1]))

    def fraction(self) -> sp.Expr:
        if self.peek() == "{" and self.peek(1) in {"d", r"\partial"}:
            return self.derivative()
        tok = self.peek() or ""
        if tok.isdigit() and len(tok) > 1:  # \frac12 is 1/2: TeX takes one digit each
            first = self.toks[self.at]
            self.toks[self.at:self.at + 1] = [Token(tok[0], first.column, first.line),
                                              Token(tok[1:], first.column + 1, first.line)]
        self.nest()
        num = self.group()
        den = self.group()
        self.depth -= 1
        if den == 0:
            raise self.error("a denominator that is not 0")
        return _div(num, den)


def parse_tokens(toks: list[Token], notation: Notation = LOGISTIC, end: int = 0) -> sp.Expr:
    """One expression from its tokens (see :func:`math_tokens`); ParseError if it is not one."""
    p = Parser(toks, notation, end)
    try:
        return p.expression()
    except ParseError:
        raise
    except (RecursionError, MemoryError):
        raise ParseError(toks[0].line if toks else 1, 1, "a shorter, less nested line") \
            from None
    except Exception as exc:  # SymPy refusing a construction: still the student's line
        tok = p.toks[min(p.at, len(p.toks) - 1)] if p.toks else Token("", 1)
        raise ParseError(tok.line, tok.column, "something SymPy can build "
                         f"({type(exc).__name__})") from None


def parse_expression(text: str, line: int = 1, notation: Notation = LOGISTIC) -> sp.Expr:
    """One expression in the lecture's LaTeX notation; ParseError if it is not one."""
    return parse_tokens(math_tokens(raw_tokens(text, line)), notation, len(text) + 1)
