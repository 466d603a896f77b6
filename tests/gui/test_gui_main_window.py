"""The main window on real project folders (offscreen Qt, real probe subprocesses)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from asgideck.gui.tabs.profile.models import KEY_ROLE, VariablesModel


def _row_values(view) -> dict[str, str]:  # type: ignore[no-untyped-def]
    model = view.model
    return {
        model.data(model.index(r, VariablesModel.KEY)): model.data(
            model.index(r, VariablesModel.VALUE)
        )
        for r in range(model.rowCount())
    }


def _tree_texts(tree) -> list[str]:  # type: ignore[no-untyped-def]
    texts = []
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        texts.append(f"{top.text(0)} | {top.text(1)}")
        texts.extend(
            f"{top.child(j).text(0)} | {top.child(j).text(1)}" for j in range(top.childCount())
        )
    return texts


def test_opens_sample_app_with_app_interpreter_and_profiles(make_window, sample_app: Path) -> None:
    window = make_window(sample_app)
    assert window.header.name_label.text() == "sample_app"
    assert window.header.app_chip.text() == "app.main:app"
    assert Path(window.header.python_chip.toolTip().splitlines()[0]).exists()
    names = [
        window.header.profile_combo.itemText(i) for i in range(window.header.profile_combo.count())
    ]
    assert {"development", "production"} <= set(names)
    assert "example" not in names
    assert not window.overview.app_banner.isVisible()


def test_switching_profile_updates_every_view(make_window, sample_app: Path, qtbot) -> None:
    window = make_window(sample_app)
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        window.select_profile("production")
    assert window.session.profile.name == "production"
    values = _row_values(window.profile_view)
    assert values["ENVIRONMENT"] == "production"
    texts = _tree_texts(window.overview.results)
    assert any("SECRET_KEY" in t for t in texts), texts
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        window.select_profile("development")
    assert _row_values(window.profile_view)["ENVIRONMENT"] == "development"


def test_secrets_are_masked_until_revealed(make_window, sample_app: Path) -> None:
    window = make_window(sample_app)
    secret = window.session.profile.variables["SECRET_KEY"].value
    assert secret
    assert _row_values(window.profile_view)["SECRET_KEY"] != secret
    assert secret not in _row_values(window.profile_view)["SECRET_KEY"]
    window.reveal_action.trigger()
    assert _row_values(window.profile_view)["SECRET_KEY"] == secret
    window.reveal_action.trigger()
    assert _row_values(window.profile_view)["SECRET_KEY"] != secret


def test_diff_of_development_and_production(make_window, sample_app: Path) -> None:
    window = make_window(sample_app)
    window.show_tab("compare")
    window.diff_view.compare("development", "production")
    model = window.diff_view.model
    rows = {model.row(r).key: model.row(r) for r in range(model.rowCount())}
    assert rows["ENVIRONMENT"].status == "different"
    assert rows["ENVIRONMENT"].a == "development"
    assert rows["ENVIRONMENT"].b == "production"
    assert rows["SECRET_KEY"].a != window.session.load("development").variables["SECRET_KEY"].value
    assert "APP_NAME" not in rows  # identical keys hidden until asked for
    window.diff_view.show_same.setChecked(True)
    keys = {model.data(model.index(r, 0), KEY_ROLE) for r in range(model.rowCount())}
    assert "APP_NAME" in keys


def test_edit_in_place_changes_only_that_line(make_window, project_copy: Path, qtbot) -> None:
    snapshot = {p: p.read_bytes() for p in project_copy.glob(".env*")}
    window = make_window(project_copy)
    view = window.profile_view
    row = view.model.row_of("APP_VERSION")
    origin = view.model.variable(row).origin
    before = snapshot[origin.file].splitlines(keepends=True)
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        assert view.model.setData(
            view.model.index(row, VariablesModel.VALUE), "0.2.0", Qt.ItemDataRole.EditRole
        )
    assert _row_values(view)["APP_VERSION"] == "0.2.0"
    after = origin.file.read_bytes().splitlines(keepends=True)
    assert len(after) == len(before)
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert changed == [origin.line - 1]
    assert after[origin.line - 1].strip() == b"APP_VERSION=0.2.0"
    untouched = {p: data for p, data in snapshot.items() if p != origin.file}
    assert {p: p.read_bytes() for p in untouched} == untouched


def test_folder_without_an_app_shows_what_was_looked_for(make_window, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DEBUG=true\n")
    (tmp_path / "notes.py").write_text("print('not an app')\n")
    window = make_window(tmp_path)
    assert window.header.app_chip.text() == "no app found"
    banner = window.overview.app_banner
    assert banner.isVisible()
    assert "main.py" in banner.text()
    assert window.header.profile_combo.currentText() == "default"


def test_a_path_that_is_not_a_folder_is_explained(make_window, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    window = make_window(missing)
    assert window.pages.currentWidget() is window.welcome
    assert window.open_error.isVisible()
    assert "nope" in window.open_error.text()


def test_window_geometry_is_remembered(make_window, sample_app: Path) -> None:
    first = make_window(sample_app)
    first.resize(780, 560)
    first.show_tab("compare")
    first.close()
    second = make_window(sample_app)
    assert (second.width(), second.height()) == (780, 560)
    assert second.tabs.currentIndex() == 2


def test_models_pass_qtmodeltester(make_window, sample_app: Path, qtmodeltester) -> None:
    window = make_window(sample_app)
    qtmodeltester.check(window.profile_view.model)
    window.diff_view.compare("development", "production")
    qtmodeltester.check(window.diff_view.model)


def test_editing_a_masked_secret_never_shows_it(make_window, project_copy: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLineEdit, QStyleOptionViewItem

    window = make_window(project_copy)
    view = window.profile_view
    delegate = view.table.itemDelegateForColumn(VariablesModel.VALUE)

    def editor_for(key: str) -> QLineEdit:
        row = view.model.row_of(key)
        index = view.proxy.mapFromSource(view.model.index(row, VariablesModel.VALUE))
        editor = delegate.createEditor(view.table.viewport(), QStyleOptionViewItem(), index)
        assert isinstance(editor, QLineEdit)
        return editor

    assert editor_for("SECRET_KEY").echoMode() == QLineEdit.EchoMode.Password
    assert editor_for("APP_NAME").echoMode() == QLineEdit.EchoMode.Normal
    view.set_revealed(True)
    assert editor_for("SECRET_KEY").echoMode() == QLineEdit.EchoMode.Normal


def test_the_window_presents_errors_as_messages_and_bugs_with_tracebacks(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    from asgideck.gui.core.tasks import present_error
    from asgideck.runtime.project import ProjectError

    window = make_window(sample_app)
    present_error(ProjectError("no FastAPI app in main.py"))
    assert window.statusBar().currentMessage() == "no FastAPI app in main.py"
    assert window.findChildren(QMessageBox) == []

    def broken() -> None:
        raise ZeroDivisionError("division by zero")

    try:
        broken()
    except ZeroDivisionError as exc:
        present_error(exc)
    [box] = window.findChildren(QMessageBox)
    assert box.isVisible() and "ZeroDivisionError" in box.text()
    assert "in broken" in box.detailedText()
    box.close()


# ----------------------------------------------------------------- issue #11: the window
def _press(window, keys: str) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QTest.keySequence(QApplication.focusWidget() or window, keys)


def test_switching_tabs_puts_focus_on_the_tab_main_control(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+<n> and clicks call the tab's ``focus_main`` (also when it is already shown)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

    from asgideck.gui.project_page import TABS
    from support.window_servers import activate

    try_key = f"Ctrl+{TABS.index('try') + 1}"
    window = make_window(sample_app)
    activate(window, qtbot)
    _press(window, try_key)
    assert window.tabs.currentWidget() is window.try_view
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() is window.try_view.composer.url, timeout=2_000
    )
    window.servers_panel.list.setFocus()  # focus elsewhere; the key again brings it back
    _press(window, try_key)
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() is window.try_view.composer.url, timeout=2_000
    )
    _press(window, "Ctrl+5")
    assert window.tabs.currentWidget() is window.routes_view
    qtbot.waitUntil(
        lambda: window.routes_view.isAncestorOf(QApplication.focusWidget()), timeout=2_000
    )

    class Stub(QWidget):
        def __init__(self) -> None:
            super().__init__()
            self.edit = QLineEdit(self)
            self.calls = 0

        def focus_main(self) -> None:
            self.calls += 1
            self.edit.setFocus()

    stub = Stub()
    index = window.tabs.addTab(stub, "Stub")
    bar = window.tabs.tabBar()
    qtbot.waitUntil(lambda: bar.tabRect(index).isValid(), timeout=2_000)
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert window.tabs.currentWidget() is stub
    assert stub.calls == 1
    qtbot.waitUntil(lambda: QApplication.focusWidget() is stub.edit, timeout=2_000)
    assert bar.tabRect(index).contains(QPoint(bar.tabRect(index).center()))
    window.tabs.removeTab(index)  # the page remembers the tab in front by its TABS name
    stub.deleteLater()


def test_enter_on_a_route_opens_try_with_the_focus_in_it(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt as QtCore_Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from support.window_servers import activate

    window = make_window(sample_app)
    activate(window, qtbot)
    routes = window.routes_view
    qtbot.waitUntil(lambda: routes.model.rowCount() > 0, timeout=30_000)
    _press(window, "Ctrl+5")
    QTest.keyClick(QApplication.focusWidget(), QtCore_Qt.Key.Key_Down)  # filter → first route
    qtbot.waitUntil(lambda: QApplication.focusWidget() is routes.tree, timeout=2_000)
    QTest.keyClick(routes.tree, QtCore_Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.try_view, timeout=5_000)
    qtbot.waitUntil(lambda: window.try_view.isAncestorOf(QApplication.focusWidget()), timeout=2_000)


def test_at_900_by_600_every_tab_is_reachable_by_keyboard(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from asgideck.gui.main_window import TABS
    from support.window_servers import activate

    window = make_window(sample_app)
    window.resize(900, 600)
    activate(window, qtbot)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (900, 600), timeout=2_000)
    assert window.minimumSize().width() <= 900 and window.minimumSize().height() <= 600
    hint = window.minimumSizeHint()
    assert hint.width() <= 900 and hint.height() <= 600, hint
    tabs = window.tabs
    assert tabs.usesScrollButtons()
    assert tabs.elideMode() == Qt.TextElideMode.ElideRight
    bar = tabs.tabBar()
    from asgideck.gui.project_page import OPTIONAL_TABS

    for number, name in enumerate(TABS, start=1):
        if name in OPTIONAL_TABS:  # Mail: only while the profile needs a mail catcher
            assert not tabs.isTabVisible(number - 1), name
            continue
        _press(window, f"Ctrl+{number % 10}")
        assert tabs.currentIndex() == number - 1, name
        assert tabs.tabToolTip(number - 1).endswith(f"(Ctrl+{number % 10})")  # named when elided
        QApplication.processEvents()
        shown = bar.tabRect(number - 1).intersected(bar.rect())
        assert shown.width() > 0, f"{name} is off the tab bar"
    window.grab().save("/tmp/asgideck-900x600.png")


@pytest.mark.integration
def test_server_menu_stops_all_and_opens_docs_and_browser(
    make_window, project_copy: Path, qtbot, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QDesktopServices

    from support.window_servers import activate, free_ports, start

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    window = make_window(project_copy)
    window.server_menu.aboutToShow.emit()
    window.services_menu.aboutToShow.emit()
    texts = [a.text().replace("&", "") for a in window.server_menu.actions()]
    for wanted in ("Open /docs", "Open in Browser"):
        assert wanted in texts, texts
    services = {a.text().replace("&", ""): a for a in window.services_menu.actions()}
    assert {"Start All", "Stop All"} <= set(services), list(services)
    free_ports(window)
    start(window, qtbot, "development")
    start(window, qtbot, "production")
    url = window.servers_panel.status["production"].url
    activate(window, qtbot)
    menu = {a.text().replace("&", ""): a for a in window.server_menu.actions()}
    _press(window, menu["Open /docs"].shortcut().toString())
    _press(window, menu["Open in Browser"].shortcut().toString())
    assert opened == [url + "/docs", url + "/"]  # the selected (last started) server
    _press(window, services["Stop All"].shortcut().toString())
    qtbot.waitUntil(lambda: window.page.running_count == 0, timeout=30_000)


def test_every_dropdown_shows_its_current_entry_when_open(make_window, sample_app: Path) -> None:  # type: ignore[no-untyped-def]
    """Under the app's stylesheet Qt's default popup delegate paints the current entry as a
    blank input box: every combo of every tab draws its rows as list items instead."""
    from PySide6.QtWidgets import QComboBox

    from asgideck.gui.core.widgets import ComboRows
    from asgideck.gui.project_page import LAZY_TABS

    window = make_window(sample_app)
    for name in LAZY_TABS:
        window.page.build_tab(name)
    combos = window.findChildren(QComboBox)
    assert len(combos) > 10
    plain = [c.objectName() or type(c.parent()).__name__ for c in combos]
    plain = [
        name
        for combo, name in zip(combos, plain, strict=True)
        if not isinstance(combo.itemDelegate(), ComboRows)
    ]
    assert plain == []
