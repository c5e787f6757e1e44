"""Derivation PDFs and the handout, with both engines: content, failures, determinism."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

import derivations as dv
from figures import documents
from figures.documents import HANDOUT, PdfError, build_pdfs, compile_tex
from figures.render import write_figures
from logreg.cli import main
from tests.conftest import tex_engine_or_skip

ENGINES = ["mathtext", "tex"]
FIGURE_TEXT = {  # one caption or axis title per figure, as it appears in the PDF text
    "sigmoid": "flat tails", "loss": "Negative log-likelihood loss",
    "graph": "Logistic regression", "adaline": "Adaline", "nll-vs-mse": "Why NLL and not MSE",
    "training": "Training loss", "threshold": "The threshold: predict class 1",
}


def pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text)


def plain_words(why: str) -> list[str]:
    """The words of a justification outside its $math$."""
    return [w for part in why.split("$")[::2] for w in re.findall(r"[A-Za-z]{3,}", part)]


def _build(root: Path, engine: str, monkeypatch) -> Path:
    if engine == "tex":
        tex_engine_or_skip()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    write_figures(root / "figures", ("pdf",))
    used, _ = build_pdfs(root / "derivations", root / "figures", engine)
    assert used.startswith(engine)
    return root / "derivations"


@pytest.fixture(scope="module", params=ENGINES)
def built(request, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        out = _build(tmp_path_factory.mktemp(request.param), request.param, mp)
    return request.param, out


def test_every_derivation_pdf_has_its_title_and_justifications(built):
    engine, out = built
    for build, _ in HANDOUT:
        d = build()
        pages, text = pdf_text(out / f"{d.name}.pdf")
        assert 1 <= pages <= 3, (d.name, pages)
        assert d.title.replace("'", "") in text.replace("'", "").replace("’", ""), d.name
        for step in d.steps:
            for word in plain_words(step.why):
                assert word in text, (engine, d.name, step.why, word)


def test_handout_has_every_derivation_and_figure(built):
    engine, out = built
    pages, text = pdf_text(out / "handout.pdf")
    assert 6 <= pages <= 16
    assert documents.HANDOUT_TITLE in text
    for build, _ in HANDOUT:
        assert build().title.replace("'", "") in text.replace("'", "").replace("’", "")
    for caption in FIGURE_TEXT.values():
        assert caption in text, (engine, caption)
    assert "Algorithm: stochastic gradient descent" in text
    placed = [name for _, names in HANDOUT for name in names]
    assert sorted(placed) == sorted(FIGURE_TEXT)


def test_markdown_and_tex_sit_beside_each_pdf(built):
    _, out = built
    for build, _ in HANDOUT:
        name = build().name
        assert (out / f"{name}.tex").exists() and (out / f"{name}.md").exists()
    assert not list(out.glob(".*.tmp"))


def test_pdfs_are_byte_identical_when_rebuilt(built, tmp_path, monkeypatch):
    engine, first = built
    again = _build(tmp_path, engine, monkeypatch)
    for pdf in sorted(first.glob("*.pdf")):
        assert (again / pdf.name).read_bytes() == pdf.read_bytes(), (engine, pdf.name)


def test_a_tex_error_keeps_the_old_pdf_and_reports_the_line(tmp_path):
    exe = tex_engine_or_skip()
    program = Path(exe).name if Path(exe).name in documents.TEX_COMMANDS else "pdflatex"
    tex = tmp_path / "broken.tex"
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(b"%PDF-1.4 the good old one")
    tex.write_text("\\documentclass{article}\n\\begin{document}\n$\\frac{1}{$\n"
                   "\\undefinedmacro\n\\end{document}\n")
    with pytest.raises(PdfError) as err:
        compile_tex(tex, pdf, program, "Broken derivation")
    msg = str(err.value)
    assert "Broken derivation" in msg and "!" in msg and str(tex) in msg
    assert str(tmp_path / "broken.log") in msg and (tmp_path / "broken.log").exists()
    assert pdf.read_bytes() == b"%PDF-1.4 the good old one"
    assert not list(tmp_path.glob(".*.tmp"))


def test_engine_tex_without_tex_says_how_to_install(monkeypatch):
    monkeypatch.setattr(documents.shutil, "which", lambda name: None)
    with pytest.raises(PdfError, match=r"no TeX engine.*apt install"):
        documents.choose_engine("tex")
    assert documents.choose_engine("auto") == ("mathtext", None)


def test_build_cli_reports_engine_progress_and_is_safe_to_rerun(tmp_path, capsys):
    for _ in range(2):
        assert main(["build", "--out", str(tmp_path), "--engine", "mathtext"]) == 0
    out = capsys.readouterr().out
    assert "PDF engine: mathtext" in out and "[1/" in out and "handout" in out
    assert (tmp_path / "derivations" / "handout.pdf").stat().st_size > 10_000
    assert (tmp_path / "figures" / "sigmoid.png").exists()
    assert (tmp_path / "figures" / "sigmoid.pdf").exists()


def test_build_cli_tex_failure_is_one_clear_error(tmp_path, monkeypatch, capsys):
    tex_engine_or_skip()

    def broken(*args, **kwargs):
        raise PdfError("Fake: pdflatex failed: ! Undefined control sequence. l.3")

    monkeypatch.setattr(documents, "compile_tex", broken)
    assert main(["derive", "--out", str(tmp_path), "--engine", "tex"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("logreg: error: Fake: pdflatex failed: ! Undefined")


def test_every_lecture_derivation_is_in_the_handout():
    assert {b.__name__ for b, _ in HANDOUT} == {b.__name__ for b in dv.LECTURE}
