"""The lecture's figures: pixels against baselines, the numbers behind them, the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.testing.compare import compare_images
from matplotlib.text import Text

import logreg
from figures import FIGURES, cli
from figures.outputs import images
from figures.style import metadata, style
from figures.training import class_regions, default_model, default_softmax_model

BASELINE = Path(__file__).parent / "baseline"
#: RMS difference (0-255). The baselines are the drawings without their text
#: (text and legends hidden): text depends on FreeType and each matplotlib's
#: layout, and is tested on its own below (sizes, captions, numbers, PDF text).
#: Measured: matplotlib 3.9.4 and 3.11.2 draw these identically.
TOLERANCE = 3.0
BASELINE_DPI = 60


def drawn(name: str) -> Figure:
    with style():
        return FIGURES[name](Figure())


def drawing_without_text(name: str, path: Path, fig: Figure | None = None) -> Path:
    fig = drawn(name) if fig is None else fig
    for artist in [*fig.findobj(Text), *fig.findobj(Legend)]:
        artist.set_visible(False)
    fig.savefig(path, dpi=BASELINE_DPI, metadata=metadata("png"))
    return path


@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_matches_its_baseline(name, tmp_path, refresh_baselines):
    expected = BASELINE / f"{name}.png"
    if refresh_baselines:
        drawing_without_text(name, expected)
    assert expected.exists(), f"no baseline; see {BASELINE / 'README.md'}"
    out = drawing_without_text(name, tmp_path / f"{name}.png")
    result = compare_images(str(expected), str(out), tol=TOLERANCE)
    assert result is None, result


def test_baseline_comparison_catches_a_moved_line(tmp_path):
    fig = drawn("threshold")
    fig.axes[0].lines[1].set_ydata([0.6, 0.6])  # the a = 0.5 line, misplaced
    moved = drawing_without_text("threshold", tmp_path / "threshold.png", fig)
    assert compare_images(str(BASELINE / "threshold.png"), str(moved), tol=TOLERANCE)


def test_sigmoid_slope_peaks_at_zero_with_a_quarter():
    fig = drawn("sigmoid")
    slope = fig.axes[1].lines[0]
    x, y = slope.get_xdata(), slope.get_ydata()
    assert x[np.argmax(y)] == pytest.approx(0.0, abs=1e-12)
    assert y.max() == pytest.approx(0.25, abs=1e-12)
    assert y[0] < 1e-4 and y[-1] < 1e-4  # the flat tails are in view
    sig = fig.axes[0].lines[0].get_ydata()
    assert np.all(np.diff(sig) > 0) and sig[0] < 1e-4 and sig[-1] > 1 - 1e-4


def test_loss_curves_cross_at_one_half_at_log_two():
    ax = drawn("loss").axes[0]
    (a1, l1), (a0, l0) = ((ln.get_xdata(), ln.get_ydata()) for ln in ax.lines[:2])
    assert np.array_equal(a1, a0)
    cross = np.argmin(np.abs(l1 - l0))
    assert a1[cross] == pytest.approx(0.5, abs=1e-3)
    assert l1[cross] == pytest.approx(np.log(2), abs=1e-3)
    assert ax.get_ylim() == (0, 5)


def test_threshold_lines_sit_at_one_half_and_zero():
    ax = drawn("threshold").axes[0]
    curve, hline, vline = ax.lines[:3]
    assert set(hline.get_ydata()) == {0.5} and set(vline.get_xdata()) == {0.0}
    z, a = curve.get_xdata(), curve.get_ydata()
    np.testing.assert_array_equal(z > 0, a > 0.5)


def test_mse_gradient_vanishes_where_nll_does_not():
    ax = drawn("nll-vs-mse").axes[0]
    z, nll = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    mse = ax.lines[1].get_ydata()
    wrong = z < -6  # y = 1 but z very negative: confidently wrong
    assert nll[wrong].min() > 0.99 and mse[wrong].max() < 0.01


def test_trained_boundary_separates_the_blobs():
    model, X, y = default_model()
    assert model.score(X, y) >= 0.95
    fig = drawn("training")
    assert fig.axes[0].lines[0].get_ydata()[0] == pytest.approx(np.log(2))
    assert np.all(np.diff(fig.axes[0].lines[0].get_ydata()) < 0)


def test_training_figure_takes_a_users_model():
    X, y = logreg.two_blobs(30, seed=7)
    model = logreg.LogisticRegression(solver="newton", l2=0.1).fit(X, y)
    with style():
        fig = FIGURES["training"](Figure(), model=model, X=X, y=y)
    assert len(fig.axes[1].collections) >= 3
    with pytest.raises(ValueError, match="2 features"):
        FIGURES["training"](Figure(), model=model, X=np.ones((3, 3)), y=[0, 1, 0])


def test_softmax_outputs_sum_to_one_everywhere():
    ax = drawn("softmax").axes[0]
    z1 = ax.lines[0].get_xdata()
    a1, a2, a3, total = (ln.get_ydata() for ln in ax.lines[:4])
    assert z1[0] == -6 and z1[-1] == 6
    np.testing.assert_allclose(a1 + a2 + a3, 1.0, rtol=0, atol=1e-14)
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-14)  # the dotted line drawn
    assert np.all((a1 > 0) & (a2 > 0) & (a3 > 0))
    assert np.all(np.diff(a1) > 0) and np.all(np.diff(a2) < 0) and np.all(np.diff(a3) < 0)
    np.testing.assert_allclose(a2 / a3, np.e)  # z_2 - z_3 = 1, whatever z_1 is
    (z_even,), (a_even,) = ax.lines[4].get_xdata(), ax.lines[4].get_ydata()
    assert z_even == 1.0  # z_1 = z_2: a_1 = a_2
    at = np.argmin(np.abs(z1 - z_even))
    assert a1[at] == pytest.approx(a_even) and a2[at] == pytest.approx(a_even)


def test_softmax_graph_shows_each_factor_without_overlaps():
    fig = drawn("softmax-graph")
    texts = [t for t in fig.axes[0].texts if t.get_text().strip()]
    shown = {t.get_text() for t in texts}
    for factor in (r"$\partial L/\partial z_j = a_j - y_j$",
                   r"$\partial z_j/\partial w_{jl} = x_l$",
                   r"$\partial a_k/\partial z_j = a_k(\delta_{kj} - a_j)$",
                   r"$L = -\Sigma_k\, y_k \log a_k$"):
        assert factor in shown, factor
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in [*texts, fig.axes[0].title]]
    for i, b in enumerate(boxes):
        assert fig.bbox.contains(b.x0, b.y0) and fig.bbox.contains(b.x1, b.y1)
        for other in boxes[i + 1:]:
            assert not b.overlaps(other), (b, other)


def test_three_class_regions_match_predict():
    model, X, y = default_softmax_model()
    assert model.coef_.shape == (3, 2) and list(model.classes_) == [0, 1, 2]
    assert model.score(X, y) >= 0.85
    fig = drawn("softmax-training")
    curve = fig.axes[0].lines[0].get_ydata()
    assert curve[0] == pytest.approx(np.log(3)) and np.all(np.diff(curve) < 0)
    image = fig.axes[1].images[0]
    drawn_best = np.asarray(image.get_array())
    g1, g2, best = class_regions(model, tuple(image.get_extent()))
    np.testing.assert_array_equal(drawn_best, best)
    predicted = model.predict(np.column_stack([g1.ravel(), g2.ravel()]))
    np.testing.assert_array_equal(model.classes_[best.ravel()], predicted)
    assert set(np.unique(best)) == {0, 1, 2}  # every class has a region in view


def test_three_blobs_are_reproducible_with_a_blob_per_label():
    X, y = logreg.three_blobs(40, seed=3)
    again, _ = logreg.three_blobs(40, seed=3)
    assert X.shape == (120, 2) and np.array_equal(X, again)
    assert not np.array_equal(X, logreg.three_blobs(40, seed=4)[0])
    assert np.bincount(y).tolist() == [40, 40, 40]
    centres = np.array([X[y == k].mean(0) for k in range(3)])
    sides = [np.linalg.norm(centres[i] - centres[j]) for i, j in ((0, 1), (1, 2), (0, 2))]
    assert np.allclose(sides, 3.0, atol=0.6)  # an equilateral triangle of side 3
    with pytest.raises(ValueError, match="n_per_class"):
        logreg.three_blobs(0)


@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_draws_into_a_given_subfigure(name):
    with style():
        parent = Figure()
        sub = parent.subfigures(1, 2)[1]
        assert FIGURES[name](sub) is sub
        assert sub.axes


@pytest.mark.parametrize("name", list(FIGURES))
def test_text_is_at_least_10_points(name):
    fig = drawn(name)
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()]
    assert sizes and min(sizes) >= 10


def test_slide_size_is_16_by_9():
    with style("slide") as size:
        fig = FIGURES["loss"](Figure())
    w, h = fig.get_size_inches()
    assert w / h == pytest.approx(16 / 9) and size.font >= 14


@pytest.mark.parametrize("epoch", [None, "1700000000"])
def test_output_is_byte_identical_when_regenerated(tmp_path, monkeypatch, epoch):
    if epoch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    else:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = images.write_figures(tmp_path / "a", ("png", "pdf", "svg"), ["loss", "training"])
    second = images.write_figures(tmp_path / "b", ("png", "pdf", "svg"), ["loss", "training"])
    for p, q in zip(first, second, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name
    pdf = (tmp_path / "a" / "loss.pdf").read_bytes()
    assert (b"D:2023" in pdf) == bool(epoch)  # the epoch's date, or none at all


def test_an_interrupted_run_keeps_the_good_file(tmp_path, monkeypatch):
    good = images.write_figures(tmp_path, ("png",), ["loss"])[0]
    before = good.read_bytes()

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(images, "figure_bytes", broken)
    with pytest.raises(KeyboardInterrupt):
        images.write_figures(tmp_path, ("png",), ["loss"])
    assert good.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "figures", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize(("args", "message"), [
    (["--only", "histogram"], "unknown figure 'histogram'"),
    (["--format", "png,gif"], "unknown format 'gif'"),
    (["--dpi", "0"], "--dpi"),
    (["--size", "poster"], "invalid choice"),
])
def test_bad_arguments_give_one_error_line(tmp_path, args, message):
    res = run_cli("--out", str(tmp_path), *args)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.stderr


def test_output_path_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "figs"
    f.write_text("x")
    res = run_cli("--out", str(f))
    assert res.returncode == 2 and "is a file" in res.stderr


def test_cli_and_logreg_figures_write_the_same_files(tmp_path):
    assert cli.main(["--out", str(tmp_path / "a"), "--only", "threshold", "--format",
                     "svg"]) == 0
    from logreg.cli import main
    assert main(["figures", "--out", str(tmp_path / "b"), "--only", "threshold",
                 "--format", "svg"]) == 0
    assert (tmp_path / "a" / "threshold.svg").read_bytes() == \
        (tmp_path / "b" / "threshold.svg").read_bytes()


def test_drawing_is_headless_and_never_loads_pyplot(tmp_path):
    code = ("import sys; from figures.outputs.images import write_figures; "
            f"write_figures({str(tmp_path)!r}, ('png',), ['sigmoid']); "
            "print('matplotlib.pyplot' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "MPLBACKEND": ""}, check=True)
    assert res.stdout.strip() == "False"


def test_usetex_without_tex_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(images.shutil, "which", lambda name: None)
    with pytest.raises(ValueError, match="--usetex needs latex and dvipng"):
        images.check_request(("png",), None, None, usetex=True)


def test_vanishing_gradient_pass_stays_under_its_proven_bound():
    from figures import depth
    factor, bound, unit = depth.layer_rules()  # lambdified from vanishing_gradient()
    assert (factor(2.0, 0.25), bound(-2.0), unit) == (0.5, 0.5, 0.25)
    (unit_pass, unit_bound), (random_pass, random_bound) = (
        depth.backward(*s) for s in depth.stacks().values())
    layers = np.arange(1, depth.DEPTH + 1)
    np.testing.assert_allclose(unit_bound, 4.0 ** -layers)
    assert np.all(unit_pass <= unit_bound * (1 + 1e-12))
    assert np.all(random_pass <= random_bound * (1 + 1e-12))
    assert unit_pass[-1] < 1e-7 and np.all(np.diff(np.log(unit_pass)) < 0)
