"""Grading that rewards shown work: milestones, goals, points, exercises, the corpus."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from derivations.checking import (
    EXERCISES,
    ExerciseError,
    ParseError,
    answer_text,
    check,
    load_file,
)
from derivations.checking.exercises import read_exercises
from logreg.cli import main

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"


# ------------------------------------------------- no marks for unshown work --
@pytest.mark.parametrize(("exercise", "answer"), [
    ("sigmoid-derivative", r"\sigma'(z) = \sigma(z)(1-\sigma(z))"),
    ("bias-gradient", r"\frac{\partial L}{\partial b} = a - y"),
    ("logistic-gradient", r"\frac{\partial L}{\partial w_j} = (a - y) x_j"),
    ("threshold", r"\sigma(z) > \frac12 \iff z > 0"),
    ("nll-cases", "L(a, 1) = -\\log a\n\nL(a, 0) = -\\log(1-a)"),
    ("sigmoid-bound", r"\sigma'(z) \le \frac14"),
])
def test_stating_the_result_earns_no_points(exercise, answer, tmp_path):
    report = check(answer, exercise)
    assert not report.passed and report.score() == 0, report.text()
    assert "not shown" in report.text()
    path = tmp_path / "answer.tex"
    path.write_text(answer)
    assert main(["check", "--exercise", exercise, str(path)]) == 1


SIGMOID = r"""\sigma'(z) = \frac{d}{dz}\frac{1}{1+e^{-z}}
  = \frac{e^{-z}}{(1+e^{-z})^2}
  = \sigma(z)(1-\sigma(z))"""


def test_the_milestones_share_half_the_points_and_the_goal_needs_every_one():
    full = check(SIGMOID, "sigmoid-derivative")
    assert full.passed and full.score() == 10
    assert [(a.name.split(":")[0], a.points, a.earned) for a in full.awards()] == [
        ("Milestone", 5, True), ("Goal", 5, True)]
    # the milestone shown, then a wrong step: its points, none for the goal
    wrong = check(SIGMOID.replace(r"(1-\sigma(z))", r"(1+\sigma(z))"), "sigmoid-derivative")
    assert wrong.score() == 5 and not wrong.goal_reached
    # a wrong step before the milestone: the milestone does not count
    before = check(SIGMOID.replace(r"\frac{d}{dz}\frac{1}{1+e^{-z}}",
                                   r"\frac{d}{dz}\frac{2}{1+e^{-z}}"), "sigmoid-derivative")
    assert before.score() == 0
    stone = before.chains[0].milestones[0]
    assert stone.line == 2 and not stone.counted and "the step on line 1 is wrong" in stone.note


def test_a_teacher_changes_the_split_and_the_report_says_which_rule_applied(tmp_path):
    path = tmp_path / "split.toml"
    path.write_text('[[exercise]]\nextends = "sigmoid-derivative"\nname = "sigmoid-70"\n'
                    "[exercise.scoring]\ngoal = 0.7\n")
    ex = load_file(path)["sigmoid-70"]
    report = check(SIGMOID.rsplit("\n", 1)[0], ex)
    assert [a.points for a in report.awards(10)] == [3, 7] and report.score(10) == 3
    assert "the milestones share 30% of the points and the goal 70%" in \
        report.gradescope()["output"]


@pytest.mark.parametrize("points", [7, 10, 1, 0.01, 99.99, 13.37])
@pytest.mark.parametrize("exercise", ["nll-cases", "sigmoid-bound", "logistic-gradient"])
def test_points_add_up_exactly_to_the_total(points, exercise):
    awards = check("z = z", exercise).awards(points)
    assert sum(Decimal(str(a.points)) for a in awards) == Decimal(str(points))
    steps = check("z = z \n = z \n = z").awards(points)  # three steps, no exercise
    assert sum(Decimal(str(a.points)) for a in steps) == Decimal(str(points))


def test_points_with_more_than_two_decimals_are_bad_usage(tmp_path, capsys):
    path = tmp_path / "a.tex"
    path.write_text("z = z")
    assert main(["check", str(path), "--points", "7.001"]) == 2
    assert "at most two decimals" in capsys.readouterr().err


# ---------------------------------------------------------------- exercises --
def test_every_built_in_exercise_is_proven_when_first_used():
    assert {"sigmoid-derivative", "nll-cases", "logistic-gradient", "bias-gradient",
            "threshold", "sigmoid-bound", "softmax-jacobian",
            "softmax-gradient"} <= set(EXERCISES)
    for ex in EXERCISES.values():
        assert ex.parts and all(p.milestones for p in ex.parts), ex.name


def readme_exercise() -> tuple[str, str, str, str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("### Your own exercises", 1)[1].split("\n## ", 1)[0]
    toml = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    answer = re.search(r"```latex\n(.*?)```", section, re.S).group(1)
    command, output = re.search(r"```console\n\$ (.*?)\n(.*?)```", section, re.S).groups()
    return toml, answer, command, output


def test_the_readmes_exercise_file_is_proven_and_checks_the_answer_shown(tmp_path, capsys,
                                                                        monkeypatch):
    toml, answer, command, output = readme_exercise()
    words = command.split()
    assert words[:2] == ["logreg", "check"] and "--exercises" in words
    (tmp_path / words[words.index("--exercises") + 1]).write_text(toml)
    (tmp_path / words[-1]).write_text(answer)
    monkeypatch.chdir(tmp_path)
    assert main(words[1:]) == 0
    assert capsys.readouterr().out == output


@pytest.mark.parametrize(("toml", "says"), [
    ('[[exercise]]\nname = "x"\ntitle = "t"\ntask = "t"\n[[exercise.part]]\n'
     "start = ['\\sigma(z)']\ngoal = '\\frac12'\n",
     r"is not proven: part 1: from $\sigma(z)$ to $\frac{1}{2}$"),
    ('[[exercise]]\nname = "x"\ntitle = "t"\ntask = "t"\n[[exercise.part]]\n'
     "start = ['a']\ngoal = 'a'\n[[exercise.part.milestone]]\nname = 'm'\n"
     "form = ['a + 1']\n", "from $a$ to $a + 1$"),
    ('[[exercise]]\nname = "x"\ntitle = "t"\ntask = "t"\nsize = 3\n', "unknown field 'size'"),
    ('[[exercise]]\nname = "X y"\n', "lower-case letters"),
    ('[[exercise]]\nname = "x"\ntitle = "t"\ntask = "t"\n[[exercise.part]]\n'
     "start = ['\\frac{1}{']\ngoal = 'a'\n", "part 1, start: '\\\\frac{1}{': column 10"),
    ('[[exercise]]\nname = "x"\ntitle = "t"\ntask = "t"\nconditions = ["y is 0"]\n'
     "[[exercise.part]]\nstart = ['a']\ngoal = 'a'\n", "a condition such as"),
    ("not = [toml", "not TOML"),
])
def test_an_exercise_file_that_does_not_hold_is_refused_naming_what(toml, says, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(ExerciseError) as err:
        load_file(path)
    assert says in str(err.value)


def test_a_refused_exercise_file_is_bad_usage(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('[[exercise]]\nname = "x"\ntitle = "t"\ntask = "t"\n[[exercise.part]]\n'
                    "start = ['\\sigma(z)']\ngoal = '\\frac12'\n")
    answer = tmp_path / "a.tex"
    answer.write_text("z = z")
    assert main(["check", "--exercises", str(path), str(answer)]) == 2
    assert "bad.toml: exercise 'x' is not proven" in capsys.readouterr().err


def test_an_exercise_file_uses_the_same_parser_and_conditions():
    found = read_exercises(
        '[[exercise]]\nname = "x"\ntitle = "t"\ntask = "t"\n'
        "conditions = ['y \\in \\{0, 1\\}', 'a \\in (0, 1)', 'z \\neq 0']\n"
        "[[exercise.part]]\nstart = ['\\frac{y}{y}']\ngoal = '1'\n", "test")
    ctx = found["x"].context
    assert {str(k): str(v) for k, v in ctx.conditions.items()} == {
        "y": "{0, 1}", "a": "Interval.open(0, 1)",
        "z": "Union(Interval.open(-oo, 0), Interval.open(0, oo))"}


# --------------------------------------------------------- the new exercises --
BOUND = r"""\sigma'(z) = \sigma(z)(1-\sigma(z))
  = a(1-a)
  = \frac14 - \left(a - \frac12\right)^2
  \le \frac14"""


def test_the_bound_on_the_slope_is_proven_through_its_milestones():
    report = check(BOUND, "sigmoid-bound")
    assert report.passed and report.score() == 10, report.text()
    assert [s.shows for s in report.steps] == [(), ("slope in the sigmoid",), (), (),
                                               ("bound on a(1-a)",)]
    wrong = check(BOUND.replace(r"\le \frac14", r"< \frac14"), "sigmoid-bound")
    step = wrong.steps[-1]
    assert step.status == "wrong" and step.counterexample is not None
    assert r"\frac14" not in step.message() and "0.25" in step.message()


def test_the_softmax_exercises_accept_the_lecture_chain_and_refute_with_every_value():
    gradient = (r"\frac{\partial L}{\partial z_j} = \sum_{k=1}^{K} \frac{\partial L}"
                r"{\partial a_k} \frac{\partial a_k}{\partial z_j}" "\n"
                r"= -\sum_{k=1}^{K} y_k (\delta_{kj} - a_j)" "\n"
                r"= a_j \sum_{k=1}^{K} y_k - y_j" "\n= a_j - y_j")
    report = check(gradient, "softmax-gradient")
    assert report.passed, report.text()
    assert r"\sum_{k=1}^{K} y_{k} = 1" in report.steps[-1].message()  # the one-hot labels
    wrong = check(gradient.replace("= a_j - y_j", "= y_j - a_j"), "softmax-gradient")
    ce = wrong.steps[-1].counterexample
    shown = {str(k) for k, _ in ce.at}
    assert {"K", "j", "y[1]", "z[1]", "z[2]", "z[3]"} <= shown
    jacobian = check(r"\frac{\partial a_k}{\partial z_j} = -\frac{e^{z_k} e^{z_j}}"
                     r"{\left(\sum_{c=1}^{K} e^{z_c}\right)^2} = -a_k a_j", "softmax-jacobian")
    chain = jacobian.chains[0]
    assert chain.goal_reached and chain.part.case is not None  # k \neq j
    assert [m.counted for m in chain.milestones] == [True]


# ---------------------------------------------------- counterexamples, hints --
def test_a_counterexample_is_in_the_students_symbols_and_shows_every_value():
    report = check(r"\sigma(z)(1+\sigma(z)) = \sigma(z) - \sigma(z)^2")
    ce = report.steps[1].counterexample
    assert [str(k) for k, _ in (*ce.at, *ce.derived)] == ["z"]  # not b, s, w_j, x_j
    assert not re.search(r"w_\{j\}|x_\{j\}|b \+ s", report.steps[1].message())
    report = check(r"\frac{\partial L}{\partial w_j} = a - y", "logistic-gradient")
    ce = report.steps[1].counterexample
    shown = {str(k) for k, _ in (*ce.at, *ce.derived)}
    assert {"x_j", "w_j", "b", "s", "y", "a"} <= shown  # x_j = 0 is said, not silent


def test_a_hint_never_mentions_the_lectures_internal_expansion():
    report = check(r"\frac{e^{-z}}{(1+e^{-z})^2} = \sigma(z)(1+\sigma(z))")
    text = report.text()
    assert "w_{j}" not in text.split("\n", 2)[2] and "b + s" not in text.split("\n", 2)[2]


# ------------------------------------------------------------------- corpus --
def corpus() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*/*") if p.suffix in (".tex", ".md"))


@pytest.mark.slow  # 67 answers, each proven step by step
def test_the_corpus_of_correct_answers_is_accepted():
    files = corpus()
    assert len(files) >= 60 and {p.parent.name for p in files} <= set(EXERCISES)
    accepted, rejected = 0, []
    for path in files:
        try:
            text = answer_text(path.read_bytes(), markdown=path.suffix == ".md")
        except ParseError as err:
            rejected.append((path, str(err)))
            continue
        report = check(text, path.parent.name)
        if report.passed:
            accepted += 1
        else:
            rejected.append((path, report.error or report.goal_text()))
    for path, why in rejected:  # a rejection names the line, the column and the token
        assert re.search(r"line \d+, column \d+", why) or "step on line" in why, (path, why)
    assert accepted / len(files) >= 0.95, rejected
