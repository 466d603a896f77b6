"""The Try tab's shortcuts never clash: not with the window's (Qt would call the key an
"Ambiguous shortcut overload" and run neither), and not with each other where both are live.

Every QAction and QShortcut inside a TryView is collected with findChildren, so a
shortcut added later is checked too.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from asgideck.runtime.client import HistoryEntry
from support.try_view import Views

# The window's shortcuts (README, "The window"), live whichever tab has the focus.
WINDOW_KEYS = (
    "Ctrl+O", "F5", "Ctrl+Q", *(f"Ctrl+{n}" for n in range(1, 8)), "Ctrl+Shift+R", "Ctrl+F",
    "Ctrl+P", "Ctrl+PgDown", "Ctrl+PgUp", "Ctrl+N", "Ctrl+Shift+V", "Ctrl+R", "Ctrl+.",
    "Ctrl+Shift+.", "Ctrl+I", "Ctrl+Shift+E",
)  # fmt: skip
# The window binds these as standard keys: whatever they mean on this platform is taken too.
WINDOW_STANDARD_KEYS = (
    QKeySequence.StandardKey.Open,
    QKeySequence.StandardKey.Refresh,
    QKeySequence.StandardKey.Quit,
    QKeySequence.StandardKey.Find,
    QKeySequence.StandardKey.New,
)
Context = Qt.ShortcutContext


def key_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


def window_keys() -> set[str]:
    keys = {key_text(QKeySequence(k)) for k in WINDOW_KEYS}
    for standard in WINDOW_STANDARD_KEYS:
        keys |= {key_text(k) for k in QKeySequence.keyBindings(standard)}
    return keys


@dataclass(frozen=True)
class Binding:
    """One key of one action or shortcut, and the widget whose focus makes it live."""

    key: str
    what: str
    source: QAction | QShortcut
    owner: QWidget
    with_children: bool  # live in the owner's whole subtree, not just on the owner

    def overlaps(self, other: Binding) -> bool:
        """Could both be live for the same focus widget (Qt's condition for ambiguity)?"""
        if self.owner is other.owner:
            return True
        if self.with_children and self.owner.isAncestorOf(other.owner):
            return True
        return other.with_children and other.owner.isAncestorOf(self.owner)


def bindings(view: QWidget) -> list[Binding]:
    found: list[Binding] = []

    def add(source: QAction | QShortcut, keys: list[QKeySequence], what: str, owner: QWidget,
            context: Context) -> None:  # fmt: skip
        if context in (Context.WindowShortcut, Context.ApplicationShortcut):
            owner, children = view.window(), True  # live everywhere in the window
        else:
            children = context == Context.WidgetWithChildrenShortcut
        found.extend(
            Binding(key_text(k), what, source, owner, children) for k in keys if not k.isEmpty()
        )

    for action in view.findChildren(QAction):
        for owner in action.associatedObjects():
            if isinstance(owner, QWidget):
                what = action.text() or f"action on {type(owner).__name__}"
                add(action, action.shortcuts(), what, owner, action.shortcutContext())
    for shortcut in view.findChildren(QShortcut):
        owner = shortcut.parent()
        assert isinstance(owner, QWidget)
        add(
            shortcut,
            shortcut.keys(),
            f"shortcut on {type(owner).__name__}",
            owner,
            shortcut.context(),
        )
    return found


def test_the_collection_sees_the_try_tabs_shortcuts(views: Views) -> None:
    keys = {b.key for b in bindings(views())}
    # Send (composer, WebSocket, load test), Authorize, history restore / resend / delete.
    assert {"Ctrl+Return", "Ctrl+Shift+A", "Return", "Shift+Return", "Del"} <= keys


def test_no_try_shortcut_uses_a_window_key(views: Views) -> None:
    taken = window_keys()
    assert "Ctrl+R" in taken and "F5" in taken
    clashes = sorted({(b.key, b.what) for b in bindings(views()) if b.key in taken})
    assert clashes == []


def test_no_two_live_try_shortcuts_share_a_key(views: Views) -> None:
    """The same key may mean "send" on each mode page (siblings, never live together), but
    two bindings live for one focus widget would be ambiguous."""
    found = bindings(views())
    clashes = [
        (a.key, a.what, b.what)
        for i, a in enumerate(found)
        for b in found[i + 1 :]
        if a.key == b.key and a.source is not b.source and a.overlaps(b)
    ]
    assert clashes == []


def entry(entry_id: int) -> HistoryEntry:
    return HistoryEntry(
        entry_id, "try-tests", 0.0, "GET", f"http://127.0.0.1:1/e/{entry_id}", {}, 200, "OK",
        0.01, 2, "application/json", (), b"{}", False, None,
    )  # fmt: skip


def test_shift_enter_on_the_history_list_sends_again(qtbot) -> None:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app
    from asgideck.gui.tabs.workbench.history import HistoryPanel

    make_app()
    history = HistoryPanel()
    qtbot.addWidget(history)
    history.show()
    history.set_entries([entry(2), entry(1)])
    history.select_row(1)
    history.activateWindow()
    history.view.setFocus()
    qtbot.waitUntil(history.view.hasFocus, timeout=5000)
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        with qtbot.waitSignal(history.resend_requested, timeout=5000) as sent:
            qtbot.keyClick(history.view, key, Qt.KeyboardModifier.ShiftModifier)
        assert sent.args == [entry(1)]
    with qtbot.waitSignal(history.restore_requested, timeout=5000) as restored:
        qtbot.keyClick(history.view, Qt.Key.Key_Return)
    assert restored.args == [entry(1)]
    assert "Shift+Enter" in history.resend_button.toolTip()


def test_the_windows_ctrl_r_still_fires_from_the_history_list(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The review's case: a window-wide Ctrl+R (Start server) while the history list has focus."""
    from PySide6.QtWidgets import QMainWindow

    view = views()
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(view)
    start = QAction("Start", window)
    start.setShortcut(QKeySequence("Ctrl+R"))
    window.addAction(start)
    window.show()
    view.history.set_entries([entry(1)])
    view.history.select_row(0)
    try:
        window.activateWindow()
        view.history.view.setFocus()
        qtbot.waitUntil(view.history.view.hasFocus, timeout=5000)
        with qtbot.waitSignal(start.triggered, timeout=5000):
            qtbot.keyClick(view.history.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    finally:
        view.setParent(None)  # the views fixture detaches it after the window is gone
