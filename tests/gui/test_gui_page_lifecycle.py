"""Reload in place, renaming a running server, and switching projects mid-flight."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from asgideck.runtime.servers import free_port


def start_dev(window, qtbot):  # type: ignore[no-untyped-def]
    manager, panel = window.manager, window.servers_panel
    manager.update(
        "development", replace(manager.server("development").config, port=free_port(), reload=False)
    )
    panel.rebuild()
    panel.select("development")
    panel.start_selected()
    qtbot.waitUntil(lambda: panel.state_of("development") == "running", timeout=30_000)
    return manager.server("development")


@pytest.mark.integration
def test_reload_rereads_env_files_and_keeps_servers_running(
    make_window, project_copy: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(project_copy)
    server = start_dev(window, qtbot)
    pid = server.supervisor.status.pid
    (project_copy / ".env.development").open("a").write("FEATURE_FLAG=on\n")
    (project_copy / ".env.staging").write_text("ENVIRONMENT=staging\n")
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        window.reload()
    assert server.running and server.supervisor.status.pid == pid
    assert window.profile_view.model.row_of("FEATURE_FLAG") >= 0
    combo = [
        window.header.profile_combo.itemText(i) for i in range(window.header.profile_combo.count())
    ]
    assert "staging" in combo


@pytest.mark.integration
def test_renaming_a_running_server_keeps_its_log_and_state(
    make_window, project_copy: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(project_copy)
    server = start_dev(window, qtbot)
    logs = window.logs_for("development")
    panel = window.servers_panel
    assert panel.apply_config("development", replace(server.config, name="dev"))
    assert window.logs_for("dev") is logs
    assert panel.state_of("dev") == "running"
    assert window.running_server() is not None and window.running_server()[0] == "dev"
    warnings: list[str] = []
    panel.warn = lambda _title, text: warnings.append(text)  # instead of a modal dialog
    assert not panel.apply_config("dev", replace(server.config, name="production"))  # taken
    assert warnings == ["name: a server named 'production' exists already"]


def test_switching_project_while_checks_run_drops_their_results(
    make_window, sample_app: Path, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    window = make_window(sample_app, wait=False)  # validation and inspection now in flight
    window.open_path(tmp_path)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30_000)
    assert window.header.name_label.text() == tmp_path.name
    assert window.inspection.snapshot.info is not None
    assert window.inspection.snapshot.info.app == "main:app"


def test_overview_routes_and_servers_focus_their_main_control(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """focus_main (called by the window when a tab is shown) puts the keys where they act."""
    window = make_window(sample_app)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.inspection.snapshot.info is not None, timeout=30_000)
    window.show_tab("overview")
    window.overview.focus_main()
    qtbot.waitUntil(lambda: window.overview.results.hasFocus(), timeout=5_000)
    assert window.overview.results.currentItem() is not None  # arrows walk the findings

    window.show_tab("routes")
    window.routes_view.focus_main()
    qtbot.waitUntil(lambda: window.routes_view.filter.hasFocus(), timeout=5_000)

    window.servers_panel.focus_main()
    qtbot.waitUntil(lambda: window.servers_panel.list.hasFocus(), timeout=5_000)
