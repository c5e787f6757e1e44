"""Run untrusted work (SymPy on a student's lines) in child processes with limits.

Each task runs in its own forked process whose CPU time and address space are
capped: a profiling timer stops it after ``seconds`` of CPU time (its own, so
the verdict does not depend on how busy the machine is), ``RLIMIT_CPU`` backs
that up, and ``RLIMIT_AS`` caps its memory. A generous wall-clock deadline
only catches a child that is stuck without using the CPU. ``budget`` limits the
CPU time of all tasks: a task is ``skipped`` when the tasks before it, in
order, used it up, whatever ran in parallel. Children die with the parent.

>>> [o.status for o in run_all([(sum, ([1, 2],)), (divmod, (1, 0))], seconds=5)]
['ok', 'error']
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: what a task may use on top of what the parent already holds
MEGABYTES = 1024


@dataclass(frozen=True)
class Outcome:
    """How a task ended: ``ok`` (with its value), ``time``, ``memory``, ``error`` or
    ``skipped`` (the CPU budget ran out before it); ``cpu`` is the CPU time it used."""

    status: str
    value: Any = None
    message: str = ""
    cpu: float = 0.0


class CpuLimit(BaseException):  # not an Exception: SymPy's handlers do not catch it
    """Raised in a child when its CPU time is up."""


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _die_with_parent() -> None:
    try:  # Linux: the kernel kills this child when the parent dies, even by SIGKILL
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _cpu() -> float:
    return time.process_time()


def _limit(seconds: float, megabytes: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    try:
        import resource
    except ImportError:  # not on this platform: the parent's deadline still holds
        return
    used = _address_space()
    if used:
        cap = used + megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    cpu = math.ceil(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))

    def stop(signum: int, frame: Any) -> None:
        raise CpuLimit

    signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds)


def _child(conn: Any, fn: Callable, args: tuple, seconds: float, megabytes: int) -> None:
    try:
        try:
            _limit(seconds, megabytes)
            result: tuple = ("ok", fn(*args), "")
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
    except CpuLimit:
        result = ("time", None, "")
    except MemoryError:
        result = ("memory", None, "")
    except RecursionError:
        result = ("memory", None, "too deeply nested")
    except BaseException as exc:
        result = ("error", None, f"{type(exc).__name__}: {exc}")
    try:
        conn.send((*result, _cpu()))
    except Exception as exc:
        conn.send(("error", None, f"the result could not be sent back ({exc})", _cpu()))
    finally:
        conn.close()
        os._exit(0)


def _context() -> Any:
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


class _Running:
    def __init__(self, index: int, fn: Callable, args: tuple, seconds: float,
                 megabytes: int, wall: float) -> None:
        ctx = _context()
        self.index, self.seconds = index, seconds
        self.deadline = time.monotonic() + wall
        self.conn, child = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(child, fn, args, seconds, megabytes),
                                daemon=True)
        self.proc.start()
        child.close()

    def finish(self, timed_out: bool) -> Outcome:
        status, value, message, cpu = "time", None, "", self.seconds
        if not timed_out:
            try:
                status, value, message, cpu = self.conn.recv()
            except (EOFError, OSError):
                self.proc.join(1)
                code = self.proc.exitcode
                # SIGXCPU: the CPU limit; any other death here is the memory limit
                status = "time" if code is not None and -code == signal.SIGXCPU else "memory"
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()
        return Outcome(status, value, message, cpu)

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def run_all(tasks: Sequence[tuple[Callable, tuple]], *, seconds: float = 5.0,
            megabytes: int = MEGABYTES, jobs: int | None = None,
            budget: float | None = None, wall: float | None = None) -> list[Outcome]:
    """Run every ``(fn, args)`` in its own limited process, ``jobs`` at a time.

    ``seconds`` of CPU time and ``megabytes`` limit each task; ``budget`` seconds of
    CPU time all of them, in order; ``wall`` (default ten times ``seconds`` and 30 s
    more) only stops a child that hangs. Results come back in order.
    """
    jobs = max(1, min(jobs or os.cpu_count() or 1, 4))
    wall = wall if wall is not None else 10 * seconds + 30
    results: list[Outcome | None] = [None] * len(tasks)
    waiting = list(enumerate(tasks))
    running: list[_Running] = []
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                used = sum(r.cpu for r in results if r is not None)
                if budget is not None and used >= budget:
                    break  # every task not started is past the budget, whatever runs
                index, (fn, args) = waiting.pop(0)
                running.append(_Running(index, fn, args, seconds, megabytes, wall))
            if not running:
                break
            ready = mp.connection.wait([r.conn for r in running],
                                       timeout=max(0.0, min(r.deadline for r in running)
                                                   - time.monotonic()))
            now = time.monotonic()
            for r in list(running):
                if r.conn in ready or now >= r.deadline:
                    results[r.index] = r.finish(timed_out=r.conn not in ready)
                    running.remove(r)
    finally:
        for r in running:  # interrupted (Ctrl-C, SIGTERM): leave no child behind
            r.kill()
    out, used = [], 0.0
    for r in results:  # the budget in order: the same answer, the same tasks skipped
        if r is None or (budget is not None and used >= budget):
            out.append(Outcome("skipped"))
            continue
        used += r.cpu
        out.append(r)
    return out
