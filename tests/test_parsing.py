"""Students' LaTeX read by a parser that never executes it (the first part of issue 12)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sympy as sp

from derivations.loss import loss_of
from derivations.parsing import MAX_LINE, ParseError, evaluated, parse_answer, parse_expression
from derivations.symbols import L, a, b, eta, s, sigma, w_j, x_j, y, z

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("text", "expected"), [
    (r"\frac{1}{1+e^{-z}}", 1 / (1 + sp.exp(-z))),
    (r"\sigma(z)(1-\sigma(z))", sigma(z) * (1 - sigma(z))),
    (r"\sigma'(z)", sp.Derivative(sigma(z), z)),
    (r"\sigma''(z)", sp.Derivative(sigma(z), (z, 2))),
    (r"\frac{d}{dz} \frac{1}{1 + e^{-z}}", sp.Derivative(1 / (1 + sp.exp(-z)), z)),
    (r"\frac{d\sigma(z)}{dz}", sp.Derivative(sigma(z), z)),
    (r"\frac{\partial L}{\partial w_j}", sp.Derivative(L, w_j)),
    (r"\frac{\partial}{\partial w_{j}} \left(w^T x + b\right)",
     sp.Derivative(w_j * x_j + s + b, w_j)),
    (r"a(1-a) x_j", a * (1 - a) * x_j),
    (r"2z", 2 * z),
    (r"(a - y) \cdot x_j", (a - y) * x_j),
    (r"-\left[y \log a + (1-y)\log(1-a)\right]", -(y * sp.log(a) + (1 - y) * sp.log(1 - a))),
    (r"\exp(-z) / (1 + \exp(-z))^2", sp.exp(-z) / (1 + sp.exp(-z)) ** 2),
    (r"w_j - \eta (a - y) x_j", w_j - eta * (a - y) * x_j),
    (r"\lim_{z \to \infty} \sigma(z)", sp.Limit(sigma(z), z, sp.oo)),
    (r"\sigma(z)^2", sigma(z) ** 2),
    (r"1.5 \, a", sp.Rational(3, 2) * a),
    (r"w^{T}x + b", w_j * x_j + s + b),
    (r"\frac{d}{dz} z(1-z) + b", sp.Derivative(z * (1 - z), z) + b),
    (r"L(a, 1)", loss_of(a, 1)),
    (r"L\left(a, y\right)", loss_of(a, y)),
    (r"L(a - y)", L * (a - y)),
    (r"\frac12 + \frac{1}{2}", 1),
    (r"\frac{d^2}{dz^2} \sigma(z)", sp.Derivative(sigma(z), (z, 2))),
    (r"\sigma^{\prime}(z) + \sigma\prime(z)", 2 * sp.Derivative(sigma(z), z)),
    (r"\frac{d}{dz}\sigma(z)\Big|_{z=0}", sp.Subs(sp.Derivative(sigma(z), z), z, 0)),
    (r"\left. z^2 \right|_{z=1} + 1", sp.Subs(z**2, z, 1) + 1),
    (r"\lim_{a \to 0^+} \log a", sp.Limit(sp.log(a), a, 0, "+")),
    (r"\lim_{z \to 0} \frac{1}{z}", sp.Limit(1 / z, z, 0, "+-")),
    ("\u03c3(z)(1 \u2212 \u03c3(z))", sigma(z) * (1 - sigma(z))),
    (r"e^{-1}", sp.exp(-1)),
])
def test_the_lecture_notation_reads_as_the_lecture_means_it(text, expected):
    assert evaluated(parse_expression(text)) == expected


def test_an_answer_is_a_chain_of_lines_with_relations_and_justifications():
    lines = parse_answer(r"""\sigma'(z) = \frac{d}{dz} \frac{1}{1+e^{-z}}  % definition
        = \frac{e^{-z}}{(1+e^{-z})^2}   % chain rule

        = \sigma(z)(1 - \sigma(z))""")
    assert [(ln.number, ln.relation) for ln in lines] == [(1, None), (1, "="), (2, "="),
                                                          (4, "=")]
    assert lines[1].why == "definition"
    assert evaluated(lines[3].expr) == sigma(z) * (1 - sigma(z))
    chain = parse_answer("\\sigma(z) > \\frac{1}{2}\n\\iff e^{-z} < 1 % subtract 1\n"
                         "\\iff z > 0")
    assert [(ln.number, ln.relation) for ln in chain] == [(1, None), (2, r"\iff"),
                                                          (3, r"\iff")]
    assert [evaluated(ln.expr) for ln in chain] == [sigma(z) > sp.S.Half, sp.exp(-z) < 1,
                                                    z > 0]
    assert chain[1].why == "subtract 1"
    both = parse_answer("0 < a < 1 \\iff 0 < a \\le 1")[0].expr
    assert isinstance(both, sp.And) and len(both.args) == 2
    with pytest.raises(ParseError, match="a statement such as z > 0"):
        parse_answer("z \\iff z > 0")


@pytest.mark.parametrize(("text", "where", "says"), [
    (r"\frac{1}{1 + }", (1, 14), "expected a number, a symbol or a bracket"),
    ("a + (b", (1, 7), "expected ')', found the end of the line"),
    ("a = b\nc", (2, 1), "a relation"),
    (r"a = b \input{/etc/passwd}", (1, 7), r"not \input"),
    ("a = b\n= c # d", (2, 5), "unexpected character '#'"),
])
def test_a_line_that_does_not_parse_names_line_column_and_what_was_expected(text, where,
                                                                            says):
    with pytest.raises(ParseError) as err:
        parse_answer(text)
    assert (err.value.line, err.value.column) == where, str(err.value)
    assert says in str(err.value)


@pytest.mark.parametrize(("text", "says"), [
    ("__import__('os').system('echo pwned')", "found '_'"),
    ("__import__('os')", "expected a number, a symbol or a bracket"),
    ("eval(open('/etc/passwd').read())", "found \"'\""),
    (r"2^{2^{2^{100}}}", "exponents multiply to at most 1000"),
    (r"2^{1000}", "numbers of at most 100 in an exponent"),
    (r"((10^{100})^{100})^{100}", "exponents multiply to at most 1000"),
    (r"(3x)^{999999999999/2}", "numbers of at most 100 in an exponent"),
    (r"e^{999999999999\log 3}", "numbers of at most 100 in an exponent"),
    (r"\exp(99999999\log 2)", "numbers of at most 100 in an exponent"),
    (r"\frac{1}{(\frac{1}{(\frac{1}{10^{99}})^{-100}})^{-100}}",
     "exponents multiply to at most 1000"),
    ("2^-" * 130 + "z", "nested groups"),
    (r"x\left", "a bracket after the sizing command"),
    (r"\lim_{z\to 2z} a", "a limit point such as 0"),
    ("9" * 40, "a number of at most 12 digits"),
    (r"\frac{1}{" * 30 + "x" + "}" * 30, "nested groups"),
    ("(" * 40 + "x" + ")" * 40, "nested groups"),
    ("a" * (MAX_LINE + 9600), "longer than"),
    ("a = \udcff\udcfe", "unexpected character"),
    ("a\n" + "= a\n" * 100, "at most 60 lines"),
])
def test_hostile_input_is_refused_before_anything_is_built(text, says):
    with pytest.raises(ParseError, match=None) as err:
        parse_answer(text)
    assert says in str(err.value)


def test_nothing_is_computed_while_reading():
    expr = parse_expression(r"9^{100} \cdot 9^{100} - 9^{100} \cdot 9^{100} + (0/(1-1))^{2}")
    assert not expr.is_Number  # left as written: the checker evaluates it under limits


def test_bytes_are_not_an_answer():
    with pytest.raises(TypeError, match="text"):
        parse_answer(b"a = b")


def test_the_parser_never_evaluates_or_sympifies_text():
    tree = ast.parse((ROOT / "derivations" / "parsing.py").read_text())
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    names = {f.id for f in calls if isinstance(f, ast.Name)}
    methods = {(ast.unparse(f.value), f.attr) for f in calls if isinstance(f, ast.Attribute)}
    assert not names & {"eval", "exec", "compile", "__import__", "sympify", "parse_expr", "S"}
    assert not {m for _, m in methods} & {"sympify", "parse_expr", "parse_latex", "S", "eval"}
    assert {o for o, m in methods if m == "compile"} <= {"re"}  # only regular expressions


def test_display_math_and_blank_lines_separate_chains():
    lines = parse_answer("$$\n\\begin{align*}\nL(a, 1) &= -\\log a \\\\\n\\end{align*}\n"
                         "$$\n\nL(a, 0) = -\\log(1-a) % the other label\n")
    assert [(ln.number, ln.relation) for ln in lines] == [(3, None), (3, "="), (7, None),
                                                          (7, "=")]
    assert [ln.why for ln in lines] == ["", "", "", "the other label"]
    with pytest.raises(ParseError, match="top and bottom match"):
        parse_expression(r"\frac{d^2}{dz}\sigma(z)")
