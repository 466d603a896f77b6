"""Add variable: name, value and the file it will be written to, in one dialog."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core.widgets import combo_box, muted
from asgideck.runtime.secrets import is_secret_key

__all__ = ["AddVariableDialog", "valid_key"]

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: key -> the files it may be written to, each with the text that names it
Targets = Callable[[str], list[tuple[Path, str]]]


def valid_key(key: str) -> bool:
    """A name every loader and shell takes: letters, digits and ``_``, not digit-first."""
    return _KEY.fullmatch(key) is not None


class AddVariableDialog(QDialog):
    """Asks for the name, the value (hidden for a secret name) and the target file; OK
    stays disabled until the name is valid. The target list follows the name: a key the
    profile already has may only go where it would still be read."""

    def __init__(self, targets: Targets, *, revealed: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add variable")
        self._targets = targets
        self._revealed = revealed
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("AddKey")
        self.key_edit.setPlaceholderText("NAME")
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("AddValue")
        self.target_combo = combo_box()
        self.target_combo.setObjectName("AddTarget")
        self.problem = muted()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&Name:", self.key_edit)
        form.addRow("&Value:", self.value_edit)
        form.addRow("&Writes to:", self.target_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.key_edit.textChanged.connect(self._on_key)
        self._on_key("")
        self.setMinimumWidth(460)

    def _on_key(self, text: str) -> None:
        key = text.strip()
        ok = valid_key(key)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        if key and not ok:
            self.problem.setText(f"{key!r} is not a valid name: use letters, digits and _.")
        else:
            self.problem.setText("")
        hide = is_secret_key(key) and not self._revealed
        self.value_edit.setEchoMode(
            QLineEdit.EchoMode.Password if hide else QLineEdit.EchoMode.Normal
        )
        chosen = self.target()
        self.target_combo.clear()
        for path, label in self._targets(key if ok else ""):
            self.target_combo.addItem(label, str(path))
        if chosen is not None:
            index = self.target_combo.findData(str(chosen))
            if index >= 0:
                self.target_combo.setCurrentIndex(index)

    def key(self) -> str:
        return self.key_edit.text().strip()

    def value(self) -> str:
        return self.value_edit.text()

    def target(self) -> Path | None:
        data = self.target_combo.currentData()
        return Path(data) if data else None
