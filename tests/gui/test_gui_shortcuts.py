"""No key is bound twice on any desktop, every key reaches its own action, and Help lists
them all (issue #11, defect 1: GNOME's Refresh is Ctrl+R, so Start and Reload cancelled
each other with "Ambiguous shortcut overload: Ctrl+R").

The bindings are read from a fully built window (every tab, the tabs' ``actions()``, every
QShortcut), never from a list kept here; standard keys are expanded with Qt's table for
every keyboard scheme (``shortcuts.STANDARD_KEYS``).
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QStackedWidget, QWidget

from asgideck.gui import shortcuts
from asgideck.gui.project_page import TABS

GUI = Path(shortcuts.__file__).parent


def standard_keys_in_source() -> set[str]:
    """Every ``QKeySequence.StandardKey.X`` the GUI's source still uses."""
    used: set[str] = set()
    for path in GUI.rglob("*.py"):
        used |= set(re.findall(r"StandardKey\.(\w+)", path.read_text(encoding="utf-8")))
    return used


def built_window(make_window, sample_app: Path, qtbot):  # type: ignore[no-untyped-def]
    """The window with every tab shown once and a log view for every server."""
    window = make_window(sample_app)
    for name in TABS:
        window.show_tab(name)
    for server in window.manager.servers:
        window.page.logs_for(server.name)
    window.show_tab("overview")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    return window


# ----------------------------------------------------------------- the table itself
def test_the_standard_key_table_is_what_qt_binds_here() -> None:
    """On this desktop's scheme the hard-coded table equals Qt's own bindings (so it is
    Qt's table, not a guess), and it covers every standard key the GUI still uses."""
    app = QApplication.instance() or QApplication([])
    assert app is not None

    def matches(scheme: str) -> bool:
        return all(
            set(shortcuts.standard_keys(name, scheme))
            == {
                shortcuts.key_text(k)
                for k in QKeySequence.keyBindings(getattr(QKeySequence.StandardKey, name))
            }
            for name in shortcuts.STANDARD_KEYS
        )

    assert [s for s in shortcuts.SCHEMES if matches(s)], "no scheme matches Qt's bindings here"
    assert standard_keys_in_source() <= set(shortcuts.STANDARD_KEYS)


def test_a_standard_key_clashes_on_the_desktops_that_bind_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The defect as it was: Reload from StandardKey.Refresh beside Start on Ctrl+R is a
    clash on GNOME and macOS, though not on the desktop the test runs on."""
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = window.menuBar().addMenu("&Server")
    start = QAction("&Start", window)
    start.setShortcut(QKeySequence("Ctrl+R"))
    reload_ = QAction("Re&load", window)
    reload_.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
    menu.addAction(start)
    menu.addAction(reload_)
    found = shortcuts.bindings(window)
    assert {b.label for b in found} == {"Start", "Reload"}
    problems = shortcuts.clashes(found, ["Refresh"])
    assert {p.split(":")[0] for p in problems} == {"gnome", "mac"}, problems
    assert all("Ctrl+R" in p for p in problems)
    # Explicit keys mean the same everywhere: with no StandardKey left in the source (so
    # none to expand), F5 for Reload is no clash anywhere.
    reload_.setShortcut(QKeySequence("F5"))
    assert shortcuts.clashes(shortcuts.bindings(window), []) == []


def test_widget_local_keys_clash_only_where_both_are_live(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+S in two sibling tabs is fine; Ctrl+S in a tab and in the window is not."""
    window = QMainWindow()
    qtbot.addWidget(window)
    central = QWidget()
    left, right = QWidget(central), QWidget(central)
    window.setCentralWidget(central)
    for owner in (left, right):
        action = QAction("Save", owner)
        action.setShortcut(QKeySequence("Ctrl+S"))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        owner.addAction(action)
    assert shortcuts.clashes(shortcuts.bindings(window), []) == []
    window_save = QAction("Save All", window)
    window_save.setShortcut(QKeySequence("Ctrl+S"))
    window.menuBar().addMenu("&File").addAction(window_save)
    assert len(shortcuts.clashes(shortcuts.bindings(window), [], ["windows"])) == 2


# ----------------------------------------------------------------- the real window
def test_no_key_is_bound_twice_in_the_window_on_any_desktop(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = built_window(make_window, sample_app, qtbot)
    found = shortcuts.bindings(window)
    labels = {b.label for b in found}
    # The enumeration reaches the window's menus, the panel's and the tabs' own actions.
    assert {"Start", "Reload Env Files", "Quit", "Keyboard Shortcuts"} <= labels, labels
    assert {"Start All", "Stop All", "Open Shell…"} <= labels
    assert any(b.scopes and window.try_view.isAncestorOf(b.scopes[0]) for b in found)
    assert any(b.scopes and b.scopes[0] is not window for b in found)
    keys = {k for b in found for k in b.keys}
    assert "Ctrl+R" in keys and "F5" in keys
    problems = shortcuts.clashes(found, standard_keys_in_source())
    assert problems == [], "\n".join(problems)


class ShortcutSpy(QObject):
    """Takes every Shortcut event a key press produces (so no action runs), and lets an
    ambiguous one through so Qt logs its "Ambiguous shortcut overload" warning."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[tuple[QObject, bool]] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Shortcut:
            ambiguous = bool(event.isAmbiguous())  # type: ignore[attr-defined]
            self.hits.append((watched, ambiguous))
            return not ambiguous
        return False


def reveal(widget: QWidget) -> None:
    """Make ``widget`` visible: each stacked widget (tab, mode page) above it shows its way."""
    child: QWidget = widget
    parent = child.parentWidget()
    while parent is not None:
        if isinstance(parent, QStackedWidget) and parent.indexOf(child) >= 0:
            parent.setCurrentWidget(child)
        child, parent = parent, parent.parentWidget()


def test_every_key_reaches_its_own_action_and_qt_reports_no_ambiguity(
    make_window, sample_app: Path, qtbot, qtlog
) -> None:  # type: ignore[no-untyped-def]
    window = built_window(make_window, sample_app, qtbot)
    found = shortcuts.bindings(window)
    spy = ShortcutSpy()
    for binding in found:
        binding.source.installEventFilter(spy)
    pressed = 0
    for binding in found:
        source = binding.source
        if not source.isEnabled() or not binding.scopes:
            continue  # a disabled action takes no key (e.g. Open /docs with nothing running)
        target = window.centralWidget() if binding.scopes[0] is window else binding.scopes[0]
        reveal(target)
        if not target.isVisible():
            continue
        policy = target.focusPolicy()
        target.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no child editor eats the key
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        qtbot.waitUntil(lambda t=target: QApplication.focusWidget() is t, timeout=2_000)
        for key in binding.keys:
            spy.hits.clear()
            QTest.keySequence(target, QKeySequence(key))
            assert spy.hits == [(source, False)], f"{key} of {binding.label!r}: {spy.hits}"
            pressed += 1
        target.setFocusPolicy(policy)
    assert pressed >= 30
    ambiguous = [r.message for r in qtlog.records if "Ambiguous shortcut" in r.message]
    assert ambiguous == []
    for binding in found:
        binding.source.removeEventFilter(spy)


# ----------------------------------------------------------------- Help → Keyboard Shortcuts
def open_shortcuts(window, qtbot):  # type: ignore[no-untyped-def]
    window.servers_panel.list.setFocus()
    QTest.keyClick(window.servers_panel.list, Qt.Key.Key_F1)
    qtbot.waitUntil(
        lambda: window.shortcuts_dialog is not None and window.shortcuts_dialog.isVisible(),
        timeout=5_000,
    )
    return window.shortcuts_dialog


def test_help_lists_every_action_with_its_key_and_menu_path(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = built_window(make_window, sample_app, qtbot)
    dialog = open_shortcuts(window, qtbot)
    rows = dialog.texts()
    listed = {(action, keys) for action, keys, _where in rows}
    for binding in shortcuts.bindings(window):
        native = ", ".join(
            QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in binding.keys
        )
        assert (binding.label, native) in listed, binding.label
    where = {action: place for action, _keys, place in rows}
    assert where["Start"] == "Server → Start"
    assert where["Reload Env Files"] == "File → Reload Env Files"
    assert where["Keyboard Shortcuts"] == "Help → Keyboard Shortcuts"
    # typing filters the list
    QTest.keyClicks(dialog.filter, "reload")
    assert [a for a, _k, _w in dialog.texts()] == ["Reload Env Files"]
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.shortcuts_dialog is None, timeout=5_000)


def test_help_lists_actions_added_later(make_window, sample_app: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = built_window(make_window, sample_app, qtbot)
    menu_action = QAction("Frobnicate Servers", window)
    menu_action.setShortcut(QKeySequence("Ctrl+Shift+J"))
    window.server_menu.addAction(menu_action)
    tab_action = QAction("Tab-only Thing", window.routes_view)
    tab_action.setShortcut(QKeySequence("Ctrl+Alt+J"))
    tab_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    window.routes_view.addAction(tab_action)
    dialog = open_shortcuts(window, qtbot)
    where = {action: place for action, _keys, place in dialog.texts()}
    assert where["Frobnicate Servers"] == "Server → Frobnicate Servers"
    # a tab's actions are put in its menu when the menu opens
    window.view_menu.aboutToShow.emit()
    assert tab_action in window.view_menu.actions()
    dialog.close()
    dialog = open_shortcuts(window, qtbot)
    where = {action: place for action, _keys, place in dialog.texts()}
    assert where["Tab-only Thing"].startswith("View → Tab-only Thing"), where["Tab-only Thing"]
    dialog.close()


def test_tab_actions_are_in_the_menus(make_window, sample_app: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Every action a view lists in ``actions()`` sits in a menu once its menu opens."""
    window = built_window(make_window, sample_app, qtbot)
    menus: list[QMenu] = [window.view_menu, window.profile_menu, window.server_menu]
    menus.append(window.request_menu)
    for menu in menus:
        menu.aboutToShow.emit()
    in_menus = {id(a) for m in menus for a in m.actions()}
    views = [window.try_view, window.servers_panel, window.routes_view, window.profile_view]
    for view in views:
        for action in view.actions():
            if action.text():
                assert id(action) in in_menus, f"{type(view).__name__}: {action.text()}"
