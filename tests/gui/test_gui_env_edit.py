"""Issue 11, defect 6: env edits are never silent. One inline editor (F2 or Enter, on any
cell of a row), the file it writes shown before writing and choosable (the profile's own
file instead of the shared base), "Saved KEY to FILE:LINE", Undo (Ctrl+Z) through the same
optimistic edit, Add variable as one dialog naming the file, and a restart hint naming the
running servers that use the profile. All driven with the keyboard on the real widgets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QMainWindow

from asgideck.gui.core.tasks import set_presenter
from asgideck.gui.tabs.profile.models import VariablesModel
from asgideck.gui.tabs.profile.view import ProfileView
from asgideck.runtime.inspect import ProjectSession
from asgideck.runtime.profiles import EditConflict

WAIT_MS = 10_000


class Host:
    """A Profile tab inside a real main window (status bar, focus, shortcuts)."""

    def __init__(self, qtbot, root: Path, profile: str) -> None:  # type: ignore[no-untyped-def]
        self.qtbot = qtbot
        self.session = ProjectSession.open(root, profile=profile)
        self.view = ProfileView(self.session)
        self.window = QMainWindow()
        self.window.setCentralWidget(self.view)
        qtbot.addWidget(self.window)
        self.window.resize(1000, 600)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.window.activateWindow()
        self.view.focus_main()
        qtbot.waitUntil(self.view.table.hasFocus, timeout=WAIT_MS)

    @property
    def table(self):  # type: ignore[no-untyped-def]
        return self.view.table

    def select(self, key: str, column: int = VariablesModel.VALUE) -> None:
        assert self.view.select_key(key)
        self.table.setCurrentIndex(self.table.currentIndex().siblingAtColumn(column))
        self.table.setFocus()
        self.qtbot.waitUntil(self.table.hasFocus, timeout=WAIT_MS)

    def key(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier):  # type: ignore[no-untyped-def]
        widget = QApplication.focusWidget() or self.table
        self.qtbot.keyClick(widget, key, modifier)

    def editor(self) -> QLineEdit:
        self.qtbot.waitUntil(
            lambda: self.table.state() == QAbstractItemView.State.EditingState, timeout=WAIT_MS
        )
        editor = QApplication.focusWidget()
        assert isinstance(editor, QLineEdit)
        return editor

    def type_value(self, text: str) -> None:
        """In the open editor: replace the value and press Enter."""
        editor = self.editor()
        editor.selectAll()
        self.qtbot.keyClicks(editor, text)
        self.qtbot.keyClick(editor, Qt.Key.Key_Return)
        self.qtbot.waitUntil(
            lambda: self.table.state() != QAbstractItemView.State.EditingState, timeout=WAIT_MS
        )

    def value(self, key: str) -> str | None:
        profile = self.session.profile
        assert profile is not None
        var = profile.variables.get(key)
        return var.value if var is not None else None


@pytest.fixture
def host(qtbot, project_copy: Path) -> Iterator[Host]:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app

    make_app()
    built = Host(qtbot, project_copy, "production")
    yield built
    built.view.detach()


def _line_of(path: Path, key: str) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(f"{key}="))


def test_f2_and_enter_on_any_cell_edit_the_value(host: Host) -> None:
    # F2 on the Key cell used to do nothing: it opens the value's editor.
    host.select("APP_VERSION", VariablesModel.KEY)
    host.key(Qt.Key.Key_F2)
    editor = host.editor()
    assert host.table.currentIndex().column() == VariablesModel.VALUE
    said = "Editing APP_VERSION: Enter writes to .env (shared: every profile reads it), Esc cancels"
    assert host.window.statusBar().currentMessage() == said  # before anything is written
    assert editor.toolTip() == said
    host.key(Qt.Key.Key_Escape)
    host.qtbot.waitUntil(
        lambda: host.table.state() != QAbstractItemView.State.EditingState, timeout=WAIT_MS
    )
    assert host.window.statusBar().currentMessage() == ""  # cancelled: nothing was written
    host.select("APP_VERSION", VariablesModel.SOURCE)
    host.key(Qt.Key.Key_Return)
    host.type_value("0.2.0")
    assert host.value("APP_VERSION") == "0.2.0"


def test_the_target_file_is_shown_before_writing_and_can_be_the_profiles_own(
    host: Host,
) -> None:
    root = host.session.root
    base, own = root / ".env", root / ".env.production"
    base_bytes = base.read_bytes()
    host.select("APP_VERSION")
    combo = host.view.target_combo
    # Before anything is written the tab says where it would go: the shared base.
    assert combo.currentText() == ".env (shared: every profile reads it)"
    assert combo.itemText(1) == ".env.production (profile production only)"
    combo.setFocus()
    host.qtbot.waitUntil(combo.hasFocus, timeout=WAIT_MS)
    host.key(Qt.Key.Key_Down)  # the keyboard picks the profile's own file
    assert combo.currentText() == ".env.production (profile production only)"
    host.table.setFocus()
    host.qtbot.waitUntil(host.table.hasFocus, timeout=WAIT_MS)
    host.key(Qt.Key.Key_F2)
    host.type_value("9.9.9")

    assert base.read_bytes() == base_bytes  # the shared base is untouched
    line = _line_of(own, "APP_VERSION")
    assert own.read_text().splitlines()[line - 1] == "APP_VERSION=9.9.9"
    assert host.value("APP_VERSION") == "9.9.9"
    assert host.session.load("development").variables["APP_VERSION"].value == "0.1.0"
    said = f"Saved APP_VERSION to .env.production:{line}"
    assert host.view.notice.isVisible() and host.view.notice.text() == said
    assert host.window.statusBar().currentMessage() == said
    # The value now comes from the profile's file: that is where the next edit goes.
    assert combo.currentText() == ".env.production (profile production only)"
    # The choice was for that key: another base key starts at its own file again.
    host.select("APP_NAME")
    assert combo.currentText() == ".env (shared: every profile reads it)"


def test_ctrl_z_takes_back_the_last_edits_in_order(host: Host) -> None:
    root = host.session.root
    own = root / ".env.production"
    original = {p: p.read_bytes() for p in root.glob(".env*")}
    host.select("DEBUG")
    host.key(Qt.Key.Key_F2)
    host.type_value("true")
    host.select("APP_NAME")
    host.key(Qt.Key.Key_Down)  # to the next row, then choose this profile's file
    host.view.target_combo.setCurrentIndex(1)
    key = host.view.selected_key()
    assert key is not None
    target = host.view.write_target(key)
    assert target == own
    host.key(Qt.Key.Key_Return)
    host.type_value("changed")
    assert f"{key}=changed" in own.read_text()

    assert host.view.undo_button.isEnabled()
    host.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # removes the added binding
    host.qtbot.waitUntil(lambda: f"{key}=" not in own.read_text(), timeout=WAIT_MS)
    assert host.view.notice.text() == f"Undone: {key} removed from .env.production"
    host.view.undo_button.click()  # the button does the same: DEBUG back to false
    assert {p: p.read_bytes() for p in root.glob(".env*")} == original
    assert host.value("DEBUG") == "false"
    assert not host.view.undo_button.isEnabled()


def test_undo_over_a_change_on_disk_is_refused(host: Host) -> None:
    own = host.session.root / ".env.production"
    host.select("DEBUG")
    host.key(Qt.Key.Key_F2)
    host.type_value("true")
    own.write_text(own.read_text().replace("DEBUG=true", "DEBUG=other"))
    shown: list[Exception] = []
    set_presenter(shown.append)
    try:
        host.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    finally:
        set_presenter(None)
    assert len(shown) == 1 and isinstance(shown[0], EditConflict)
    assert "DEBUG=other" in own.read_text()  # the other program's value stays
    assert host.value("DEBUG") == "other"


def test_delete_removes_from_the_named_file_and_undo_puts_it_back(host: Host) -> None:
    own = host.session.root / ".env.production"
    host.select("CORS_ORIGINS")
    host.key(Qt.Key.Key_Delete)
    assert "CORS_ORIGINS" not in own.read_text()
    assert host.view.notice.text() == "Removed CORS_ORIGINS from .env.production"
    host.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert host.value("CORS_ORIGINS") == '["https://app.example.com"]'


def test_add_variable_is_one_dialog_that_names_the_file(host: Host) -> None:
    own = host.session.root / ".env.production"
    host.key(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    host.qtbot.waitUntil(lambda: host.view.add_dialog is not None, timeout=WAIT_MS)
    dialog = host.view.add_dialog
    assert dialog is not None
    host.qtbot.waitUntil(dialog.key_edit.hasFocus, timeout=WAIT_MS)
    assert dialog.target_combo.currentText() == ".env.production (profile production only)"
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    host.qtbot.keyClicks(dialog.key_edit, "9BAD")
    assert not ok.isEnabled() and "not a valid name" in dialog.problem.text()
    dialog.key_edit.clear()
    host.qtbot.keyClicks(dialog.key_edit, "API_TOKEN")
    assert dialog.value_edit.echoMode() == QLineEdit.EchoMode.Password  # a secret's name
    host.qtbot.keyClick(dialog.key_edit, Qt.Key.Key_Tab)
    host.qtbot.keyClicks(dialog.value_edit, "tok-123")
    host.qtbot.keyClick(dialog.value_edit, Qt.Key.Key_Return)
    host.qtbot.waitUntil(lambda: host.view.add_dialog is None, timeout=WAIT_MS)
    line = _line_of(own, "API_TOKEN")
    assert own.read_text().splitlines()[line - 1] == "API_TOKEN=tok-123"
    assert host.view.notice.text() == f"Saved API_TOKEN to .env.production:{line}"
    assert host.view.selected_key() == "API_TOKEN"


def test_an_edit_says_which_running_servers_need_a_restart(host: Host) -> None:
    host.view.set_servers_using(lambda name: ["prod", "prod-2"] if name == "production" else [])
    host.select("DEBUG")
    host.key(Qt.Key.Key_F2)
    host.type_value("true")
    assert host.view.notice.text().endswith(
        "— restart prod, prod-2 to apply (a running server keeps the old values)"
    )


def test_focus_main_puts_focus_in_the_table_and_tab_leaves_it(host: Host) -> None:
    host.view.filter.setFocus()
    host.qtbot.waitUntil(host.view.filter.hasFocus, timeout=WAIT_MS)
    host.view.focus_main()
    host.qtbot.waitUntil(host.table.hasFocus, timeout=WAIT_MS)
    assert host.table.currentIndex().isValid()
    host.key(Qt.Key.Key_Tab)  # one Tab leaves the table, not one cell
    host.qtbot.waitUntil(lambda: not host.table.hasFocus(), timeout=WAIT_MS)
    assert not host.table.tabKeyNavigation()


def test_actions_carry_explicit_shortcuts(host: Host) -> None:
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for a in host.view.actions()}
    assert shortcuts == {
        "Edit Value": "F2",
        "Add Variable…": "Ctrl+N",
        "Delete Variable": "Del",
        "Undo Edit": "Ctrl+Z",
    }
    for action in host.view.actions():
        assert action.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut


def test_keys_typed_in_the_filter_stay_in_the_filter(host: Host) -> None:
    """Del, Ctrl+Z and F2 are the tab's actions only outside a text field."""
    before = {p: p.read_bytes() for p in host.session.root.glob(".env*")}
    host.select("DEBUG")
    host.view.filter.setFocus()
    host.qtbot.waitUntil(host.view.filter.hasFocus, timeout=WAIT_MS)
    host.qtbot.keyClicks(host.view.filter, "DEBX")
    host.key(Qt.Key.Key_Backspace)
    host.key(Qt.Key.Key_Home)
    host.key(Qt.Key.Key_Delete)
    assert host.view.filter.text() == "EB"
    host.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert host.view.filter.text() == "DEB"  # the line edit's own undo
    assert {p: p.read_bytes() for p in host.session.root.glob(".env*")} == before
