"""The lecture as a Jupyter notebook: what it holds, its bytes, and a run in a real kernel."""

from __future__ import annotations

import ast
import sys

import numpy as np
import pytest

import derivations as dv
import logreg
from derivations import lecture
from derivations.engine import note_text, step_parts, why_latex
from figures import FIGURES
from figures.outputs import NotebookError, build
from figures.outputs import notebook as nbout
from logreg.cli import main

nbformat = pytest.importorskip("nbformat")
#: source lines a cell may have, so that none is longer than a screen (a list item or a line
#: of prose is a line on a 1080-pixel screen; math cells are held to MAX_STEPS steps)
SCREEN = 32


def _cells(nb) -> dict:
    return {c.id: c for c in nb.cells}


@pytest.fixture(scope="module")
def clean():
    return nbout.notebook(lecture.LECTURE)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The lecture's notebook run top to bottom in a Jupyter kernel."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbout.notebook(lecture.LECTURE)
    return nbout.execute(nb, tmp_path_factory.mktemp("run"))


def test_it_opens_with_a_title_contents_and_setup_and_ends_with_the_key_results(clean):
    first, contents, setup = clean.cells[:3]
    assert first.source.startswith(f"# {lecture.LECTURE.title}\n\n{lecture.LECTURE.intro}")
    assert contents.source.startswith("## Contents")
    for section in lecture.LECTURE:
        assert f"](#{section.name})" in contents.source
        heading = _cells(clean)[section.name].source
        assert f'<a id="{section.name}"></a>' in heading
        assert f"## {section.derivation().title}" in heading
        assert section.derivation().intro in heading  # the manifest's prose
    assert setup.cell_type == "code" and "%matplotlib inline" in setup.source
    assert clean.cells[-1].id == "key-results"
    assert r"\frac{\partial L}{\partial w_{j}} = \left(a - y\right) x_{j}" in \
        clean.cells[-1].source


def test_every_step_is_printed_with_its_note_in_lecture_order(clean):
    text = "\n".join(c.source for c in clean.cells if c.cell_type == "markdown")
    where = 0
    for d in lecture.LECTURE.derivations():
        d.verify()
        for step in d.steps:
            left, right = step_parts(step)
            row = f"{left} &{right} && {why_latex(note_text(d, step))}"
            assert row in text, (d.name, row)
        place = text.index(f"## {d.title}")
        assert place > where, d.name
        where = place


def test_no_cell_is_longer_than_a_screen(clean):
    for cell in clean.cells:
        assert len(cell.source.splitlines()) <= SCREEN, cell.id
        if cell.source.startswith("$$"):
            assert cell.source.count(r" \\") < nbout.MAX_STEPS, cell.id


def test_each_figure_is_drawn_by_the_packages_own_function(clean):
    code = [c.source for c in clean.cells if c.cell_type == "code"]
    for name in lecture.LECTURE.figures():
        call = f"figures.{FIGURES[name].__name__}("
        assert any(s.startswith(call) for s in code), name
    assert "figures.training(model=model, X=X, y=y)" in "\n".join(code)


def test_cell_ids_are_explicit_and_the_bytes_the_same_on_every_write(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    short = lecture.Lecture("A short lecture", "Two sections.", (
        lecture.Section(dv.threshold, figures=("threshold",), key=(None,)),
        lecture.Section(dv.sgd_rule, figures=("training",), algorithm=lecture.SGD_BOX)))
    first = build(tmp_path / "a", ("notebook",), lecture=short, per_section=True)[1]
    again = build(tmp_path / "b", ("notebook",), lecture=short, per_section=True)[1]
    assert [p.name for p in first] == ["lecture.ipynb", "threshold.ipynb", "sgd-rule.ipynb"]
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
        nb = nbformat.reads(a.read_text(), as_version=4)
        nbformat.validate(nb)
        assert all(c.id and not c.id.startswith("0") for c in nb.cells)
        assert nb.metadata.kernelspec.name == "python3"
    section = nbformat.reads(first[2].read_text(), as_version=4)
    assert [c.id for c in section.cells[:3]] == ["title", "setup", "sgd-rule"]
    assert "sgd-rule-algorithm" in _cells(section)


def test_the_notebook_runs_top_to_bottom_in_a_kernel(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for cell in code:
        assert not any(o.output_type == "error" for o in cell.outputs), cell.id
        assert not any(o.get("name") == "stderr" for o in cell.outputs), cell.id
        assert "execution" not in cell.metadata  # record_timing=False: no wall-clock times
    for name in lecture.LECTURE.figures():
        cell = next(c for c in code if f"figures.{FIGURES[name].__name__}(" in c.source)
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), name


@pytest.mark.parametrize(("cell", "data"), [("sgd-rule-training-weights", logreg.two_blobs),
                                             ("softmax-weights-softmax-training-weights",
                                              logreg.three_blobs)])
def test_the_trained_weights_are_the_trainers(executed, cell, data):
    shown = _cells(executed)[cell].outputs[0]["data"]["text/plain"]
    result = ast.literal_eval(shown)
    X, y = data(50, seed=1)
    model = logreg.LogisticRegression(eta=0.5, max_iter=50, tol=None).fit(X, y)
    np.testing.assert_allclose(result["weights"], model.coef_, atol=6e-5)
    np.testing.assert_allclose(result["bias"], model.intercept_, atol=6e-5)
    assert result["accuracy"] == pytest.approx(model.score(X, y), abs=6e-5)
    assert result["accuracy"] > 0.85


def test_an_executed_notebook_is_byte_identical_when_run_again(tmp_path):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    short = lecture.Lecture("A short lecture", "", (lecture.Section(dv.threshold, figures=(
        "threshold",)),))
    runs = []
    for k in range(2):
        nb = nbout.execute(nbout.notebook(short), tmp_path)
        runs.append(nbout.notebook_bytes(nb))
        assert '"image/png"' in runs[-1], k
    assert runs[0] == runs[1]


def test_a_failing_cell_is_named_in_one_clear_error(tmp_path):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_code_cell("x = 1", id="fine"),
                                v4.new_code_cell("1 / 0", id="broken")],
                         metadata={"kernelspec": dict(nbout.KERNEL)})
    with pytest.raises(NotebookError, match=r"cell 'broken' failed: ZeroDivisionError"):
        nbout.execute(nb, tmp_path)


def test_missing_packages_are_named_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "nbformat", None)  # import nbformat fails
    assert main(["notebook", "--out", str(tmp_path / "nb")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("logreg: error: the notebook output needs nbformat")
    assert len(err.strip().splitlines()) == 1
    monkeypatch.delitem(sys.modules, "nbformat")
    monkeypatch.setitem(sys.modules, "nbclient", None)
    assert main(["notebook", "--out", str(tmp_path / "c"), "--execute"]) == 1
    err = capsys.readouterr().err
    assert "--execute) needs nbclient" in err and "logreg-lecture[notebook]" in err
    assert not (tmp_path / "c" / "lecture.ipynb").exists()


def test_notebook_cli_writes_the_lecture_and_says_where(tmp_path, capsys):
    assert main(["notebook", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "[1/1] notebook: lecture.ipynb, clean" in out
    assert f"lecture: {tmp_path / 'lecture.ipynb'}" in out
    nb = nbformat.read(tmp_path / "lecture.ipynb", as_version=4)
    assert all(c.get("outputs", []) == [] for c in nb.cells)  # clean: nothing ran
