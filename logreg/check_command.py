"""``logreg check``: one answer, a folder of answers (``--batch``), or the exercises' list.

Kept apart from :mod:`logreg.cli` so that ``logreg check --list`` needs neither
SymPy nor NumPy: the list is read from a cache written by the proofs
(:mod:`logreg.exercise_list`). Answers are read without following links,
every entry of a batch folder that is not a regular answer file is reported as
skipped, spreadsheet formulas in the CSV are defused, and SIGTERM, like Ctrl-C,
stops every child process before the command ends.
"""

from __future__ import annotations

import argparse
import errno
import math
import os
import signal
import stat
import sys
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

FORMATS = ("text", "markdown", "html", "json", "gradescope")
ANSWER_SUFFIXES = (".tex", ".txt", ".md", ".markdown")
MAX_READ = 64_001  # one byte more than an answer may have, so that "too long" is seen


class UsageError(Exception):
    """Bad arguments: one line, exit status 2 (the CLI's own UsageError is raised)."""


def add_parser(sub: Any, run: Any) -> None:
    p = sub.add_parser("check", help="check a student's derivation step by step (exit 0 "
                       "for full marks: every step proven, every milestone shown, the goal "
                       "reached)")
    p.add_argument("answer", nargs="?", metavar="ANSWER",
                   help="the answer: LaTeX in a .tex/.txt file, or math in a .md file "
                        "(- reads standard input)")
    p.add_argument("--exercise", metavar="NAME", help="check against an exercise's start, "
                   "milestones and goal (see --list); without it each step is checked "
                   "against the line before")
    p.add_argument("--exercises", metavar="FILE", help="a TOML file of your own exercises "
                   "(proven when read; see the README)")
    p.add_argument("--list", action="store_true", help="list the exercises")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text (default), markdown, html, json, or gradescope (results.json)")
    p.add_argument("--out", metavar="FILE", help="write the report here (default: standard "
                   "output)")
    p.add_argument("--batch", metavar="DIR", help="check every answer file in DIR into one "
                   "CSV")
    p.add_argument("--points", type=float, default=10.0,
                   help="points for the scores (default 10; milestones and goal share them "
                        "as the exercise says, half each by default)")
    p.add_argument("--time-limit", type=float, default=5.0, metavar="SECONDS",
                   help="CPU time each step may take (default 5)")
    p.add_argument("--memory", type=int, default=1024, metavar="MB",
                   help="memory each step may use (default 1024)")
    p.set_defaults(run=run)


def _terminate(signum: int, frame: Any) -> None:
    print("logreg: terminated; no report written", file=sys.stderr)
    raise SystemExit(128 + signum)


def cmd_check(args: argparse.Namespace, usage: type[Exception], html: Any) -> int:
    """Run ``logreg check``; ``usage`` is the CLI's exception for bad usage, ``html(report,
    points)`` the HTML page (the figures package draws it; only the CLI reaches it)."""
    signal.signal(signal.SIGTERM, _terminate)
    args.html = html
    try:
        return _check(args)
    except UsageError as exc:
        raise usage(str(exc)) from None


def _check(args: argparse.Namespace) -> int:
    if args.list and args.exercises is None:
        from logreg.exercise_list import listing

        for name, title in listing():
            print(f"{name:20} {title}")
        return 0
    wrong = [what for what, ok in (
        (f"--points {args.points:g}", math.isfinite(args.points) and 0 < args.points < 1e6
         and (Fraction(str(args.points)) * 100).denominator == 1),
        (f"--time-limit {args.time_limit:g}", 0 < args.time_limit <= 3600),
        (f"--memory {args.memory}", args.memory >= 64)) if not ok]
    if wrong:
        raise UsageError(f"{', '.join(wrong)} is not accepted: --points must be positive "
                         "(below a million) with at most two decimals, --time-limit "
                         "between 0 and 3600 seconds, --memory at least 64 MB")
    from derivations.checking import ExerciseError, exercise_named, load_file

    extra = {}
    if args.exercises is not None:
        try:
            extra = load_file(args.exercises)
        except ExerciseError as exc:
            raise UsageError(str(exc)) from None
        if args.list:
            for ex in extra.values():
                print(f"{ex.name:20} {ex.title}")
            return 0
    name = args.exercise
    if name is None and len(extra) == 1:
        name = next(iter(extra))
    try:
        exercise = exercise_named(name, extra)
        if exercise is not None:
            _ = exercise.parts  # proven before any answer is read
    except (ValueError, ExerciseError) as exc:
        raise UsageError(str(exc)) from None
    if args.batch is not None:
        return _batch(Path(args.batch), exercise, args)
    if args.answer is None:
        raise UsageError("name the answer file (or - for standard input), or use --list "
                         "or --batch DIR")
    report = _report(Path(args.answer), exercise, args, single=True)
    _emit(_formatted(report, args.format, args.points, args.html), args.out)
    return 0 if report.passed else 1


class NotAnAnswerError(OSError):
    """A path that is there but is no regular file: a link, a folder, a pipe, a device."""


def read_answer(path: Path) -> bytes:
    """At most MAX_READ bytes of a regular file. A symbolic link is not followed (a
    student's ``answer.tex`` may point at the teacher's solution), and a FIFO or device
    is refused without blocking: NotAnAnswerError; other OSErrors as they come."""
    if path.is_symlink():
        raise NotAnAnswerError(0, "a symbolic link (links are not followed)")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if path.is_symlink() or exc.errno == errno.ELOOP:
            raise NotAnAnswerError(0, "a symbolic link (links are not followed)") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotAnAnswerError(0, "not a regular file")
        chunks, size = [], 0
        while size < MAX_READ:
            chunk = os.read(fd, MAX_READ - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _report(path: Path, exercise: Any, args: argparse.Namespace, single: bool) -> Any:
    """Check one answer file (``-``: standard input); an answer that is a link, a folder
    or a pipe, or (in a batch) cannot be read, is a report with that error."""
    from derivations.checking import ParseError, Report, answer_text, check

    try:
        data = sys.stdin.buffer.read(MAX_READ) if str(path) == "-" else read_answer(path)
    except NotAnAnswerError as exc:
        return Report(exercise, error=f"the answer is {exc.strerror}; name the file itself")
    except OSError as exc:
        if single:
            raise UsageError(f"cannot read the answer {_shown(str(path))!r}: "
                             f"{exc.strerror}") from None
        return Report(exercise, error=f"cannot read it: {exc.strerror}")
    try:
        text = answer_text(data, markdown=path.suffix in (".md", ".markdown"))
    except ParseError as err:
        return Report(exercise, error=str(err))
    return check(text, exercise, seconds=args.time_limit, megabytes=args.memory)


def _formatted(report: Any, fmt: str, points: float, html: Any) -> str:
    import json

    if fmt == "html":
        return html(report, points)
    if fmt == "gradescope":
        return json.dumps(report.gradescope(points), indent=2, ensure_ascii=False) + "\n"
    if fmt == "json":
        return report.json(points)
    return {"text": report.text, "markdown": report.markdown}[fmt]()


def _emit(text: str, out: str | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    target = Path(out)
    if target.is_dir():
        raise UsageError(f"--out {out!r} is a folder; name the file, e.g. {out}/results.json")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                   suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UsageError(f"cannot write --out {out!r}: {exc.strerror}") from None


def _shown(text: str) -> str:
    from derivations.checking.report import visible

    return visible(text)


def cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: a leading =, +, -, @, tab or CR defused,
    control characters escaped."""
    text = _shown(str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _kind(entry: os.DirEntry) -> str:
    """Why an entry is not read: it is not a regular file."""
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    for test, words in ((stat.S_ISLNK, "a symbolic link (links are not followed)"),
                        (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                        (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                        (stat.S_ISBLK, "a device")):
        if test(mode):
            return words
    return "" if stat.S_ISREG(mode) else "not a regular file"


def _batch(folder: Path, exercise: Any, args: argparse.Namespace) -> int:
    """Every answer file in ``folder`` checked into one CSV (standard output or --out)."""
    import csv
    import io

    if not folder.is_dir():
        raise UsageError(f"--batch {_shown(str(folder))!r} is not a folder of answers")
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    answers = [e for e in entries if Path(e.name).suffix in ANSWER_SUFFIXES]
    for e in entries:
        if e not in answers and not e.name.startswith("."):
            why = _kind(e) or f"not an answer file ({', '.join(ANSWER_SUFFIXES)})"
            print(f"- {_shown(e.name)}: skipped, {why}", file=sys.stderr, flush=True)
    if not answers:
        raise UsageError(f"--batch {_shown(str(folder))!r} has no answer files "
                         f"({', '.join(ANSWER_SUFFIXES)})")
    buffer = io.StringIO()
    table = csv.writer(buffer, lineterminator="\n")
    table.writerow(["file", "exercise", "passed", "goal_reached", "score", "max_score",
                    "proven", "wrong", "undecided", "limit", "unchecked", "flagged",
                    "first_problem"])
    passed = 0
    for entry in answers:
        why = _kind(entry)
        if why:
            table.writerow([cell(entry.name), exercise.name if exercise else "", "", "", "",
                            f"{args.points:g}", *[""] * 6, cell(f"skipped: {why}")])
            print(f"- {_shown(entry.name)}: skipped, {why}", file=sys.stderr, flush=True)
            continue
        report = _report(folder / entry.name, exercise, args, single=False)
        counts = report.counts()
        problem = report.error or next(
            (f"line {s.line.number}: {s.status}: {s.message()}" for s in report.steps
             if s.status not in ("start", "proven")), "") or \
            next((f"{a.name}: {a.output}" for a in report.awards(args.points)
                  if not a.earned), "")
        table.writerow([cell(entry.name), exercise.name if exercise else "", report.passed,
                        "" if report.goal_reached is None else report.goal_reached,
                        f"{report.score(args.points):g}", f"{args.points:g}",
                        *(counts[k] for k in ("proven", "wrong", "undecided", "limit",
                                              "unchecked", "flagged")), cell(problem)])
        passed += report.passed
        print(f"{'✓' if report.passed else '✗'} {_shown(entry.name)}", file=sys.stderr,
              flush=True)
    _emit(buffer.getvalue(), args.out)
    print(f"{passed} of {len(answers)} answers passed", file=sys.stderr)
    return 0 if passed == len(answers) else 1
