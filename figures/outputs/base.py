"""The one interface every output format implements, and what a build shares.

An :class:`Output` turns the lecture's manifest into files in its folder;
:class:`Context` carries the choices made once per build (the PDF engine, the
title-frame details) and the figure PDFs already drawn in this build.
"""

from __future__ import annotations

import pickle
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from derivations.lecture import Lecture
from figures.outputs import engines, images


@dataclass
class Job:
    """``fn(*args)`` running in the background."""

    future: Future
    fn: Callable[..., Any]
    args: tuple

    def result(self) -> Any:
        """Its result (its error raised here); done here if its worker died."""
        try:
            return self.future.result()
        except BrokenExecutor:  # a worker was killed (out of memory?): not a failure of fn
            return self.fn(*self.args)


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
    execute: bool = False             # the notebook: run in a Jupyter kernel before it is saved
    per_section: bool = False         # the notebook: one per section too
    figure_pdfs: dict[str, Path] = field(default_factory=dict)
    #: set by a build: TeX runs there while the next outputs are written (see finish())
    tex_jobs: Executor | None = None
    #: set by a build: forked processes that draw the figures and prove the derivations
    workers: Executor | None = None
    #: (maker, content hash) of each derivation proven in this build, for the workers
    proofs: tuple[tuple[Callable, str], ...] = ()
    pending: list[Job] = field(default_factory=list)
    drawing: Job | None = None        # the figures being drawn by the workers
    failed: bool = False              # the build failed: the workers are stopped at once

    def run(self, fn: Callable[..., Any], *args: Any) -> None:
        """``fn(*args)`` in a worker, with this build's proofs, when the build has workers
        and ``fn`` and ``args`` can be sent there (:meth:`finish` waits); else here, now."""
        job = self.submit(fn, *args)
        if job is None:
            fn(*args)
        else:
            self.pending.append(job)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Job | None:
        """``fn(*args)`` started in a worker (None: no workers, or it cannot be sent)."""
        if self.workers is None:
            return None
        try:
            pickle.dumps((fn, args, self.proofs))
        except Exception:  # a lecture of local functions: done here
            return None
        try:
            return Job(self.workers.submit(_with_proofs, self.proofs, fn, *args), fn, args)
        except (BrokenExecutor, RuntimeError):  # a worker was killed: the rest is done here
            return None

    def compile(self, tex: Path, pdf: Path, label: str) -> Path:
        """``pdf`` compiled from ``tex`` by the build's TeX program; in a build, in the
        background (:meth:`finish` waits and raises the first error, in order)."""
        args = (tex, pdf, self.program, label)
        if self.tex_jobs is None:
            return engines.compile_tex(*args)
        self.pending.append(Job(self.tex_jobs.submit(engines.compile_tex, *args),
                                engines.compile_tex, args))
        return pdf

    def finish(self) -> None:
        """Wait for the background work; raise the first failure, in submission order."""
        self.figures_drawn()
        pending, self.pending = self.pending, []
        for job in pending:
            job.result()

    def cancel(self) -> None:
        """Drop the background work not yet started (a build that failed)."""
        for job in [*self.pending, *([self.drawing] if self.drawing else [])]:
            job.future.cancel()

    def figures_drawn(self) -> None:
        """Wait for the figures being drawn in the background, if any."""
        if self.drawing is not None:
            drawing, self.drawing = self.drawing, None
            self.figure_pdfs.update({p.stem: p for p in drawing.result() if p.suffix == ".pdf"})

    def folder(self, output: Output) -> Path:
        """The folder ``output`` writes into (created)."""
        path = self.root / output.folder if self.nested else self.root
        path.mkdir(parents=True, exist_ok=True)
        return path

    def figure_pdf(self, name: str) -> Path:
        """``figures/<name>.pdf`` under the root, drawn once per build (for TeX documents)."""
        self.figures_drawn()
        if name not in self.figure_pdfs:
            drawn = images.write_figures(self.root / "figures", ("pdf",), [name])
            self.figure_pdfs[name] = drawn[0]
        return self.figure_pdfs[name]


class Output(ABC):
    """An output format: a name, a folder, and ``write(lecture, ctx) -> [paths]``."""

    name: ClassVar[str]
    folder: ClassVar[str]
    uses_engine: ClassVar[bool] = False  # True when it makes PDFs with the build's engine

    def check(self, ctx: Context) -> None:
        """Raise a clear error, before a build starts, if what this output needs is missing."""
        return None  # most outputs need nothing beyond the package's dependencies

    @abstractmethod
    def describe(self, lecture: Lecture, ctx: Context) -> str:
        """The progress line's text, e.g. ``12 derivations as .md``."""

    @abstractmethod
    def write(self, lecture: Lecture, ctx: Context) -> list[Path]:
        """Write this format's files for ``lecture``; return their paths."""


_ADOPTED: set[str] = set()  # in a worker: the proofs already taken


def _with_proofs(proofs: tuple[tuple[Callable, str], ...], fn: Callable[..., Any],
                 *args: Any) -> Any:
    """In a worker: each derivation takes the build's proof of its content (only when
    its own content has that hash; see ``Derivation._adopt``), then ``fn(*args)``."""
    for make, fingerprint in proofs:
        if fingerprint not in _ADOPTED:
            make()._adopt(fingerprint)
            _ADOPTED.add(fingerprint)
    return fn(*args)
