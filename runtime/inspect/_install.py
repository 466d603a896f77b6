"""Run an :class:`~asgideck.runtime.project.InstallPlan`: live output, cancellable.

The command runs in its own session (``servers.spawn``) with asgideck's environment
plus the plan's (pip, uv and poetry need HOME, proxies, their caches…), its stdout
and stderr merged line by line into a callback, and :meth:`InstallRun.cancel` ends
the whole tree it started (a pip that spawned a build backend goes too).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import IO

from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.project import InstallPlan
from asgideck.runtime.servers import ProcessTree, spawn

__all__ = ["CANCELLED", "InstallError", "InstallRun"]

CANCELLED = -1  # the exit code :meth:`InstallRun.run` returns after a cancel
GRACE = 3.0  # seconds a cancelled installer gets to clean up before SIGKILL


class InstallError(AsgideckError):
    """The install command could not be started (the message names it and the folder)."""


class InstallRun:
    """One run of a plan: :meth:`run` blocks (call it off the GUI thread), :meth:`cancel`
    may be called from any thread, before or during the run."""

    def __init__(self, plan: InstallPlan, on_line: Callable[[str], None]) -> None:
        self.plan = plan
        self.on_line = on_line
        self._lock = threading.Lock()
        self._emit = threading.Lock()
        self._tree: ProcessTree | None = None
        self._cancelled = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def run(self) -> int:
        """Run the command to its end; its exit code, or :data:`CANCELLED`."""
        plan = self.plan
        if plan.unavailable:
            raise InstallError(f"cannot run `{plan.command}`: {plan.unavailable}")
        env = {**os.environ, **plan.env, "PYTHONUNBUFFERED": "1"}
        self.on_line(f"$ {plan.shell_line}")
        with self._lock:
            if self._cancelled:
                return CANCELLED
            try:
                proc = spawn(list(plan.argv), cwd=plan.cwd, env=env)
            except OSError as exc:
                raise InstallError(f"cannot run `{plan.command}` in {plan.cwd}: {exc}") from exc
            self._tree = ProcessTree.started(proc)
        readers = [
            threading.Thread(target=self._pump, args=(pipe,), daemon=True)
            for pipe in (proc.stdout, proc.stderr)
        ]
        for reader in readers:
            reader.start()
        code = proc.wait()
        self._tree.end(0)  # whatever it left running (and holding the pipes) goes too
        for reader in readers:
            reader.join()
        return CANCELLED if self._cancelled else code

    def cancel(self) -> None:
        """End the command and everything it started; :meth:`run` then returns CANCELLED."""
        with self._lock:
            self._cancelled = True
            tree = self._tree
        if tree is not None:
            tree.end(GRACE)

    def _pump(self, pipe: IO[bytes] | None) -> None:
        if pipe is None:
            return
        for raw in iter(pipe.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self._emit:  # one line at a time, whichever pipe it came from
                self.on_line(line)
