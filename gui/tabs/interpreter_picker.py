"""Choose the project's interpreter: the ones discovery found, any file, or automatic.

The dialog only says what was picked (``choice``: a path, or None for "let
asgideck find it"); the window remembers it per project and re-opens the project.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.runtime.project import Interpreter

__all__ = ["AUTOMATIC", "InterpreterPicker"]

AUTOMATIC = "automatic"  # the item that forgets a remembered choice


class InterpreterPicker(QDialog):
    def __init__(
        self,
        current: Interpreter,
        found: tuple[Interpreter, ...],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose the project's interpreter")
        self.resize(640, 360)
        self.choice: Path | None = None
        self.list = QListWidget()
        self.list.setObjectName("InterpreterChoices")
        seen: set[Path] = set()
        for interp in (current, *found):
            if interp.path in seen:
                continue
            seen.add(interp.path)
            suffix = " — in use" if interp.path == current.path else ""
            if interp.fallback:
                suffix += " (asgideck's own: the project's packages are probably missing)"
            item = QListWidgetItem(f"{interp.label or interp.path.name}{suffix}\n{interp.path}")
            item.setToolTip(interp.reason)
            item.setData(Qt.ItemDataRole.UserRole, str(interp.path))
            self.list.addItem(item)
        automatic = QListWidgetItem("Automatic: let asgideck find it (forget my choice)")
        automatic.setData(Qt.ItemDataRole.UserRole, AUTOMATIC)
        self.list.addItem(automatic)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())

        browse = QPushButton("Other interpreter…")
        browse.setToolTip("Pick any python executable (a venv's bin/python)")
        browse.clicked.connect(self.browse)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.addButton(browse, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(
            "The chosen interpreter runs the probe, the settings check and the servers; "
            "it is remembered for this project."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    @property
    def automatic(self) -> bool:
        item = self.list.currentItem()
        return item is not None and bool(item.data(Qt.ItemDataRole.UserRole) == AUTOMATIC)

    def accept(self) -> None:
        item = self.list.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.choice = None if value in (None, AUTOMATIC) else Path(str(value))
        super().accept()

    def browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose a python executable")
        if path:
            self.pick_file(Path(path))

    def pick_file(self, path: Path) -> None:
        """Choose ``path`` (from the file picker) and close."""
        item = QListWidgetItem(f"{path.name} (chosen file)\n{path}")
        item.setData(Qt.ItemDataRole.UserRole, str(path))
        self.list.addItem(item)
        self.list.setCurrentItem(item)
        self.accept()
