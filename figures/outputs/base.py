"""The one interface every output format implements, and what a build shares.

An :class:`Output` turns the lecture's manifest into files in its folder;
:class:`Context` carries the choices made once per build (the PDF engine, the
title-frame details) and the figure PDFs already drawn in this build.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from derivations.lecture import Lecture


@dataclass
class Context:
    """One build: where files go and the choices made once for every output."""

    root: Path
    engine: str = "mathtext"          # "tex" or "mathtext", chosen by engines.choose_engine
    program: str | None = None        # the TeX program when engine == "tex"
    nested: bool = True               # build: each output in its own folder; else all in root
    author: str | None = None         # title frame of the slides; nothing is invented
    course: str | None = None
    date: str | None = None
    figure_pdfs: dict[str, Path] = field(default_factory=dict)

    def folder(self, output: Output) -> Path:
        """The folder ``output`` writes into (created)."""
        path = self.root / output.folder if self.nested else self.root
        path.mkdir(parents=True, exist_ok=True)
        return path

    def figure_pdf(self, name: str) -> Path:
        """``figures/<name>.pdf`` under the root, drawn once per build (for TeX documents)."""
        if name not in self.figure_pdfs:
            from figures.outputs.images import write_figures

            self.figure_pdfs[name] = write_figures(self.root / "figures", ("pdf",), [name])[0]
        return self.figure_pdfs[name]


class Output(ABC):
    """An output format: a name, a folder, and ``write(lecture, ctx) -> [paths]``."""

    name: ClassVar[str]
    folder: ClassVar[str]
    uses_engine: ClassVar[bool] = False  # True when it makes PDFs with the build's engine

    @abstractmethod
    def describe(self, lecture: Lecture, ctx: Context) -> str:
        """The progress line's text, e.g. ``12 derivations as .md``."""

    @abstractmethod
    def write(self, lecture: Lecture, ctx: Context) -> list[Path]:
        """Write this format's files for ``lecture``; return their paths."""
