"""Open shell without a terminal to open it in: the command to paste, and the password
masked with a Copy-password button (never shown, never in the command)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core.widgets import muted
from asgideck.runtime.secrets import MASK

if TYPE_CHECKING:
    from asgideck.runtime.services import ServiceNeed

__all__ = ["ShellDialog"]


class ShellDialog(QDialog):
    def __init__(self, need: ServiceNeed, copyable: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Open a shell on {need.name}")
        self.setMinimumWidth(520)
        self.password = need.password
        self.command = QLineEdit(copyable)
        self.command.setObjectName("ShellCommand")
        self.command.setReadOnly(True)
        self.command.setCursorPosition(0)  # shown from its start (psql …), not its end
        self.copy_command = QPushButton("Copy command")
        self.copy_command.clicked.connect(lambda: self._copy(copyable))
        self.secret = QLineEdit(MASK if need.password else "(none)")
        self.secret.setReadOnly(True)
        self.secret.setEnabled(bool(need.password))
        self.copy_password = QPushButton("Copy password")
        self.copy_password.setEnabled(bool(need.password))
        self.copy_password.clicked.connect(lambda: self._copy(self.password))

        grid = QGridLayout()
        grid.addWidget(QLabel("Command"), 0, 0)
        grid.addWidget(self.command, 0, 1)
        grid.addWidget(self.copy_command, 0, 2)
        grid.addWidget(QLabel("Password"), 1, 0)
        grid.addWidget(self.secret, 1, 1)
        grid.addWidget(self.copy_password, 1, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            muted(
                "No terminal was found to open it in: paste this command in one. "
                + ("Copy the password when the shell asks for it." if need.password else "")
            )
        )
        layout.addLayout(grid)
        layout.addWidget(buttons)

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
