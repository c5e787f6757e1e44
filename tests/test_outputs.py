"""Every output of the lecture, with both engines, built once from the manifest plus the
derivation README's recipe adds: content, slides, overflow, failures, determinism."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTPage
from pypdf import PdfReader

import derivations as dv
from derivations import lecture
from figures.outputs import OUTPUTS, Context, PdfError, build, engines, images, slideplan, slides
from logreg.cli import main
from tests.conftest import tex_engine_or_skip
from tests.test_soundness import toy

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ["mathtext", "tex"]
FIGURE_TEXT = {  # one caption or axis title per figure, as it appears in the PDF text
    "sigmoid": "flat tails", "loss": "Negative log-likelihood loss",
    "graph": "Logistic regression", "adaline": "Adaline", "nll-vs-mse": "Why NLL and not MSE",
    "training": "Training loss", "threshold": "The threshold: predict class 1",
    "softmax": "for every", "softmax-graph": "Softmax regression",
    "softmax-training": "Decision regions", "vanishing": "multiplies it by",
}
BEAMER_169 = (160 / 25.4 * 72, 90 / 25.4 * 72)  # points


def readme_recipe() -> lecture.Lecture:
    """README's "Adding a derivation", done as written: its function and its manifest line."""
    readme = (ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S)
                 if "def odd_symmetry" in b)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    entry = re.search(r"^#\s+(Section\(odd_symmetry.*\)),?$", block, re.M).group(1)
    section = eval(entry, {"Section": lecture.Section, **namespace})
    return lecture.LECTURE.with_section(section)


def pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text).replace("’", "'")


def plain_words(why: str) -> list[str]:
    """The words of a justification outside its $math$."""
    return [w for part in why.split("$")[::2] for w in re.findall(r"[A-Za-z]{3,}", part)]


def _chars(item):
    if isinstance(item, LTChar):
        yield item
    elif hasattr(item, "__iter__"):
        for child in item:
            yield from _chars(child)


#: Beamer hides a step that is still to come by moving it this far up and right (pgf's
#: invisible scope); such text is checked where it will appear
BEAMER_HIDDEN = 2000.02579


def outside_the_page(pdf: Path) -> list[str]:
    """Every character whose box is not inside its page's box (from the PDF itself)."""
    bad = []
    for n, page in enumerate(extract_pages(pdf), 1):
        assert isinstance(page, LTPage)
        x0, y0, x1, y1 = page.bbox
        for ch in _chars(page):
            box = ch.bbox
            if box[0] > 1000 and box[1] > 1000:
                box = tuple(v - BEAMER_HIDDEN for v in box)
            if box[0] < x0 - 0.5 or box[2] > x1 + 0.5 or box[1] < y0 - 0.5 or box[3] > y1 + 0.5:
                bad.append(f"page {n}: {ch.get_text()!r} at {tuple(round(v) for v in box)}")
    return bad


@pytest.fixture(scope="module", params=ENGINES)
def built(request, tmp_path_factory):
    """``logreg build`` of the manifest with README's new derivation added to it."""
    if request.param == "tex":
        tex_engine_or_skip()
    out = tmp_path_factory.mktemp(request.param)
    extended = readme_recipe()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        mp.setattr(lecture, "LECTURE", extended)
        assert main(["build", "--out", str(out), "--engine", request.param,
                     "--author", "A. Teacher", "--course", "ML 101"]) == 0
    return request.param, out, extended


def test_a_derivation_added_by_the_readme_recipe_reaches_every_format(built):
    engine, out, extended = built
    d = extended.sections[-1].derivation()
    assert d.title == "Symmetry of the sigmoid"
    assert (out / "derivations" / f"{d.name}.md").read_text().startswith(f"## {d.title}")
    assert d.title in (out / "derivations" / f"{d.name}.tex").read_text()
    for pdf in (f"{d.name}.pdf", "handout.pdf"):
        assert d.title in pdf_text(out / "derivations" / pdf)[1], (engine, pdf)
    _, slide_text = pdf_text(out / "slides" / "slides.pdf")
    assert d.title in slide_text
    assert (out / "slides" / "frames" / f"{d.name}-symmetry.tex").exists()
    assert rf"\input{{frames/{d.name}-symmetry}}" in (out / "slides" / "slides.tex").read_text()
    page = (out / "site" / f"{d.name}.html").read_text()
    assert d.title in page and f'id="{d.name}-step-2"' in page
    assert f'href="{d.name}.html"' in (out / "site" / "index.html").read_text()
    summary = "".join(f.read_text() for f in (out / "slides" / "frames").glob("summary*.tex"))
    assert r"1 - \sigma(z) & {}= \sigma(- z)" in summary


def test_every_derivation_pdf_has_its_title_and_justifications(built):
    engine, out, extended = built
    for d in extended.derivations():
        pages, text = pdf_text(out / "derivations" / f"{d.name}.pdf")
        assert 1 <= pages <= 3, (d.name, pages)
        assert d.title.replace("'", "") in text.replace("'", ""), d.name
        for step in d.steps:
            for word in plain_words(step.why):
                assert word in text, (engine, d.name, step.why, word)


def test_handout_has_every_section_figure_and_box_in_order(built):
    engine, out, extended = built
    pages, text = pdf_text(out / "derivations" / "handout.pdf")
    assert 6 <= len(extended.sections) // 2 <= pages <= len(extended.sections)
    assert extended.title in text
    places = [text.index(d.title.replace("'", "'")) for d in extended.derivations()]
    assert places == sorted(places), "sections out of the manifest's order"
    for caption in FIGURE_TEXT.values():
        assert caption in text, (engine, caption)
    assert lecture.SGD_BOX.title in text
    assert sorted(set(extended.figures())) == sorted(FIGURE_TEXT)


def test_slides_are_beamer_16_9_with_a_page_per_reveal(built):
    engine, out, extended = built
    reader = PdfReader(out / "slides" / "slides.pdf")
    frames = slides.deck(extended, _context(out, engine))
    assert len(reader.pages) == sum(f.reveals for f in frames), engine
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(BEAMER_169, abs=1)


def test_slides_have_title_frames_figures_algorithm_and_summary(built):
    engine, out, extended = built
    _, text = pdf_text(out / "slides" / "slides.pdf")
    for needle in (extended.title, "A. Teacher", "ML 101", "Key results",
                   lecture.SGD_BOX.title, *(d.title for d in extended.derivations())):
        assert needle in text, (engine, needle)
    for caption in FIGURE_TEXT.values():
        assert caption in text, (engine, caption)
    assert "2023" not in text and "2026" not in text  # no date unless one is given


def test_nothing_is_outside_the_page(built):
    engine, out, _ = built
    for pdf in (out / "slides" / "slides.pdf", *sorted((out / "derivations").glob("*.pdf"))):
        assert outside_the_page(pdf) == [], (engine, pdf.name)


def _context(out: Path, engine: str) -> Context:
    """The build's context: a TeX build plans its frames with TeX's measures."""
    return Context(out, *engines.choose_engine(engine), author="A. Teacher", course="ML 101")


def frame_pages(frames: list[slides.Frame]) -> list[int]:
    """The index of each frame's last page (all its steps shown), for both engines."""
    return list(itertools.accumulate((f.reveals for f in frames), initial=-1))[1:]


def _last_of_its_derivation(frames: list[slides.Frame], k: int) -> bool:
    number = re.search(r"\((\d+)/(\d+)\)$", frames[k].title)
    return number is None or number.group(1) == number.group(2)


def test_every_frame_of_steps_is_at_least_a_third_full_but_a_derivations_last(built):
    """Measured from the PDF's text: from where content starts to its lowest character."""
    engine, out, extended = built
    frames = slides.deck(extended, _context(out, engine))
    last = dict(zip(frame_pages(frames), range(len(frames)), strict=True))
    start = (slides.SLIDE.height - slides.TOP) * 72  # points from the top
    for n, page in enumerate(extract_pages(out / "slides" / "slides.pdf")):
        k = last.get(n)
        if k is None or not frames[k].rows or _last_of_its_derivation(frames, k):
            continue
        height = page.bbox[3]
        lowest = 0.0
        for ch in _chars(page):
            x0, y0, _, y1 = ch.bbox
            if x0 > 1000 and y0 > 1000:
                x0, y0, y1 = x0 - BEAMER_HIDDEN, y0 - BEAMER_HIDDEN, y1 - BEAMER_HIDDEN
            if y0 < 0.3 * 72 and x0 > page.bbox[2] - 0.5 * 72:
                continue  # the frame number
            lowest = max(lowest, height - y0)
        fill = (lowest - start) / (slides.HEIGHT * 72)
        assert fill >= 1 / 3, (engine, frames[k].slug, round(fill, 2))


def test_steps_and_notes_are_never_below_the_body_size(monkeypatch):
    frames = slides.deck(dv.LECTURE)
    tex = "\n".join(slides.frame_tex(f, "x.pdf") for f in frames)
    for smaller in ("\\small", "\\footnotesize", "\\scriptsize", "\\tiny"):
        assert smaller not in tex
    sizes: dict[str, set] = {}
    draw = slides._draw

    def measured(pages, frame, number, state):
        draw(pages, frame, number, state)
        texts = [t for t in pages.page.texts if t.get_text() != str(number)]
        sizes.setdefault(frame.slug, set()).update(t.get_fontsize() for t in texts)

    monkeypatch.setattr(slides, "_draw", measured)
    short = _short(lecture.Section(dv.sgd_rule, algorithm=lecture.SGD_BOX),
                   lecture.Section(dv.threshold))
    slides.pdf_bytes(lambda pages: slides._mathtext(slides.deck(short), pages), "t",
                     slides.SLIDE)
    assert sizes and all(min(s) >= slides.BODY for s in sizes.values()), sizes


def test_outputs_are_byte_identical_when_rebuilt(built, tmp_path, monkeypatch):
    engine, first, extended = built
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(tmp_path, ("pdf", "handout", "slides"), lecture=extended, engine=engine,
          author="A. Teacher", course="ML 101")
    for rel in ("slides/slides.pdf", "slides/slides.tex", "derivations/handout.pdf",
                "derivations/sigmoid-derivative.pdf",
                "derivations/symmetry-of-the-sigmoid.pdf"):
        assert (tmp_path / rel).read_bytes() == (first / rel).read_bytes(), (engine, rel)
    assert not list(first.rglob(".*.tmp"))


# ------------------------------------------------------------- the deck --
def test_a_long_chain_continues_on_the_next_frame_with_its_last_step_repeated():
    frames = slides.deck(dv.LECTURE)
    parts = [f for f in frames if f.slug.startswith("sigmoid-derivative-slope")]
    assert len(parts) >= 2, "the slope chain is longer than one frame holds"
    for before, after in itertools.pairwise(parts):
        assert after.rows[0].left + after.rows[0].right == \
            before.rows[-1].left + before.rows[-1].right
        assert [r.reveal for r in after.rows] == list(range(1, len(after.rows) + 1))


def test_the_tex_deck_is_planned_with_tex_measures_and_has_under_60_frames():
    tex_engine_or_skip()
    ctx = Context(Path(), *engines.choose_engine("tex"))
    frames = slides.deck(dv.LECTURE, ctx)
    assert len(frames) < 60 < len(slides.deck(dv.LECTURE)) + 10
    note = "a justification long enough to take several lines in a narrow column " * 2
    m = slideplan.tex_metrics([slides.Row("x", "= y", note)], ["An opening line."], ctx.program)
    (high, narrow), (_, wide) = m._note(note, 4.0), m._note(note, 1.0)
    assert narrow > wide + 2 * m.skips["baselineskip"] / 2 and high > 0
    assert m.paragraphs["An opening line."] > 0


def test_every_step_of_every_chain_is_on_a_frame_in_order():
    frames = slides.deck(dv.LECTURE)
    for d in dv.all_derivations():
        d.verify()
        shown = [r.left + r.right for f in frames if f.slug.startswith(d.name + "-")
                 for r in f.rows]
        for step in d.steps:
            left, right = slides.step_parts(step)
            assert left + right in shown, (d.name, left + right)


def test_the_summary_prints_the_key_results_with_their_conditions():
    summary = [r for f in slides.deck(dv.LECTURE) if f.slug.startswith("summary")
               for r in f.rows]
    text = [f"{r.left} {r.right}" for r in summary]
    rule = next(r for r in summary if r"w_{j} \leftarrow w_{j} - \eta" in f"{r.left} {r.right}")
    assert r"\sigma'(z) = \sigma(z) \left(1 - \sigma(z)\right)" in text
    assert any(r"\left(a - y\right) x_{j}" in t for t in text)
    assert r"\eta > 0" in rule.note
    assert r"\sigma(z) > \frac{1}{2} \Leftrightarrow z > 0" in text
    assert r"\sigma'(z) \leq \frac{1}{4}" in text  # an inequality keeps its sign
    assert all("proven in: " in r.note for r in summary)


def test_title_frame_shows_only_what_is_given():
    lec = dv.LECTURE
    bare = slides.slides_tex(lec, Context(Path()), [])
    assert r"\date{}" in bare and r"\author{}" in bare
    dated = Context(Path(), author="Ada", course="CS 229", date="1 May 2027")
    tex = slides.slides_tex(lec, dated, [])
    assert r"\date{1 May 2027}" in tex and r"\institute{CS 229}" in tex
    assert slides.deck(lec, dated)[0].items == ("Ada", "CS 229", "1 May 2027")


def test_frames_can_be_input_into_an_instructors_own_deck(tmp_path):
    exe = tex_engine_or_skip()
    images.write_figures(tmp_path / "figures", ("pdf",), ["sigmoid"])
    frames = slides.deck(dv.LECTURE)
    chain = next(f.slug for f in frames if f.slug.startswith("threshold-") and f.rows)
    wanted = {chain, "sigmoid-derivative-figure-sigmoid", "logistic-gradient-weight", "summary"}
    (tmp_path / "frames").mkdir()
    for frame in frames:
        if frame.slug in wanted:
            path = f"figures/{frame.figure}.pdf" if frame.figure else None
            (tmp_path / "frames" / f"{frame.slug}.tex").write_text(slides.frame_tex(frame, path))
    (tmp_path / "mine.tex").write_text(
        "\\documentclass{beamer}\n\\begin{document}\n\\begin{frame}{My own}Hello\\end{frame}\n"
        f"\\input{{frames/{chain}}}\n\\input{{frames/sigmoid-derivative-figure-sigmoid}}\n"
        "\\input{frames/logistic-gradient-weight}\n\\input{frames/summary}\n"
        "\\end{document}\n")  # a default (4:3) deck: the notes take the width there is
    res = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "mine.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:]
    assert len(PdfReader(tmp_path / "mine.pdf").pages) > 3  # the chain's reveals
    assert outside_the_page(tmp_path / "mine.pdf") == []


# ------------------------------------------------------------ failures --
def test_a_section_naming_an_unknown_figure_is_a_clear_error(tmp_path):
    bad = dv.LECTURE.with_section(lecture.Section(dv.adaline_gradient, figures=("nope",)))
    with pytest.raises(ValueError, match=r"names figure 'nope'; figures are: sigmoid"):
        build(tmp_path, ("figures",), lecture=bad)


def test_a_misspelt_key_result_names_the_ones_there_are():
    bad = lecture.Lecture("t", "i", (lecture.Section(dv.threshold, key=("nope",)),))
    with pytest.raises(dv.StepError, match="no result named 'nope'"):
        bad.key_results()


def test_two_sections_may_not_share_a_name():
    with pytest.raises(ValueError, match="share the name threshold"):
        lecture.Lecture("t", "i", (lecture.Section(dv.threshold),) * 2)


def test_unknown_output_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"unknown output pptx; choose from figures"):
        build(tmp_path, ("pptx",))


def test_a_tex_error_keeps_the_old_pdf_and_reports_the_line(tmp_path):
    exe = tex_engine_or_skip()
    program = Path(exe).name if Path(exe).name in engines.TEX_COMMANDS else "pdflatex"
    tex = tmp_path / "broken.tex"
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(b"%PDF-1.4 the good old one")
    tex.write_text("\\documentclass{article}\n\\begin{document}\n$\\frac{1}{$\n"
                   "\\undefinedmacro\n\\end{document}\n")
    with pytest.raises(PdfError) as err:
        engines.compile_tex(tex, pdf, program, "Broken derivation")
    msg = str(err.value)
    assert "Broken derivation" in msg and "!" in msg and str(tex) in msg
    assert str(tmp_path / "broken.log") in msg and (tmp_path / "broken.log").exists()
    assert pdf.read_bytes() == b"%PDF-1.4 the good old one"
    assert not list(tmp_path.glob(".*.tmp"))


def test_engine_tex_without_tex_says_how_to_install(monkeypatch):
    monkeypatch.setattr(engines.shutil, "which", lambda name: None)
    with pytest.raises(PdfError, match=r"no TeX engine.*apt install.*texlive-pictures"):
        engines.choose_engine("tex")
    assert engines.choose_engine("auto") == ("mathtext", None)


def test_slides_cli_reports_progress_and_is_safe_to_rerun(tmp_path, capsys, monkeypatch):
    short = lecture.Lecture("A short lecture", "", (lecture.Section(dv.threshold),))
    monkeypatch.setattr(lecture, "LECTURE", short)
    for _ in range(2):
        assert main(["slides", "--out", str(tmp_path), "--engine", "mathtext",
                     "--date", "Spring 2027"]) == 0
    out = capsys.readouterr().out
    assert "PDF engine: mathtext" in out and "[1/1] slides" in out and "slides: " in out
    pages, text = pdf_text(tmp_path / "slides.pdf")
    assert "Spring 2027" in text and "A short lecture" in text
    assert pages == sum(f.reveals for f in slides.deck(short))
    assert not list(tmp_path.rglob(".*.tmp"))


def test_build_cli_tex_failure_is_one_clear_error(tmp_path, monkeypatch, capsys):
    tex_engine_or_skip()

    def broken(*args, **kwargs):
        raise PdfError("Fake: pdflatex failed: ! Undefined control sequence. l.3")

    from figures.outputs import engines
    monkeypatch.setattr(engines, "compile_tex", broken)
    assert main(["derive", "--out", str(tmp_path), "--engine", "tex"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("logreg: error: Fake: pdflatex failed: ! Undefined")


def test_every_output_is_registered_once_with_a_folder():
    assert list(OUTPUTS) == ["figures", "markdown", "latex", "pdf", "handout", "slides", "site",
                             "notebook"]
    assert all(o.folder in {"figures", "derivations", "slides", "site", "notebook"}
               for o in OUTPUTS.values())


@pytest.mark.parametrize("engine", ENGINES)
def test_title_details_are_text_never_tex_or_math(engine, tmp_path, monkeypatch, capsys):
    if engine == "tex":
        tex_engine_or_skip()
    short = lecture.Lecture("A short lecture", "", (lecture.Section(dv.threshold),))
    monkeypatch.setattr(lecture, "LECTURE", short)
    author = r"R&D \input{/etc/hostname} $x^$ 100% ~{_#}"
    assert main(["slides", "--out", str(tmp_path), "--engine", engine, "--author", author,
                 "--course", "Price: $5", "--date", "1\n2"]) == 0, capsys.readouterr().err
    _, text = pdf_text(tmp_path / "slides.pdf")
    squeezed = text.replace(" ", "").replace("\\", "")
    assert "input{/etc/hostname}" in squeezed and "100%" in squeezed  # printed, not run
    assert "Price:$5" in squeezed and "12" in squeezed


def _short(*sections: lecture.Section, title: str = "A short lecture") -> lecture.Lecture:
    return lecture.Lecture(title, "", sections)


@pytest.mark.parametrize("engine", ENGINES)
def test_tex_specials_in_titles_reach_every_output_as_text(engine, tmp_path, monkeypatch):
    if engine == "tex":
        tex_engine_or_skip()
    from derivations.lecture.symbols import SIGMOID, sigma, z

    def odds():
        d = dv.Derivation("Odds & ends: 50% of x_j #1 ~ 'quoted'", functions={sigma: SIGMOID},
                          intro="Costs 5% & more; the {braces} and a ^ stay text.")
        d.given(1 - sigma(z), "the probability of class 0", name="symmetry")
        d.equal(sigma(-z), r"multiply by $e^{z}/e^{z}$")
        return d

    monkeypatch.setattr(lecture, "LECTURE", _short(lecture.Section(odds, key=("symmetry",)),
                                                   title="Regression & friends: 100% proven"))
    assert main(["build", "--out", str(tmp_path), "--engine", engine]) == 0
    name = odds().name
    assert name == "odds-ends-50-of-x-j-1-quoted"
    for pdf in (f"derivations/{name}.pdf", "derivations/handout.pdf", "slides/slides.pdf"):
        text = pdf_text(tmp_path / pdf)[1]
        assert "Odds & ends: 50% of x" in text, (engine, pdf)
        if not pdf.startswith("derivations/odds"):  # the handout and slides show the lecture
            assert "Regression & friends: 100% proven" in text, (engine, pdf)


def test_manifest_mistakes_are_one_line_errors_from_the_cli(tmp_path, monkeypatch, capsys):
    cases = {
        "names figure 'nope'": lambda: _short(lecture.Section(dv.threshold, figures=("nope",))),
        "no result named 'nope'": lambda: _short(lecture.Section(dv.threshold, key=("nope",))),
    }
    for message, make in cases.items():
        monkeypatch.setattr(lecture, "LECTURE", make())
        assert main(["slides", "--out", str(tmp_path), "--engine", "mathtext"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("logreg: error: ") and message in err, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    with pytest.raises(TypeError, match=r"takes a tuple, e.g. figures=\('threshold',\)"):
        lecture.Section(dv.threshold, figures="threshold")
    with pytest.raises(TypeError, match=r"the function that builds the derivation"):
        lecture.Section(dv.threshold())
    with pytest.raises(ValueError, match="is a file name"):
        dv.Derivation("Anything", name="../../etc")


def test_content_no_slide_can_hold_is_refused_with_what_to_split():
    from derivations.lecture.symbols import z

    def wide():
        d = dv.Derivation("A wide step")
        d.given(sum(z**k / (k + 1) for k in range(24)), "a long sum", name="sum")
        d.equal(sum(z**k / (k + 1) for k in range(24)) + 0 * z, "nothing")
        return d

    def wordy():
        d = dv.Derivation("A wordy step")
        d.given(z, " ".join(["words"] * 150), name="z")
        d.equal(z + 0, "nothing")
        return d

    def titled():
        d = dv.Derivation("A title far too long for any slide that the lecture could ever "
                          "show on one line of a frame", name="long")
        d.given(z, "z", name="z")
        d.equal(z + 0, "nothing")
        return d

    for build_, message in ((wide, r"'A wide step', chain sum, step 1: its math is .* split"),
                            (wordy, r"chain z, step 1: with its justification .* than a slide"),
                            (titled, r"frame title .* wider than a 16:9 slide")):
        with pytest.raises(slides.SlideError, match=message):
            slides.deck(_short(lecture.Section(build_)))


def test_frames_with_the_same_file_name_are_refused():
    from derivations.lecture.symbols import z

    def make(title, name, result):
        def build_():
            d = dv.Derivation(title, name=name)
            d.given(z, "z", name=result)
            d.equal(z + 0, "nothing")
            return d
        return build_

    clash = _short(lecture.Section(make("One", "odd", "symmetry-rule")),
                   lecture.Section(make("Two", "odd-symmetry", "rule")))
    with pytest.raises(slides.SlideError, match=r"both be frames/odd-symmetry-rule\.tex"):
        slides.deck(clash)


def test_a_one_step_result_is_shown_with_its_subject_not_as_a_tautology():
    d = dv.adaline_comparison().verify()
    left, sign, right, _ = d.key("logistic-delta")
    assert (sign, right) == ("=", d.result("logistic-delta")) and left != right
    sgd = dv.sgd_rule().verify().key("weight")[3]
    assert any("The gradient of the logistic loss" in shown_text_(i) for i in sgd)


def shown_text_(item) -> str:
    from derivations.engine import shown_text
    return shown_text(item)


def test_rebuilding_slides_removes_only_frames_it_wrote(tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "my-own-intro.tex").write_text("\\begin{frame}Mine\\end{frame}\n")
    (frames / "gone.tex").write_text(slides.MARKER + "\n\\begin{frame}old\\end{frame}\n")
    build(tmp_path, ("slides",), lecture=_short(lecture.Section(dv.threshold)),
          engine="mathtext", nested=False)
    assert (frames / "my-own-intro.tex").exists() and not (frames / "gone.tex").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_long_chain_of_tall_steps_stays_on_the_page(engine, tmp_path):
    if engine == "tex":
        tex_engine_or_skip()
    from derivations.lecture.symbols import z

    def long_chain():
        d = dv.Derivation("A long chain", intro=" ".join(["An introduction of words."] * 12))
        d.given(1 / (1 + z**2), "start " + " ".join(["with a justification"] * 8), name="c")
        for k in range(1, 17):
            d.equal((1 + k) / ((1 + k) * (1 + z**2)), f"multiply by ${k + 1}/{k + 1}$; "
                    + " ".join(["and say so"] * (k % 4)))
        return d

    short = _short(lecture.Section(long_chain))
    build(tmp_path, ("slides",), lecture=short, engine=engine, nested=False)
    frames = slides.deck(short, Context(tmp_path, *engines.choose_engine(engine)))
    assert len([f for f in frames if f.rows]) >= 3
    pages = PdfReader(tmp_path / "slides.pdf").pages
    assert len(pages) == sum(f.reveals for f in frames)
    assert outside_the_page(tmp_path / "slides.pdf") == [], engine


def test_lines_broken_by_estimate_are_those_measuring_every_line_gives():
    from derivations.engine import note_text
    from derivations.lecture.softmax import softmax_newton
    from figures.outputs import pages
    texts = [note_text(d, step) for d in (softmax_newton(), dv.stable_loss())
             for step in d.verify()._steps[:4]]
    texts += [r"the log-sum-exp does not depend on $k$; for $K \in \mathbb{N}$ and "
              r"$j \in \left\{1, \ldots, K\right\}$; a well-known, often-used, "
              "hyphen-heavy, re-arranged line-by-line text " * 2,
              # a lone $ turns a line into math, or out of it (found by a review)
              r"then ($a + b$) and ($c + d$) and ($e + f$) so on",
              r"$\Sigma\Sigma\Sigma\Sigma\Sigma\Sigma\Sigma\Sigma$ costs 5 US$ in total"]
    for text in texts:
        for size, width in ((8, 0.8), (8, 1.2), (9.5, 2.5), (10, 1.85), (11, 6.0)):
            assert pages.wrap(text, size, width) == \
                pages._wrap_measuring_every_line(text, size, width), (text, width)


def test_a_build_with_workers_writes_what_one_without_them_writes(tmp_path, monkeypatch):
    import figures.outputs as outputs
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    short = lecture.Lecture("Short", "", (lecture.Section(dv.threshold, figures=("threshold",)),
                                          lecture.Section(dv.stable_loss)))
    sent = []

    class Spy(ProcessPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            sent.append(getattr(args[1], "__name__", "?") if len(args) > 1 else fn.__name__)
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(outputs, "ProcessPoolExecutor", Spy)
    names = ("figures", "pdf", "handout")
    build(tmp_path / "workers", names, lecture=short, engine="mathtext")
    assert {"write_figures", "_mathtext_pdf_of", "_mathtext_handout"} <= set(sent), sent
    monkeypatch.setattr(outputs, "_can_fork", lambda: False)
    build(tmp_path / "alone", names, lecture=short, engine="mathtext")
    files = sorted(p.relative_to(tmp_path / "alone") for p in (tmp_path / "alone").rglob("*")
                   if p.is_file())
    assert len(files) == 2 + 2 + 1
    for rel in files:
        assert (tmp_path / "workers" / rel).read_bytes() == (tmp_path / "alone" / rel
                                                             ).read_bytes(), rel


def test_work_whose_worker_died_is_done_in_the_build_itself(tmp_path):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from figures.outputs.base import Job
    died: Future = Future()
    died.set_exception(BrokenProcessPool("a worker was killed"))
    assert Job(died, sorted, ([3, 1, 2],)).result() == [1, 2, 3]
    failed: Future = Future()
    failed.set_exception(PdfError("slides: pdflatex failed"))
    with pytest.raises(PdfError, match="pdflatex failed"):  # a real failure is not redone
        Job(failed, sorted, ([1],)).result()


# ------------------------------------------------------ a build's workers --
#: the file a test's derivation is read from when it is made (a teacher's module being edited)
EDITED: dict[str, Path] = {}


def _from_file() -> dv.Derivation:
    return toy("Toy square", EDITED["step"].read_text())


def test_a_derivation_edited_during_a_build_is_never_printed_unproven(tmp_path, monkeypatch):
    import figures.outputs as outputs
    EDITED["step"] = tmp_path / "step.txt"
    EDITED["step"].write_text("z**2 + 2*z + 1")
    proven = outputs.verify_all

    def saved_while_building(*args):  # the file is saved just after the proofs
        proven(*args)
        EDITED["step"].write_text("z**2 + 7")

    monkeypatch.setattr(outputs, "verify_all", saved_while_building)
    short = lecture.Lecture("T", "", (lecture.Section(_from_file),))
    for fork in (True, False):
        monkeypatch.setattr(outputs, "_can_fork", lambda fork=fork: fork)
        EDITED["step"].write_text("z**2 + 2*z + 1")
        with pytest.raises(dv.StepError, match="step 2"):
            build(tmp_path / str(fork), ("pdf",), lecture=short, engine="mathtext")
        assert not (tmp_path / str(fork) / "derivations" / "toy-square.pdf").exists()


def _killed_in_a_worker(mark: Path, original):
    def draw(fig=None):
        if multiprocessing.parent_process() is not None:
            mark.write_text("killed")
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        return original(fig)
    return draw


def test_a_build_whose_worker_is_killed_finishes_its_work_itself(tmp_path, monkeypatch):
    import figures
    import figures.outputs as outputs
    monkeypatch.setattr(outputs, "_can_fork", lambda: True)
    monkeypatch.setitem(figures.FIGURES, "threshold", _killed_in_a_worker(
        tmp_path / "mark", figures.FIGURES["threshold"]))
    short = lecture.Lecture("T", "", (lecture.Section(dv.threshold, figures=("threshold",)),
                                      lecture.Section(dv.stable_loss)))
    build(tmp_path / "out", ("figures", "pdf", "handout"), lecture=short, engine="mathtext")
    assert (tmp_path / "mark").read_text() == "killed"
    for rel in ("figures/threshold.png", "figures/threshold.pdf", "derivations/handout.pdf",
                "derivations/threshold.pdf", "derivations/stable-loss.pdf"):
        assert (tmp_path / "out" / rel).stat().st_size > 0, rel


def test_a_build_inside_a_daemonic_process_runs_alone(monkeypatch):
    import figures.outputs as outputs

    class Daemonic:
        daemon = True

    monkeypatch.setattr(multiprocessing, "current_process", lambda: Daemonic())
    assert not outputs._can_fork()


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, from /proc; None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return fields[0], int(fields[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) and st[1] == pid:
            if st[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
@pytest.mark.parametrize("how", ["terminate the build", "Ctrl-C"])
def test_a_stopped_build_leaves_no_workers_and_no_worker_tracebacks(how, tmp_path):
    cmd = [sys.executable, "-m", "logreg.cli", "build", "--out", str(tmp_path / "out"),
           "--engine", "mathtext"]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    workers: list[int] = []
    for _ in range(600):  # until the two workers run (imports take a few seconds)
        workers = _children(proc.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert len(workers) >= 2, "the build did not start its workers"
    time.sleep(1.0)
    if how == "Ctrl-C":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.terminate()
    _, err = proc.communicate(timeout=60)
    for _ in range(200):
        if not any(_alive(w) for w in workers):
            break
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "workers outlived the build"
    assert "Traceback" not in err
    if how == "Ctrl-C":
        assert proc.returncode == 130 and "interrupted" in err
