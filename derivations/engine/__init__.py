"""The proof engine: derivations proven step by step in SymPy, and printed (SymPy only).

Its floors, each importing only the ones below it (a test reads the import graph):

1. :mod:`.steps` — a step, the errors, what prose may say; :mod:`.typeset` — expressions
   and prose as LaTeX.
2. the proof helpers, exact SymPy, one topic each: :mod:`.domains` (where symbols
   range), :mod:`.sums`, :mod:`.signs` (zero, nonzero, signs), :mod:`.definedness`,
   :mod:`.statements` (solution sets, pieces), :mod:`.counterexamples`.
3. the relations, how a step follows from an earlier one: :mod:`.relation` (the base,
   given, cited, equal), :mod:`.bound`, :mod:`.cases`, :mod:`.rules`.
4. the derivation: :mod:`.results` (its named results), :mod:`.fingerprint` (verified
   while its content is the proven one), :mod:`.lookalikes`, and :mod:`.derivation`;
   :mod:`.parallel` verifies many at once, in worker processes.
5. the printers, functions of a derivation: :mod:`.printing`. They register themselves
   with the derivation (imported here), so ``d.latex()`` and ``d.markdown()`` work.

>>> from derivations.engine import Derivation
>>> import sympy as sp
>>> d = Derivation("Toy"); _ = d.given(sp.Integer(1), "one")
>>> d.verify().verified
True
"""

from __future__ import annotations

from derivations.engine.bound import Bound
from derivations.engine.cases import ByCases, Equivalent, InCase
from derivations.engine.derivation import Derivation
from derivations.engine.parallel import verify_all
from derivations.engine.printing import (
    latex,
    lines,
    markdown,
    note_text,
    shown_text,
    step_line,
    step_parts,
)
from derivations.engine.relation import Equal, From, Given, Relation, Shown
from derivations.engine.rules import Apply, Limit, Substitution, UpdateRule
from derivations.engine.steps import MATH_COMMANDS, ProofGap, Step, StepError, text_problem
from derivations.engine.typeset import escape_text, tex, verbatim_latex, why_latex

__all__ = [
    "MATH_COMMANDS", "Apply", "Bound", "ByCases", "Derivation", "Equal", "Equivalent", "From",
    "Given", "InCase", "Limit", "ProofGap", "Relation", "Shown", "Step", "StepError",
    "Substitution", "UpdateRule", "escape_text", "latex", "lines", "markdown", "note_text",
    "shown_text", "step_line", "step_parts", "tex", "text_problem", "verbatim_latex",
    "verify_all", "why_latex",
]
