"""Help → Keyboard Shortcuts: every action with a key, read from the window when opened.

Generated from the actions themselves (``shortcuts.bindings``), so an action added
later — in a menu or in a tab — is listed without anyone editing a list.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from asgideck.gui import shortcuts

__all__ = ["ShortcutRow", "ShortcutsDialog", "shortcut_rows"]


@dataclass(frozen=True)
class ShortcutRow:
    action: str
    keys: str  # as this desktop writes them (⌘ on a Mac)
    where: str  # the menu path, else the tab (and that it works there only)


def shortcut_rows(window: QMainWindow) -> list[ShortcutRow]:
    """One row per action (or QShortcut) with a key, menu entries first, in menu order."""
    bar = window.menuBar()
    rows: list[tuple[int, str, ShortcutRow]] = []
    for binding in shortcuts.bindings(window):
        keys = ", ".join(
            QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in binding.keys
        )
        source = binding.source
        path = shortcuts.menu_path(source, bar) if isinstance(source, QAction) else ""
        tab = shortcuts.tab_of(binding.scopes[0]) if binding.scopes else ""
        if not path:
            path = f"{tab} tab" if tab else "window"
        elif tab and not binding.with_children:
            path += f" (in {tab})"
        elif tab and binding.scopes[0] is not window:
            path += f" (when {tab} has the focus)"
        rows.append((0 if " → " in path else 1, path, ShortcutRow(binding.label, keys, path)))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [row for _menu, _path, row in rows]


class ShortcutsDialog(QDialog):
    """A filterable table: Action · Shortcut · Where (menu path or tab)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(640, 520)
        self.rows = shortcut_rows(window)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by action, key or menu…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut", "Where"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, not cell by cell
        for r, row in enumerate(self.rows):
            for c, text in enumerate((row.action, row.keys, row.where)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.filter.setFocus(Qt.FocusReason.OtherFocusReason)

    def texts(self) -> list[tuple[str, str, str]]:
        """The rows as shown (visible ones only)."""
        return [
            (row.action, row.keys, row.where)
            for r, row in enumerate(self.rows)
            if not self.table.isRowHidden(r)
        ]

    def _apply_filter(self, text: str) -> None:
        needle = text.casefold()
        for r, row in enumerate(self.rows):
            hay = f"{row.action} {row.keys} {row.where}".casefold()
            self.table.setRowHidden(r, bool(needle) and needle not in hay)
