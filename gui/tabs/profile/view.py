"""Profile tab: every variable of the selected profile, where it came from, editable.

One inline editor (F2 or Enter on a row) edits the value; the "Writes to" choice
above the table names the file the edit goes to before anything is written, and
offers the profile's own file instead of the shared base. Every write is reported
("Saved KEY to FILE:LINE", with a restart hint naming the running servers that use
the profile) and can be undone (Ctrl+Z) through the same optimistic edit.

The profile's files are watched: a change on disk reloads the tab and says so, unless
a value is being edited, in which case the reload waits until the edit is done. An
edit is written only if the file still holds the value the user saw; otherwise it is
refused (through the one error presenter) and the tab reloads to show the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.tasks import present_error
from asgideck.gui.core.widgets import Banner, combo_box, muted, shortcut_action
from asgideck.gui.tabs.profile.add_dialog import AddVariableDialog
from asgideck.gui.tabs.profile.models import VariablesModel
from asgideck.gui.tabs.profile.reveal import reveal_state
from asgideck.gui.tabs.profile.watch import FileWatcher
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.inspect import ProjectSession
from asgideck.runtime.profiles import (
    DOTENV,
    EditConflict,
    EnvFileError,
    Expect,
    Profile,
    edit_target,
    edit_targets,
    remove_key,
    set_value,
)

NOTICE_MS = 15_000
UNDO_DEPTH = 50  # edits of this session Ctrl+Z can take back, newest first

#: profile name -> names of the running servers that use it (the page sets this)
ServersUsing = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Edit:
    """One write of this session, enough to take it back: ``before`` and ``after`` are the
    binding's value in ``path`` (``Expect.ABSENT``: no binding)."""

    key: str
    path: Path
    before: str | Expect | None
    after: str | Expect | None


def bound_in(profile: Profile, key: str, path: Path) -> str | Expect | None:
    """``key``'s value as written in ``path`` (its last binding there), as the profile
    read it; ``Expect.ABSENT`` when ``path`` does not bind it."""
    variable = profile.variables.get(key)
    if variable is None:
        return Expect.ABSENT
    for entry in reversed((*variable.overrides, variable.origin)):
        if entry.file == path:
            return entry.value
    return Expect.ABSENT


def shown_path(profile: Profile | None, path: Path) -> str:
    if profile is None:
        return path.name
    try:
        return os.path.relpath(path, profile.root)
    except ValueError:
        return str(path)


def describe_target(profile: Profile, path: Path) -> str:
    """A target file and who reads it, e.g. ``.env.production (profile production only)``."""
    name = shown_path(profile, path)
    base = profile.sources.primary if profile.sources is not None else None
    if path == profile.own_file and path != base:
        return f"{name} (profile {profile.name} only)"
    if path == profile.own_file:
        return f"{name} (profile {profile.name})"
    return f"{name} (shared: every profile reads it)"


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
        if var is not None:
            hint = self.view.editing_hint(var.key)
            editor.setToolTip(hint)
            self.view._status(hint, 0)
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
        self._reveal = reveal_state(session)
        self._servers_using: ServersUsing | None = None
        self._undo: list[Edit] = []
        self.add_dialog: AddVariableDialog | None = None

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter variables…  (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)

        self.edit_action = self._action("&Edit Value", "F2", "edit", self.edit_selected)
        self.add_action = self._action("&Add Variable…", "Ctrl+N", "plus", self.add_variable)
        self.delete_action = self._action("&Delete Variable", "Del", "minus", self.remove_selected)
        self.undo_action = self._action("&Undo Edit", "Ctrl+Z", None, self.undo)

        self.reveal_button = self._tool("eye", "Reveal secrets (Ctrl+Shift+R)", checkable=True)
        self.reveal_button.toggled.connect(self.set_revealed)
        self.add_button = self._tool_for(self.add_action, "Add a variable to this profile")
        self.edit_button = self._tool_for(self.edit_action, "Edit the selected value")
        self.remove_button = self._tool_for(self.delete_action, "Remove the selected variable")
        self.undo_button = self._tool_for(self.undo_action, "Undo the last edit")
        self.undo_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.undo_button.setText("Undo")

        self.table = QTableView()
        self.table.setObjectName("VariablesTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
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
        self.table.installEventFilter(self)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(VariablesModel.KEY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(VariablesModel.VALUE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(VariablesModel.SOURCE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(
            VariablesModel.OVERRIDES, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self.target_combo = combo_box()
        self.target_combo.setObjectName("WriteTarget")
        self.target_combo.setToolTip(
            "The file an edit of the selected variable is written to. A shared base file "
            "changes every profile; the profile's own file changes only this one."
        )
        self.target_label = QLabel("Wr&ites to:")
        self.target_label.setBuddy(self.target_combo)

        self.banner = Banner()
        self.notice = Banner()
        self.notice.setObjectName("ProfileNotice")
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
        delegate.closeEditor.connect(lambda *_: self._editor_closed())

        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        for button in (
            self.reveal_button,
            self.add_button,
            self.edit_button,
            self.remove_button,
            self.undo_button,
        ):
            bar.addWidget(button)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target_label)
        target_row.addWidget(self.target_combo, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice)
        layout.addLayout(bar)
        layout.addLayout(target_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.files_label)
        self.setTabOrder(self.filter, self.table)
        self.setTabOrder(self.table, self.target_combo)

        session.profile_changed.connect(self._on_profile_changed)
        self._on_profile_changed(session.profile)

    def _action(
        self, text: str, shortcut: str, icon: str | None, slot: Callable[[], object]
    ) -> QAction:
        """An action of this tab: its shortcut works while focus is inside the tab."""
        return shortcut_action(self, text, shortcut, slot, icon=icon)

    def actions(self) -> list[QAction]:
        """Edit Value (F2), Add Variable (Ctrl+N), Delete Variable (Del), Undo (Ctrl+Z)."""
        return [self.edit_action, self.add_action, self.delete_action, self.undo_action]

    def _tool(self, icon: str, tip: str, *, checkable: bool = False) -> QToolButton:
        button = QToolButton()
        button.setIcon(theme.icon(icon))
        button.setToolTip(tip)
        button.setCheckable(checkable)
        button.setAutoRaise(True)
        return button

    def _tool_for(self, action: QAction, tip: str) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shortcut})")
        return button

    def detach(self) -> None:
        """Stop listening to the session and the disk (the page is closing)."""
        self.session.profile_changed.disconnect(self._on_profile_changed)
        self.watcher.stop()
        self._notice_timer.stop()

    def focus_main(self) -> None:
        """The variables table takes the keyboard, on a row so arrows and F2 work at once."""
        if not self.table.currentIndex().isValid() and self.proxy.rowCount() > 0:
            self.table.setCurrentIndex(self.proxy.index(0, VariablesModel.VALUE))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_servers_using(self, servers_using: ServersUsing | None) -> None:
        """Where the restart hint learns which running servers use a profile."""
        self._servers_using = servers_using

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
        self._reveal.set(revealed)

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
        self.add_action.setEnabled(has_profile)
        self.edit_action.setEnabled(has_selection)
        self.delete_action.setEnabled(has_selection)
        self.undo_action.setEnabled(bool(self._undo))
        self._fill_targets()

    def _fill_targets(self) -> None:
        """The files an edit of the selected key may go to; the one it goes to by default
        first. Kept when the same key stays selected (e.g. after a reload)."""
        profile, key = self.session.profile, self.selected_key()
        same_key = key is not None and self.target_combo.property("key") == key
        chosen = self.target_combo.currentData() if same_key else None
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        if profile is not None and key is not None:
            for path in edit_targets(profile, key):
                self.target_combo.addItem(describe_target(profile, path), str(path))
            index = self.target_combo.findData(chosen)
            self.target_combo.setCurrentIndex(max(index, 0))
            self.target_combo.setProperty("key", key)
        self.target_combo.setEnabled(self.target_combo.count() > 1)
        self.target_combo.blockSignals(False)

    def write_target(self, key: str) -> Path | None:
        """The file an edit of ``key`` goes to: the one chosen for it, else its default."""
        profile = self.session.profile
        if profile is None:
            return None
        data = self.target_combo.currentData()
        if data and self.target_combo.property("key") == key:
            return Path(data)
        return edit_target(profile, key)

    def editing_hint(self, key: str) -> str:
        """What the open editor will do, said before it does it."""
        profile, path = self.session.profile, self.write_target(key)
        if profile is None or path is None:
            return ""
        target = describe_target(profile, path)
        return f"Editing {key}: Enter writes to {target}, Esc cancels"

    # ----------------------------------------------------------------- keys
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter on a row edits its value (the table would only emit ``activated``)."""
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and self.table.state() != QAbstractItemView.State.EditingState
            and self.table.currentIndex().isValid()
        ):
            self.edit_selected()
            return True
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- changes on disk
    def editing(self) -> bool:
        """A value is being edited (or a question about one is open): do not reload under it."""
        return self._dialogs > 0 or self.table.state() == QAbstractItemView.State.EditingState

    def _on_files_changed(self, paths: list[Path]) -> None:
        self._reload_waiting = sorted({*self._reload_waiting, *paths})
        if not self.editing():
            self._reload_from_disk()

    def _editor_closed(self) -> None:
        window = self.window()
        if isinstance(window, QMainWindow) and window.statusBar().currentMessage().startswith(
            "Editing "
        ):
            window.statusBar().clearMessage()  # cancelled: the hint is stale
        QTimer.singleShot(0, self, self._after_edit)

    def _after_edit(self) -> None:
        if self._reload_waiting and not self.editing():
            self._reload_from_disk()

    def _reload_from_disk(self) -> None:
        names = ", ".join(dict.fromkeys(p.name for p in self._reload_waiting))
        self._reload_waiting = []
        self._reload()
        self.show_notice(f"{names} changed on disk — reloaded")

    def _reload(self) -> None:
        name = self._profile_name
        if name is not None and name in self.session.profile_names:
            self.session.select_profile(name)
        else:
            self.session.reload()

    def show_notice(self, text: str, severity: str = "info") -> None:
        self.notice.show_message(text, severity)
        self._notice_timer.start()
        self._status(text)

    def _status(self, text: str, ms: int = 10_000) -> None:
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, ms)

    # ----------------------------------------------------------------- edits
    def edit_value(self, key: str, value: str, *, target: Path | None = None) -> bool:
        """Write ``key`` into ``target`` (default: :meth:`write_target`), only over the
        value the user saw there; a failure is shown and the file stays as it was."""
        profile = self.session.profile
        path = target or self.write_target(key)
        if profile is None or path is None:
            return False
        before = bound_in(profile, key, path)
        try:
            set_value(path, key, value, expected=before, dialect=self._dialect(profile))
        except EditConflict as exc:  # reloaded: the tab shows the file as it is
            self._reload()
            present_error(exc)
            return False
        except (OSError, AsgideckError) as exc:
            self._reload()
            self.show_notice(f"{key} was not saved: {exc}", "error")
            return False
        self._reload()
        self._done(Edit(key, path, before, self._bound_now(key, path)), "Saved")
        return True

    def _dialect(self, profile: Profile) -> str:
        return profile.sources.dialect if profile.sources is not None else DOTENV

    def _bound_now(self, key: str, path: Path) -> str | Expect | None:
        profile = self.session.profile
        return bound_in(profile, key, path) if profile is not None else Expect.ABSENT

    def _done(self, edit: Edit, verb: str) -> None:
        """Remember ``edit`` for Undo and say what was written where."""
        self._undo = [*self._undo[-(UNDO_DEPTH - 1) :], edit]
        self._update_buttons()
        self.select_key(edit.key)
        self.show_notice(self._said(edit, verb) + self._restart_hint())

    def _said(self, edit: Edit, verb: str) -> str:
        profile = self.session.profile
        where = shown_path(profile, edit.path)
        if edit.after is Expect.ABSENT:
            return f"{verb} {edit.key} from {where}"
        var = profile.variables.get(edit.key) if profile is not None else None
        lines = [
            e.line for e in ((*var.overrides, var.origin) if var else ()) if e.file == edit.path
        ]
        line = f":{lines[-1]}" if lines else ""
        return f"{verb} {edit.key} to {where}{line}"

    def _restart_hint(self) -> str:
        name = self._profile_name
        running = list(self._servers_using(name)) if self._servers_using and name else []
        if not running:
            return ""
        servers = ", ".join(running)
        return f" — restart {servers} to apply (a running server keeps the old values)"

    def undo(self) -> None:
        """Take back the newest edit of this session, only over what it wrote."""
        profile = self.session.profile
        if not self._undo or profile is None or self.editing():
            return
        edit = self._undo.pop()
        dialect = self._dialect(profile)
        try:
            if edit.before is Expect.ABSENT:
                remove_key(edit.path, edit.key, expected=edit.after, dialect=dialect)
            elif isinstance(edit.before, str):
                set_value(edit.path, edit.key, edit.before, expected=edit.after, dialect=dialect)
            else:  # a bare `KEY` has no value a write could restore
                raise EnvFileError(
                    edit.path, f"{edit.key} had no value (a bare name): edit it by hand"
                )
        except EditConflict as exc:
            self._reload()
            self._update_buttons()
            present_error(exc)
            return
        except (OSError, AsgideckError) as exc:
            self._reload()
            self._update_buttons()
            self.show_notice(f"Could not undo {edit.key}: {exc}", "error")
            return
        self._reload()
        self._update_buttons()
        where = shown_path(self.session.profile, edit.path)
        if edit.before is Expect.ABSENT:
            text = f"Undone: {edit.key} removed from {where}"
        else:
            self.select_key(edit.key)
            text = f"Undone: {edit.key} restored in {where}"
        self.show_notice(text + self._restart_hint())

    def edit_selected(self) -> None:
        """F2 or Enter, on any cell of the row: edit the value (the only editable cell)."""
        index = self.table.currentIndex()
        if index.isValid() and self.table.state() != QAbstractItemView.State.EditingState:
            value = index.siblingAtColumn(VariablesModel.VALUE)
            self.table.setCurrentIndex(value)
            self.table.edit(value)

    def add_variable(self) -> None:
        """One dialog: name, value and the file it goes to; written on OK."""
        profile = self.session.profile
        if profile is None or self.add_dialog is not None:
            return

        def targets(key: str) -> list[tuple[Path, str]]:
            current = self.session.profile
            if current is None:
                return []
            return [(p, describe_target(current, p)) for p in edit_targets(current, key)]

        dialog = AddVariableDialog(targets, revealed=self.model.revealed, parent=self)
        self.add_dialog = dialog
        self._dialogs += 1

        def finished(result: int) -> None:
            self.add_dialog = None
            self._dialogs -= 1
            key, value, path = dialog.key(), dialog.value(), dialog.target()
            dialog.deleteLater()
            if result == AddVariableDialog.DialogCode.Accepted and path is not None:
                self.edit_value(key, value, target=path)
            QTimer.singleShot(0, self, self._after_edit)

        dialog.finished.connect(finished)
        dialog.open()

    def remove_selected(self) -> None:
        """Remove the selected key from the file its value comes from (Undo puts it back)."""
        key, profile = self.selected_key(), self.session.profile
        if key is None or profile is None or self.editing():
            return
        path = edit_target(profile, key)
        before = bound_in(profile, key, path)
        try:
            remove_key(path, key, expected=before, dialect=self._dialect(profile))
        except EditConflict as exc:
            self._reload()
            present_error(exc)
            return
        except (OSError, AsgideckError) as exc:
            self._reload()
            self.show_notice(f"{key} was not removed: {exc}", "error")
            return
        self._reload()
        self._done(Edit(key, path, before, Expect.ABSENT), "Removed")

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()
