"""Every output format of the lecture, registered in one place, and the build that runs them.

Each format is an :class:`~figures.outputs.base.Output` that writes files from
the manifest (``derivations.lecture.LECTURE``):

>>> list(OUTPUTS)
['figures', 'markdown', 'latex', 'pdf', 'handout', 'slides', 'site', 'notebook']
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from derivations.engine import verify_all
from derivations.lecture import Lecture
from figures.outputs.base import Context, Output
from figures.outputs.engines import PdfError, choose_engine
from figures.outputs.handout import HandoutOutput
from figures.outputs.images import check_lecture
from figures.outputs.latex import LatexOutput
from figures.outputs.lecture_figures import FiguresOutput
from figures.outputs.markdown import MarkdownOutput
from figures.outputs.notebook import NotebookError, NotebookOutput
from figures.outputs.pdf import PdfOutput
from figures.outputs.site import SiteOutput
from figures.outputs.slides import SlidesOutput

#: name -> output, in the order a build runs them (figures first: documents include them)
OUTPUTS: dict[str, Output] = {o.name: o for o in (
    FiguresOutput(), MarkdownOutput(), LatexOutput(), PdfOutput(), HandoutOutput(),
    SlidesOutput(), SiteOutput(), NotebookOutput())}


def build(root: Path, names: Sequence[str] = tuple(OUTPUTS), *, lecture: Lecture | None = None,
          engine: str = "auto", nested: bool = True,
          progress: Callable[[int, int, str], None] | None = None,
          **title: str | None) -> tuple[str, list[Path]]:
    """Write the outputs ``names`` of ``lecture`` (default: the manifest) under ``root``.

    ``nested`` puts each output in its folder (``derivations/``, ``slides/``...);
    otherwise all go into ``root`` (figure PDFs for TeX still in ``root/figures``).
    ``title`` takes ``author``, ``course`` and ``date`` for the slides' title frame, and
    ``execute`` and ``per_section`` for the notebook.
    Returns the engine used (``"tex (latexmk)"`` or ``"mathtext"``) and the paths written.
    """
    if lecture is None:
        from derivations import lecture as manifest  # read now: the manifest may be extended

        lecture = manifest.LECTURE
    unknown = [n for n in names if n not in OUTPUTS]
    if unknown:
        raise ValueError(f"unknown output {', '.join(unknown)}; choose from {', '.join(OUTPUTS)}")
    check_lecture(lecture)
    used, program = choose_engine(engine)
    ctx = Context(Path(root), used, program, nested, **title)
    for name in names:  # a missing package is said before any work is done
        OUTPUTS[name].check(ctx)
    written: list[Path] = []
    with contextlib.ExitStack() as jobs:
        cpus = _cpus()
        if cpus > 1 and _can_fork():
            # forked copies of this process draw the figures and prove the derivations
            # while it goes on; they start with everything imported, and what they write
            # is byte for byte what this process would (the tests compare)
            ctx.workers = ProcessPoolExecutor(
                min(WORKERS, cpus), mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_starts, initargs=(os.getpid(),))
            jobs.callback(_stop, ctx.workers, ctx)
            ctx.workers.submit(int)  # forked now, while this process has one thread
        if program and cpus > 1:  # TeX runs in the background, two at a time
            ctx.tex_jobs = jobs.enter_context(ThreadPoolExecutor(min(TEX_JOBS, cpus)))
        try:
            for i, name in enumerate(names, 1):
                output = OUTPUTS[name]
                if progress:
                    engine_note = f" ({used})" if output.uses_engine else ""
                    progress(i, len(names),
                             f"{name}: {output.describe(lecture, ctx)}{engine_note}")
                if name != "figures" and not ctx.proofs:
                    ctx.proofs = _proofs(lecture, ctx.workers)
                written += [p for p in output.write(lecture, ctx) if p not in written]
            ctx.finish()
        except BaseException:
            ctx.cancel()
            ctx.failed = True
            raise
    return (f"tex ({program})" if program else "mathtext"), written


def _proofs(lecture: Lecture, workers: Executor | None) -> tuple[tuple[Callable, str], ...]:
    """Every section proven (in the workers, if any); what the workers may take: each
    maker with the hash its derivation had when it was proven."""
    verify_all([s.derivation for s in lecture], workers)
    return tuple((s.derivation, d._proof) for s in lecture
                 if (d := s.derivation()).verified and d._proof is not None)


#: TeX programs a build runs at once (each is single-threaded)
TEX_JOBS = 2
#: processes that draw and prove beside the build's own
WORKERS = 2


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def _can_fork() -> bool:
    """Workers are forked copies of this process: on Linux, only from a process with one
    thread (a copy of a threaded one can deadlock) that may have children; else a build
    runs alone."""
    return (sys.platform.startswith("linux") and threading.active_count() == 1
            and not multiprocessing.current_process().daemon
            and "fork" in multiprocessing.get_all_start_methods())


def _worker_starts(build: int) -> None:
    """In each worker: Ctrl-C is the build's to handle, and it ends with the build."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # PR_SET_PDEATHSIG = 1 (Linux)
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)
    if os.getppid() != build:  # the build ended before the line above
        os._exit(1)


def _stop(workers: ProcessPoolExecutor, ctx: Context) -> None:
    """The workers' end: after their work, or at once when the build failed."""
    if ctx.failed:
        if hasattr(workers, "terminate_workers"):  # Python 3.14
            workers.terminate_workers()
        else:
            processes = getattr(workers, "_processes", None) or {}  # pid -> process
            for process in list(processes.values()):
                process.terminate()
        workers.shutdown(wait=True, cancel_futures=True)
    else:
        workers.shutdown(wait=True)


__all__ = ["OUTPUTS", "Context", "NotebookError", "Output", "PdfError", "build"]
