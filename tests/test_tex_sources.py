"""The .tex files compile on their own and as an \\input fragment."""

from __future__ import annotations

import subprocess

import pytest

import derivations
from figures.outputs.latex import tex_document, write_tex
from tests.conftest import tex_engine_or_skip


def _pdflatex(exe: str, folder, name: str) -> subprocess.CompletedProcess:
    return subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", name],
                          cwd=folder, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_every_tex_compiles_standalone_and_as_a_fragment(tmp_path):
    exe = tex_engine_or_skip()
    for d in derivations.all_derivations():
        write_tex(d, tmp_path)
    names = [d.name for d in derivations.all_derivations()]
    for name in names:
        res = _pdflatex(exe, tmp_path, f"{name}.tex")
        assert res.returncode == 0, res.stdout[-2000:]
        assert (tmp_path / f"{name}.pdf").stat().st_size > 1000
    inputs = "\n".join(rf"\input{{{n}}}" for n in names)
    (tmp_path / "notes.tex").write_text(
        "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
        f"My own notes.\n{inputs}\nThe end.\n\\end{{document}}\n")
    res = _pdflatex(exe, tmp_path, "notes.tex")
    assert res.returncode == 0, res.stdout[-2000:]


def test_tex_document_is_guarded_for_input():
    tex = tex_document(derivations.threshold())
    assert tex.index(r"\documentclass") < tex.index(r"\begin{document}")
    assert r"\csname @notprerr\endcsname" in tex and tex.rstrip().endswith(r"\derivationend")
