"""Markdown: ``<name>.md`` per derivation, ``$$`` blocks with the notes beside each step."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from derivations.lecture import Lecture
from figures.outputs.base import Context, Output
from figures.outputs.files import write_atomic


class MarkdownOutput(Output):
    """``<name>.md`` per derivation (the text of ``Derivation.markdown()``)."""

    name: ClassVar[str] = "markdown"
    folder: ClassVar[str] = "derivations"

    def describe(self, lecture: Lecture, ctx: Context) -> str:
        return f"{len(lecture.sections)} derivations as .md"

    def write(self, lecture: Lecture, ctx: Context) -> list[Path]:
        folder = ctx.folder(self)
        return [write_atomic(folder / f"{d.name}.md", d.verify().markdown() + "\n")
                for d in lecture.derivations()]
