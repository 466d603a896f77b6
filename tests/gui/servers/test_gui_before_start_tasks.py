"""Before-start tasks in the window: the server dialog edits the ordered list (keyboard
only, suggestions one click); a failing task stops the start and its error and last
lines are shown; stopping the server while a task runs ends the task's tree."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from asgideck.gui.tabs.servers.dialog import ServerDialog
from asgideck.runtime.servers import LaunchConfig, free_port, suggest_tasks
from support.gui import log_texts
from support.projects import copy_project, make_venv
from support.servers import live

START_TIMEOUT_MS = 30_000
SUGGESTED = ["bash scripts/prestart.sh", "alembic upgrade head"]


def test_the_dialog_edits_the_ordered_list_from_the_keyboard(qtbot) -> None:  # type: ignore[no-untyped-def]
    config = LaunchConfig("dev", "default", tasks=("python seed.py", "alembic upgrade head"))
    dialog = ServerDialog(config, ["default"], suggestions=SUGGESTED)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    editor = dialog.tasks
    assert editor.tasks() == ("python seed.py", "alembic upgrade head")
    # a suggestion already listed is not offered again; the other is one click
    offered = {b.text(): b.isEnabled() for b in editor.suggestion_buttons}
    assert offered == {"+ bash scripts/prestart.sh": True, "+ alembic upgrade head": False}

    # Tab walks them as they are laid out: list, up, down, remove, command, add, suggestions
    laid_out = [
        editor.list,
        editor.up_button,
        editor.down_button,
        editor.remove_button,
        editor.input,
        editor.add_button,
        *editor.suggestion_buttons,
    ]
    chain, widget = [], editor.list
    for _step in range(500):  # the chain is a ring through every widget of the dialog
        if any(widget is w for w in laid_out) and len(chain) < len(laid_out):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == laid_out

    editor.list.setFocus()
    editor.list.setCurrentRow(1)
    QTest.keyClick(editor.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert editor.tasks() == ("alembic upgrade head", "python seed.py")
    assert editor.list.currentRow() == 0
    QTest.keyClick(editor.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert editor.tasks() == ("python seed.py", "alembic upgrade head")
    QTest.keyClick(editor.list, Qt.Key.Key_Delete)
    assert editor.tasks() == ("python seed.py",)
    assert editor.suggestion_buttons[1].isEnabled()  # removed: offered again

    # typed + Enter adds it and keeps the dialog open
    editor.input.setFocus()
    QTest.keyClicks(editor.input, "python -m app.initial_data")
    QTest.keyClick(editor.input, Qt.Key.Key_Return)
    assert dialog.isVisible() and editor.input.text() == ""
    assert editor.tasks() == ("python seed.py", "python -m app.initial_data")

    # a suggestion from the keyboard: focus its button, Space
    button = editor.suggestion_buttons[0]
    button.setFocus()
    QTest.keyClick(button, Qt.Key.Key_Space)
    assert editor.tasks()[-1] == "bash scripts/prestart.sh"
    assert not button.isEnabled()

    editor.list.setFocus()
    editor.list.setCurrentRow(2)
    QTest.keyClick(editor.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(editor.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    dialog.accept()
    assert dialog.result_config is not None
    assert dialog.result_config.tasks == (
        "bash scripts/prestart.sh",
        "python seed.py",
        "python -m app.initial_data",
    )


def test_a_task_the_dialog_cannot_read_names_the_field(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ServerDialog(LaunchConfig("dev", "default"), ["default"])
    qtbot.addWidget(dialog)
    dialog.tasks.add("python -c 'unclosed")
    dialog.accept()
    assert dialog.result_config is None
    assert dialog.error.text().startswith("tasks:")


def test_nested_suggestions_show_their_ampersands(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    top = tmp_path / "template"
    top.mkdir()
    copy_project("tasks_prestart", top).rename(top / "backend")
    suggestions = suggest_tasks(top)
    dialog = ServerDialog(LaunchConfig("dev", "default"), ["default"], suggestions=suggestions)
    qtbot.addWidget(dialog)
    button = dialog.tasks.suggestion_buttons[0]
    assert button.text() == "+ bash -c 'cd backend && bash scripts/prestart.sh'".replace("&", "&&")
    button.click()
    assert dialog.tasks.tasks() == ("bash -c 'cd backend && bash scripts/prestart.sh'",)


# ----------------------------------------------------------------- in the window


@pytest.fixture
def tasks_project(tmp_path: Path) -> Path:
    """The fixture backend with its own venv (see the runtime tests)."""
    root = copy_project("tasks_prestart", tmp_path)
    python = make_venv(root / ".venv", only_here=["tasks_only_here"])
    body = (root / "tools" / "alembic").read_text(encoding="utf-8").split("\n", 1)[1]
    tool = python.parent / "alembic"
    tool.write_text(f"#!{python}\n{body}", encoding="utf-8")
    tool.chmod(0o755)
    return root


def with_tasks(window, *tasks: str) -> str:  # type: ignore[no-untyped-def]
    """The project's one server on a free port, no reload, these tasks; selected."""
    manager, panel = window.manager, window.servers_panel
    name = manager.servers[0].name
    config = replace(manager.server(name).config, port=free_port(), reload=False, tasks=tasks)
    assert panel.apply_config(name, config)
    panel.select(name)
    return name


@pytest.mark.integration
def test_a_failing_task_stops_the_start_and_says_why(  # type: ignore[no-untyped-def]
    make_window, tasks_project: Path, qtbot
) -> None:
    window = make_window(tasks_project)
    failing = "python -c 'import sys; [print(f\"step {i}\") for i in range(25)]; sys.exit(4)'"
    name = with_tasks(window, failing, "alembic upgrade head")
    panel = window.servers_panel
    warnings: list[tuple[str, str]] = []
    panel.warn = lambda title, text: warnings.append((title, text))  # the modal box's seam
    panel.start_selected()
    qtbot.waitUntil(lambda: bool(warnings), timeout=START_TIMEOUT_MS)
    title, text = warnings[0]
    assert title == f"Cannot start {name}"
    assert text.splitlines()[0] == f"before-start task `{failing}` failed (exit 4): step 24"
    qtbot.waitUntil(lambda: panel.state_of(name) == "crashed", timeout=10_000)
    assert window.manager.server(name).supervisor is None  # the app never started
    assert not (tasks_project / "data").exists()  # nor did the task after the failing one
    banner = window.logs_for(name).banner
    assert "failed (exit 4)" in banner.text()
    assert "step 5" in banner.text() and "step 24" in banner.text()  # the last 20 lines
    window.show_tab("logs")
    logs = window.logs_for(name)
    qtbot.waitUntil(lambda: any("step 24" in t for t in log_texts(logs.model)), timeout=10_000)


@pytest.mark.integration
def test_stopping_while_a_task_runs_ends_it(  # type: ignore[no-untyped-def]
    make_window, tasks_project: Path, qtbot
) -> None:
    window = make_window(tasks_project)
    pid_file = tasks_project / "child.pid"
    name = with_tasks(window, f"bash scripts/slow_task.sh {pid_file}", "alembic upgrade head")
    panel = window.servers_panel
    warnings: list[tuple[str, str]] = []
    panel.warn = lambda title, text: warnings.append((title, text))
    panel.start_selected()
    qtbot.waitUntil(lambda: pid_file.is_file() and pid_file.read_text() != "", timeout=30_000)
    child = int(pid_file.read_text())
    qtbot.waitUntil(lambda: panel.state_of(name) == "starting", timeout=10_000)
    assert panel.stop_button.isEnabled() and not panel.start_button.isEnabled()
    panel.stop_button.click()
    qtbot.waitUntil(lambda: panel.state_of(name) == "stopped", timeout=30_000)
    qtbot.waitUntil(lambda: not window.manager.server(name).running, timeout=30_000)
    assert live([child]) == []
    assert warnings == []  # a stop the user asked for is not an error
    assert window.manager.server(name).supervisor is None
    assert not (tasks_project / "data").exists()
    assert panel.start_button.isEnabled()
