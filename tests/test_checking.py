"""Checking students' derivations: verdicts, counterexamples, hints, exercises, limits."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import html5lib
import pytest
import sympy as sp

from derivations import logistic_gradient, nll_loss, sigmoid_derivative, threshold
from derivations.checking import EXERCISES, ParseError, answer_text, check, evaluated
from derivations.checking.sandbox import run_all
from derivations.lecture.symbols import sigma, z
from logreg.cli import main

ROOT = Path(__file__).resolve().parents[1]

SIGMOID = r"""\sigma'(z) = \frac{d}{dz}\frac{1}{1+e^{-z}}   % definition of sigma
  = -\frac{\frac{d}{dz}(1+e^{-z})}{(1+e^{-z})^2}         % quotient rule
  = \frac{e^{-z}}{(1+e^{-z})^2}                          % chain rule
  = \frac{1}{1+e^{-z}} \cdot \frac{e^{-z}}{1+e^{-z}}      % split the fraction
  = \frac{1}{1+e^{-z}} \left(1 - \frac{1}{1+e^{-z}}\right)
  = \sigma(z)(1-\sigma(z))"""

GRADIENT = r"""\frac{\partial L}{\partial w_j}
  = \frac{\partial L}{\partial a} \frac{\partial a}{\partial z} \frac{\partial z}{\partial w_j}
  = \left(-\frac{y}{a} + \frac{1-y}{1-a}\right) a(1-a) x_j
  = \left(-y(1-a) + (1-y)a\right) x_j
  = (a - y) x_j"""

BIAS = r"""\frac{\partial L}{\partial b}
  = \frac{\partial L}{\partial a} \cdot \frac{\partial a}{\partial z} \frac{\partial z}{\partial b}
  = \left(-\frac{y}{a} + \frac{1-y}{1-a}\right) \cdot a(1-a) \cdot 1
  = a - y"""

NLL = r"""L(a, 1) = -\left[1 \cdot \log a + (1-1)\log(1-a)\right]
  = -\log a

L(a, 0) = -\left[0 \cdot \log a + (1-0)\log(1-a)\right]
  = -\log(1-a)"""

THRESHOLD = r"""\sigma(z) > \frac12
\iff \frac{1}{1+e^{-z}} > \frac{1}{2}   % definition
\iff 1 + e^{-z} < 2                     % reciprocals of positive numbers
\iff e^{-z} < 1
\iff -z < 0                             % log is increasing
\iff z > 0"""

CORRECT = {"sigmoid-derivative": SIGMOID, "logistic-gradient": GRADIENT,
           "bias-gradient": BIAS, "nll-cases": NLL, "threshold": THRESHOLD}


def statuses(report) -> list[str]:
    return [s.status for s in report.steps]


def wrong_step(report):
    (step,) = [s for s in report.steps if s.status == "wrong"]
    return step


# --------------------------------------------------------------- exercises --
def test_every_exercise_is_a_proven_result_of_the_lecture():
    assert set(CORRECT) <= set(EXERCISES)
    proved = {"sigmoid-derivative": sigmoid_derivative().result("slope"),
              "logistic-gradient": logistic_gradient().result("weight"),
              "bias-gradient": logistic_gradient().result("bias"),
              "threshold": threshold().result()}
    for name, result in proved.items():
        assert evaluated(EXERCISES[name].parts[0].goal) == result.doit()
    assert [evaluated(p.goal) for p in EXERCISES["nll-cases"].parts] == [
        nll_loss().result("positive"), nll_loss().result("negative")]


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_a_correct_answer_to_each_exercise_is_proven_and_reaches_the_goal(name):
    report = check(CORRECT[name], name)
    assert report.passed, report.text()
    assert report.goal_reached
    assert all(s.status in ("start", "proven") and not s.flag for s in report.steps)


def test_the_chain_rule_factors_are_recognised_when_written_out():
    report = check(GRADIENT, "logistic-gradient")
    assert report.steps[1].shows == ("chain-rule factors",)
    written_out = GRADIENT.replace(
        r"  = \frac{\partial L}{\partial a} \frac{\partial a}{\partial z} "
        r"\frac{\partial z}{\partial w_j}" + "\n", "")
    report = check(written_out, "logistic-gradient")
    assert report.passed and report.steps[1].shows == ("chain-rule factors",), report.text()


def test_a_step_that_skips_the_milestone_is_proven_and_flagged_but_earns_nothing():
    report = check(r"\frac{\partial L}{\partial w_j} = (a - y) x_j", "logistic-gradient")
    step = report.steps[1]
    assert step.status == "proven" and report.goal_reached and not report.passed
    assert step.flag.startswith("proven, but show the chain-rule factors $")
    assert step.mark == "~" and "chain-rule factors" in report.text()
    assert report.score() == 0
    assert "not shown: show the chain-rule factors" in report.text()


def test_an_answer_that_starts_elsewhere_does_not_reach_the_goal():
    report = check(r"\frac{e^{-z}}{(1+e^{-z})^2} = \sigma(z)(1-\sigma(z))",
                   "sigmoid-derivative")
    assert statuses(report) == ["start", "proven"]
    assert "the exercise starts from" in report.steps[0].reason
    assert report.goal_reached is False and not report.passed
    assert "does not start from" in report.goal_text()


def test_a_chain_that_stops_short_of_the_goal_says_so():
    report = check(SIGMOID.rsplit("\n", 1)[0], "sigmoid-derivative")
    assert all(s.status in ("start", "proven") for s in report.steps)
    assert not report.goal_reached and "the last line is not the goal" in report.goal_text()


def test_a_two_part_exercise_needs_both_chains():
    report = check(NLL.split("\n\n")[0], "nll-cases")
    assert not report.goal_reached
    assert "no chain starts from $L(a, 0)$" in report.goal_text()


# ------------------------------------------------------ wrong answers, hints --
@pytest.mark.parametrize(("exercise", "answer", "line", "hint"), [
    # forgetting the inner derivative of e^{-z}
    ("sigmoid-derivative", r"""\sigma'(z) = \frac{d}{dz}\frac{1}{1+e^{-z}}
        = -\frac{\frac{d}{dz}(1+e^{-z})}{(1+e^{-z})^2}
        = -\frac{e^{-z}}{(1+e^{-z})^2}""", 3,
     "a sign error: this line is the negative of the one before (check the derivatives'"),
    # a sign slip in the quotient rule
    ("sigmoid-derivative", r"""\sigma'(z) = \frac{d}{dz}\frac{1}{1+e^{-z}}
        = \frac{\frac{d}{dz}(1+e^{-z})}{(1+e^{-z})^2}""", 2, "a sign error"),
    # dropping x_j
    ("logistic-gradient", GRADIENT.rsplit("\n", 1)[0] + "\n = a - y", 5,
     "a missing factor $x_{j}$"),
    # writing y - a
    ("logistic-gradient", GRADIENT.rsplit("\n", 1)[0] + "\n = (y - a) x_j", 5,
     "a sign error"),
    # an extra x_j in the bias gradient
    ("bias-gradient", BIAS.rsplit("\n", 1)[0] + "\n = (a - y) x_j", 4,
     "an extra factor $x_{j}$"),
    # the second case's sign
    ("nll-cases", NLL.rsplit("\n", 1)[0] + "\n = \\log(1-a)", 5, "a sign error"),
    # reversing the inequality with the reciprocals
    ("threshold", r"""\sigma(z) > \frac12
        \iff \frac{1}{1+e^{-z}} > \frac{1}{2}
        \iff 1 + e^{-z} > 2""", 3, "the inequality points the wrong way"),
    # a dropped term
    (None, r"a(1-a) + x_j = a(1-a)", 1, "the term $x_{j}$ was dropped"),
    # a factor 2 from a square
    (None, r"\frac{d}{dz} z^2 = z", 1, "a missing factor $2$"),
])
def test_a_wrong_step_is_rejected_with_a_counterexample_and_a_hint(exercise, answer, line,
                                                                   hint):
    report = check(answer, exercise)
    step = wrong_step(report)
    assert step.line.number == line, report.text()
    assert step.hint.startswith(hint), step.hint
    assert step.counterexample is not None and not report.passed
    if exercise is not None:
        assert report.goal_reached is False


def test_a_counterexample_respects_the_conditions_and_its_values_are_right():
    report = check(GRADIENT.rsplit("\n", 1)[0] + "\n = (y - a) x_j", "logistic-gradient")
    ce = wrong_step(report).counterexample
    at = {str(k): v for k, v in (*ce.at, *ce.derived)}
    assert at["y"] in (0, 1)  # y is a label
    a, y, x = float(at["a"]), float(at["y"]), float(at["x_j"])
    assert float(ce.before) == pytest.approx((a - y) * x)
    assert float(ce.after) == pytest.approx((y - a) * x)
    assert float(ce.before) != pytest.approx(float(ce.after))
    assert "counterexample at $" in wrong_step(report).message()


def test_an_inequality_chain_is_proven_or_refuted_by_its_sign():
    assert check(r"\sigma(z)(1 - \sigma(z)) \le \frac{1}{4}").passed
    report = check(r"\sigma(z)(1 - \sigma(z)) < \frac{1}{4}")
    ce = wrong_step(report).counterexample
    assert [(str(k), float(v)) for k, v in (*ce.at, *ce.derived)] == [("z", 0.0)]  # 1/4
    assert ce.text() == r"at $z = 0$: $0.25$ before, $0.25$ after"


def test_a_step_that_cannot_be_decided_says_split_it():
    report = check(r"z^2 > a \iff x_j > b")
    step = report.steps[1]
    assert step.status == "undecided" and "more than one variable" in step.reason


def test_a_line_that_divides_by_zero_is_wrong():
    report = check(r"\frac{1}{1 - \sigma(0) \cdot 2} = 1")
    assert statuses(report) == ["wrong", "wrong"] and not report.passed
    assert report.steps[0].reason.startswith("this line is undefined")


def test_a_proven_step_lists_the_conditions_its_proof_used():
    report = check(NLL, "nll-cases")
    assert r"$y \in \left\{0, 1\right\}$" in report.steps[1].message()
    assert report.context_text().startswith(r"where $L(a, y) = ")
    assert r"\sigma" not in report.context_text()  # the loss's cases need no sigmoid


# --------------------------------------------------------- the Python API --
def test_an_answer_may_be_a_list_of_lines_or_of_sympy_expressions():
    lines = check(SIGMOID.splitlines(), "sigmoid-derivative")
    assert lines.passed
    exprs = check([sp.Derivative(sigma(z), z), sigma(z) * (1 - sigma(z))],
                  "sigmoid-derivative")
    assert statuses(exprs) == ["start", "proven"] and exprs.goal_reached
    with pytest.raises(TypeError, match="a list of lines"):
        check(42)
    with pytest.raises(ValueError, match="there is no exercise 'sigmoid'"):
        check("z", "sigmoid")


def test_the_report_displays_in_jupyter_as_markdown():
    md = check(SIGMOID, "sigmoid-derivative")._repr_markdown_()
    assert md.startswith("### The derivative of the sigmoid")
    assert r"from $\sigma'(z)$ to $\sigma(z) \left(1 - \sigma(z)\right)$." in md
    assert r"$= \frac{e^{- z}}{\left(1 + e^{- z}\right)^{2}}$ (chain rule)" in md


def test_a_students_justification_cannot_inject_markdown():
    md = check(r"z = z % **bold** [link](http://x) $\input$").markdown()
    assert r"\*\*bold\*\* \[link\]\(http://x\) \$\\input\$" in md


# ---------------------------------------------------------- untrusted input --
@pytest.mark.parametrize(("text", "says"), [
    ("__import__('os').system('touch /tmp/pwned')", "line 1, column"),
    (r"a = b \input{/etc/passwd}", r"\input is not part of the notation"),
    (r"2^{2^{2^{100}}}", "powers of powers whose exponents multiply to at most 1000"),
    (r"z^{99} = 10^{99^{99}}", "exponents multiply to at most 1000"),
    (r"(z+1)^{100000}", "at most 100 in an exponent"),
    ("\\frac{1}{" * 30 + "z" + "}" * 30, "at most 24 nested groups"),
    ("a" * 10_000, "a line of at most 1000 characters"),
])
def test_hostile_answers_get_a_verdict_not_an_execution(text, says, tmp_path):
    report = check(text)
    assert report.error and says in report.error and not report.passed
    assert not Path("/tmp/pwned").exists()


def test_non_utf8_bytes_and_huge_files_are_refused_with_where():
    with pytest.raises(ParseError, match="line 2, column 3: UTF-8 text"):
        answer_text(b"a = b\n= \xff c")
    with pytest.raises(ParseError, match="at most 64000 bytes"):
        answer_text(b"a" * 70_000)
    assert answer_text(b"prose\n$$\na = b\n$$\nmore", markdown=True) == "\n$$\na = b\n$$\n"


def test_a_step_that_takes_too_long_or_too_much_memory_is_stopped():
    slow = check(r"\log((z+b+x_j+w_j+\eta)^{30}) = 30\log(z+b+x_j+w_j+\eta)", seconds=1)
    assert statuses(slow) == ["start", "limit"]
    assert slow.steps[1].reason == ("this step took longer than 1 s of CPU time: split this "
                                    "step into smaller ones")
    big = check(r"((z+b)^2 + (x_j+w_j)^2)^{40} = (z^2+2zb+b^2 + x_j^2 + 2x_j w_j + w_j^2)^{40}",
                seconds=30, megabytes=64)  # true, but the proof expands a huge polynomial
    assert statuses(big) == ["start", "limit"]
    assert big.steps[1].reason.startswith("this step needed more than 64 MB")


def test_the_sandbox_reports_every_way_a_task_can_end():
    def spin() -> None:
        while True:
            pass

    def hog() -> None:
        [0] * 10**10

    outcomes = run_all([(sum, ([1, 2],)), (spin, ()), (hog, ()), (divmod, (1, 0))],
                       seconds=1, megabytes=200)
    assert [o.status for o in outcomes] == ["ok", "time", "memory", "error"]
    assert outcomes[0].value == 3 and "ZeroDivisionError" in outcomes[3].message
    skipped = run_all([(spin, ()), (sum, ([1],))], seconds=1, jobs=1, budget=0.5)
    assert [o.status for o in skipped] == ["time", "skipped"]
    assert outcomes[1].cpu == pytest.approx(1, abs=0.3)  # CPU time, measured by the child


# ------------------------------------------------------------ the command --
def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_check_exits_0_when_proven_1_when_not_2_for_bad_usage(tmp_path, capsys):
    good = write(tmp_path, "good.tex", SIGMOID)
    bad = write(tmp_path, "bad.tex", r"\sigma'(z) = -\sigma(z)(1-\sigma(z))")
    assert main(["check", "--exercise", "sigmoid-derivative", str(good)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The derivative of the sigmoid\n")
    assert "✓ goal reached" in out
    assert main(["check", "--exercise", "sigmoid-derivative", str(bad)]) == 1
    assert "✗ line 1: = - \\sigma(z)" in capsys.readouterr().out
    assert main(["check", "--exercise", "nope", str(good)]) == 2
    assert "there is no exercise 'nope'" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.tex")]) == 2
    assert "cannot read the answer" in capsys.readouterr().err
    assert main(["check"]) == 2
    assert main(["check", "--list"]) == 0
    assert capsys.readouterr().out.split()[0] == "sigmoid-derivative"


def test_check_writes_json_markdown_and_html(tmp_path, capsys):
    good = write(tmp_path, "good.md", "My answer:\n\n$$\n" + GRADIENT + "\n$$\n\nDone.\n")
    assert main(["check", "--exercise", "logistic-gradient", str(good), "--format",
                 "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] and data["goal_reached"] and data["counts"]["proven"] == 4
    assert data["steps"][0]["line"] == 4  # Markdown line numbers are the file's
    page = tmp_path / "report.html"
    assert main(["check", "--exercise", "logistic-gradient", str(good), "--format", "html",
                 "--out", str(page)]) == 0
    html5lib.HTMLParser(strict=True).parse(page.read_text())
    assert page.read_text().count("<math") >= 6


def test_gradescope_results_score_the_milestones_and_the_goal(tmp_path, capsys):
    half = write(tmp_path, "half.tex", GRADIENT.rsplit("\n", 1)[0] + "\n = (y - a) x_j")
    out = tmp_path / "results" / "results.json"
    assert main(["check", "--exercise", "logistic-gradient", str(half), "--format",
                 "gradescope", "--out", str(out)]) == 1
    results = json.loads(out.read_text())
    tests = results["tests"]
    scored = [t for t in tests if "max_score" in t]
    assert [(t["name"], t["score"], t["max_score"]) for t in scored] == [
        ("Milestone: the chain-rule factors", 5, 5),
        (r"Goal: $\frac{\partial L}{\partial w_{j}} = \left(a - y\right) x_{j}$", 0, 5)]
    assert results["score"] == 5
    assert [t["status"] for t in tests if "max_score" not in t] == ["passed"] * 3 + ["failed"]
    assert "the milestones share 50% of the points and the goal 50%" in results["output"]
    assert all({"name", "output", "status"} <= t.keys() for t in tests)


def test_batch_checks_a_folder_into_one_csv(tmp_path, capsys):
    folder = tmp_path / "answers"
    folder.mkdir()
    write(folder, "alice.tex", BIAS)
    write(folder, "bob.tex", BIAS.rsplit("\n", 1)[0] + "\n = (a - y) x_j")
    write(folder, "carol.tex", b"\xff\xfe")
    write(folder, "notes.pdf", b"%PDF")
    assert main(["check", "--batch", str(folder), "--exercise", "bias-gradient"]) == 1
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert [r["file"] for r in rows] == ["alice.tex", "bob.tex", "carol.tex"]
    assert [r["passed"] for r in rows] == ["True", "False", "False"]
    assert rows[0]["score"] == "10" and rows[1]["wrong"] == "1"
    assert "an extra factor" in rows[1]["first_problem"]
    assert "UTF-8" in rows[2]["first_problem"]
    assert "1 of 3 answers passed" in captured.err


# ------------------------------------------------------------------ README --
def readme_session() -> tuple[str, str, str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Checking a student's derivation", 1)[1].split("\n## ", 1)[0]
    answer = re.search(r"```latex\n(.*?)```", section, re.S).group(1)
    command, output = re.search(r"```console\n\$ (.*?)\n(.*?)```", section, re.S).groups()
    return answer, command, output


def test_readmes_sample_session_gives_the_verdicts_shown(tmp_path, capsys, monkeypatch):
    answer, command, output = readme_session()
    words = command.split()
    assert words[:2] == ["logreg", "check"]
    write(tmp_path, words[-1], answer)
    monkeypatch.chdir(tmp_path)
    assert main(words[1:]) == 1
    assert capsys.readouterr().out == output


# ------------------------------------- found by a cold review, kept fixed --
@pytest.mark.parametrize(("exercise", "answer", "verdicts"), [
    # a limit takes the whole product after it: lim t * (1/t) is 1, not (lim t) / t
    ("sigmoid-derivative", r"""\sigma'(z) = \frac{d}{dz} \frac{1}{1+e^{-z}}
        = \frac{e^{-z}}{(1+e^{-z})^2} + \lim_{t \to 0} t \frac{1}{t}""",
     ["start", "proven", "wrong"]),
    (None, r"\lim_{x \to \infty} x e^{-x} = 0", ["start", "proven"]),
    # a two-sided limit that does not exist is not the one-sided one
    (None, r"\lim_{t \to 0} \frac{1}{1+e^{1/t}} = 0", ["start", "undecided"]),
    # a limit in z, though z = w^T x + b, runs over z
    (None, r"\lim_{z \to \infty} \sigma(z) = \sigma(z)", ["start", "wrong"]),
    (None, r"\lim_{a \to 0^+} -\log a = \infty", ["start", "proven"]),
    # y/y is undefined at the label y = 0, though SymPy cancels it to 1
    (None, r"1 = \frac{y}{y}", ["start", "wrong"]),
    # a bare symbol on one side
    (None, r"\frac{\partial z}{\partial w_j} = x_j", ["start", "proven"]),
    (None, r"2b - b = b", ["start", "proven"]),
    # y is a label in the gradient exercises too: y^2 = y
    ("logistic-gradient", GRADIENT + r" = (a - y^2) x_j", ["start"] + ["proven"] * 5),
])
def test_a_cold_reviews_false_verdicts_stay_fixed(exercise, answer, verdicts):
    assert statuses(check(answer, exercise)) == verdicts


def test_an_extra_chain_does_not_take_another_parts_place():
    extra = r"L(a, y) = -(y \log a + (1 - y)\log(1 - a))" + "\n\n" + NLL
    report = check(extra, "nll-cases")
    assert report.goal_reached and report.passed, report.text()
    assert [c.part is not None for c in report.chains] == [False, True, True]


def test_products_with_negative_factors_print_as_read():
    report = check(r"-(1+e^{-z})^{-2} \cdot (-e^{-z}) = \frac{e^{-z}}{(1+e^{-z})^2}")
    assert report.steps[0].status == "start"
    assert r"\left(- e^{- z}\right)" in report.text()


@pytest.mark.parametrize("option", [["--time-limit", "inf"], ["--time-limit", "nan"],
                                    ["--points", "nan"], ["--memory", "10"]])
def test_limits_that_are_not_finite_numbers_are_bad_usage(option, tmp_path, capsys):
    answer = write(tmp_path, "a.tex", "z = z")
    assert main(["check", str(answer), *option]) == 2
    assert "--time-limit between 0 and 3600" in capsys.readouterr().err
    with pytest.raises(ValueError, match="seconds must be a positive finite number"):
        check("z = z", seconds=float("inf"))
