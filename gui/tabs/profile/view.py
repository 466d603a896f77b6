"""Profile tab: every variable of the selected profile, where it came from, editable.

The profile's files are watched: a change on disk reloads the tab and says so, unless
a value is being edited, in which case the reload waits until the edit is done. An
edit is written only if the file still holds the value the user saw; otherwise it is
refused (through the one error presenter) and the tab reloads to show the file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.tasks import present_error
from asgideck.gui.core.widgets import Banner, muted
from asgideck.gui.tabs.profile.models import VariablesModel
from asgideck.gui.tabs.profile.watch import FileWatcher
from asgideck.runtime.inspect import ProjectSession
from asgideck.runtime.profiles import (
    EditConflict,
    EnvFileError,
    Expect,
    Profile,
    edit_target,
)
from asgideck.runtime.secrets import is_secret_key

NOTICE_MS = 15_000


class SecretDelegate(QStyledItemDelegate):
    """Edits a masked secret without showing it: the editor echoes dots until revealed."""

    def __init__(self, view: ProfileView) -> None:
        super().__init__(view)
        self.view = view

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        editor = super().createEditor(parent, option, index)
        var = self.view.model.variable(self.view.proxy.mapToSource(index).row())
        masked = var is not None and var.secret and not self.view.model.revealed
        if isinstance(editor, QLineEdit) and masked:
            editor.setEchoMode(QLineEdit.EchoMode.Password)
        return editor


class ProfileView(QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = VariablesModel(on_edit=self.edit_value)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(VariablesModel.KEY)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter variables…  (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)

        self.reveal_button = self._tool("eye", "Reveal secrets (Ctrl+Shift+R)", checkable=True)
        self.reveal_button.toggled.connect(self.set_revealed)
        self.add_button = self._tool("plus", "Add a variable to this profile (Ctrl+N)")
        self.add_button.clicked.connect(self.add_variable)
        self.edit_button = self._tool("edit", "Edit the selected value (F2)")
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button = self._tool("minus", "Remove the selected variable (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)

        self.table = QTableView()
        self.table.setObjectName("VariablesTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setItemDelegateForColumn(VariablesModel.VALUE, SecretDelegate(self))
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(VariablesModel.KEY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(VariablesModel.VALUE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(VariablesModel.SOURCE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(
            VariablesModel.OVERRIDES, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self.banner = Banner()
        self.notice = Banner()
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice.clear_message)
        self.files_label = muted()
        self._profile_name: str | None = None
        self._dialogs = 0  # modal questions open: an edit in progress
        self._reload_waiting: list[Path] = []
        self.watcher = FileWatcher(self)
        self.watcher.changed.connect(self._on_files_changed)
        delegate = self.table.itemDelegateForColumn(VariablesModel.VALUE)
        delegate.closeEditor.connect(lambda *_: QTimer.singleShot(0, self, self._after_edit))

        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        for button in (self.reveal_button, self.add_button, self.edit_button, self.remove_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.files_label)

        session.profile_changed.connect(self._on_profile_changed)
        self._on_profile_changed(session.profile)

    def _tool(self, icon: str, tip: str, *, checkable: bool = False) -> QToolButton:
        button = QToolButton()
        button.setIcon(theme.icon(icon))
        button.setToolTip(tip)
        button.setCheckable(checkable)
        button.setAutoRaise(True)
        return button

    def detach(self) -> None:
        """Stop listening to the session and the disk (the page is closing)."""
        self.session.profile_changed.disconnect(self._on_profile_changed)
        self.watcher.stop()
        self._notice_timer.stop()

    def _on_profile_changed(self, profile: Profile | None) -> None:
        selected = self.selected_key()
        self.model.set_profile(profile)
        if profile is not None:
            self._profile_name = profile.name
            self.watcher.watch(list(profile.files))
        else:  # keep watching the files it had: fixing the broken one reloads it
            self.watcher.accept()
        if profile is None:
            self.banner.show_message(
                self.session.profile_error or "This project has no .env profiles.", "error"
            )
            self.files_label.setText("")
        else:
            problems = "\n".join(str(p) for p in profile.problems)
            if problems:
                self.banner.show_message("python-dotenv skips these lines:\n" + problems, "warning")
            else:
                self.banner.clear_message()
            layers = " + ".join(p.name for p in profile.files) or "no files"
            self.files_label.setText(
                f"Profile <b>{profile.name}</b> = {layers} (later files override earlier ones). "
                f"{len(profile.variables)} variables."
            )
        if selected:
            self.select_key(selected)
        self._update_buttons()

    def set_revealed(self, revealed: bool) -> None:
        self.model.set_revealed(revealed)
        self.reveal_button.setChecked(revealed)
        self.reveal_button.setIcon(theme.icon("eye-off" if revealed else "eye"))

    def selected_key(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        var = self.model.variable(self.proxy.mapToSource(index).row())
        return var.key if var else None

    def select_key(self, key: str) -> bool:
        row = self.model.row_of(key)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, VariablesModel.VALUE))
        self.table.setCurrentIndex(index)
        return index.isValid()

    def _update_buttons(self) -> None:
        has_profile = self.session.profile is not None
        has_selection = self.selected_key() is not None
        self.add_button.setEnabled(has_profile)
        self.edit_button.setEnabled(has_selection)
        self.remove_button.setEnabled(has_selection)

    # ----------------------------------------------------------------- changes on disk
    def editing(self) -> bool:
        """A value is being edited (or a question about one is open): do not reload under it."""
        return self._dialogs > 0 or self.table.state() == QAbstractItemView.State.EditingState

    def _on_files_changed(self, paths: list[Path]) -> None:
        self._reload_waiting = sorted({*self._reload_waiting, *paths})
        if not self.editing():
            self._reload_from_disk()

    def _after_edit(self) -> None:
        if self._reload_waiting and not self.editing():
            self._reload_from_disk()

    def _reload_from_disk(self) -> None:
        names = ", ".join(dict.fromkeys(p.name for p in self._reload_waiting))
        self._reload_waiting = []
        name = self._profile_name
        if name is not None and name in self.session.profile_names:
            self.session.select_profile(name)
        else:
            self.session.reload()
        self.show_notice(f"{names} changed on disk — reloaded")

    def show_notice(self, text: str) -> None:
        self.notice.show_message(text, "info")
        self._notice_timer.start()
        self._status(text)

    def _status(self, text: str, ms: int = 5000) -> None:
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, ms)

    # ----------------------------------------------------------------- edits
    def edit_value(self, key: str, value: str) -> bool:
        """Write through the runtime, only over the value the user saw; a failure is shown
        and the file stays as it was."""
        profile = self.session.profile
        if profile is None:
            return False
        shown = profile.variables.get(key)
        try:
            target = self.session.set_value(
                key, value, expected=shown.raw if shown is not None else Expect.ABSENT
            )
        except EditConflict as exc:  # the session reloaded: the tab shows the file as it is
            present_error(exc)
            return False
        except (OSError, EnvFileError, ValueError) as exc:
            QMessageBox.warning(self, "Could not save", f"{key} was not changed:\n{exc}")
            return False
        self._status(f"Saved {key} in {target.name}")
        return True

    def edit_selected(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.table.edit(index.siblingAtColumn(VariablesModel.VALUE))

    def add_variable(self) -> None:
        if self.session.profile is None:
            return
        with self._question():
            key, ok = QInputDialog.getText(self, "Add variable", "Name:")
        key = key.strip()
        if not ok or not key:
            return
        if not key.replace("_", "a").isalnum() or key[0].isdigit():
            QMessageBox.warning(self, "Invalid name", f"{key!r} is not a valid variable name.")
            return
        echo = QLineEdit.EchoMode.Password if is_secret_key(key) else QLineEdit.EchoMode.Normal
        with self._question():
            value, ok = QInputDialog.getText(self, "Add variable", f"Value of {key}:", echo)
            if ok and self.edit_value(key, value):
                self.select_key(key)

    def remove_selected(self) -> None:
        key = self.selected_key()
        if key is None:
            return
        target = edit_target(self.session.profile, key) if self.session.profile else None
        with self._question():
            answer = QMessageBox.question(
                self,
                "Remove variable",
                f"Remove {key} from {target.name if target else 'the profile'}?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            try:
                self.session.remove_key(key)
            except (OSError, EnvFileError) as exc:
                QMessageBox.warning(self, "Could not remove", f"{key} was not removed:\n{exc}")

    @contextlib.contextmanager
    def _question(self) -> Iterator[None]:
        """A modal question about an edit is open: changes on disk wait until it closes."""
        self._dialogs += 1
        try:
            yield
        finally:
            self._dialogs -= 1
            QTimer.singleShot(0, self, self._after_edit)

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Delete):
            self.remove_selected()
            return
        super().keyPressEvent(event)
