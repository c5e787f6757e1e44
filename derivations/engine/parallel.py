"""Many derivations verified at once, in worker processes: :func:`verify_all`.

A worker builds the same derivation with the same code and sends back the proven content's
hash (:mod:`.fingerprint`); the derivation here adopts the proof only for that hash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from derivations.engine.derivation import Derivation


def _prove(make: Callable[[], Derivation]) -> str:
    return make().verify()._fingerprint()


def verify_all(makers: Sequence[Callable[[], Derivation]], workers: Any = None) -> None:
    """Verify the derivation each of ``makers`` returns; with ``workers`` (a
    ``concurrent.futures`` process pool), in parallel, the latest first (in this
    lecture, the longest).

    A worker builds the same derivation with the same code, runs the same
    :meth:`Derivation.verify` and sends back the proven content's hash; the
    derivation here adopts it only when its own content has that hash. Any that
    did not come back proven (a maker that cannot be pickled, a failed step) is
    verified here, so a failure raises as it always does.

    >>> import sympy as sp
    >>> d = Derivation("Toy"); _ = d.given(sp.Integer(1), "one")
    >>> verify_all([lambda: d]); d.verified
    True
    """
    todo = [m for m in makers if not m().verified]
    if workers is not None and len(todo) > 1:
        jobs = []
        try:
            for make in reversed(todo):
                try:
                    jobs.append((make, workers.submit(_prove, make)))
                except Exception:  # a broken pool: proven here below
                    break
            for make, job in jobs:
                try:
                    make()._adopt(job.result())
                except Exception:  # not sent (a local function), failed or lost: below
                    continue
        except BaseException:  # interrupted: what has not started never will
            for _, job in jobs:
                job.cancel()
            raise
    for make in todo:
        make().verify()
