"""Run an install command for the project with live output, a busy bar and Cancel.

The command runs on the task pool through the dialog's own scope: its lines come
home through ``scope.wrap`` and the GUI never waits on it. Cancel (or closing the
dialog) ends the command's whole process tree, also off the GUI thread.
``finished_install`` carries the exit code (``CANCELLED`` after a cancel) so the
window can re-check the project.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core.tasks import TaskRunner
from asgideck.gui.core.widgets import Banner
from asgideck.runtime.inspect import CANCELLED, InstallRun
from asgideck.runtime.project import InstallPlan

__all__ = ["InstallDialog"]

MAX_LINES = 5000


class InstallDialog(QDialog):
    #: the command ended: its exit code, or CANCELLED
    finished_install = Signal(int)

    def __init__(self, plan: InstallPlan, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Install the project's dependencies")
        self.resize(720, 420)
        self.plan = plan
        self.tasks = runner.scope(self)
        self.exit_code: int | None = None
        self._run = InstallRun(plan, self.tasks.wrap(self._append))

        command = QLabel(f"<code>{_escape(plan.shell_line)}</code><br><small>{plan.why}</small>")
        command.setWordWrap(True)
        command.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.output = QPlainTextEdit()
        self.output.setObjectName("InstallOutput")
        self.output.setReadOnly(True)
        self.output.setMaximumBlockCount(MAX_LINES)
        self.output.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # busy: pip and friends give no reliable total
        self.busy.setTextVisible(False)
        self.outcome = Banner()
        self.buttons = QDialogButtonBox()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the command and everything it started")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.accept)
        self.close_button.setEnabled(False)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)

        layout = QVBoxLayout(self)
        layout.addWidget(command)
        layout.addWidget(self.output, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)

    @property
    def running(self) -> bool:
        return self.exit_code is None and self.tasks.pending("install")

    def start(self) -> None:
        """Show the dialog and run the command (once)."""
        self.open()
        self.tasks.run(self._run.run, self._on_done, key="install", failed=self._on_failed)

    def cancel(self) -> None:
        """End the command's process tree; the result arrives as CANCELLED."""
        if self.exit_code is not None:
            return
        self.cancel_button.setEnabled(False)
        self._append("… cancelling: ending the command and everything it started")
        self.tasks.run(self._run.cancel, lambda _none: None, key="cancel")

    def _append(self, line: str) -> None:
        self.output.appendPlainText(line)

    def _on_done(self, code: int) -> None:
        self._finish(code)
        if code == 0:
            self.outcome.show_message("Installed. Checking the project again…", "info")
        elif code == CANCELLED:
            self.outcome.show_message("Cancelled: nothing more runs.", "warning")
        else:
            self.outcome.show_message(
                f"`{self.plan.command}` failed with exit code {code}: see its output above.",
                "error",
            )
        self.finished_install.emit(code)

    def _on_failed(self, exc: Exception) -> None:
        self._finish(CANCELLED)
        self.outcome.show_message(str(exc), "error")
        self.finished_install.emit(CANCELLED)

    def _finish(self, code: int) -> None:
        self.exit_code = code
        self.busy.hide()
        self.cancel_button.setEnabled(False)
        self.close_button.setEnabled(True)

    def reject(self) -> None:
        """Esc or the window's close button while running: cancel first."""
        if self.exit_code is None:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.exit_code is None:
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
