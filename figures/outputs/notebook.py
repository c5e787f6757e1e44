r"""The lecture as a Jupyter notebook, written with ``nbformat`` from the manifest.

Markdown cells hold each derivation's steps, printed from the proven objects with their
justifications and conditions (at most :data:`MAX_STEPS` steps a cell, so that no cell is
longer than a screen); code cells draw each figure with the package's own function and
train the model on the package's own toy data:

>>> from derivations.lecture import LECTURE
>>> nb = notebook(LECTURE)
>>> [c.id for c in nb.cells[:4]]
['title', 'contents', 'setup', 'sigmoid-derivative']
>>> cells = {c.id: c for c in nb.cells}
>>> cells["sigmoid-derivative-figure-sigmoid"].source
'figures.sigmoid_and_slope()'

Cell ids are explicit and the metadata fixed, so the same lecture gives the same bytes;
:func:`execute` runs a notebook in a Jupyter kernel (``nbclient``, ``ipykernel``) with
``record_timing=False``, so an executed notebook is reproducible too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from derivations.engine import Derivation, Step, note_text, shown_text, step_parts, tex, why_latex
from derivations.lecture import Lecture, Section
from figures import FIGURES
from figures.outputs.base import Context, Output
from figures.outputs.files import write_atomic

#: steps in one Markdown cell at most (a chain longer than that continues in the next cell)
MAX_STEPS = 6
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
SETUP = """\
%matplotlib inline
import warnings

import figures
import logreg

figures.style.use()  # the lecture's fonts and colours for every figure below"""

#: the blobs are separable, as the lecture's are: without a penalty the weights grow for ever,
#: which the trainer warns about; 50 epochs are the lecture's point, not a mistake
SEPARABLE = ("with warnings.catch_warnings():  # the blobs are separable: no finite optimum\n"
             "    warnings.filterwarnings(\"ignore\", message=\"the classes are .*separable\")\n")

#: code cells that train the model where a section shows its training figure
TRAINING = {
    "training": (
        ("data", "X, y = logreg.two_blobs(50, seed=1)  # two features, labels 0 and 1\n"
                 "X.shape, y[:5]"),
        ("fit", "model = logreg.LogisticRegression(eta=0.5, max_iter=50, tol=None)\n"
                f"{SEPARABLE}"
                "    model.fit(X, y)  # 50 epochs of the update proven above"),
        ("figure", "figures.training(model=model, X=X, y=y)  # the loss per epoch, the "
                   "boundary z = 0"),
        ("weights", '{"weights": model.coef_.round(4).tolist(),\n'
                    ' "bias": model.intercept_.round(4).tolist(),\n'
                    ' "accuracy": round(model.score(X, y), 4)}'),
    ),
    "softmax-training": (
        ("data", "X3, y3 = logreg.three_blobs(50, seed=1)  # two features, labels 0, 1, 2\n"
                 "X3.shape, y3[::50]"),
        ("fit", "softmax = logreg.LogisticRegression(eta=0.5, max_iter=50, tol=None)\n"
                f"{SEPARABLE}"
                "    softmax.fit(X3, y3)  # three classes: softmax regression"),
        ("figure", "figures.softmax_training(model=softmax, X=X3, y=y3)"),
        ("weights", '{"weights": softmax.coef_.round(4).tolist(),\n'
                    ' "bias": softmax.intercept_.round(4).tolist(),\n'
                    ' "accuracy": round(softmax.score(X3, y3), 4)}'),
    ),
}


class NotebookError(RuntimeError):
    """A notebook that cannot be written or did not run; the message says why and what to do."""


def _nbformat() -> Any:
    try:
        import nbformat
    except ImportError:
        raise NotebookError("the notebook output needs nbformat, which is not installed: "
                            "pip install nbformat (it comes with logreg-lecture; "
                            "reinstall with pip install -e .)") from None
    return nbformat


def _require_kernel() -> None:
    missing = []
    for module in ("nbclient", "ipykernel"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise NotebookError(f"running the notebook (--execute) needs {' and '.join(missing)}: "
                            f"pip install {' '.join(missing)}, or pip install "
                            "'logreg-lecture[notebook]'; without --execute it is written clean")


# ---------------------------------------------------------------- cells --
def _cell_id(*parts: str) -> str:
    """An nbformat cell id (letters, digits, - and _; at most 64 characters)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(p for p in parts if p))[:64]


def _rows(d: Derivation, steps: list[Step]) -> str:
    rows = []
    for step in steps:
        left, right = step_parts(step)
        rows.append(f"{left} &{right} && {why_latex(note_text(d, step))}")
    return " \\\\\n".join(rows)


def steps_cells(d: Derivation) -> list[tuple[str, str]]:
    """(id, Markdown) cells of ``d``'s steps: each chain in ``$$`` blocks of at most
    MAX_STEPS steps, every step with its justification and conditions beside it."""
    out = []
    for c, chain in enumerate(d.chains(), 1):
        name = next((s.name for s in chain if s.name), None) or f"chain{c}"
        for p, start in enumerate(range(0, len(chain), MAX_STEPS)):
            math = _rows(d, chain[start:start + MAX_STEPS])
            out.append((_cell_id(d.name, name, str(p + 1) if p else ""),
                        f"$$\n\\begin{{aligned}}\n{math}\n\\end{{aligned}}\n$$"))
    return out


def _figure_cells(section: Section, name: str) -> list[tuple[str, str, str]]:
    """(kind, id, source) for one figure: the training figures train the model first."""
    owner = section.name
    if name in TRAINING:
        return [("code", _cell_id(owner, name, part), source)
                for part, source in TRAINING[name]]
    return [("code", _cell_id(owner, "figure", name), f"figures.{FIGURES[name].__name__}()")]


def section_cells(section: Section) -> list[tuple[str, str, str]]:
    """(kind, id, source) of one section: its heading and introduction, its steps, its
    algorithm box and its figures."""
    d = section.derivation().verify()
    head = f'<a id="{d.name}"></a>\n\n## {d.title}' + (f"\n\n{d.intro}" if d.intro else "")
    cells = [("markdown", _cell_id(d.name), head)]
    cells += [("markdown", cid, text) for cid, text in steps_cells(d)]
    if section.algorithm:
        lines = [f"{k}. {line}" for k, line in enumerate(section.algorithm.lines(), 1)]
        cells.append(("markdown", _cell_id(d.name, "algorithm"),
                      f"**{section.algorithm.title}**\n\n" + "\n".join(lines)))
    for name in section.figures:
        cells += _figure_cells(section, name)
    return cells


def _contents(lecture: Lecture) -> str:
    items = [f"{k}. [{s.derivation().title}](#{s.name})" for k, s in enumerate(lecture, 1)]
    return "## Contents\n\n" + "\n".join([*items, f"{len(items) + 1}. [Key results]"
                                                   "(#key-results)"])


def _key_results(lecture: Lecture) -> str:
    lines = []
    for d, name in lecture.key_results():
        left, sign, right, relied = d.key(name)
        said = "; ".join([f"proven in: {d.title}", *(shown_text(i) for i in relied)])
        lines.append(f"- ${tex(left)} {sign} {tex(right)}$  \n  {said}")
    return '<a id="key-results"></a>\n\n## Key results\n\n' + "\n".join(lines)


def notebook(lecture: Lecture, sections: tuple[Section, ...] | None = None) -> Any:
    """The notebook (an ``nbformat`` v4 node) of ``lecture``, or of some of its sections:
    title, contents, a setup cell, every section, and the key results."""
    nbformat = _nbformat()
    v4 = nbformat.v4
    whole = sections is None
    chosen = lecture.sections if whole else sections
    if whole:
        title = f"# {lecture.title}\n\n{lecture.intro}"
    else:
        title = f"# {chosen[0].derivation().title}\n\nFrom *{lecture.title}*. {lecture.intro}"
    cells = [v4.new_markdown_cell(title, id="title")]
    if whole:
        cells.append(v4.new_markdown_cell(_contents(lecture), id="contents"))
    cells.append(v4.new_code_cell(SETUP, id="setup"))
    for section in chosen:
        for kind, cid, source in section_cells(section):
            make = v4.new_markdown_cell if kind == "markdown" else v4.new_code_cell
            cells.append(make(source, id=cid))
    if whole and lecture.key_results():
        cells.append(v4.new_markdown_cell(_key_results(lecture), id="key-results"))
    ids = [c.id for c in cells]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise NotebookError(f"two notebook cells would share the id {', '.join(dup)}; rename "
                            "a derivation, a result or a figure")
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": dict(KERNEL), "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nb


def execute(nb: Any, folder: Path, timeout: int = 600) -> Any:
    """Run every cell of ``nb`` in a Jupyter kernel (working folder ``folder``); a cell
    that fails raises NotebookError naming the cell and the error."""
    _require_kernel()
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL["name"],
                            record_timing=False, resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
    except CellTimeoutError as exc:
        raise NotebookError(f"a notebook cell ran longer than {timeout} s: {exc}") from None
    except CellExecutionError as exc:
        for cell in nb.cells:
            for out in cell.get("outputs", ()):
                if out.get("output_type") == "error":
                    raise NotebookError(f"notebook cell {cell.id!r} failed: {out.ename}: "
                                        f"{out.evalue}") from None
        raise NotebookError(f"a notebook cell failed: {exc.ename}: {exc.evalue}") from None
    except Exception as exc:  # no kernel, a kernel that died...
        raise NotebookError(f"could not run the notebook in a Jupyter kernel: "
                            f"{type(exc).__name__}: {exc}") from None
    return nb


def notebook_bytes(nb: Any) -> str:
    """The ``.ipynb`` text: sorted keys, one-space indents, a final newline."""
    return _nbformat().writes(nb) + "\n"


# --------------------------------------------------------------- output --
class NotebookOutput(Output):
    """``lecture.ipynb`` (and ``<name>.ipynb`` per section with ``ctx.per_section``),
    clean or run in a kernel (``ctx.execute``)."""

    name: ClassVar[str] = "notebook"
    folder: ClassVar[str] = "notebook"

    def check(self, ctx: Context) -> None:
        _nbformat()
        if ctx.execute:
            _require_kernel()

    def describe(self, lecture: Lecture, ctx: Context) -> str:
        what = "lecture.ipynb" + (f" and {len(lecture.sections)} section notebooks"
                                  if ctx.per_section else "")
        return f"{what}, {'executed in a Jupyter kernel' if ctx.execute else 'clean'}"

    def write(self, lecture: Lecture, ctx: Context) -> list[Path]:
        folder = ctx.folder(self)
        books = [("lecture", notebook(lecture))]
        if ctx.per_section:
            books += [(s.name, notebook(lecture, (s,))) for s in lecture]
        written = []
        for stem, nb in books:
            if ctx.execute:
                execute(nb, folder)
            written.append(write_atomic(folder / f"{stem}.ipynb", notebook_bytes(nb)))
        return written


__all__ = ["MAX_STEPS", "NotebookError", "NotebookOutput", "execute", "notebook",
           "notebook_bytes", "section_cells", "steps_cells"]
