r"""Students' LaTeX read into SymPy by a small recursive-descent parser; never executed.

The text is only ever tokenised and matched against a grammar: no ``eval``,
``sympify`` or ``parse_expr``. Limits on the text (line length, nesting depth,
number size, exponent size) are checked before any SymPy object is built, so a
power tower cannot exhaust the machine. The lecture's names mean the lecture's
things: ``\sigma`` the sigmoid, ``e`` Euler's number, ``x_j``, ``w_j``, ``b``,
``z``, ``a``, ``y``, ``L``, ``\eta`` its symbols, and ``w^T x`` the weighted sum
``w_j x_j + s``.

>>> parse_expression(r"\frac{1}{1 + e^{-z}}")
1/(1 + exp(-z))
>>> parse_expression(r"\sigma(z)\left(1-\sigma(z)\right)")  # kept in the order written
sigma(z)*(1 - sigma(z))
>>> parse_expression(r"\frac{\partial L}{\partial w_j}")
Derivative(L, w_j)
>>> [(line.relation, line.expr) for line in parse_answer("a(1-a) % given\n= a - a^2")]
[(None, a*(1 - a)), ('=', -a**2 + a)]
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import sympy as sp

from derivations.loss import loss_of
from derivations.symbols import L, a, b, eta, lam, s, sigma, t, w_j, w_k, x_j, x_k, y, z

MAX_LINE = 400       # characters in one line
MAX_LINES = 60       # lines in one answer
MAX_DEPTH = 24       # nested groups, fractions and brackets
MAX_DIGITS = 12      # digits in one number
MAX_EXPONENT = 100   # largest whole-number exponent |n|, checked before a power is built
MAX_RESULT_DIGITS = 1000  # digits of a number a power of numbers may make
MAX_TOWER = 1000     # product of the exponents of powers nested in powers

RELATIONS = {"=": "=", r"\iff": r"\iff", r"\Leftrightarrow": r"\iff", "<": "<", ">": ">",
             r"\le": r"\le", r"\leq": r"\le", r"\ge": r"\ge", r"\geq": r"\ge"}
SYMBOLS = {"z": z, "a": a, "y": y, "L": L, "b": b, "s": s, "t": t, r"\eta": eta,
           r"\lambda": lam}
SUBSCRIPTED = {("x", "j"): x_j, ("w", "j"): w_j, ("x", "k"): x_k, ("w", "k"): w_k}
SIZING = {r"\left", r"\right", r"\big", r"\Big", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr",
          r"\bigg", r"\Bigg", r"\biggl", r"\biggr", r"\Biggl", r"\Biggr"}
SPACES = {r"\,", r"\;", r"\!", r"\ ", r"\quad", r"\qquad"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\[,;! ]|\d+(?:\.\d+)?|[A-Za-z]|[-+*/^_(){}\[\]=<>',|.]|\s+")
#: characters a student may paste instead of the command (read as the command)
UNICODE = {"\u2212": "-", "\u00b7": r"\cdot", "\u00d7": r"\times", "\u03c3": r"\sigma",
           "\u03b7": r"\eta", "\u2202": r"\partial", "\u2264": r"\le", "\u2265": r"\ge",
           "\u21d4": r"\iff", "\u221e": r"\infty", "\u2032": "'"}


def _add(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """A sum kept in the order written, flat: ``a - b + c`` is one sum of three terms."""
    terms = x.args if isinstance(x, sp.Add) and sp.Add(*x.args) != x else (x,)
    return sp.Add(*terms, y, evaluate=False)


def _mul(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """A product kept in the order written (its factors wrapped, as ``symbols.mul`` does)."""
    def factors(e: sp.Expr) -> tuple[sp.Expr, ...]:
        if isinstance(e, sp.Mul) and all(isinstance(f, sp.UnevaluatedExpr) for f in e.args):
            return e.args
        return (sp.UnevaluatedExpr(e),)
    return sp.Mul(*factors(x), *factors(y), evaluate=False)


def _neg(x: sp.Expr) -> sp.Expr:
    if isinstance(x, sp.Number) and x != 0:  # -1 is a number, not -(1)
        return -x
    return sp.Mul(sp.S.NegativeOne, x, evaluate=False)


def _div(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    if x == 1:
        return sp.Pow(y, sp.S.NegativeOne, evaluate=False)
    return sp.Mul(x, sp.Pow(y, sp.S.NegativeOne, evaluate=False), evaluate=False)


def _scale(expr: sp.Basic) -> float:
    """How much nested numeric powers in ``expr`` multiply an exponent: 10^{99} gives 99."""
    if isinstance(expr, (sp.Pow, sp.exp)):
        base, power = (sp.E, expr.args[0]) if isinstance(expr, sp.exp) else expr.args
        return max(_largest(power), 1.0) * _scale(base)
    return max((_scale(arg) for arg in expr.args), default=1.0)


def _largest(expr: sp.Basic) -> float:
    return max((abs(float(n)) for n in expr.atoms(sp.Number) if n.is_finite), default=0.0)


def evaluated(expr: sp.Basic) -> sp.Basic:
    r"""``expr`` with SymPy's automatic simplification applied, as if typed in Python.

    The parser builds every sum, product and power unevaluated, so that reading text
    never computes anything; run this where time and memory are limited.

    >>> evaluated(parse_expression(r"2 \cdot 3 + z - z"))
    6
    """
    if not expr.args:
        return expr
    if isinstance(expr, sp.UnevaluatedExpr):
        return evaluated(expr.args[0])
    return expr.func(*(evaluated(arg) for arg in expr.args))


class ParseError(ValueError):
    """A line that does not read as the lecture's notation: where, and what was expected."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.line, self.column = line, column


@dataclass(frozen=True)
class Token:
    text: str
    column: int  # 1-based


@dataclass(frozen=True)
class Line:
    """One line of an answer: its relation to the line before (None on the first)."""

    number: int
    relation: str | None
    expr: sp.Basic
    why: str = ""


def tokens(text: str, line: int = 1) -> list[Token]:
    """The tokens of one line (spaces dropped); ParseError at the first unknown character."""
    if len(text) > MAX_LINE:
        raise ParseError(line, MAX_LINE + 1, f"the line is longer than {MAX_LINE} characters")
    out, at = [], 0
    while at < len(text):
        if text[at] in UNICODE:
            out.append(Token(UNICODE[text[at]], at + 1))
            at += 1
            continue
        m = _TOKEN.match(text, at)
        if not m:
            raise ParseError(line, at + 1, f"unexpected character {text[at]!r}")
        if not m.group().isspace() and m.group() not in SPACES:
            out.append(Token(m.group(), at + 1))
        at = m.end()
    return out


class _Parser:
    def __init__(self, text: str, line: int) -> None:
        self.toks = tokens(text, line)
        self.line, self.at, self.depth, self.width = line, 0, 0, len(text) + 1
        self.holds: set[int] = set()  # depths where d/dz owns the evaluation bar after it

    # -- helpers ------------------------------------------------------------
    def peek(self, k: int = 0) -> str | None:
        i = self.at + k
        return self.toks[i].text if i < len(self.toks) else None

    def error(self, expected: str) -> ParseError:
        found = self.peek()
        column = self.toks[self.at].column if found is not None else self.width
        return ParseError(self.line, column, f"expected {expected}, found "
                          + (repr(found) if found is not None else "the end of the line"))

    def take(self, text: str, expected: str | None = None) -> None:
        while self.peek() in SIZING:
            self.at += 1
        if self.peek() != text:
            raise self.error(expected or repr(text))
        self.at += 1

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"at most {MAX_DEPTH} nested groups")

    def group(self) -> sp.Expr:
        """``{...}`` or a single token's worth (``e^2``, ``x_j``)."""
        if self.peek() == "{":
            self.at += 1
            self.nest()
            out = self.expr()
            self.take("}")
            self.depth -= 1
            return out
        return self.atom()

    # -- grammar ------------------------------------------------------------
    def expr(self) -> sp.Expr:
        """terms joined by + and -."""
        sign = 1
        if self.peek() in {"+", "-"}:
            sign = -1 if self.peek() == "-" else 1
            self.at += 1
        out = self.term()
        out = _neg(out) if sign < 0 else out
        while self.peek() in {"+", "-"}:
            op = self.peek()
            self.at += 1
            nxt = self.term()
            out = _add(out, nxt if op == "+" else _neg(nxt))
        return out

    def term(self) -> sp.Expr:
        """factors, multiplied (``\\cdot``, ``\\times``, ``*`` or side by side) or divided."""
        out = self.power()
        while True:
            nxt = self.peek()
            if nxt in {r"\cdot", r"\times", "*"}:
                self.at += 1
                out = _mul(out, self.power())
            elif nxt == "/":
                self.at += 1
                den = self.power()
                if den == 0:
                    raise self.error("a divisor that is not 0")
                out = _div(out, den)
            elif nxt is not None and self.starts_factor(nxt):
                out = _mul(out, self.power())
            elif self.depth not in self.holds and self.bar_ahead():
                out = self.evaluation(out)
            else:
                return out

    def bar_ahead(self) -> bool:
        """``|_{z=0}``, ``\\Big|_{z=0}`` or ``\right|_{z=0}``: evaluation at a point."""
        k = 1 if self.peek() in SIZING else 0
        return self.peek(k) == "|" and self.peek(k + 1) == "_"

    def evaluation(self, expr: sp.Expr) -> sp.Expr:
        """``expr|_{z=0}``: ``expr`` with ``z = 0`` put in, as a Subs (unevaluated)."""
        self.at += 2 if self.peek() in SIZING else 1
        self.take("_")
        self.take("{", "{z = ...} after the bar")
        var = self.atom()
        self.take("=", "= after the variable")
        value = self.expr()
        self.take("}")
        if not isinstance(var, sp.Symbol) or value.has(var):
            raise self.error("a symbol = a value without it, e.g. |_{z=0}")
        return sp.Subs(expr, var, value)

    def starts_factor(self, text: str) -> bool:
        if text in RELATIONS or text in {"+", "-", "}", ")", "]", ",", "|", "^", "_", "'",
                                         r"\cdot", r"\times", "*", "/", r"\right"}:
            return False
        return not (text in SIZING and self.peek(1) in {")", "]", "|", "."})

    def power(self) -> sp.Expr:
        base = self.atom()
        if self.peek() == "^":
            self.at += 1
            braced = [self.peek(), self.peek(1), self.peek(2)] == ["{", "T", "}"]
            if isinstance(base, sp.Symbol) and base.name == "w" and (self.peek() == "T"
                                                                      or braced):
                self.at += 1 if self.peek() == "T" else 3
                if self.peek() != "x":
                    raise self.error("x after w^T")
                self.at += 1
                return _add(_mul(w_j, x_j), s)  # w^T x: the weighted sum w_j x_j + the rest s
            self.nest()
            exponent = self.group()
            self.depth -= 1
            self.check_power(base, exponent)
            if base == sp.E:
                return sp.exp(exponent, evaluate=False)
            return sp.Pow(base, exponent, evaluate=False)
        return base

    def check_power(self, base: sp.Expr, exponent: sp.Expr) -> None:
        """Refuse exponents that would make huge numbers, before the power exists."""
        if _largest(exponent) > MAX_EXPONENT:
            raise self.error(f"numbers of at most {MAX_EXPONENT} in an exponent")
        if max(_largest(exponent), 1.0) * _scale(base) * _scale(exponent) > MAX_TOWER:
            raise self.error(f"powers of powers whose exponents multiply to at most {MAX_TOWER}")
        digits = max(_largest(exponent), 1.0) * math.log10(max(_largest(base), 1.0) + 1)
        if digits > MAX_RESULT_DIGITS:
            raise self.error(f"a number of at most {MAX_RESULT_DIGITS} digits")

    def atom(self) -> sp.Expr:
        tok = self.peek()
        if tok is None:
            raise self.error("a number, a symbol or a bracket")
        while tok in SIZING:
            self.at += 1
            tok = self.peek()
            if tok is None:
                raise self.error("a bracket after the sizing command")
        if tok == ".":  # \left. ... \right|_{z=0}: an invisible bracket
            self.at += 1
            self.nest()
            inner = self.expr()
            if self.peek() == r"\right" and self.peek(1) == ".":
                self.at += 2
            self.depth -= 1
            return inner
        if tok in {"(", "["}:
            close = ")" if tok == "(" else "]"
            self.at += 1
            self.nest()
            inner = self.expr()
            self.take(close)
            self.depth -= 1
            return inner
        if tok == "{":
            return self.group()
        if tok == "-":
            self.at += 1
            self.nest()
            out = _neg(self.power())
            self.depth -= 1
            return out
        if re.fullmatch(r"\d+(\.\d+)?", tok):
            if len(tok.replace(".", "")) > MAX_DIGITS:
                raise self.error(f"a number of at most {MAX_DIGITS} digits")
            self.at += 1
            whole, _, frac = tok.partition(".")  # digits only: read as integers, never parsed
            return sp.Rational(int(whole + frac), 10 ** len(frac))
        self.at += 1
        if tok == r"\frac":
            return self.fraction()
        if tok in {r"\exp"}:
            arg = self.argument()
            self.check_power(sp.E, arg)
            return sp.exp(arg, evaluate=False)
        if tok in {r"\log", r"\ln"}:
            return sp.log(self.argument(), evaluate=False)
        if tok == r"\sigma":
            return self.sigmoid()
        if tok == r"\lim":
            return self.limit()
        if tok == r"\infty":
            return sp.oo
        if tok == "L" and (self.peek() == "(" or (self.peek() == r"\left"
                           and self.peek(1) == "(")):
            applied = self.loss_arguments()
            if applied is not None:
                return applied
        if tok in SYMBOLS:
            return SYMBOLS[tok]
        if tok == "e":
            return sp.E
        if re.fullmatch(r"[A-Za-z]", tok):
            if self.peek() == "_":
                self.at += 1
                sub = self.subscript()
                return SUBSCRIPTED.get((tok, sub), sp.Symbol(f"{tok}_{sub}", real=True))
            return sp.Symbol(tok, real=True)
        self.at -= 1
        if tok.startswith("\\"):
            raise self.error(r"a command the lecture uses (\frac, \cdot, \left, \right, "
                             r"\exp, \log, \sigma, \lim, \eta), not " + tok)
        raise self.error("a number, a symbol or a bracket")

    def loss_arguments(self) -> sp.Expr | None:
        """``L(a, y)``: the loss as a function of two arguments (else None, ``L`` times ...)."""
        mark, depth = self.at, self.depth
        try:
            self.take("(")
            self.nest()
            first = self.expr()
            if self.peek() != ",":
                raise self.error("','")
            self.at += 1
            second = self.expr()
            self.take(")")
        except ParseError:
            self.at, self.depth = mark, depth
            return None
        self.depth = depth
        return loss_of(first, second)

    def subscript(self) -> str:
        if self.peek() == "{":
            self.at += 1
            name = self.peek() or ""
            self.at += 1
            self.take("}")
            return name
        name = self.peek() or ""
        self.at += 1
        if not re.fullmatch(r"[A-Za-z0-9]+", name):
            raise self.error("a subscript letter")
        return name

    def argument(self) -> sp.Expr:
        """``\\log(a)``, ``\\log{(1-a)}``, ``\\log a``: a bracket, a group or one symbol
        (a power after it, ``\\sigma(z)^2``, applies to the function's value)."""
        return self.atom()

    def sigmoid(self) -> sp.Expr:
        primes = 0
        while True:
            if self.peek() in {"'", r"\prime"}:
                primes, self.at = primes + 1, self.at + 1
            elif self.peek() == "^" and self.peek(1) == r"\prime":
                primes, self.at = primes + 1, self.at + 2
            elif [self.peek(k) for k in range(4)] == ["^", "{", r"\prime", "}"]:
                primes, self.at = primes + 1, self.at + 4
            else:
                break
        if primes > 2:
            raise self.error("at most two primes")
        arg = self.argument()
        if not primes:
            return sigma(arg)
        if arg.is_Symbol:
            return sp.Derivative(sigma(arg), (arg, primes))
        return sp.Subs(sp.Derivative(sigma(z), (z, primes)), z, arg)

    def fraction(self) -> sp.Expr:
        digits = self.peek() or ""
        if re.fullmatch(r"\d\d+", digits):  # \frac12 is 1/2: TeX takes one digit each
            column = self.toks[self.at].column
            self.toks[self.at:self.at + 1] = [Token(digits[0], column),
                                              Token(digits[1], column + 1)] + (
                [Token(digits[2:], column + 2)] if digits[2:] else [])
        start = self.at
        top = self.differential()
        if top is not None:
            bottom = self.differential()
            var, order = self.variable(bottom)
            if bottom is not None and (top[0] != bottom[0] or top[2] != order):
                raise self.error(r"a derivative whose top and bottom match, e.g. "
                                 r"\frac{d^2}{dz^2} or \frac{\partial L}{\partial a}")
            if var is not None:
                if top[1] is None:  # d/dz applies to the rest of the product
                    self.holds.add(self.depth)
                    rest = self.term()
                    self.holds.discard(self.depth)
                    return sp.Derivative(rest, (var, order))
                return sp.Derivative(top[1], (var, order))
        self.at = start
        num = self.group()
        den = self.group()
        if den == 0:
            raise self.error("a denominator that is not 0")
        return _div(num, den)

    def differential(self) -> tuple[str, sp.Expr | None, int] | None:
        """``{d}``, ``{d^2}``, ``{d\\sigma(z)}``, ``{\\partial L}``, ``{dz}``, ``{dz^2}``:
        (d or ∂, what, order), or None when the group is not a differential."""
        if self.peek() != "{" or self.peek(1) not in {"d", r"\partial"}:
            return None
        mark = self.at
        self.at += 2
        kind, order = self.toks[self.at - 1].text, 1
        if self.peek() == "^" and self.peek(1) in {"2", "3"}:
            order, self.at = int(self.toks[self.at + 1].text), self.at + 2
        if self.peek() == "}":
            self.at += 1
            return kind, None, order
        try:
            what = self.expr()
            self.take("}")
        except ParseError:
            self.at = mark
            return None
        return kind, what, order

    @staticmethod
    def variable(bottom: tuple[str, sp.Expr | None, int] | None) -> tuple[sp.Symbol | None, int]:
        """The variable and order of ``{dz}`` (z, 1) or ``{dz^2}`` (z, 2)."""
        what = None if bottom is None else bottom[1]
        if isinstance(what, sp.Symbol):
            return what, 1
        if isinstance(what, sp.Pow) and isinstance(what.base, sp.Symbol) and \
                what.exp in (2, 3):
            return what.base, int(what.exp)
        return None, 0

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
        if not isinstance(var, sp.Symbol) or var in point.free_symbols:
            raise self.error(r"a symbol before \to, and a limit point without it")
        if point.is_infinite:
            direction = "-" if point == sp.oo else "+"
        self.holds.add(self.depth)  # like d/dz, the limit takes the rest of the product
        rest = self.term()
        self.holds.discard(self.depth)
        return sp.Limit(rest, var, point, direction)


def parse_expression(text: str, line: int = 1) -> sp.Expr:
    """One expression in the lecture's LaTeX notation; ParseError if it is not one."""
    p = _Parser(text, line)
    try:
        out = p.expr()
    except ParseError:
        raise
    except (RecursionError, MemoryError):
        raise ParseError(line, 1, "a shorter, less nested line") from None
    except Exception as exc:  # SymPy refusing a construction: still the student's line
        raise ParseError(line, p.toks[min(p.at, len(p.toks) - 1)].column if p.toks else 1,
                         f"something SymPy can build ({type(exc).__name__})") from None
    if p.peek() is not None:
        raise p.error("an operator or the end of the line")
    return out


def _relation_split(text: str, line: int) -> list[tuple[str | None, int, str]]:
    """``lhs = rhs \\iff ...`` cut at its top-level relations: (relation, offset, text)."""
    toks = tokens(text, line)
    parts: list[tuple[str | None, int, str]] = []
    start, rel, depth = 0, None, 0
    for tok in toks:
        depth += tok.text in {"{", "(", "["}
        depth -= tok.text in {"}", ")", "]"}
        if depth == 0 and tok.text in RELATIONS:
            parts.append((rel, start, text[start:tok.column - 1]))
            rel, start = RELATIONS[tok.text], tok.column - 1 + len(tok.text)
    parts.append((rel, start, text[start:]))
    return parts


#: a comparison inside a statement, as SymPy builds it (unevaluated)
COMPARE = {"=": sp.Eq, "<": sp.StrictLessThan, ">": sp.StrictGreaterThan,
           r"\le": sp.LessThan, r"\ge": sp.GreaterThan}


def _statement(pieces: list[tuple[str | None, sp.Expr]], line: int) -> sp.Basic:
    """``a < b``, or ``a < b < c`` as (a < b) and (b < c), unevaluated."""
    if len(pieces) < 2:
        raise ParseError(line, 1, r"a statement such as z > 0 on each side of \iff")
    parts = [COMPARE[rel](left, right, evaluate=False)
             for (_, left), (rel, right) in itertools.pairwise(pieces)]
    return parts[0] if len(parts) == 1 else sp.And(*parts, evaluate=False)


_MATH_LINE = re.compile(r"\s*\\(begin|end)\{(align|equation|gather|eqnarray|multline)\*?\}\s*")
_DELIMITERS = re.compile(r"\$\$?|\\\[|\\\]|&|\\\\\s*$")


def _display_math_removed(row: str) -> str:
    r"""``$$``, ``\[``, ``&`` and a trailing ``\\`` as spaces (columns stay), and the
    lines of ``\begin{align*}`` and ``\end{align*}`` as blank lines."""
    if _MATH_LINE.fullmatch(row):
        return ""
    return _DELIMITERS.sub(lambda m: " " * len(m.group()), row)


def parse_answer(text: str) -> list[Line]:
    r"""An answer, one step per line: the first line, then lines that start with a relation
    (``=``, ``<``, ``\le``, ``>``, ``\ge``, or ``\iff``); ``%`` begins a justification.

    A chain of expressions (``=``, ``<``...) gives one Line per expression. A chain of
    statements joined by ``\iff`` gives one Line per statement (``z > 0``):

    >>> [(ln.relation, ln.expr) for ln in parse_answer("e^{-z} < 1 \n \\iff z > 0")]
    [(None, exp(-z) < 1), ('\\iff', z > 0)]

    After a blank line, a line that does not start with a relation starts a new chain
    (its Line has ``relation`` None). ``$$``, ``\[ \]``, ``&``, ``\\`` and the lines
    ``\begin{align*}``/``\end{align*}`` are layout and are ignored.
    """
    if not isinstance(text, str):
        raise TypeError("an answer is text")
    rows = text.splitlines()
    if len(rows) > MAX_LINES:
        raise ParseError(MAX_LINES + 1, 1, f"an answer has at most {MAX_LINES} lines")
    chains: list[list[tuple[int, str | None, sp.Expr, str]]] = []  # (line, relation, expr, why)
    blank = True
    for number, raw in enumerate(rows, 1):
        if len(raw) > MAX_LINE:
            raise ParseError(number, MAX_LINE + 1,
                             f"the line is longer than {MAX_LINE} characters")
        body, _, why = raw.partition("%")
        body = _display_math_removed(body)
        if not body.strip():
            blank = blank or not why.strip()  # a comment alone keeps the chain going
            continue
        parts = _relation_split(body, number)
        if chains and not parts[0][2].strip():
            parts = parts[1:]
        elif chains and not blank:
            raise ParseError(number, 1, r"a relation (=, \iff, <, \le, >, \ge) at the start "
                             "of a line that continues the chain (or a blank line before "
                             "a new chain)")
        else:
            chains.append([])
        blank = False
        for k, (rel, offset, piece) in enumerate(parts):
            if not piece.strip():
                raise ParseError(number, offset + 1, "an expression here")
            expr = parse_expression(" " * offset + piece, number)
            said = why.strip() if k == len(parts) - 1 else ""  # the reason for the last step
            chains[-1].append((number, rel if chains[-1] else None, expr, said))
    if not chains:
        raise ParseError(1, 1, "at least one line with an expression")
    return [line for chain in chains for line in _chain_lines(chain)]


def _chain_lines(found: list[tuple[int, str | None, sp.Expr, str]]) -> list[Line]:
    if not any(rel == r"\iff" for _, rel, _, _ in found):
        return [Line(*item) for item in found]
    groups: list[list[tuple[int, str | None, sp.Expr, str]]] = [[]]
    for item in found:  # one statement per group, the groups joined by \iff
        if item[1] == r"\iff":
            groups.append([])
        groups[-1].append(item)
    out = []
    for k, group in enumerate(groups):
        number, why = group[0][0], next((w for *_, w in reversed(group) if w), "")
        pieces = [(None if i == 0 else rel, expr) for i, (_, rel, expr, _) in enumerate(group)]
        out.append(Line(number, r"\iff" if k else None, _statement(pieces, number), why))
    return out
