"""The one style of every figure: sizes, fonts, colours, reproducible output.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies). Fonts are matplotlib's bundled DejaVu Sans with mathtext, so no
TeX is needed and the same bytes come out everywhere.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

import matplotlib as mpl

#: Okabe-Ito colours by role
BLUE, ORANGE, GREEN, VERMILION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, GREY, BLACK = "#56B4E9", "#CC79A7", "#7F7F7F", "#000000"
CLASS_COLOURS = (BLUE, VERMILION, GREEN)  # class 0, class 1, class 2
CLASS_MARKERS = ("o", "^", "s")


@dataclass(frozen=True)
class Size:
    """A figure size (inches) and its base font size (points)."""

    name: str
    width: float
    height: float
    font: float
    scale: float = 1.0  # < 1: the figure drawn smaller, fonts and lines shrunk alike

    def shrunk(self, width: float) -> Size:
        """This size drawn ``width`` inches wide: everything scaled by the same factor.

        >>> SIZES["default"].shrunk(3.5).font
        5.5
        """
        k = width / self.width
        return Size(self.name, width, self.height * k, self.font * k, self.scale * k)


SIZES = {
    "default": Size("default", 7.0, 3.4, 11.0),
    "slide": Size("slide", 10.0, 5.625, 16.0),  # 16:9, read from the back row
}


def rc(size: Size, usetex: bool = False) -> dict:
    """rcParams for one size; fonts never below 10 pt at the default size."""
    k = size.scale
    small = max(10.0 * k, size.font - k)
    return {
        "figure.figsize": (size.width, size.height),
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.bbox": "standard",
        "font.family": "DejaVu Sans",
        "font.size": size.font,
        "axes.titlesize": size.font + k,
        "axes.labelsize": size.font + k,
        "xtick.labelsize": small,
        "ytick.labelsize": small,
        "legend.fontsize": small,
        "legend.frameon": True,
        "legend.framealpha": 0.9,
        "mathtext.fontset": "dejavusans",
        "axes.prop_cycle": mpl.cycler(color=[BLUE, VERMILION, GREEN, ORANGE, PURPLE, SKY]),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "lines.linewidth": 2.2 * k,
        "lines.markersize": 6.0 * k,
        "axes.linewidth": 0.8 * k,
        "patch.linewidth": 1.0 * k,
        "grid.linewidth": 0.8 * k,
        "xtick.major.size": 3.5 * k,
        "ytick.major.size": 3.5 * k,
        "xtick.major.width": 0.8 * k,
        "ytick.major.width": 0.8 * k,
        "xtick.major.pad": 3.5 * k,
        "ytick.major.pad": 3.5 * k,
        "svg.hashsalt": "logreg-lecture",     # stable SVG ids
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "text.usetex": usetex,
    }


@contextlib.contextmanager
def style(size: str | Size = "default", usetex: bool = False) -> Iterator[Size]:
    """Apply the style (and the Agg backend's defaults) for the duration of a block."""
    chosen = SIZES[size] if isinstance(size, str) else size
    # fontTools, subsetting fonts for PDF, warns about the fonts' own 1970 dates: noise
    fonttools = logging.getLogger("fontTools")
    level = fonttools.level
    fonttools.setLevel(logging.ERROR)
    try:
        with mpl.rc_context(rc(chosen, usetex)):
            yield chosen
    finally:
        fonttools.setLevel(level)


def use(size: str | Size = "default") -> None:
    """The style for the rest of the session, e.g. in a notebook: ``figures.style.use()``.

    (:func:`style` applies it to one block; files are always drawn that way.)
    """
    mpl.rcParams.update(rc(SIZES[size] if isinstance(size, str) else size))


def metadata(fmt: str) -> dict:
    """File metadata with no wall-clock date unless SOURCE_DATE_EPOCH asks for one."""
    if fmt == "png":
        return {"Software": "logreg-lecture figures"}
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return {"Creator": "logreg-lecture figures"}  # matplotlib uses the epoch itself
    key = "Date" if fmt == "svg" else "CreationDate"
    return {"Creator": "logreg-lecture figures", key: None}
