"""Servers from the window: start, running + URL, live logs and filters, stop, crash banner.

Real uvicorn processes on free loopback ports against a copy of sample_app.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.servers import free_port, is_port_free
from support.gui import log_texts

pytestmark = pytest.mark.integration
START_TIMEOUT_MS = 30_000


def prepared(window, name: str = "development"):  # type: ignore[no-untyped-def]
    """Give the server a free port and no reloader (faster, one process)."""
    manager, panel = window.manager, window.servers_panel
    port = free_port()
    manager.update(name, replace(manager.server(name).config, port=port, reload=False))
    panel.rebuild()
    panel.select(name)
    return panel, port


def test_start_logs_filter_stop(make_window, project_copy: Path, qtbot) -> None:
    window = make_window(project_copy)
    panel, port = prepared(window)
    panel.start_selected()
    qtbot.waitUntil(lambda: panel.state_of("development") == "running", timeout=START_TIMEOUT_MS)
    assert f"http://127.0.0.1:{port}" in window.strip.url_label.text()
    assert "running" in panel.list.currentItem().text()
    pids = list(window.manager.server("development").supervisor.pids)
    assert pids

    assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
    httpx.get(f"http://127.0.0.1:{port}/missing", timeout=5)
    window.show_tab("logs")
    logs = window.logs_for("development")
    qtbot.waitUntil(lambda: any("/missing" in t for t in log_texts(logs.model)), timeout=10_000)
    assert any("Application startup complete" in t for t in log_texts(logs.model))

    logs.status.setCurrentIndex(logs.status.findData("errors"))
    shown = log_texts(logs.model)
    assert shown and all("/missing" in t for t in shown)
    logs.status.setCurrentIndex(0)
    logs.search.setText("startup complete")
    assert len(log_texts(logs.model)) == 1

    panel.stop_selected()
    qtbot.waitUntil(lambda: panel.state_of("development") == "stopped", timeout=START_TIMEOUT_MS)
    assert is_port_free(port)
    assert not any(_alive(pid) for pid in pids)


def test_a_crash_shows_a_banner_with_the_exit_code(make_window, project_copy: Path, qtbot) -> None:
    window = make_window(project_copy)
    panel, port = prepared(window)
    panel.start_selected()
    qtbot.waitUntil(lambda: panel.state_of("development") == "running", timeout=START_TIMEOUT_MS)
    with pytest.raises(httpx.HTTPError):
        httpx.post(f"http://127.0.0.1:{port}/api/v1/debug/crash", timeout=5)
    qtbot.waitUntil(lambda: panel.state_of("development") == "crashed", timeout=10_000)
    banner = window.logs_for("development").banner
    assert "crashed with exit code 3" in banner.text()
    window.show_tab("logs")
    assert banner.isVisible()


def test_closing_the_window_stops_its_servers(make_window, project_copy: Path, qtbot) -> None:
    window = make_window(project_copy)
    panel, port = prepared(window)
    panel.start_selected()
    qtbot.waitUntil(lambda: panel.state_of("development") == "running", timeout=START_TIMEOUT_MS)
    pids = list(window.manager.server("development").supervisor.pids)
    window.close()
    assert is_port_free(port)
    assert not any(_alive(pid) for pid in pids)


def test_port_in_use_is_reported_with_the_holder(make_window, project_copy: Path, qtbot) -> None:
    import socket

    window = make_window(project_copy)
    panel, port = prepared(window)
    holder = socket.socket()
    holder.bind(("127.0.0.1", port))
    holder.listen()
    failures: list[Exception] = []
    panel.start_failed = lambda server, exc: failures.append(exc)  # the seam the dialog uses
    try:
        panel.start_selected()
        qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    finally:
        holder.close()
    message = str(failures[0])
    assert f"Port {port}" in message and "python" in message.lower()


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
