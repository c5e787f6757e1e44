r"""Holes found by a hostile review of `logreg check`, each pinned by the behaviour it breaks.

The answers are written as students write them; a hole is an answer graded other than it
deserves (a false step unseen, a correct answer marked down), a limit that is not one, or
an internal error shown to a student.
"""

from __future__ import annotations

import pytest

from derivations.checking import ParseError, check
from derivations.checking.reading import parse_answer

MILESTONE = r"\frac{e^{-z}}{(1+e^{-z})^2}"
GOAL = r"\sigma(z)(1-\sigma(z))"


# ------------------------------------- a row break ends a justification --
def test_a_wrong_step_after_a_justification_and_a_row_break_is_checked():
    # rendered, "= 5" is a line of its own; it must not vanish into the justification
    answer = (rf"\sigma'(z) = {MILESTONE} \quad \text{{chain rule}} \\ = 5 \\" "\n"
              rf"= {GOAL}")
    report = check(answer, "sigmoid-derivative")
    assert [s.status for s in report.steps].count("wrong") == 2, report.text()
    assert not report.passed and report.score() < 10


@pytest.mark.parametrize("answer", [
    rf"\sigma'(z) = {MILESTONE} \quad (\text{{chain rule}}) \\ = {GOAL} \quad \textrm{{algebra}}",
    rf"\sigma'(z) &= {MILESTONE} && \text{{chain rule}} \\ &= {GOAL} && \text{{algebra}}",
    rf"\sigma'(z) = {MILESTONE} \qquad \text{{chain rule}} \\[1ex] = {GOAL}.",
])
def test_a_correct_step_after_a_justification_and_a_row_break_is_read(answer):
    report = check(answer, "sigmoid-derivative")
    assert report.passed and report.score() == 10, report.text()
    whys = [s.line.why for s in report.steps]
    assert whys[1] == "chain rule" and "=" not in " ".join(whys), whys


def test_a_sentence_mark_before_a_row_break_is_not_math():
    lines = parse_answer(r"a(1-a) = a - a^2, \\ = a - a \cdot a.")
    assert [ln.relation for ln in lines] == [None, "=", "="]


# ------------------------------------------- towers of numbers are read --
@pytest.mark.parametrize("tower", [r"10^{10^{10}}", r"2^{2^{2^{2^{2}}}}", r"e^{10^{12}}",
                                   r"(10^{30} \cdot 10^{30} \cdot 10^{30})^{30}",
                                   r"2^{z \cdot 10^{10}}"])
def test_a_power_whose_exponent_is_a_huge_number_is_refused_when_read(tower):
    with pytest.raises(ParseError, match=r"exponent|digits"):
        parse_answer(rf"\sigma'(z) = {tower}")
    report = check(rf"\sigma'(z) = {tower}", "sigmoid-derivative")
    assert report.error and "line 1, column" in report.error


def test_a_power_of_modest_numbers_is_still_read():
    lines = parse_answer(r"2^{2^{3}} = 256 = 4^{2^2}")
    assert len(lines) == 3


# ------------------------------------- SymPy's failures are not shown raw --
def test_a_step_sympy_fails_on_is_undecided_in_words():
    report = check(r"\frac{\partial L}{\partial z_j} = a_j - y_j", "softmax-gradient")
    step = report.steps[1]
    assert step.status in ("proven", "undecided"), report.text()
    assert "Error" not in report.text() and "generators" not in report.text()


# ------------------------ the goal counts on the line that reaches it --
@pytest.mark.parametrize(("exercise", "answer"), [
    ("nll-cases", "L(a,1) = -(1\\cdot\\log a + (1-1)\\log(1-a)) = -\\log a = \\log\\frac{1}{a}\n"
                  "L(a,0) = -(0\\cdot\\log a + (1-0)\\log(1-a)) = -\\log(1-a)"),
    ("threshold", "\\sigma(z) > \\frac12\n\\iff e^{-z} < 1\n\\iff z > 0\n\\iff 2z > 0"),
])
def test_one_more_proven_line_after_the_goal_keeps_the_goal(exercise, answer):
    report = check(answer, exercise)
    assert report.goal_reached and report.passed and report.score() == 10, report.text()


def test_a_wrong_line_after_the_goal_still_costs_the_goal():
    answer = "\\sigma(z) > \\frac12\n\\iff e^{-z} < 1\n\\iff z > 0\n\\iff z > 1"
    report = check(answer, "threshold")
    assert not report.passed and report.score() == 5, report.text()


def test_an_internal_failure_is_named_without_sympys_words():
    from derivations.checking.judging import _limit_text
    from derivations.checking.sandbox import Outcome

    text = _limit_text(Outcome("error", None, "PolynomialError: Sum(y[k]) contains an "
                               "element of the set of generators.", 0.1), 5, 1024, "this step")
    assert "generators" not in text and "split this step" in text


def test_the_goal_stated_before_its_milestone_earns_no_goal_points():
    answer = "\\sigma(z) > \\frac12\n\\iff z > 0\n\\iff e^{-z} < 1"
    report = check(answer, "threshold")
    assert not report.goal_reached and report.score() == 5, report.text()
    assert "comes before the milestones" in report.text()


# ------------------------------------------------ a teacher's own points --
FULL = rf"\sigma'(z) = {MILESTONE} = {GOAL}"


@pytest.mark.parametrize("points", ["2.3", "4.35", "1.1", "0.57"])
def test_points_with_two_decimals_are_accepted(points, tmp_path, capsys):
    from logreg.cli import main

    answer = tmp_path / "answer.tex"
    answer.write_text(FULL)
    assert main(["check", "--exercise", "sigmoid-derivative", "--points", points,
                 "--format", "json", str(answer)]) == 0
    assert f'"max_score": {points}' in capsys.readouterr().out


def test_a_bad_option_is_named_alone(tmp_path, capsys):
    from logreg.cli import main

    answer = tmp_path / "answer.tex"
    answer.write_text(FULL)
    assert main(["check", "--points", "0.001", str(answer)]) == 2
    said = capsys.readouterr().err
    assert "--points 0.001 is not accepted" in said and "--memory 1024" not in said


def test_a_skipped_row_has_the_same_max_score_as_the_others(tmp_path):
    from logreg.cli import main

    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "good.tex").write_text(FULL)
    (folder / "folder.tex").mkdir()
    out = tmp_path / "grades.csv"
    main(["check", "--batch", str(folder), "--exercise", "sigmoid-derivative",
          "--out", str(out)])
    rows = out.read_text().splitlines()[1:]
    assert {row.split(",")[5] for row in rows} == {"10"}, rows


# ------------------------- a start is the start, not the result dressed up --
@pytest.mark.parametrize(("exercise", "answer"), [
    ("sigmoid-derivative", rf"\frac{{d}}{{dz}}(0) + {GOAL} = {MILESTONE} = {GOAL}"),
    ("sigmoid-derivative", rf"{GOAL} \frac{{d}}{{dz}} z = {MILESTONE} = {GOAL}"),
    ("logistic-gradient", r"(a-y)x_j + \frac{\partial b}{\partial w_j} = \frac{\partial L}"
                          r"{\partial a}\frac{\partial a}{\partial z}\frac{\partial z}"
                          r"{\partial w_j} = (a-y)x_j"),
    ("logistic-gradient", r"x_j\frac{\partial L}{\partial b} = x_j \frac{\partial L}"
                          r"{\partial a}\frac{\partial a}{\partial z}\frac{\partial z}"
                          r"{\partial b} = (a-y)x_j"),
])
def test_the_result_with_a_derivative_added_is_not_the_start(exercise, answer):
    report = check(answer, exercise)
    assert report.score() == 0 and "does not start from" in report.text(), report.text()


@pytest.mark.parametrize(("exercise", "answer"), [
    ("sigmoid-derivative", rf"\frac{{d\sigma(z)}}{{dz}} = {MILESTONE} = {GOAL}"),
    ("sigmoid-derivative", rf"\frac{{d}}{{dz}}\frac{{e^z}}{{1+e^z}} = {MILESTONE} = {GOAL}"),
    ("logistic-gradient", r"\frac{\partial L}{\partial a}\frac{\partial a}{\partial z}"
                          r"\frac{\partial z}{\partial w_j} = \left(-\frac{y}{a}+"
                          r"\frac{1-y}{1-a}\right)a(1-a)x_j = (a-y)x_j"),
])
def test_a_derivative_or_the_chain_rule_is_still_a_start(exercise, answer):
    report = check(answer, exercise)
    assert report.passed and report.score() == 10, report.text()


# --------------------------------------- many steps on few lines are bounded --
def test_many_relations_on_each_line_are_refused_when_read():
    text = "\n".join(["z" + "=z" * 499] * 60)  # 30 000 steps in 60 lines of 60 kB
    with pytest.raises(ParseError, match="at most 120 expressions"):
        parse_answer(text)
    report = check(text)
    assert report.error and not report.steps


def test_an_answer_of_sixty_lines_of_two_steps_is_read():
    lines = parse_answer("\n".join([r"a(1-a) = a - a^2"] * 60))
    assert len(lines) == 120


def test_a_comment_right_after_a_row_break_is_a_comment():
    lines = parse_answer("a(1-a) &= a - a^2 \\\\% expand\n&= a - a \\cdot a")
    assert [(ln.relation, ln.why) for ln in lines] == [(None, ""), ("=", "expand"), ("=", "")]


def test_a_word_processors_apostrophe_is_a_prime():
    assert parse_answer("σ’(z) = σ(z)(1 − σ(z))")[0].expr == parse_answer(r"\sigma'(z)")[0].expr


# ---------------------------------------- the softmax's sums as students split them --
def test_a_sum_that_leaves_one_class_out_is_read_and_proven():
    answer = r"""\frac{\partial L}{\partial z_j} = \sum_{k=1}^{K} \frac{\partial L}{\partial a_k}\frac{\partial a_k}{\partial z_j}
= -\frac{y_j}{a_j} a_j(1-a_j) + \sum_{k \neq j} \frac{y_k}{a_k} a_k a_j
= -y_j + y_j a_j + a_j\sum_{k\neq j} y_k
= -y_j + a_j \sum_{k=1}^{K} y_k
= a_j - y_j"""  # noqa: E501
    report = check(answer, "softmax-gradient")
    assert report.passed and report.score() == 10, report.text()


def test_two_relations_in_a_row_name_the_place():
    with pytest.raises(ParseError, match="column 4: an expression here"):
        parse_answer("a = = b")


# ------------------------------- the softmax refuted where y_j = 1 as well --
SOFTMAX_CHAIN = r"""\frac{\partial L}{\partial z_j} = \sum_{k=1}^{K} \frac{\partial L}{\partial a_k}\frac{\partial a_k}{\partial z_j}
= -\sum_{k=1}^{K} y_k(\delta_{kj} - a_j)
"""  # noqa: E501


def test_a_softmax_step_wrong_only_for_the_true_class_is_wrong():
    # every point had its true class elsewhere than j, so y_j = 0 hid the error
    report = check(SOFTMAX_CHAIN + r"= a_j - y_j + y_j a_j", "softmax-gradient")
    step = report.steps[-1]
    assert step.status == "wrong", report.text()
    text = report.text()
    assert "y_{2} = 1" in text and "sum_{0}" not in text and "p_{j}" not in text, text
