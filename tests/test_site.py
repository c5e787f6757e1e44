"""The web site: valid HTML with MathML printed from the proven objects, checked in a
real browser (headless Chromium) at phone and desktop widths."""

from __future__ import annotations

import io
import itertools
import re
import xml.dom.minidom
from pathlib import Path

import html5lib
import numpy as np
import pytest
from PIL import Image

import derivations as dv
from derivations.engine import note_text, step_parts
from derivations.lecture import LECTURE
from figures.outputs import build
from figures.outputs.site import mathml
from tests.browser import Browser, chromium_or_skip

BASELINE = Path(__file__).parent / "baseline"
WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        build(out, ("site",), engine="mathtext")
    return out / "site"


@pytest.fixture(scope="module")
def browser():
    b = Browser(chromium_or_skip())
    yield b
    b.close()


def pages(site: Path) -> list[Path]:
    return [site / "index.html", *(site / f"{s.name}.html" for s in LECTURE)]


# ------------------------------------------------------------ the files --
def test_every_shipped_line_is_mathml_with_its_latex():
    for d in dv.all_derivations():
        d.verify()
        for step in d.steps:
            formulas = [p for p in step_parts(step) if p]
            formulas += note_text(d, step).split("$")[1::2]
            for latex in formulas:
                for display in (False, True):
                    out = mathml(latex, display)
                    xml.dom.minidom.parseString(out)  # well-formed, no named entities
                    shown = out.split("<annotation")[0]
                    assert out.count("<annotation") == 1 and "application/x-tex" in out
                    assert "\\" not in shown and "<mo />" not in shown, latex  # all converted
                    # no name spelt letter by letter (log1p, softplus, diag, ...)
                    assert not re.search(r"(<mi[^>]*>[A-Za-z0-9]</mi>){3,}", shown), latex
                    assert "<msup><mi>σ</mi><mi>′" not in shown, latex  # primes full size


@pytest.mark.parametrize("latex", [r"\text{<script>alert(1)</script>}", r"\text{x < 0}",
                                   r"\mbox{<b>bold</b>}", ""])
def test_markup_inside_math_is_refused_not_copied_into_the_page(latex):
    with pytest.raises(ValueError, match="as MathML"):
        mathml(latex)


def test_every_page_is_valid_html_with_language_and_ordered_headings(site):
    parser = html5lib.HTMLParser(strict=True)
    for page in pages(site):
        text = page.read_text()
        parser.parse(text)  # raises on any parse error
        assert '<html lang="en">' in text and "<script" not in text
        levels = [int(n) for n in re.findall(r"<h([1-6])", text)]
        steps = [b - a for a, b in itertools.pairwise(levels)]
        assert levels[0] == 1 and all(s <= 1 for s in steps), page.name


def test_index_lists_the_sections_in_order_and_each_step_has_an_anchor(site):
    index = (site / "index.html").read_text()
    links = re.findall(r'<li><a href="([^"]+)\.html">', index)
    assert links == [s.name for s in LECTURE]
    for section in LECTURE:
        d = section.derivation().verify()
        text = (site / f"{d.name}.html").read_text()
        for n in range(1, len(d.steps) + 1):
            assert f'id="{d.name}-step-{n}"' in text
        for name in section.figures:
            assert (site / "figures" / f"{name}.svg").exists()
            alt = re.search(rf'src="figures/{name}\.svg" alt="([^"]+)"', text).group(1)
            assert len(alt) > 20, name


def test_pages_are_byte_identical_when_rebuilt(site, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(tmp_path, ("site",), engine="mathtext")
    for path in sorted(site.rglob("*.*")):
        again = tmp_path / "site" / path.relative_to(site)
        assert again.read_bytes() == path.read_bytes(), path.name


# ---------------------------------------------------------- the browser --
@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_renders_its_math_without_errors_or_overflow(site, browser, width):
    for page_path in pages(site):
        page = browser.open(page_path, width)
        try:
            assert page.errors() == [], (page_path.name, width)
            boxes = page.js("""[...document.querySelectorAll('math')].map(m => {
                const r = m.getBoundingClientRect();
                return [r.width, r.height, getComputedStyle(m).display]; })""")
            assert boxes, page_path.name
            for w, h, display in boxes:
                assert w > 0 and h > 0 and "math" in display, (page_path.name, w, h, display)
            assert page.js("document.documentElement.scrollWidth") <= width, page_path.name
        finally:
            page.close()


def test_dark_scheme_keeps_figures_on_white_and_print_hides_navigation(site, browser):
    page = browser.open(site / "sgd-rule.html", 1280)
    try:
        browser.send("Emulation.setEmulatedMedia", page.session,
                     features=[{"name": "prefers-color-scheme", "value": "dark"}])
        body = page.js("getComputedStyle(document.body).backgroundColor")
        img = page.js("getComputedStyle(document.querySelector('figure img')).backgroundColor")
        assert body == "rgb(22, 23, 24)" and img == "rgb(255, 255, 255)"
        browser.send("Emulation.setEmulatedMedia", page.session, media="print")
        assert page.js("getComputedStyle(document.querySelector('nav')).display") == "none"
    finally:
        page.close()


def test_a_derivation_page_looks_as_it_did(site, browser, refresh_baselines):
    page = browser.open(site / "logistic-gradient.html", 1280, height=900)
    try:
        shot = Image.open(io.BytesIO(page.screenshot())).convert("L")
    finally:
        page.close()
    baseline = BASELINE / "site-logistic-gradient.png"
    if refresh_baselines or not baseline.exists():
        shot.save(baseline, optimize=True)
        if not refresh_baselines:
            pytest.fail(f"no baseline yet: wrote {baseline}; check it and commit it")
    old = Image.open(baseline).convert("L")
    assert old.size == shot.size
    diff = np.abs(np.asarray(old, float) - np.asarray(shot, float))
    assert (diff > 64).mean() < 0.002, f"{(diff > 64).mean():.2%} of the pixels changed"


def _wide(tmp_path: Path) -> Path:
    """A site whose intro, a justification and a step are wider than any screen."""
    from derivations.lecture import Lecture, Section
    from derivations.lecture.symbols import z

    wide = " + ".join(rf"\frac{{z^{{{k}}}}}{{{k + 1}}}" for k in range(30))

    def wide_derivation():
        d = dv.Derivation("Wide formulas", intro=f"A long sum ${wide}$ in the introduction.")
        d.given(sum(z**k / (k + 1) for k in range(30)), f"the sum ${wide}$, spelt out",
                name="sum")
        d.equal(sum(z**k / (k + 1) for k in range(30)) + 0 * z, "nothing changes")
        return d

    build(tmp_path, ("site",), lecture=Lecture("Wide", f"Even here: ${wide}$.",
                                                (Section(wide_derivation),)))
    return tmp_path / "site"


@pytest.mark.parametrize("width", WIDTHS)
def test_wide_formulas_scroll_in_their_own_box_not_the_page(tmp_path, browser, width):
    site = _wide(tmp_path)
    for name in ("index.html", "wide-formulas.html"):
        page = browser.open(site / name, width)
        try:
            assert page.errors() == []
            assert page.js("document.documentElement.scrollWidth") <= width, (name, width)
            assert page.js("Math.max(...[...document.querySelectorAll('math')]"
                           ".map(m => m.getBoundingClientRect().width))") > width / 2
        finally:
            page.close()


def test_a_failing_page_writes_nothing_and_names_the_step(tmp_path):
    from derivations.lecture import Lecture, Section
    from derivations.lecture.symbols import z

    def hostile():
        d = dv.Derivation("Hostile", intro="fine")
        d.given(z, r"where $\text{<script>alert(1)</script>}$ holds", name="z")
        d.equal(z + 0, "nothing")
        return d

    # refused where it is written (\text is not a justification's math command), or else
    # where MathML cannot print it: either way before any page is written
    with pytest.raises(ValueError, match=r"'Hostile', step 1\b.*(as MathML|\\text)"):
        build(tmp_path, ("site",), lecture=Lecture("L", "", (Section(hostile),)))
    assert not list((tmp_path / "site").glob("*.html"))


def test_rebuilding_removes_only_pages_it_wrote(site, tmp_path):
    from derivations.lecture import Lecture, Section

    build(tmp_path, ("site",), lecture=LECTURE)
    mine = tmp_path / "site" / "my-notes.html"
    mine.write_text("<!DOCTYPE html><title>mine</title>")
    build(tmp_path, ("site",), lecture=Lecture("L", "", (Section(dv.threshold),)))
    assert mine.exists() and not (tmp_path / "site" / "sgd-rule.html").exists()
    assert (tmp_path / "site" / "threshold.html").exists()


def test_infinity_and_absolute_value_bars_are_set_as_tex_sets_them():
    from figures.outputs.site import mathml
    out = mathml(r"|z| \geq 5, z \in \left(-\infty, -5\right]")
    assert "<mi>∞</mi>" in out and "<mo>∞</mo>" not in out
    assert out.count('<mo stretchy="false" lspace="0" rspace="0">|</mo>') == 2
