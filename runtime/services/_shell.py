""" "Open shell": the service's own client (``psql``, ``redis-cli``) in a terminal when
this machine has one, and always a command to copy that holds no password (the client
asks for it; the terminal gets it through its environment, never its argv)."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from asgideck.runtime.services._engines import engine_for
from asgideck.runtime.services._types import Engine, ServiceNeed

__all__ = ["ShellLaunch", "find_terminal", "shell_launch"]

#: Terminal emulators tried in order (after ``$TERMINAL``), with the option that runs a
#: command in them.
TERMINALS: tuple[tuple[str, str], ...] = (
    ("x-terminal-emulator", "-e"),
    ("gnome-terminal", "--"),
    ("konsole", "-e"),
    ("xfce4-terminal", "-x"),
    ("xterm", "-e"),
)


@dataclass(frozen=True)
class ShellLaunch:
    """How to open a shell on a service.

    ``argv`` + ``env`` (added to the environment; may hold the password) run the client
    directly; ``terminal_argv`` runs it in a terminal window (None: no terminal found,
    offer ``copyable``); ``copyable`` is the command for the user to paste, no password.
    An empty ``argv``: the service has no shell (the mail catcher).
    """

    argv: list[str]
    env: dict[str, str] = field(repr=False)
    terminal_argv: list[str] | None
    copyable: str


def find_terminal(which: Callable[[str], str | None] = shutil.which) -> list[str] | None:
    """The argv prefix that runs a command in a new terminal window, or None."""
    if sys.platform == "darwin":
        return None  # Terminal.app takes a script, not an argv: see shell_launch
    chosen = os.environ.get("TERMINAL", "").strip()
    if chosen:
        parts = shlex.split(chosen)
        if parts and which(parts[0]):
            flag = next((f for name, f in TERMINALS if name == os.path.basename(parts[0])), "-e")
            return [*parts, flag]
    for name, flag in TERMINALS:
        path = which(name)
        if path:
            return [path, flag]
    return None


def shell_launch(
    need: ServiceNeed,
    engine: Engine | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> ShellLaunch:
    """The shell for ``need`` (see :class:`ShellLaunch`)."""
    argv, env = (engine or engine_for(need.kind)).shell(need)
    if not argv:
        return ShellLaunch([], {}, None, "")
    copyable = shlex.join(argv)
    prefix = find_terminal(which)
    terminal: list[str] | None = [*prefix, *argv] if prefix is not None else None
    if terminal is None and sys.platform == "darwin" and which("osascript"):
        script = copyable.replace("\\", "\\\\").replace('"', '\\"')
        terminal = ["osascript", "-e", f'tell application "Terminal" to do script "{script}"']
    return ShellLaunch(list(argv), dict(env), terminal, copyable)
