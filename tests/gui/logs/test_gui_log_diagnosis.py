"""The log view of a server that is slow to come up shows what it waits on and its stack."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from asgideck.gui.tabs.logs.view import LogsView
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.servers import (
    ServerEvent,
    ServerSpec,
    StateChanged,
    Status,
    Supervisor,
    free_port,
)
from support.projects import copy_project, make_venv

pytestmark = pytest.mark.integration


class Shown:
    """What the view needs of a ManagedServer: a name and the log buffer."""

    def __init__(self, name: str, buffer: LogBuffer) -> None:
        self.name, self.buffer = name, buffer


def test_slow_start_banner_names_the_service_and_shows_the_stack(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = copy_project("waits_on_service", tmp_path)
    python = make_venv(tmp_path / "venv", only_here=["fixture_only_waits"])
    closed = free_port()
    env = {"BROKER_URL": f"amqp://127.0.0.1:{closed}"}
    spec = ServerSpec(
        kind="uvicorn", app="app.main:app", root=root, python=python, env=env, port=free_port()
    )
    buffer = LogBuffer()
    statuses: list[Status] = []
    lock = threading.Lock()

    def on_event(event: ServerEvent) -> None:
        if isinstance(event, StateChanged):
            with lock:
                statuses.append(event.status)

    view = LogsView(Shown("broker-app", buffer))  # type: ignore[arg-type]
    qtbot.addWidget(view)
    sup = Supervisor(spec, buffer=buffer, on_event=on_event, log_to_file=False)
    sup.start()
    try:

        def diagnosed() -> Status | None:
            with lock:
                return next((s for s in statuses if s.state == "starting" and s.diagnosis), None)

        qtbot.waitUntil(lambda: diagnosed() is not None, timeout=10_000)
        status = diagnosed()
        assert status is not None
        view.show_status(status)  # what the project page does with each StateChanged
        text = view.banner.text()
        assert view.banner.isVisibleTo(view)
        assert "broker-app is slow to start" in text
        assert f"BROKER_URL (amqp at 127.0.0.1:{closed})" in text
        assert "not accepting connections" in text and "connect_broker" in text
        view.refresh()
        shown = [view.model.line_at(r) for r in range(view.model.rowCount())]
        assert any(line is not None and "most recent call first" in line.text for line in shown)
    finally:
        view.detach()
        sup.stop()
        sup.close(0)
