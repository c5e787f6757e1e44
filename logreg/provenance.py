"""Where the printed kernels come from: the spec, the derivation modules it reads, and a
hash of their files, found and read without importing them (no SymPy).

:mod:`logreg.kernels` compares the hash recorded in ``logreg/_kernels.py`` with
:func:`source_stamp` to know whether the printout is current; :mod:`logreg.kernelspec`
records it when it prints the file.

>>> SPEC in sources() and "derivations.lecture.stable" in sources()
True
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from pathlib import Path

#: the printed kernels, part of the package
GENERATED = Path(__file__).with_name("_kernels.py")
#: the module that says which proven results are printed, and how
SPEC = "logreg.kernelspec"


# ------------------------------------------------ which files the kernels come from --
def _module_file(name: str) -> Path | None:
    """The file of module ``pkg.mod`` of this project, found without importing it."""
    package, _, rest = name.partition(".")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)))
    path = base.joinpath(*rest.split(".")) if rest else base
    if path.is_dir():  # a package, e.g. derivations.engine: its __init__ says what it re-exports
        path = path / "__init__.py"
    else:
        path = path.with_suffix(".py")
    return path if path.is_file() else None


def _imported_derivations(path: Path) -> set[str]:
    """The ``derivations`` modules that the file at ``path`` imports (anywhere in it)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        found |= {n for n in names if n.startswith("derivations.") and _module_file(n)}
    return found


def sources() -> list[str]:
    """The spec and every ``derivations`` module it reaches through imports, by name.

    (A package such as ``derivations.engine`` counts when a module imports from it, with
    every module its ``__init__`` re-exports from.)
    """
    todo, seen = [SPEC], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is not None:
            todo.extend(_imported_derivations(path) - seen)
    return sorted(seen)


def stamp_of(names: list[str] | tuple[str, ...]) -> str:
    """sha256 over the named modules' files (names and bytes); a missing one counts too."""
    digest = hashlib.sha256()
    for name in names:
        path = _module_file(name)
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path is not None else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def source_stamp() -> tuple[str, list[str]]:
    """``(stamp, sources)`` as they are now (parses the sources' imports)."""
    names = sources()
    return stamp_of(names), names
