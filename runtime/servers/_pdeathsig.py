"""Linux: a child that dies with the asgideck that started it (``PR_SET_PDEATHSIG``).

Used by ``asgideck run`` only: its server must not outlive it, even when ``run``
is SIGKILLed. The window's servers deliberately outlive a crashed window (they
are listed as orphans and stopped or adopted later), so they go without.

Why SIGTERM and not SIGKILL: the signal reaches the session leader only
(uvicorn's reloader or process manager, gunicorn's arbiter, or the single
uvicorn process). On SIGTERM the leader stops its own workers; SIGKILL would
orphan them with the port still bound (DESIGN.md, "Stopping"). A server that
ignores SIGTERM lives on as an orphan that ``asgideck ps`` lists and ``stop`` ends.

The catch: Linux sends the signal when the *thread* that forked the child ends,
not the process. So the hook is armed only when the spawn runs on the main thread
(which lives as long as the process); a spawn from another thread (a restart
scheduled on a timer thread) goes without rather than dying with that thread.

The exception (``parent_waits=True``): a child the spawning thread waits for until it
has exited, such as the probe (``inspect``'s ``run_probe``). That thread cannot end
before its child, so the signal can only come from the whole process dying, and
arming it from any thread (the window's worker threads) is safe. The probe has no
workers to stop, so it gets SIGKILL: an app that traps SIGTERM (or spins at import)
cannot outlive the ``inspect`` or window that started it.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["PDEATHSIG", "die_with_parent_hook"]

PR_SET_PDEATHSIG = 1
PDEATHSIG = signal.SIGTERM


@functools.cache
def _prctl() -> Any:
    """libc's ``prctl``, resolved before any fork (the child only calls it). ctypes is
    imported here, not at module level: the window imports the servers package at start-up
    and never needs it."""
    import ctypes

    try:
        func = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    func.restype = ctypes.c_int
    func.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return func


def die_with_parent_hook(*, parent_waits: bool = False) -> Callable[[], None] | None:
    """A ``preexec_fn`` that arms the parent-death signal, or None where it cannot work
    (not Linux, not the main thread, no ``prctl``).

    ``parent_waits``: the spawning thread waits for the child to exit (see the module
    docstring): armed from any thread, with SIGKILL.
    """
    if not sys.platform.startswith("linux"):
        return None
    if not parent_waits and threading.current_thread() is not threading.main_thread():
        return None
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()
    signum = int(signal.SIGKILL if parent_waits else PDEATHSIG)

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), signum)

    return arm
