r"""A checked answer as one self-contained HTML page (MathML, no scripts).

The math is printed from the SymPy objects the checker read and proved
(:mod:`derivations.checking`), converted to MathML like the web site's.

>>> from derivations.checking import check
>>> page = feedback_page(check(r"a(1-a) = a - a^2"))
>>> "<math" in page and "proven" in page
True
"""

from __future__ import annotations

import html

from derivations.checking import Report, visible
from derivations.engine import tex
from figures.outputs.site import mathml, prose

LABELS = {"start": "start", "proven": "proven", "wrong": "wrong", "undecided": "undecided",
          "limit": "too large", "unchecked": "not checked"}

CSS = """\
:root { color-scheme: light dark; --ink: #1b1b1b; --paper: #fdfdfc; --muted: #5a5a5a;
  --ok: #1a7f37; --bad: #b3261e; --unsure: #8a6100; --rule: #d9d9d9; }
@media (prefers-color-scheme: dark) {
  :root { --ink: #e8e8e6; --paper: #161718; --muted: #a9a9a9; --ok: #6fdc8c;
    --bad: #ff8a80; --unsure: #f2c14e; --rule: #3a3a3a; }
}
body { margin: 0 auto; max-width: 48rem; padding: 1rem; color: var(--ink);
  background: var(--paper); font: 1rem/1.5 system-ui, sans-serif; }
math { font-family: math, "Latin Modern Math", "STIX Two Math", "Cambria Math", serif; }
ol { list-style: none; padding: 0; }
li { border-top: 1px solid var(--rule); padding: .5rem 0; display: grid;
  grid-template-columns: 7.5rem minmax(0, 1fr); gap: .25rem 1rem; }
.verdict { font-weight: 600; }
.math { overflow-x: auto; }
.note { grid-column: 2; color: var(--muted); }
.proven .verdict { color: var(--ok); }
.wrong .verdict, .limit .verdict { color: var(--bad); }
.undecided .verdict, .unchecked .verdict, .flagged .verdict { color: var(--unsure); }
.goal { font-weight: 600; border-top: 2px solid var(--rule); padding-top: .75rem; }
@media (max-width: 30rem) { li { grid-template-columns: minmax(0, 1fr); }
  .note { grid-column: 1; } }
"""


def _math(latex: str) -> str:
    """Display MathML; LaTeX that MathML Core cannot say is shown as code instead."""
    try:
        return mathml(latex, display=True)
    except ValueError:
        return f"<code>{html.escape(latex)}</code>"


def _prose(text: str) -> str:
    try:
        return prose(text)
    except ValueError:
        return html.escape(text)


def feedback_page(report: Report, points: float = 10.0) -> str:
    """The report as an HTML page: one row per line, its verdict, the reason and hint;
    then each milestone and the goal with its points, and the scoring rule."""
    title = report.exercise.title if report.exercise else "Each step against the one before"
    rows = []
    for s in report.steps:
        rel = "" if s.line.relation is None else s.line.relation + " "
        kind = "flagged" if s.flag else s.status
        label = "proven, flagged" if s.flag else LABELS[s.status]
        why = f" <em>({html.escape(visible(s.line.why))})</em>" if s.line.why else ""
        note = f'<div class="note">{_prose(s.message())}</div>' if s.message() else ""
        rows.append(f'<li class="{kind}"><span class="verdict">{s.mark} line '
                    f'{s.line.number}: {label}</span><div class="math">'
                    f'{_math(rel + tex(s.line.expr))}{why}</div>{note}</li>')
    if report.error:
        rows.append(f'<li class="wrong"><span class="verdict">✗ unreadable</span>'
                    f'<div class="note">{html.escape(report.error)}</div></li>')
    prompt = f"<p>{prose(report.exercise.prompt)}</p>" if report.exercise else ""
    if report.context:
        words = report.context_text()
        prompt += f'<p class="context">{_prose(words[0].upper() + words[1:])}.</p>'

    words = html.escape(report.goal_text()) if report.error else _prose(report.goal_text())
    goal = (f'<p class="goal">{"✓" if report.goal_reached else "✗"} {words}</p>'
            if report.goal_text() else "")
    if not report.error:
        awards = report.awards(points)
        items = "".join(f'<li class="{"proven" if a.earned else "wrong"}"><span class="verdict">'
                        f'{"✓" if a.earned else "✗"} {a.score:g} of {a.points:g}</span>'
                        f'<div class="note">{_prose(a.name)}: {_prose(a.output)}</div></li>'
                        for a in awards)
        goal += (f'<h2>Points: {report.score(points):g} of {points:g}</h2>\n<ol>{items}</ol>\n'
                 f'<p class="note">Scoring: {html.escape(report.rule())}.</p>')
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}: checked</title>\n<style>\n{CSS}</style>\n"
            f"</head>\n<body>\n<main>\n<h1>{html.escape(title)}</h1>\n{prompt}\n"
            f'<ol>\n{"".join(rows)}\n</ol>\n{goal}\n</main>\n</body>\n</html>\n')
