"""The Profile tab reloads a .env file that changed on disk and says so (issue 10, #3);
an edit over a value that changed meanwhile is refused through the error presenter."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemDelegate

from asgideck.gui.core.tasks import set_presenter
from asgideck.gui.tabs.profile.models import VariablesModel
from asgideck.gui.tabs.profile.view import ProfileView
from asgideck.runtime.inspect import ProjectSession
from asgideck.runtime.profiles import EditConflict

WAIT_MS = 10_000


@pytest.fixture
def view(qtbot, project_copy: Path) -> Iterator[ProfileView]:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app

    make_app()
    session = ProjectSession.open(project_copy, profile="development")
    built = ProfileView(session)
    qtbot.addWidget(built)
    yield built
    built.detach()


def _value(view: ProfileView, key: str) -> str | None:
    row = view.model.row_of(key)
    if row < 0:
        return None
    var = view.model.variable(row)
    return var.value if var is not None else None


def _replace(path: Path, old: str, new: str) -> None:
    """Save as most editors do: write a new file beside it, rename it over the old one."""
    tmp = path.with_name(path.name + ".saving")
    tmp.write_text(path.read_text().replace(old, new))
    os.replace(tmp, path)


def _in_place(path: Path, old: str, new: str) -> None:
    """Save as vim with backupcopy=yes does: truncate and write the same file."""
    text = path.read_text().replace(old, new)
    with open(path, "r+") as out:
        out.truncate(0)
        out.write(text)


def test_a_change_on_disk_is_reloaded_and_said(view: ProfileView, qtbot) -> None:  # type: ignore[no-untyped-def]
    path = view.session.root / ".env.development"
    assert _value(view, "DEBUG") == "true"
    _replace(path, "DEBUG=true", "DEBUG=false")
    qtbot.waitUntil(lambda: _value(view, "DEBUG") == "false", timeout=WAIT_MS)
    assert view.notice.isVisibleTo(view)
    assert view.notice.text() == ".env.development changed on disk — reloaded"
    # The replaced file is watched again: a second save (now in place) is seen too.
    _in_place(path, "DEBUG=false", "DEBUG=1")
    qtbot.waitUntil(lambda: _value(view, "DEBUG") == "1", timeout=WAIT_MS)
    # A change to the base layer is a change to the profile as well.
    _in_place(view.session.root / ".env", "APP_VERSION=0.1.0", "APP_VERSION=9.9.9")
    qtbot.waitUntil(lambda: _value(view, "APP_VERSION") == "9.9.9", timeout=WAIT_MS)
    assert view.notice.text() == ".env changed on disk — reloaded"


def test_the_tabs_own_edit_is_not_reported_as_a_change_on_disk(view: ProfileView) -> None:
    assert view.edit_value("APP_VERSION", "0.3.0")
    assert _value(view, "APP_VERSION") == "0.3.0"
    assert view.watcher.pending() == []  # what it wrote is what it shows


def test_a_reload_waits_while_a_value_is_being_edited(view: ProfileView, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.show()
    qtbot.waitExposed(view)
    path = view.session.root / ".env.development"
    assert view.select_key("ENVIRONMENT")
    index = view.table.currentIndex().siblingAtColumn(VariablesModel.VALUE)
    view.table.edit(index)
    assert view.editing()
    _replace(path, "ENVIRONMENT=development", "ENVIRONMENT=changed-outside")
    qtbot.waitUntil(lambda: view._reload_waiting != [], timeout=WAIT_MS)
    assert _value(view, "ENVIRONMENT") == "development"  # not reloaded under the editor
    editor = view.table.indexWidget(index) or view.table.focusWidget()
    delegate = view.table.itemDelegateForColumn(VariablesModel.VALUE)
    delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.RevertModelCache)
    qtbot.waitUntil(lambda: _value(view, "ENVIRONMENT") == "changed-outside", timeout=WAIT_MS)
    assert view.notice.text() == ".env.development changed on disk — reloaded"


def test_an_edit_over_a_value_changed_on_disk_is_refused(view: ProfileView, qtbot) -> None:  # type: ignore[no-untyped-def]
    shown: list[Exception] = []
    set_presenter(shown.append)
    try:
        path = view.session.root / ".env.development"
        _replace(path, "DEBUG=true", "DEBUG=maybe")  # the tab has not reloaded yet
        row = view.model.row_of("DEBUG")
        assert not view.model.setData(
            view.model.index(row, VariablesModel.VALUE), "false", Qt.ItemDataRole.EditRole
        )
    finally:
        set_presenter(None)
    assert len(shown) == 1 and isinstance(shown[0], EditConflict)
    message = str(shown[0])
    assert message.startswith(f"{path}: DEBUG changed on disk meanwhile (now 'maybe')")
    assert "'false' was not written" in message
    assert "DEBUG=maybe" in path.read_text()
    assert _value(view, "DEBUG") == "maybe"  # the tab shows the file as it is
