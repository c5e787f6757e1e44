"""Output folders and atomic writes: a failed or interrupted build never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def output_folder(path: str | Path) -> Path:
    """Create ``path`` if needed; ValueError (one line) if it is a file or not writable."""
    if not str(path).strip():
        raise ValueError("--out needs a folder name, e.g. --out build")
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(path)!r} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"cannot create --out {str(path)!r}: {exc.strerror}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"--out {str(path)!r} is not writable")
    return out


def write_atomic(path: Path | str, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
