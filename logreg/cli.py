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


FORMATS = ("text", "markdown", "html", "json", "gradescope")
ANSWER_SUFFIXES = (".tex", ".txt", ".md", ".markdown")


def _report(path: Path, exercise: Any, args: argparse.Namespace) -> Any:
    """Check one answer file (``-``: standard input); an unreadable file is a report too."""
    from derivations.checking import Report, answer_text, check
    from derivations.parsing import ParseError

    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(MAX_READ)
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_READ)
    except OSError as exc:
        raise UsageError(f"cannot read the answer {str(path)!r}: {exc.strerror}") from None
    try:
        text = answer_text(data, markdown=path.suffix in (".md", ".markdown"))
    except ParseError as err:
        return Report(exercise, error=str(err))
    return check(text, exercise, seconds=args.time_limit, megabytes=args.memory)


MAX_READ = 64_001  # one byte more than an answer may have, so that "too long" is seen


def _formatted(report: Any, fmt: str, points: float) -> str:
    import json

    if fmt == "html":
        from figures.outputs.feedback import feedback_page  # lazily: MathML lives there

        return feedback_page(report)
    if fmt == "gradescope":
        return json.dumps(report.gradescope(points), indent=2, ensure_ascii=False) + "\n"
    return {"text": report.text, "markdown": report.markdown, "json": report.json}[fmt]()


def _emit(text: str, out: str | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    from figures.outputs.files import write_atomic

    target = Path(out)
    if target.is_dir():
        raise UsageError(f"--out {out!r} is a folder; name the file, e.g. {out}/results.json")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text)
    except OSError as exc:
        raise UsageError(f"cannot write --out {out!r}: {exc.strerror}") from None


def cmd_check(args: argparse.Namespace) -> int:
    """``logreg check``: one answer, a folder of answers (--batch), or the list."""
    from derivations.checking import exercise_named
    from derivations.exercises import EXERCISES

    if args.list:
        for ex in EXERCISES.values():
            print(f"{ex.name:20} {ex.title}")
        return 0
    if not (0 < args.points < 1e6 and 0 < args.time_limit <= 3600 and args.memory >= 64):
        raise UsageError("--points must be positive, --time-limit between 0 and 3600 "
                         "seconds, --memory at least 64 MB")
    try:
        exercise = exercise_named(args.exercise)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.batch is not None:
        return _batch(Path(args.batch), exercise, args)
    if args.answer is None:
        raise UsageError("name the answer file (or - for standard input), or use --list "
                         "or --batch DIR")
    report = _report(Path(args.answer), exercise, args)
    _emit(_formatted(report, args.format, args.points), args.out)
    return 0 if report.passed else 1


def _batch(folder: Path, exercise: Any, args: argparse.Namespace) -> int:
    """Every answer file in ``folder`` checked into one CSV (standard output or --out)."""
    import csv
    import io

    if not folder.is_dir():
        raise UsageError(f"--batch {str(folder)!r} is not a folder of answers")
    files = sorted(p for p in folder.iterdir() if p.suffix in ANSWER_SUFFIXES and p.is_file())
    if not files:
        raise UsageError(f"--batch {str(folder)!r} has no answer files "
                         f"({', '.join(ANSWER_SUFFIXES)})")
    buffer = io.StringIO()
    table = csv.writer(buffer, lineterminator="\n")
    table.writerow(["file", "exercise", "passed", "goal_reached", "score", "max_score",
                    "proven", "wrong", "undecided", "limit", "unchecked", "flagged",
                    "first_problem"])
    passed = 0
    for path in files:
        report = _report(path, exercise, args)
        counts = report.counts()
        problem = report.error or next(
            (f"line {s.line.number}: {s.status}: {s.message()}" for s in report.steps
             if s.status not in ("start", "proven")), "") or \
            ("" if report.goal_reached is not False else report.goal_text())
        table.writerow([path.name, exercise.name if exercise else "", report.passed,
                        "" if report.goal_reached is None else report.goal_reached,
                        report.gradescope(args.points)["score"], args.points,
                        *(counts[k] for k in ("proven", "wrong", "undecided", "limit",
                                              "unchecked", "flagged")), problem])
        passed += report.passed
        print(f"{'✓' if report.passed else '✗'} {path.name}", file=sys.stderr, flush=True)
    _emit(buffer.getvalue(), args.out)
    print(f"{passed} of {len(files)} answers passed", file=sys.stderr)
    return 0 if passed == len(files) else 1


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
    p = sub.add_parser("check", help="check a student's derivation step by step (exit 0 "
                       "when every step is proven and the goal reached)")
    p.add_argument("answer", nargs="?", metavar="ANSWER",
                   help="the answer: LaTeX in a .tex/.txt file, or math in a .md file "
                        "(- reads standard input)")
    p.add_argument("--exercise", metavar="NAME", help="check against an exercise's start, "
                   "milestones and goal (see --list); without it each step is checked "
                   "against the line before")
    p.add_argument("--list", action="store_true", help="list the exercises")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text (default), markdown, html, json, or gradescope (results.json)")
    p.add_argument("--out", metavar="FILE", help="write the report here (default: standard "
                   "output)")
    p.add_argument("--batch", metavar="DIR", help="check every answer file in DIR into one "
                   "CSV")
    p.add_argument("--points", type=float, default=10.0,
                   help="points for gradescope and --batch (default 10: half for the goal)")
    p.add_argument("--time-limit", type=float, default=5.0, metavar="SECONDS",
                   help="time each step may take (default 5)")
    p.add_argument("--memory", type=int, default=1024, metavar="MB",
                   help="memory each step may use (default 1024)")
    p.set_defaults(run=cmd_check)
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
