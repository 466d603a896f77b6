"""The header says which interpreter runs the project and why; asgideck's own is a
warning; Choose Interpreter… (Ctrl+I) offers what was found and a file, remembered."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from asgideck.runtime.project import remembered_interpreter

APP = "from fastapi import FastAPI\napp = FastAPI()\n"


def fake_venv(folder: Path) -> Path:
    python = folder / "bin/python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    (folder / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return python


def test_asgideck_own_interpreter_is_a_visible_warning(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "main.py").write_text(APP)
    window = make_window(tmp_path)
    assert window.header.python_chip.text() == "⚠ asgideck's own interpreter"
    assert "no project venv found" in window.header.python_chip.toolTip()
    banner = window.overview.interpreter_banner
    assert banner.isVisibleTo(window)
    assert "choose one (--python)" in banner.text() and "Ctrl+I" in banner.text()


def test_workspace_venv_is_named_with_where_it_was_found(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "uv.lock").write_text("")
    fake_venv(tmp_path / ".venv")
    backend = tmp_path / "backend"
    backend.mkdir()
    (backend / "main.py").write_text(APP)
    window = make_window(backend)
    assert window.header.python_chip.text() == ".venv (workspace, one folder up)"
    assert not window.overview.interpreter_banner.isVisibleTo(window)


def test_choose_interpreter_offers_found_ones_and_a_file_and_remembers(
    make_window, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "proj"
    project.mkdir()
    (project / "main.py").write_text(APP)
    (project / ".git").mkdir()
    found = fake_venv(project / ".venv")
    (project / ".python-version").write_text("3.11.9\n")
    window = make_window(project)
    assert window.interpreter_action.shortcut() == QKeySequence("Ctrl+I")

    window.choose_interpreter()
    picker = window.interpreter_picker
    assert picker is not None
    paths = [picker.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(picker.list.count())]
    assert paths == [str(found), "automatic"]

    other = fake_venv(tmp_path / "elsewhere")
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        picker.pick_file(other)  # as the file picker would
    assert window.session.project.interpreter.path == other
    assert window.header.python_chip.text() == "python (chosen)"
    assert remembered_interpreter(project) == str(other)

    # opened again later: the choice holds
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        window.open_path(project)
    assert window.session.project.interpreter.path == other
    assert "remembered" in window.overview.interpreter_label.text()

    # back to automatic
    window.choose_interpreter()
    picker = window.interpreter_picker
    picker.list.setCurrentRow(picker.list.count() - 1)
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        picker.accept()
    assert remembered_interpreter(project) is None
    assert window.session.project.interpreter.path == found
    assert window.header.python_chip.text() == ".venv (project)"


def test_a_removed_remembered_interpreter_falls_back_to_discovery(
    make_window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from asgideck.runtime.project import remember_interpreter

    (tmp_path / "main.py").write_text(APP)
    found = fake_venv(tmp_path / ".venv")
    remember_interpreter(tmp_path, tmp_path / "gone/bin/python")
    window = make_window(tmp_path)
    assert window.session.project.interpreter.path == found
    assert remembered_interpreter(tmp_path) is None
