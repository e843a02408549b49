"""Processes that behave: workers die with their parent, and Ctrl-C or SIGTERM stops a command cleanly.

- ``stop_signals_raise``: within it, Ctrl-C (SIGINT) and SIGTERM raise ``Interrupted`` in the main
  thread; the command's ``with`` blocks then undo what they started (scratch folders, workers).
  ``Interrupted`` is not a ``KeyboardInterrupt``, which the command-line framework would turn into
  "Aborted!"; a second signal while the first is handled is ignored, so the clean-up finishes.
- ``stop_signals_deferred``: a few statements that a signal must not cut in two (replacing a result
  folder by two renames); a signal that arrives meanwhile is delivered when they are done.
- ``stop_signals_blocked`` and ``worker_start``: worker processes are started with the stop signals
  blocked and, before unblocking them, ignore Ctrl-C (the parent handles it and stops them), take
  SIGTERM's default, and ask the kernel to kill them when their parent dies (Linux
  ``PR_SET_PDEATHSIG``, which kill -9 of the parent triggers too), with a thread that checks the
  parent's pid as well (other systems, and a parent gone before the request).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_CHECK_SECONDS = 1.0


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM reached the main process (a BaseException: ``except Exception`` lets it by)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's code for a process stopped by the signal: 130 for Ctrl-C, 143 for SIGTERM."""
        return 128 + self.signum


class WorkerCrashed(RuntimeError):
    """A worker process died before returning its replications (killed, or out of memory)."""


def stop_quietly_while_loading() -> None:
    """For the command line until ``stop_signals_raise`` takes over: a stop signal while Python loads
    it (a second or two of imports, nothing started) ends the process in one line, no traceback.

    A worker process of the command's Dask LocalCluster loads the command's modules too (it is
    started as the command): told so by ``CHILD_OF_COMMAND`` in its environment, it ignores Ctrl-C
    (a terminal sends it to the whole process group; the command stops its workers) and takes
    SIGTERM's default (its nanny ends it so), like the local pool's workers (``worker_start``)."""
    if os.environ.get(CHILD_OF_COMMAND) == "1":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        return

    def stop(signum: int, _frame: object) -> None:
        os.write(2, b"error: interrupted while starting; nothing written\n")
        os._exit(128 + signum)

    for s in STOP_SIGNALS:
        signal.signal(s, stop)


CHILD_OF_COMMAND = "OCCISIM_CHILD_OF_COMMAND"


@contextmanager
def children_ignore_ctrl_c() -> Iterator[None]:
    """Processes started within the block (from any thread, started as the command) ignore Ctrl-C.

    Through their environment: a signal disposition inherited at birth would have to be set in this
    process, and a Ctrl-C meanwhile would be lost (threads already running receive it too)."""
    previous = os.environ.get(CHILD_OF_COMMAND)
    os.environ[CHILD_OF_COMMAND] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(CHILD_OF_COMMAND, None)
        else:
            os.environ[CHILD_OF_COMMAND] = previous


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` within the block; the handlers before it come back after."""
    if not _in_main_thread():
        yield
        return
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:  # the first signal stops; more of them would only cut the clean-up short
            stopping = True
            raise Interrupted(signum)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)


@contextmanager
def stop_signals_deferred() -> Iterator[None]:
    """A stop signal arriving within the block is delivered (to the handler before it) after it."""
    if not _in_main_thread():
        yield
        return
    pending: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _frame: pending.append(signum)) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        if pending:
            signal.raise_signal(pending[0])


@contextmanager
def stop_signals_blocked() -> Iterator[None]:
    """The stop signals blocked in this thread: processes it starts are born with them blocked."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def worker_start(parent: int) -> None:
    """Worker initializer: ignore Ctrl-C, die with the parent (pid ``parent``), then take signals."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # else the parent watch below stops it
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the kernel was asked to tell
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _watch_parent(parent: int) -> None:
    """In a worker: end the process once its parent is gone (it is then adopted by another)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)
