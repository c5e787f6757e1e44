"""Students' LaTeX read by a parser that never executes it, in linear time."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest
import sympy as sp

from derivations.checking.notation import SOFTMAX
from derivations.checking.parser import ParseError, evaluated, parse_expression
from derivations.checking.reading import MAX_LINE, answer_text, parse_answer
from derivations.lecture.loss import loss_of
from derivations.lecture.softmax import A, K, Y, Z
from derivations.lecture.symbols import L, a, b, eta, s, sigma, w_j, x_j, y, z

ROOT = Path(__file__).resolve().parents[1]
j, k, c = (sp.Symbol(n, integer=True, positive=True) for n in "jkc")


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
    # the notation as students write it (issue 20)
    (r"\dfrac{\mathrm{d}}{\mathrm{d}z}\tfrac{1}{1+\mathrm{e}^{-z}}",
     sp.Derivative(1 / (1 + sp.exp(-z)), z)),
    (r"\frac{\mathrm d}{\mathrm dz} \operatorname{exp}(-z)", sp.Derivative(sp.exp(-z), z)),
    (r"\sigma^2(z) e^{-z}", sigma(z) ** 2 * sp.exp(-z)),
    (r"\dfrac{\partial \mathcal{L}}{\partial w_j}", sp.Derivative(L, w_j)),
    (r"\frac{\partial \mathit{L}}{\partial \mathbf{w}_j}", sp.Derivative(L, w_j)),
    (r"\boldsymbol{\sigma}(z)", sigma(z)),
    (r"\mathcal{L}(a, 1)", loss_of(a, 1)),
    (r"L(a,y)\big|_{y=1}", sp.Subs(loss_of(a, y), y, 1)),
    (r"\left[y \log a\right]_{y=1}", sp.Subs(y * sp.log(a), y, 1)),
    (r"\bigl(1-\sigma(z)\bigr) \Bigl[a\Bigr] \{a\}", (1 - sigma(z)) * a * a),
    (r"a\,\cdot\;b\!\quad\qquad", a * b),
    (r"\log{a} + \ln{(1-a)}", sp.log(a) + sp.log(1 - a)),
    (r"\partial L/\partial w_j", sp.Derivative(L, w_j)),
    (r"(\partial L/\partial a)(\partial a/\partial z)",
     sp.Derivative(L, a) * sp.Derivative(a, z)),
    # d/dz takes a closed factor, or the factors side by side up to \cdot
    (r"\frac{d}{dz}(1+e^{-z}) \cdot \frac{-1}{(1+e^{-z})^2}",
     sp.Derivative(1 + sp.exp(-z), z) * (-1 / (1 + sp.exp(-z)) ** 2)),
    (r"\frac{d}{dz}\left(1+e^{-z}\right) \frac{1}{z}", sp.Derivative(1 + sp.exp(-z), z) / z),
    (r"\frac{d}{dz} z e^{z} \cdot 2", 2 * sp.Derivative(z * sp.exp(z), z)),
    (r"\frac{d}{dz}(1+e^{-z})^{-1}", sp.Derivative(1 / (1 + sp.exp(-z)), z)),
])
def test_the_lecture_notation_reads_as_the_lecture_means_it(text, expected):
    assert evaluated(parse_expression(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    (r"\frac{\partial a_k}{\partial z_j}", sp.Derivative(A[k], Z[j])),
    (r"\sum_{k=1}^{K} y_k \log a_k", sp.Sum(Y[k] * sp.log(A[k]), (k, 1, K))),
    (r"\sum_k y_k", sp.Sum(Y[k], (k, 1, K))),
    (r"\sum\limits_{c=1}^K e^{z_c}", sp.Sum(sp.exp(Z[c]), (c, 1, K))),
    (r"\sum_{k=1}^{K} -\frac{y_k}{a_k} \cdot a_k", sp.Sum(-Y[k], (k, 1, K))),
    (r"a_j \sum_{k=1}^{K} y_k - y_j", A[j] * sp.Sum(Y[k], (k, 1, K)) - Y[j]),
    (r"\delta_{kj} - a_j", sp.KroneckerDelta(k, j) - A[j]),
    (r"e^{z_1} + e^{z_2} + \dots + e^{z_K}", sp.Sum(sp.exp(Z[c]), (c, 1, K))),
    (r"\frac{\partial^2 L}{\partial z_j \partial z_k}", sp.Derivative(L, Z[j], Z[k])),
])
def test_the_softmax_notation_reads_indexed_names_sums_and_deltas(text, expected):
    assert evaluated(parse_expression(text, notation=SOFTMAX)) == expected


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


@pytest.mark.parametrize(("text", "whys"), [
    (r"a = b \qquad \text{since $x$}" "\n" r"= c \quad (\text{chain rule})",
     ["since $x$", "chain rule"]),
    ("\\begin{align*}\na &= b && \\text{the ay terms} \\\\\n&= c && a = \\sigma(z)\n"
     "\\end{align*}", ["the ay terms", r"a = \sigma(z)"]),
    (r"a = b % one" "\n" r"= c, \qquad \text{two} % three", ["one", "two; three"]),
])
def test_justifications_in_text_and_columns_are_words_not_math(text, whys):
    assert [ln.why for ln in parse_answer(text)][1:] == whys


@pytest.mark.parametrize("text", [
    "\ufeffa = b", "a = b.", "a = b,", "a = b\\,.", "a = b;", "$a = b$",
    "\\[\n\\begin{aligned}\na &= b\n\\end{aligned}\n\\]",
    "\\begin{gather*}a = b\\end{gather*}", "\\begin{equation*}\na = b\n\\end{equation*}",
    "\\begin{alignat*}{2}\na &= b\n\\end{alignat*}", "a =\nb", "a = b \\\\[1ex]",
    "a = b\r\n", "\\begin{align}\na &= b \\label{eq:1} \\nonumber\n\\end{align}",
])
def test_layout_and_punctuation_around_the_math_are_dropped(text, tmp_path):
    lines = parse_answer(answer_text(text.encode()))
    assert [(ln.relation, ln.expr) for ln in lines] == [(None, a), ("=", b)]


def test_a_line_that_starts_without_a_relation_starts_a_new_chain():
    lines = parse_answer("L(a, 1) = -\\log a \\\\\nL(a, 0) = -\\log(1-a)")
    assert [ln.relation for ln in lines] == [None, "=", None, "="]


def test_a_whole_latex_document_is_read_for_its_display_math():
    doc = ("\\documentclass{article}\n\\begin{document}\nMy answer, in 3 steps.\n"
           "\\begin{align*}\na &= b \\\\\n&= c\n\\end{align*}\nDone.\n\\end{document}\n")
    lines = parse_answer(answer_text(doc.encode()))
    assert [(ln.number, ln.relation) for ln in lines] == [(5, None), (5, "="), (6, "=")]


@pytest.mark.parametrize(("text", "where", "says"), [
    (r"\frac{1}{1 + }", (1, 14), "expected a number, a symbol or a bracket"),
    ("a + (b", (1, 7), "expected ')' to close the bracket, found the end of the line"),
    ("= a", (1, 1), "an expression before the first relation"),
    ("a =", (1, 3), "an expression after ="),
    (r"a = b \input{/etc/passwd}", (1, 7), r"\input is not part of the notation"),
    ("a = b\n= c # d", (2, 5), "unexpected character '#'"),
    (r"\mathcal{L} + \foo", (1, 15), r"\foo is not part of the notation"),
    (r"\frac{\partial \mathcal{L}}{\partial w_j} \mathcal{QR}", (1, 43),
     r"a name the lecture uses, not \mathcal{QR}"),
    (r"x = \mathrm{softmax}(z)", (1, 5), r"not \mathrm{softmax}"),
    (r"\sigma(1 - \sigma)", (1, 18), r"the sigmoid's argument in brackets, e.g. \sigma(z)"),
    (r"\sum_k y_k", (1, 1), r"no \sum in this exercise's notation"),
    (r"e^{z_1} + \dots", (1, 11), r"a sum written with \dots"),
    ("a = b\nThen we simplify\n= c", (2, 1), "math, not the word 'Then'"),
    (r"\sigma(z) = exp(-z)", (1, 13), r"math, not the word 'exp': write \exp"),
])
def test_a_line_that_does_not_parse_names_line_column_and_what_was_expected(text, where,
                                                                            says):
    with pytest.raises(ParseError) as err:
        parse_answer(text)
    assert (err.value.line, err.value.column) == where, str(err.value)
    assert says in str(err.value)


@pytest.mark.parametrize(("text", "says"), [
    ("__import__('os').system('echo pwned')", "math, not the word 'import'"),
    ("__('os')", "found '_'"),
    ("eval(open('/etc/passwd').read())", "math, not the word 'eval'"),
    ("e(open('/etc/passwd'))", "math, not the word 'open'"),
    (r"2^{2^{2^{100}}}", "exponents multiply to at most 1000"),
    (r"2^{1000}", "numbers of at most 100 in an exponent"),
    (r"((10^{100})^{100})^{100}", "exponents multiply to at most 1000"),
    (r"(3x)^{999999999999/2}", "numbers of at most 100 in an exponent"),
    (r"e^{999999999999\log 3}", "numbers of at most 100 in an exponent"),
    (r"\exp(99999999\log 2)", "numbers of at most 100 in an exponent"),
    (r"\frac{1}{(\frac{1}{(\frac{1}{10^{99}})^{-100}})^{-100}}",
     "exponents multiply to at most 1000"),
    ("2^-" * 130 + "z", "nested groups"),
    (r"x\left", "found '\\\\left'"),
    (r"\lim_{z\to 2z} a", "a limit point such as 0"),
    ("9" * 40, "a number of at most 12 digits"),
    (r"\frac{1}{" * 30 + "x" + "}" * 30, "nested groups"),
    ("(" * 40 + "x" + ")" * 40, "nested groups"),
    ("a" * (MAX_LINE + 9600), "a line of at most 1000 characters"),
    ("a = \udcff\udcfe", "unexpected character"),
    ("a\n" + "= a\n" * 100, "at most 60 lines"),
    ("L(" * 200 + "a", "nested groups"),
    ("\\frac{d}{dz}" * 60 + "z", "nested groups"),
    ("\\log" * 200 + " a", "nested groups"),
])
def test_hostile_input_is_refused_before_anything_is_built(text, says):
    with pytest.raises(ParseError) as err:
        parse_answer(text)
    assert says in str(err.value)


@pytest.mark.parametrize("unit", ["L(", "L(L(a,", r"\frac{d}{dz}", r"\left(", "{", "a_{",
                                  r"\sigma(", r"\sum_{k=1}^{K}", "e^{", "-", r"\log ",
                                  r"\frac{\partial L}{\partial ", "[", r"\bigl(", "a+("])
def test_any_answer_up_to_the_size_limit_is_read_in_well_under_a_second(unit):
    line = (unit * 1000)[:MAX_LINE - 20] + "a"
    text = "\n".join([line] * 60)  # 60 lines of 1000 characters: the largest answer
    start = time.process_time()
    try:
        parse_answer(text, notation=SOFTMAX)
    except ParseError:
        pass
    assert time.process_time() - start < 1.0  # a bound on the work, not a benchmark


def test_nothing_is_computed_while_reading():
    expr = parse_expression(r"9^{100} \cdot 9^{100} - 9^{100} \cdot 9^{100} + (0/(1-1))^{2}")
    assert not expr.is_Number  # left as written: the checker evaluates it under limits


def test_bytes_are_not_an_answer():
    with pytest.raises(TypeError, match="text"):
        parse_answer(b"a = b")


def test_the_parser_never_evaluates_or_sympifies_text():
    for name in ("tokens", "parser", "calculus", "reading", "notation", "spec"):
        tree = ast.parse((ROOT / "derivations" / "checking" / f"{name}.py").read_text())
        calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
        names = {f.id for f in calls if isinstance(f, ast.Name)}
        methods = {(ast.unparse(f.value), f.attr) for f in calls
                   if isinstance(f, ast.Attribute)}
        assert not names & {"eval", "exec", "compile", "__import__", "sympify", "parse_expr",
                            "S"}, name
        assert not {m for _, m in methods} & {"sympify", "parse_expr", "parse_latex", "S",
                                              "eval"}, name
        assert {o for o, m in methods if m == "compile"} <= {"re"}, name


def test_display_math_and_blank_lines_separate_chains():
    lines = parse_answer("$$\n\\begin{align*}\nL(a, 1) &= -\\log a \\\\\n\\end{align*}\n"
                         "$$\n\nL(a, 0) = -\\log(1-a) % the other label\n")
    assert [(ln.number, ln.relation) for ln in lines] == [(3, None), (3, "="), (7, None),
                                                          (7, "=")]
    assert [ln.why for ln in lines] == ["", "", "", "the other label"]
    with pytest.raises(ParseError, match="top and bottom match"):
        parse_expression(r"\frac{d^2}{dz}\sigma(z)")
