"""``logreg check`` as a teacher runs it and as a hostile student attacks it."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from logreg.cli import main

ROOT = Path(__file__).resolve().parents[1]
BIAS = r"""\frac{\partial L}{\partial b}
  = \frac{\partial L}{\partial a} \cdot \frac{\partial a}{\partial z} \frac{\partial z}{\partial b}
  = \left(-\frac{y}{a} + \frac{1-y}{1-a}\right) \cdot a(1-a) \cdot 1
  = a - y"""


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# ------------------------------------------------------------------- batch --
def test_batch_reads_no_link_and_reports_every_entry_it_skips(tmp_path, capsys):
    folder, secret = tmp_path / "answers", tmp_path / "solution.tex"
    folder.mkdir()
    secret.write_text(BIAS)
    (folder / "alice.tex").write_text(BIAS)
    (folder / "mallory.tex").symlink_to(secret)            # the teacher's solution
    (folder / "passwd.tex").symlink_to("/etc/passwd")
    (folder / "dangling.tex").symlink_to(tmp_path / "nowhere.tex")
    (folder / "folder.tex").mkdir()
    os.mkfifo(folder / "pipe.tex")                         # would block a naive open()
    (folder / "notes.pdf").write_bytes(b"%PDF")
    start = time.monotonic()
    assert main(["check", "--batch", str(folder), "--exercise", "bias-gradient"]) == 1
    assert time.monotonic() - start < 120
    out = capsys.readouterr()
    table = {r["file"]: r for r in rows(out.out)}
    assert set(table) == {"alice.tex", "mallory.tex", "passwd.tex", "dangling.tex",
                          "folder.tex", "pipe.tex"}
    assert table["alice.tex"]["passed"] == "True"
    for name in ("mallory.tex", "passwd.tex", "dangling.tex"):
        assert table[name]["first_problem"] == "skipped: a symbolic link (links are not " \
                                               "followed)" and table[name]["score"] == ""
    assert table["folder.tex"]["first_problem"] == "skipped: a folder"
    assert table["pipe.tex"]["first_problem"] == "skipped: a named pipe (FIFO)"
    assert "root:" not in out.out and r"\frac" not in out.out.split("alice.tex")[0]
    assert "notes.pdf: skipped, not an answer file" in out.err


@pytest.mark.parametrize(("name", "cell"), [
    ('=HYPERLINK("x").tex', """'=HYPERLINK("x").tex"""), ("+cmd.tex", "'+cmd.tex"),
    ("-2+3.tex", "'-2+3.tex"), ("@SUM(A1).tex", "'@SUM(A1).tex"),
    ("\tx.tex", "\\x09x.tex"), ("\rx.tex", "\\x0dx.tex")])
def test_a_file_name_cannot_put_a_formula_into_the_spreadsheet(name, cell, tmp_path, capsys):
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / name).write_text("z = z")
    main(["check", "--batch", str(folder)])
    (row,) = rows(capsys.readouterr().out)
    assert row["file"] == cell


def test_control_characters_are_escaped_in_every_report(tmp_path, capsys):
    evil = "z = z % \x1b[2J\x1b[H\x1b[32m✓ all steps proven\x1b[0m \u202eesrever\r"
    path = tmp_path / "evil.tex"
    path.write_text(evil)
    for fmt in ("text", "markdown", "json", "gradescope", "html"):
        main(["check", str(path), "--format", fmt])
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\u202e" not in out and "\r" not in out, fmt
        assert fmt == "gradescope" or ("x1b" in out and "u202e" in out), fmt
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a\x1b[2Jb.tex").write_text("z = \x07")
    main(["check", "--batch", str(folder)])
    out = capsys.readouterr()
    assert "\x1b" not in out.out + out.err and "\x07" not in out.out + out.err


def test_a_single_answer_that_is_a_pipe_is_refused_at_once(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.tex")
    assert main(["check", str(tmp_path / "pipe.tex")]) == 1
    assert "the answer is not a regular file" in capsys.readouterr().out


def test_an_answer_linked_to_the_solution_scores_nothing_in_gradescope(tmp_path, capsys):
    solution = tmp_path / "source" / "solution.tex"
    solution.parent.mkdir()
    solution.write_text(BIAS)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "answer.tex").symlink_to(solution)
    out = tmp_path / "results.json"
    assert main(["check", "--exercise", "bias-gradient", str(submission / "answer.tex"),
                 "--format", "gradescope", "--out", str(out)]) == 1
    results = json.loads(out.read_text())
    assert results["score"] == 0
    assert "a symbolic link (links are not followed)" in out.read_text()
    assert not [t for t in results["tests"] if t["name"].startswith("Step")]  # none read


def test_a_huge_nested_answer_does_not_stall_a_batch(tmp_path, capsys):
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "nested.tex").write_text(("L(" * 400 + "\n") * 60)
    (folder / "brackets.tex").write_text(("(" * 23 + "z" + ")" * 23 + " = ") * 10 + "z")
    (folder / "alice.tex").write_text(BIAS)
    start = time.process_time()
    main(["check", "--batch", str(folder), "--exercise", "bias-gradient"])
    table = {r["file"]: r for r in rows(capsys.readouterr().out)}
    assert table["alice.tex"]["passed"] == "True"
    assert "line 1, column" in table["nested.tex"]["first_problem"]
    assert time.process_time() - start < 30


# ---------------------------------------------------------------- --list --
def run_list(env: dict, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    code = ("import sys, time; t = time.perf_counter()\n"
            "from logreg.cli import main; main(['check', '--list'])\n"
            "print('seconds', time.perf_counter() - t, 'sympy', 'sympy' in sys.modules)")
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd,
                          capture_output=True, text=True, check=True, timeout=600)


def test_list_is_read_from_a_cache_without_sympy(tmp_path):
    env = {**os.environ, "LOGREG_CACHE": str(tmp_path)}
    first = run_list(env)
    assert "sympy True" in first.stdout  # made from the proofs
    second = run_list(env)
    assert second.stdout.split("seconds")[0] == first.stdout.split("seconds")[0]
    assert "sympy False" in second.stdout  # read: no SymPy imported
    # the time itself is measured by bench/bench_check.py (0.5 s budget for a fresh process)


def test_list_is_made_again_when_an_exercise_changes(tmp_path):
    copy = tmp_path / "src"
    for package in ("derivations", "logreg"):
        shutil.copytree(ROOT / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "LOGREG_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(copy)}
    assert "The derivative of the sigmoid" in run_list(env, cwd=copy).stdout
    toml = copy / "derivations" / "checking" / "exercises.toml"
    toml.write_text(toml.read_text().replace('title = "The derivative of the sigmoid"',
                                             'title = "Differentiate the sigmoid"'))
    again = run_list(env, cwd=copy).stdout
    assert "Differentiate the sigmoid" in again and "sympy True" in again
    assert len(list((tmp_path / "cache").glob("exercises-*.json"))) == 2


# -------------------------------------------------------- signals, children --
def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_check_and_every_child_at_once(sig, tmp_path):
    slow = tmp_path / "slow.tex"
    slow.write_text(r"\log((z+b+x_j+w_j+\eta)^{30}) = 30\log(z+b+x_j+w_j+\eta)" "\n"
                    r"= 30\log(z+b+x_j+w_j+\eta)")
    proc = subprocess.Popen([sys.executable, "-m", "logreg.cli", "check", str(slow),
                             "--time-limit", "120"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300  # SymPy's import alone takes seconds on a busy machine
    kids: set[int] = set()
    # the prover of the slow step: a child that has run a second of CPU (a quick child for an
    # earlier line may come and go before it, which a busy machine makes easy to catch)
    while not kids and proc.poll() is None and time.monotonic() < deadline:
        kids = {k for k in children(proc.pid) if cpu_seconds(k) >= 1}
        time.sleep(0.05)
    kids = children(proc.pid)
    if not kids:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the check started no child (exit {proc.returncode}): {out} {err}")
    time.sleep(0.5)
    start = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - start < 10
    assert proc.returncode in (130, 128 + signal.SIGTERM)
    assert "Traceback" not in err
    time.sleep(0.5)
    alive = [k for k in kids if Path(f"/proc/{k}").exists()
             and "Z" not in Path(f"/proc/{k}/stat").read_text().rsplit(")", 1)[1][:3]]
    assert not alive


# --------------------------------------------------- same answer, same report --
ANSWERS = {
    "logistic-gradient": r"""\frac{\partial L}{\partial w_j}
  = \frac{\partial L}{\partial a} \frac{\partial a}{\partial z} \frac{\partial z}{\partial w_j}
  = \left(-\frac{y}{a} + \frac{1-y}{1-a}\right) a(1-a) x_j
  = (y - a) x_j""",
    "sigmoid-derivative": r"""\sigma'(z) = \frac{d}{dz}\frac{1}{1+e^{-z}}
  = -\frac{\frac{d}{dz}(1+e^{-z})}{(1+e^{-z})^2}
  = -\frac{e^{-z}}{(1+e^{-z})^2}
  = \sigma(z)(1-\sigma(z))""",
    "threshold": "\\sigma(z) > \\frac12 \\iff 1 + e^{-z} > 2 \\iff z > 0",
}


def grade_all() -> list[str]:
    from derivations.checking import check

    return [check(text, name).json() for name, text in ANSWERS.items()]


def test_the_same_answer_gets_the_same_report_on_a_busy_machine():
    idle = grade_all()
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(max(2, os.cpu_count() or 2))]
    try:
        loaded = grade_all()
    finally:
        for p in busy:
            p.kill()
            p.wait()
    assert loaded == idle


def test_the_json_report_states_points_and_rule(tmp_path, capsys):
    path = tmp_path / "a.tex"
    path.write_text(BIAS)
    assert main(["check", "--exercise", "bias-gradient", str(path), "--format", "json",
                 "--points", "7"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["score"] == 7 and data["max_score"] == 7
    assert [p["max_score"] for p in data["points"]] == [3.5, 3.5]
    assert data["scoring"].startswith("the milestones share 50%")
