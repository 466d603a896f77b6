"""Choose the project's app when discovery found several.

Discovery never guesses between apps that the project's own files name: the
Overview shows :class:`AppChoiceBanner` (non-modal: every other tab keeps working)
and :class:`AppPicker` lists each candidate with every place that names it
(``file:line: what said so``). The choice is written to asgideck's user state on
the dialog's own scope (``remember_app`` finds the workspace root on disk), then
``chosen`` carries the import string and the window re-opens the project with it.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core.tasks import TaskRunner
from asgideck.gui.core.widgets import Banner
from asgideck.runtime.project import AppTarget, Project, remember_app

__all__ = ["SHORTCUT", "AppChoiceBanner", "AppPicker", "app_place", "chooses_app"]

SHORTCUT = "Ctrl+Shift+E"  # "entrypoint": Ctrl+A, Ctrl+Shift+A and Ctrl+E are taken or editing keys


def chooses_app(project: Project) -> bool:
    """Whether the project has several app candidates (the choice is the user's)."""
    return len(project.candidates) > 1


def app_place(target: AppTarget) -> str:
    """Where the target was first named, short: ``Makefile:2`` (or the whole reason)."""
    first = target.found[0] if target.found else target.reason
    return first.split(": ", 1)[0]


def _top(project: Project) -> Path:
    return project.workspace or project.root


def _described(target: AppTarget, top: Path) -> str:
    """``main:app (factory) — runs in backend/, defined in backend/app/main.py:7``."""
    kind = " (factory)" if target.factory else ""
    workdir = os.path.relpath(target.workdir or top, top)
    defined = os.path.relpath(target.file, top)
    return f"{target.import_string}{kind} — runs in {workdir}/, defined in {defined}:{target.line}"


class AppChoiceBanner(QWidget):
    """The Overview's notice that several apps were found and none is chosen yet."""

    requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AppChoice")
        self.banner = Banner()
        self.button = QPushButton("Choose app…")
        self.button.setToolTip(f"Pick the app to run; remembered for this project ({SHORTCUT})")
        self.button.clicked.connect(self.requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.banner, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_for(self, project: Project) -> bool:
        """Show the notice when the project waits for a choice; True when shown."""
        waiting = project.app is None and chooses_app(project)
        if waiting:
            top = _top(project)
            items = "".join(
                f"<li><b>{html.escape(t.import_string)}</b> — "
                f"{html.escape('; '.join(t.found) or t.reason)}</li>"
                for t in project.candidates
            )
            self.banner.show_message(
                f"{len(project.candidates)} apps found in {html.escape(str(top))}; "
                f"choose the one to run (remembered for this project):<ul>{items}</ul>",
                "warning",
            )
        self.setVisible(waiting)
        return waiting


class AppPicker(QDialog):
    """The candidates, each with the places that name it; OK remembers the choice."""

    #: the import string that was chosen and remembered
    chosen = Signal(str)

    def __init__(self, project: Project, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Choose the project's app")
        self.resize(720, 380)
        self.project = project
        self.tasks = runner.scope(self)
        self.choice: AppTarget | None = None
        top = _top(project)

        self.tree = QTreeWidget()
        self.tree.setObjectName("AppChoices")
        self.tree.setHeaderLabels(["App and where it was found"])
        self.tree.setRootIsDecorated(True)
        current = project.app.import_string if project.app is not None else None
        self.items: list[QTreeWidgetItem] = []
        for target in project.candidates:
            suffix = " — in use" if target.import_string == current else ""
            item = QTreeWidgetItem([_described(target, top) + suffix])
            item.setData(0, Qt.ItemDataRole.UserRole, target)
            item.setToolTip(0, target.reason)
            for place in target.found or (target.reason,):
                child = QTreeWidgetItem([place])
                child.setData(0, Qt.ItemDataRole.UserRole, target)
                item.addChild(child)
            self.tree.addTopLevelItem(item)
            item.setExpanded(True)
            self.items.append(item)
            if target.import_string == current:
                self.tree.setCurrentItem(item)
        if self.tree.currentItem() is None and self.items:
            self.tree.setCurrentItem(self.items[0])
        self.tree.itemDoubleClicked.connect(lambda _item, _column: self.accept())

        note = QLabel(
            "Each app is listed with the files that name it. The chosen one is what the "
            "servers run, the probe inspects and the settings check validates; it is "
            "remembered for this project (File → Choose App…)."
        )
        note.setWordWrap(True)
        self.error = Banner()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def candidates(self) -> list[AppTarget]:
        """The listed candidates, in order."""
        return [item.data(0, Qt.ItemDataRole.UserRole) for item in self.items]

    def places(self, row: int) -> list[str]:
        """The places shown under the candidate at ``row``."""
        item = self.items[row]
        children = (item.child(i) for i in range(item.childCount()))
        return [child.text(0) for child in children if child is not None]

    def select(self, import_string: str) -> None:
        """Select the candidate ``module:attr`` (as a click on it would)."""
        for item, target in zip(self.items, self.candidates(), strict=True):
            if target.import_string == import_string:
                self.tree.setCurrentItem(item)
                return
        raise KeyError(import_string)

    def accept(self) -> None:
        """Remember the selected app off the GUI thread; close once it is written."""
        item = self.tree.currentItem()
        target = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if not isinstance(target, AppTarget) or self.tasks.pending("remember"):
            return
        self.choice = target
        self.buttons.setEnabled(False)
        self.error.clear_message()
        top = _top(self.project)
        self.tasks.run(
            lambda: remember_app(top, target.import_string),
            lambda _none: self._remembered(target),
            key="remember",
            failed=self._failed,
        )

    def _remembered(self, target: AppTarget) -> None:
        super().accept()
        self.chosen.emit(target.import_string)

    def _failed(self, exc: Exception) -> None:
        self.buttons.setEnabled(True)
        self.error.show_message(f"Could not remember the choice: {exc}", "error")
