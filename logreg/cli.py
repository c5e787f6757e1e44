"""The ``logreg`` command: build the lecture's derivations, PDFs, slides and figures.

``logreg build --out DIR`` is the main job. This is the one module of
``logreg`` that may reach ``figures``, and only inside the subcommands that
draw, so that ``import logreg`` stays light.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from logreg import __version__


class UsageError(Exception):
    """Bad arguments or an unusable output folder: one line, exit status 2."""


class BuildError(Exception):
    """A build step failed (e.g. TeX); the message names what, where and what to do."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _out_dir(path: str) -> Path:
    from figures.outputs.files import output_folder

    try:
        return output_folder(path)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _progress(i: int, n: int, what: str) -> None:
    print(f"[{i}/{n}] {what}", flush=True)


def _run(args: argparse.Namespace, names: tuple[str, ...], nested: bool) -> int:
    """Write the outputs ``names`` of the lecture's manifest into ``--out``."""
    from figures.outputs import NotebookError, PdfError, build  # lazily: only these draw

    out = _out_dir(args.out)
    start = time.perf_counter()
    title = {k: getattr(args, k, None) for k in ("author", "course", "date")}
    notebook = {k: getattr(args, k, False) for k in ("execute", "per_section")}
    try:
        label, written = build(out, names, engine=args.engine, nested=nested,
                               progress=_progress, **title, **notebook)
    except (PdfError, NotebookError) as exc:
        raise BuildError(str(exc)) from None
    except (ValueError, TypeError) as exc:  # the manifest: a StepError, a SlideError...
        raise BuildError(f"{type(exc).__name__}: {exc}") from None
    if args.engine == "auto":
        label += " (auto: " + ("TeX found on PATH)" if label != "mathtext"
                               else "no TeX engine on PATH)")
    if {"pdf", "handout", "slides"} & set(names):
        print(f"PDF engine: {label}")
    print(f"wrote {len(written)} files in {time.perf_counter() - start:.1f} s:")
    for folder in sorted({w.parent for w in written}):
        kinds = sorted({w.suffix for w in written if w.parent == folder})
        print(f"  {folder}/  ({', '.join(kinds)})")
    for name in ("handout.pdf", "slides.pdf", "lecture.ipynb"):
        for path in (w for w in written if w.name == name):
            print(f"  {name.split('.')[0]}: {path}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from figures.outputs import OUTPUTS

    return _run(args, tuple(OUTPUTS), nested=True)


def cmd_derive(args: argparse.Namespace) -> int:
    return _run(args, ("markdown", "latex", "pdf", "handout"), nested=False)


def cmd_slides(args: argparse.Namespace) -> int:
    return _run(args, ("slides",), nested=False)


def cmd_site(args: argparse.Namespace) -> int:
    return _run(args, ("site",), nested=False)


def cmd_notebook(args: argparse.Namespace) -> int:
    return _run(args, ("notebook",), nested=False)


def cmd_figures(argv: Sequence[str]) -> int:
    """``logreg figures ...`` is ``python -m figures ...``."""
    from figures.cli import main as figures_main  # lazily: only this subcommand draws

    return figures_main(argv, prog="logreg figures")


def cmd_check(args: argparse.Namespace) -> int:
    """``logreg check``: see :mod:`logreg.check_command` (no SymPy for ``--list``)."""
    from logreg.check_command import cmd_check as run

    return run(args, UsageError, _feedback_page)


def _feedback_page(report: Any, points: float) -> str:
    from figures.outputs.feedback import feedback_page  # lazily: MathML lives there

    return feedback_page(report, points)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="logreg", description=(
        "Certified derivations, figures and handouts for the logistic-regression lecture."))
    parser.add_argument("--version", action="version", version=f"logreg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    engine = {"choices": ("auto", "tex", "mathtext"), "default": "auto",
              "help": "PDF engine: a TeX engine on PATH, or matplotlib's mathtext "
                      "(default auto: TeX when found)"}

    def writer(name: str, help_: str, run: Any, engine_choice: bool = True,
               title: bool = False) -> None:
        """A subcommand that writes outputs into --out DIR."""
        p = sub.add_parser(name, help=help_)
        p.add_argument("--out", required=True, metavar="DIR", help="output folder")
        if engine_choice:
            p.add_argument("--engine", **engine)
        for key, what in (("author", "presenter"), ("course", "course name"),
                          ("date", "date, as written (none unless given)")) if title else ():
            p.add_argument(f"--{key}", metavar="TEXT", help=f"the slides' title frame: {what}")
        p.set_defaults(run=run, **({} if engine_choice else {"engine": "mathtext"}))

    writer("build", "the main job: figures, derivations (.md, .tex, .pdf), handout, slides, "
           "web site and notebook (clean) into DIR", cmd_build, title=True)
    p = sub.add_parser("figures", add_help=False,
                       help="regenerate the lecture's figures (logreg figures --help)")
    p.set_defaults(run=lambda args: cmd_figures([]))  # main() forwards the arguments
    writer("derive", "every derivation's .tex, .md and .pdf, and the handout, into DIR",
           cmd_derive)
    writer("slides", "the lecture as 16:9 slides (Beamer or mathtext), each step revealed "
           "in turn, into DIR", cmd_slides, title=True)
    writer("site", "the lecture as a static web site (HTML with MathML, SVG figures, no "
           "scripts) into DIR", cmd_site, engine_choice=False)  # no PDF: nothing to choose
    writer("notebook", "the lecture as a Jupyter notebook (steps as Markdown, figures and "
           "training as code cells) into DIR", cmd_notebook, engine_choice=False)
    p = sub.choices["notebook"]
    p.add_argument("--execute", action="store_true", help="run it in a Jupyter kernel "
                   "before saving (needs nbclient and ipykernel); default: saved clean")
    p.add_argument("--per-section", action="store_true",
                   help="also one notebook per section, <name>.ipynb")
    from logreg.check_command import add_parser as add_check

    add_check(sub, cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``logreg`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["figures"]:
        return cmd_figures(argv[1:])
    try:
        args = make_parser().parse_args(argv)
        return args.run(args)
    except UsageError as exc:
        print(f"logreg: error: {exc}", file=sys.stderr)
        return 2
    except BuildError as exc:
        print(f"logreg: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `logreg build ... | head`: the reader left; not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("logreg: interrupted; finished files are complete, none half-written",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
