"""Open shell: psql / redis-cli on a service, in a terminal of its own when there is
one, else a dialog with the command to paste (and the password to copy).

Apart from the section because starting a process that outlives the window and the
fallback dialog's lifetime are a concern of their own.
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from asgideck.gui.tabs.services.host import SectionHost
from asgideck.gui.tabs.services.shell_dialog import ShellDialog

if TYPE_CHECKING:
    from asgideck.runtime.services import ServiceNeed

__all__ = ["ShellOpener", "launch_terminal"]


def launch_terminal(argv: list[str], env: dict[str, str]) -> None:
    """Open the terminal in its own session (it outlives asgideck's process group);
    the password only in its environment, never in its argv."""
    subprocess.Popen(
        argv,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


class ShellOpener:
    """The section's Open shell (the section holds one; its ``launch_terminal`` and
    ``shell_dialog`` stay the section's, the seams tests use)."""

    def __init__(self, section: SectionHost) -> None:
        self.section = section

    def open(self, need: ServiceNeed) -> None:
        """Ask the backend for the shell command of ``need`` (off the GUI thread)."""
        section = self.section
        backend = section.sets.backend
        section.tasks.run(
            lambda: backend.shell(need),
            lambda command: self._ready(need, command),
            failed=lambda e: section.problems.warn_or_present("Cannot open a shell", e),
        )

    def _ready(self, need: ServiceNeed, command: object) -> None:
        from asgideck.gui.tabs.services.backend import ShellCommand

        assert isinstance(command, ShellCommand)
        section = self.section
        if command.terminal_argv:
            try:
                section.launch_terminal(command.terminal_argv, command.env)
            except OSError as exc:
                section.notice.emit(f"Could not open a terminal ({exc}): showing the command")
            else:
                section.notice.emit(f"Opened a shell on {need.label}")
                return
        dialog = ShellDialog(need, command.copyable, section.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: setattr(section, "shell_dialog", None))
        section.shell_dialog = dialog
        dialog.open()
