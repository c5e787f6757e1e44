"""Shared fixtures: random points for numeric cross-checks, a scratch folder."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--refresh-baselines", action="store_true",
                     help="rewrite tests/baseline/*.png from the current figures")


@pytest.fixture
def refresh_baselines(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--refresh-baselines"))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261127)


def tex_engine_or_skip() -> str:
    """The pdflatex on PATH; skip only when absent and CI did not promise one."""
    exe = shutil.which("pdflatex")
    if exe:
        return exe
    if os.environ.get("LOGREG_REQUIRE_TEX"):
        pytest.fail("LOGREG_REQUIRE_TEX is set but pdflatex is not on PATH")
    pytest.skip("no TeX engine on PATH (CI sets LOGREG_REQUIRE_TEX and installs one)")
