"""The built-in exercises' names and titles, cached so that listing them needs no SymPy.

The cache is keyed by a hash of every source file of ``derivations`` (the
exercises file, the parser and the lecture's derivations they cite) and of
SymPy's version; when any of them changes, the list is made again: every
exercise is read and proven, and only then listed. It lives in
``$LOGREG_CACHE`` or ``$XDG_CACHE_HOME/logreg`` (``~/.cache/logreg``); where
neither can be written, the list is made each time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from pathlib import Path


def _package(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def fingerprint() -> str:
    """A hash of what the list depends on: the derivations' sources and SymPy's version."""
    digest = hashlib.sha256()
    root = _package("derivations")
    files = sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml")) if root else []
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    sympy = _package("sympy")
    release = sympy / "release.py" if sympy else None
    digest.update(release.read_bytes() if release and release.exists() else b"?")
    return digest.hexdigest()[:24]


def cache_dir() -> Path:
    base = os.environ.get("LOGREG_CACHE")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "logreg"


def _made() -> list[tuple[str, str]]:
    from derivations.checking import EXERCISES

    for ex in EXERCISES.values():
        _ = ex.parts  # proven: a listed exercise is one that can be used
    return [(ex.name, ex.title) for ex in EXERCISES.values()]


def listing() -> list[tuple[str, str]]:
    """(name, title) of every built-in exercise, from the cache when it is current."""
    path = cache_dir() / f"exercises-{fingerprint()}.json"
    try:
        return [tuple(item) for item in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        pass
    found = _made()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".exercises.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(found, fh)
        os.replace(tmp, path)
    except OSError:
        pass  # no cache: listing still works, only slower
    return found
