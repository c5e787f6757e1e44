"""Run untrusted work (SymPy on a student's lines) in child processes with limits.

Each task runs in its own forked process whose address space and CPU time are
capped (``resource.setrlimit``); the parent kills it at its deadline. A task
that runs out of either comes back as an :class:`Outcome` saying so, never as a
hang or a crash of the caller.

>>> [o.status for o in run_all([(sum, ([1, 2],)), (divmod, (1, 0))], seconds=5)]
['ok', 'error']
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: what a task may use on top of what the parent already holds
MEGABYTES = 1024


@dataclass(frozen=True)
class Outcome:
    """How a task ended: ``ok`` (with its value), ``time``, ``memory``, ``error`` or
    ``skipped`` (the overall budget ran out before it started)."""

    status: str
    value: Any = None
    message: str = ""
    seconds: float = 0.0


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _limit(seconds: float, megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # not on this platform: the parent's deadline still holds
        return
    used = _address_space()
    if used:
        cap = used + megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _child(conn: Any, fn: Callable, args: tuple, seconds: float, megabytes: int) -> None:
    try:
        _limit(seconds, megabytes)
        result: tuple = ("ok", fn(*args), "")
    except MemoryError:
        result = ("memory", None, "")
    except RecursionError:
        result = ("memory", None, "too deeply nested")
    except BaseException as exc:
        result = ("error", None, f"{type(exc).__name__}: {exc}")
    try:
        conn.send(result)
    except Exception as exc:
        conn.send(("error", None, f"the result could not be sent back ({exc})"))
    finally:
        conn.close()
        os._exit(0)


def _context() -> Any:
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


class _Running:
    def __init__(self, index: int, fn: Callable, args: tuple, seconds: float,
                 megabytes: int) -> None:
        ctx = _context()
        self.index, self.started = index, time.monotonic()
        self.deadline = self.started + seconds
        self.conn, child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(child, fn, args, seconds, megabytes),
                                daemon=True)
        self.proc.start()
        child.close()

    def finish(self, timed_out: bool) -> Outcome:
        status, value, message = "time", None, ""
        if not timed_out:
            try:
                status, value, message = self.conn.recv()
            except (EOFError, OSError):
                self.proc.join(1)
                code = self.proc.exitcode
                # SIGXCPU: the CPU limit; any other death here is the memory limit
                status = "time" if code is not None and -code == 24 else "memory"
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()
        return Outcome(status, value, message, time.monotonic() - self.started)


def run_all(tasks: Sequence[tuple[Callable, tuple]], *, seconds: float = 5.0,
            megabytes: int = MEGABYTES, jobs: int | None = None,
            budget: float | None = None) -> list[Outcome]:
    """Run every ``(fn, args)`` in its own limited process, ``jobs`` at a time.

    ``seconds`` and ``megabytes`` limit each task; once ``budget`` seconds have
    passed, tasks not yet started are ``skipped``. Results come back in order.
    """
    jobs = max(1, min(jobs or os.cpu_count() or 1, 4))
    start = time.monotonic()
    results: list[Outcome | None] = [None] * len(tasks)
    waiting = list(enumerate(tasks))
    running: list[_Running] = []
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                index, (fn, args) = waiting.pop(0)
                if budget is not None and time.monotonic() - start > budget:
                    results[index] = Outcome("skipped")
                    continue
                running.append(_Running(index, fn, args, seconds, megabytes))
            if not running:
                continue
            ready = mp.connection.wait([r.conn for r in running],
                                       timeout=max(0.0, min(r.deadline for r in running)
                                                   - time.monotonic()))
            now = time.monotonic()
            for r in list(running):
                if r.conn in ready or now >= r.deadline:
                    results[r.index] = r.finish(timed_out=r.conn not in ready)
                    running.remove(r)
    finally:
        for r in running:  # interrupted (Ctrl-C): leave no child behind
            r.proc.kill()
            r.proc.join()
    return [r if r is not None else Outcome("skipped") for r in results]
