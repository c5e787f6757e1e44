r"""Check a student's derivation step by step with the lecture's relations.

One module per concern, each readable in one sitting:

- :mod:`.reading`, :mod:`.tokens`, :mod:`.parser` and :mod:`.calculus` (with
  :mod:`.notation`): the answer file read into lines of SymPy, never executed, in
  linear time;
- :mod:`.sandbox`: child processes with CPU-time and memory limits;
- :mod:`.prover`, :mod:`.refuting`: the verdict on one step, its counterexample
  and hint;
- :mod:`.judging` and :mod:`.forms`: an answer against an exercise's start,
  milestones and goal; :mod:`.scoring`: the points;
- :mod:`.report`: the report as data, and its text, Markdown, JSON and
  Gradescope forms;
- :mod:`.exercises` and :mod:`.spec`: the exercises, from TOML files.

>>> check(r"a(1-a) = a - a^2").passed
True
"""

from __future__ import annotations

from derivations.checking.exercises import (
    EXERCISES,
    Exercise,
    ExerciseError,
    Milestone,
    Part,
    free_context,
    load_file,
)
from derivations.checking.judging import BUDGET, SECONDS, check, exercise_named, meanings
from derivations.checking.parser import ParseError, evaluated, parse_expression
from derivations.checking.reading import MAX_BYTES, Line, answer_text, parse_answer
from derivations.checking.report import (
    ChainResult,
    Counterexample,
    MilestoneResult,
    Report,
    StepResult,
    escape_markdown,
    visible,
)

__all__ = ["BUDGET", "EXERCISES", "MAX_BYTES", "SECONDS", "ChainResult", "Counterexample",
           "Exercise", "ExerciseError", "Line", "Milestone", "MilestoneResult", "ParseError",
           "Part", "Report", "StepResult", "answer_text", "check", "escape_markdown",
           "evaluated", "exercise_named", "free_context", "load_file", "meanings",
           "parse_answer", "parse_expression", "visible"]
