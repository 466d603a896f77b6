"""A real uvicorn --reload: after a ReloadDetected, the watch reads the reloaded app's
OpenAPI and reports what changed (a new required parameter is breaking)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from asgideck.runtime.inspect import (
    API_CHANGED_PREFIX,
    ReloadApiWatch,
    ReloadChanges,
    api_changes_after_reload,
    fetch_openapi,
)
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.servers import ReloadDetected, ServerEvent, Supervisor
from support.servers import assert_tree_gone, make_spec, wait_until, write_app

pytestmark = pytest.mark.integration

APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/items")
def list_items(q: str | None = None) -> list[str]:
    return []


@app.delete("/items/{item_id}")
def delete_item(item_id: int) -> None:
    return None
"""

#: /items needs `limit` now
REQUIRED = APP.replace("q: str | None = None", "limit: int, q: str | None = None")


def touch_source(path: Path, source: str) -> None:
    """Rewrite a module with an mtime ahead of the last one (StatReload compares mtimes)."""
    path.write_text(source)
    future = max(time.time(), path.stat().st_mtime) + 2
    os.utime(path, (future, future))


def edit_until_reload(path: Path, source: str, events: list[ServerEvent]) -> None:
    """The reloader sees changes only after its first scan, which cannot be observed: edit
    (a newer mtime each time) until a ReloadDetected arrives."""
    reloaded: Callable[[], bool] = lambda: any(isinstance(e, ReloadDetected) for e in events)  # noqa: E731
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        touch_source(path, source)
        if wait_until(reloaded, 1.0):
            return
    raise AssertionError("no ReloadDetected")


def watch_one_reload(tmp_path: Path, edited: str) -> tuple[ReloadChanges, Supervisor]:
    root = write_app(tmp_path / "proj", APP, module="main")
    spec = make_spec(root, app="main:app", reload=True)
    events: list[ServerEvent] = []
    sup = Supervisor(spec, on_event=events.append)
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=30).state == "running", sup.status
        url = sup.status.url
        assert url
        previous = fetch_openapi(url)
        edit_until_reload(root / "main.py", edited, events)
        result = api_changes_after_reload(previous, url, buffer=sup.buffer, timeout=30)
        return result, sup
    finally:
        pids = sup.pids
        sup.stop()
        assert_tree_gone(pids, spec.port)


def test_a_new_required_parameter_is_reported_as_breaking(tmp_path: Path) -> None:
    result, sup = watch_one_reload(tmp_path, REQUIRED)
    changes = result.changes
    assert changes is not None and result.document is not None, result.note
    assert [c.label for c in changes.breaking] == ["GET /items"]
    detail = changes.breaking[0].details[0]
    assert (detail.text, detail.breaking) == ("new required query parameter 'limit'", True)
    assert result.document.raw["paths"]["/items"]["get"]["parameters"][0]["name"] == "limit"
    lines = [ln.text for ln in sup.buffer.snapshot() if ln.stream == "event"]
    reported = [ln for ln in lines if ln.startswith(API_CHANGED_PREFIX)]
    assert reported == [
        API_CHANGED_PREFIX + "1 changed; 1 breaking: GET /items: "
        "new required query parameter 'limit'"
    ]


def test_a_reload_that_changes_no_route_reports_nothing(tmp_path: Path) -> None:
    result, sup = watch_one_reload(tmp_path, APP + "\n# only a comment\n")
    assert result.changes is not None and result.changes.empty
    assert result.note == ""  # ended because the new process came up, not by the time limit
    assert result.line is None
    assert not any(ln.text.startswith(API_CHANGED_PREFIX) for ln in sup.buffer.snapshot())


def test_a_reload_that_breaks_the_app_gives_up_with_the_reason(tmp_path: Path) -> None:
    result, _sup = watch_one_reload(tmp_path, APP + "\nx = (\n")
    assert result.changes is None and result.document is None
    assert result.note.startswith("the reloaded app failed to start"), result.note


def test_the_watch_run_uses_says_the_line_after_a_reload(tmp_path: Path) -> None:
    """``asgideck run --reload``: the supervisor's events in, one line out per reload."""
    root = write_app(tmp_path / "proj", APP, module="main")
    spec = make_spec(root, app="main:app", reload=True)
    buffer = LogBuffer()
    said: list[str] = []
    watch = ReloadApiWatch(buffer, said.append)
    events: list[ServerEvent] = []

    def on_event(event: ServerEvent) -> None:
        events.append(event)
        watch.on_event(event)

    sup = Supervisor(spec, on_event=on_event, buffer=buffer)
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=30).state == "running", sup.status
        assert wait_until(lambda: watch.baseline is not None, 10)  # the first read is done
        edit_until_reload(root / "main.py", REQUIRED, events)
        assert wait_until(lambda: bool(said), 30), buffer.tail(20)
        assert said[0] == (
            API_CHANGED_PREFIX + "1 changed; 1 breaking: GET /items: "
            "new required query parameter 'limit'"
        )
    finally:
        watch.close()
        pids = sup.pids
        sup.stop()
        assert_tree_gone(pids, spec.port)
