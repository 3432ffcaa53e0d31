"""Costly work on an untrusted photo, kept away from the process that serves requests.

``run(func, *args, cpu_seconds=...)`` calls ``func(*args, ask)`` in a child
process with a CPU budget (``RLIMIT_CPU``; the kernel stops it past the budget)
and a lower scheduling priority, so a photo built to be slow to read costs at
most its budget and never the CPU that answers other requests. The child can
``ask(question)`` the parent for what only the parent knows (a database lookup);
the parent's ``answer`` callable replies. Children are forked from a small
server process started once, with the decoders already imported (the
``forkserver`` start method): a child costs a fork, not an interpreter start.

``Slots(directory, count, waiting)`` bounds how many such children run at once
on one machine, whichever process (a gunicorn worker, a CLI) starts them: a slot
is a lock on one of ``count`` files, held while the child runs, and released by
the kernel if its holder dies. At most ``waiting`` callers wait for a slot; the
next is told at once to come back: a caller waiting holds a web worker, and
the workers must stay free for everything else.
"""

import contextlib
import fcntl
import math
import multiprocessing
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from typing import TypeVar

T = TypeVar("T")
Ask = Callable[[Any], Any]

# Imported once by the server process children are forked from: the decoders' native libraries and numpy.
PRELOAD = [
    "__main__",
    "scanning.decode",
    "scanning.fingerprints",
    "scanning.isolated",
    "zxingcpp",
    "pyzbar.pyzbar",
    "cv2",
    "numpy",
]
# The child's scheduling priority, below the web workers' (0): they answer first when the CPU is short.
NICE = 10
# How long a child may take in wall time when the caller does not say: twice its CPU budget and a margin
# for the fork and the questions it asks. Past this it is waiting for a CPU the machine does not have.
WALL_FACTOR = 2
WALL_MARGIN_SECONDS = 5.0
# How often a caller waiting for a slot looks again.
POLL_SECONDS = 0.05


class OverBudget(Exception):
    """The child used its whole CPU budget and was stopped."""

    def __init__(self, cpu_seconds: int) -> None:
        super().__init__(f"stopped after {cpu_seconds} s of CPU")
        self.cpu_seconds = cpu_seconds


class Busy(Exception):
    """No slot came free in time, or the machine had no CPU to give the child: try again shortly."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"busy; try again in {retry_after} s")
        self.retry_after = retry_after


class ChildFailed(RuntimeError):
    """The child died without an answer: a crash in a native decoder, on what it was given to read."""


_context: Any = None


def _forkserver() -> Any:
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _context = context
    return _context


def cpu_limit(cpu_seconds: float) -> int:
    """The whole seconds of CPU a child gets for a budget of ``cpu_seconds`` (the kernel counts whole seconds)."""
    return max(1, math.ceil(cpu_seconds))


def run(
    func: Callable[..., T],
    *args: Any,
    cpu_seconds: float,
    answer: Callable[[Any], Any] | None = None,
    wall_seconds: float | None = None,
) -> T:
    """``func(*args, ask)`` in a child process with ``cpu_seconds`` of CPU; its result or its exception.

    ``func`` and its arguments must pickle (a module-level function, plain data). Raises OverBudget when the
    budget ran out, Busy when the child was still waiting for a CPU after ``wall_seconds``, ChildFailed when
    it died otherwise; an exception ``func`` raised is raised here (RuntimeError if it cannot be pickled).
    """
    limit = cpu_limit(cpu_seconds)
    wall = wall_seconds if wall_seconds is not None else limit * WALL_FACTOR + WALL_MARGIN_SECONDS
    context = _forkserver()
    ours, theirs = context.Pipe()
    child = context.Process(target=_child, args=(theirs, func, args, limit), daemon=True)
    try:
        child.start()
        theirs.close()
        deadline = time.monotonic() + wall
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not ours.poll(remaining):
                raise Busy(limit)
            try:
                kind, value = ours.recv()
            except EOFError:
                child.join()
                if child.exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
                    raise OverBudget(limit) from None
                raise ChildFailed(f"the reader stopped with exit code {child.exitcode} and no answer") from None
            if kind == "ask":
                if answer is None:
                    raise ChildFailed("the reader asked a question no one answers")
                ours.send(answer(value))
            elif kind == "done":
                return value  # type: ignore[no-any-return]
            elif kind == "raised":
                raise value
            else:
                # What the function raised or returned could not travel back: a fault of ours, not the photo's.
                raise RuntimeError(f"the child's answer could not be sent back:\n{value}")
    finally:
        ours.close()
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join()
            child.close()


def _child(connection: Connection, func: Callable[..., Any], args: tuple[Any, ...], limit: int) -> None:
    # Past the soft limit the kernel sends SIGXCPU, whose default action ends the process; the hard limit
    # a second later is SIGKILL, for a child that caught or ignored it. No core file for either.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
    os.nice(NICE)

    def ask(question: Any) -> Any:
        connection.send(("ask", question))
        return connection.recv()

    try:
        answer: tuple[str, Any] = ("done", func(*args, ask))
    except Exception as error:  # every failure goes back to the parent, which decides
        answer = ("raised", error)
    try:
        connection.send(answer)
    except Exception:  # an answer that does not pickle: its text then
        connection.send(("failed", traceback.format_exc()))


class Slots:
    """At most ``count`` holders at once, and ``waiting`` callers waiting, across every process of this machine
    that names ``directory``."""

    def __init__(self, directory: str | os.PathLike[str], count: int, waiting: int | None = None) -> None:
        self.directory = Path(directory)
        self.count = max(1, count)
        self.waiting = self.count if waiting is None else max(0, waiting)

    @contextlib.contextmanager
    def hold(self, wait_seconds: float, retry_after: int) -> Iterator[int]:
        """One slot (its number) for the ``with`` block.

        Busy when none came free within ``wait_seconds``, or at once when
        none is free and every place to wait for one is taken.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        taken = self._take("slot", self.count) or self._wait(wait_seconds, retry_after)
        handle, number = taken
        try:
            yield number
        finally:
            # Closing the file releases its lock.
            os.close(handle)

    def _wait(self, wait_seconds: float, retry_after: int) -> tuple[int, int]:
        place = self._take("waiting", self.waiting)
        if place is None:
            raise Busy(retry_after)
        try:
            deadline = time.monotonic() + wait_seconds
            while True:
                taken = self._take("slot", self.count)
                if taken is not None:
                    return taken
                if time.monotonic() >= deadline:
                    raise Busy(retry_after)
                time.sleep(POLL_SECONDS)
        finally:
            os.close(place[0])

    def _take(self, name: str, count: int) -> tuple[int, int] | None:
        """``(open locked file, its number)`` of the first free of ``count`` ``name`` files, or None."""
        for number in range(count):
            handle = os.open(self.directory / f"{name}-{number}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(handle)
                continue
            return handle, number
        return None


def default_slots() -> int:
    """One fewer than the CPUs this process may use (at least one): a core always stays for the web workers."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, cpus - 1)
