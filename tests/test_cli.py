"""The ``logreg`` command line, the README Quick start and the package layout."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from logreg.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "logreg.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)


def test_derive_writes_tex_and_markdown_for_every_derivation(tmp_path, capsys):
    import derivations
    assert main(["derive", "--out", str(tmp_path)]) == 0
    for d in derivations.all_derivations():
        tex = (tmp_path / f"{d.name}.tex").read_text()
        md = (tmp_path / f"{d.name}.md").read_text()
        assert d.title in tex and r"\begin{align*}" in tex and md.startswith(f"## {d.title}")
    assert not list(tmp_path.glob(".*.tmp"))
    out = capsys.readouterr().out
    assert "[1/" in out and "wrote" in out


def test_version_and_help():
    assert run("--version").stdout.strip().startswith("logreg ")
    helptext = run("--help").stdout
    assert "build" in helptext and "derive" in helptext


@pytest.mark.parametrize("args", [[], ["build"], ["nonsense"], ["build", "--out"],
                                  ["build", "--out", "x", "--bogus"]])
def test_bad_arguments_give_one_error_line(args):
    res = run(*args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("logreg: error:"), res.stderr
    assert "Traceback" not in res.stderr


def test_output_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "taken"
    f.write_text("keep me")
    res = run("derive", "--out", str(f))
    assert res.returncode == 2 and "is a file" in res.stderr
    assert f.read_text() == "keep me"


def test_the_command_starts_without_proving_anything():
    """Ctrl-C while ``logreg`` starts gives one line: the proofs run inside main()'s care."""
    code = "import sys, logreg.cli; print([m for m in ('sympy', 'numpy') if m in sys.modules])"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert res.stdout.strip() == "[]"


def test_trainer_import_does_not_pull_in_figures_or_matplotlib():
    code = ("import sys, logreg; bad = [m for m in ('matplotlib', 'figures', 'sklearn') "
            "if m in sys.modules]; print(bad)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert res.stdout.strip() == "[]"


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", section, re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_readme_quick_start_is_two_commands_and_ci_runs_them():
    commands = quickstart_commands()
    assert len(commands) == 2, commands
    install, tests = commands
    assert "logreg build" in install and "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert install in ci and tests in ci


def test_ruff_is_clean():
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_readme_python_examples_run():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    d = namespace["odd_symmetry"]()  # the "add a derivation" example, verified as written
    assert d.verified and d.result("symmetry") == namespace["sigma"](-namespace["z"])


def test_readme_shows_the_gradient_as_printed_from_the_proof():
    import derivations
    readme = (ROOT / "README.md").read_text()
    first_chain = derivations.logistic_gradient().markdown().split("$$")[1]
    assert f"$${first_chain}$$" in readme
