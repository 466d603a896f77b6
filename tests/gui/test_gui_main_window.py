"""The main window on real project folders (offscreen Qt, real probe subprocesses)."""

from __future__ import annotations

from pathlib import Path

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
