"""Issue #13, Done means 3: the OpenAPI change banner appears after a test edits a
route's signature under ``--reload`` (a real window, a real uvicorn --reload)."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from asgideck.runtime.inspect import API_CHANGED_PREFIX
from asgideck.runtime.openapi import diff_documents
from asgideck.runtime.servers import free_port
from support.two_profiles import APP, write_two_profiles
from support.window_servers import start

#: GET /hello needs a `name` now; GET /bye is new
EDITED = APP.replace("def hello() -> dict:", "def hello(name: str) -> dict:") + (
    '\n\n@app.get("/bye")\ndef bye() -> dict:\n    return {}\n'
)


def touch_source(path: Path, source: str) -> None:
    """Rewrite a module with an mtime ahead of the last one (StatReload compares mtimes)."""
    path.write_text(source)
    future = max(time.time(), path.stat().st_mtime) + 2
    os.utime(path, (future, future))


def reload_lines(window) -> list[str]:  # type: ignore[no-untyped-def]
    buffer = window.manager.server("dev").buffer
    return [ln.text for ln in buffer.snapshot() if "Reloading" in ln.text]


def edit_until_reloaded(window, qtbot, path: Path, source: str) -> None:  # type: ignore[no-untyped-def]
    """The reloader sees changes only after its first scan, which cannot be observed: edit
    (a newer mtime each time) until the server's log shows it reloading."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        touch_source(path, source)
        try:
            qtbot.waitUntil(lambda: bool(reload_lines(window)), timeout=1_000)
            return
        except qtbot.TimeoutError:
            continue
    raise AssertionError("the server never reloaded")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_two_profiles(tmp_path / "twoprofiles")


@pytest.mark.integration
def test_editing_a_route_signature_shows_the_change_banner(
    make_window, project: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(project)
    config = window.manager.server("dev").config
    changes = {"kind": "uvicorn", "port": free_port(), "reload": True, "workers": 1}
    if hasattr(config, "record"):
        changes["record"] = False  # the request recorder has tests of its own
    window.manager.update("dev", replace(config, **changes))
    window.servers_panel.rebuild()
    start(window, qtbot, "dev")
    qtbot.waitUntil(
        lambda: (
            window.inspection.snapshot.server == "dev"
            and window.inspection.snapshot.source == "server"
        ),
        timeout=30_000,
    )
    window.page.show_tab("routes")
    routes = window.routes_view
    banner = routes.changes_banner
    assert not banner.isVisible()  # nothing changed yet: no banner

    edit_until_reloaded(window, qtbot, project / "main.py", EDITED)

    qtbot.waitUntil(banner.isVisible, timeout=30_000)
    assert banner.server == "dev"
    assert banner.title_text() == "API changed on reload of dev: 1 added, 1 changed — 1 breaking"
    lines = banner.lines()
    assert lines[0] == ("BREAKING GET /hello changed: new required query parameter 'name'"), (
        lines
    )  # breaking first, flagged, naming the route
    assert "GET /bye added" in lines
    assert banner.property("severity") == "warning"

    banner.set_expanded(True)
    assert "  BREAKING new required query parameter 'name'" in banner.lines()

    # the server's log says it too (the Logs tab shows the buffer)
    buffer = window.manager.server("dev").buffer
    logged = [ln.text for ln in buffer.snapshot() if ln.text.startswith(API_CHANGED_PREFIX)]
    assert logged and "GET /hello: new required query parameter 'name'" in logged[-1]

    # Routes now list the reloaded app's routes
    qtbot.waitUntil(
        lambda: any(e.path == "/bye" for e in window.inspection.snapshot.entries), timeout=30_000
    )
    assert banner.isVisible()  # the inspection that followed keeps the banner up

    banner.dismiss_button.click()
    assert not banner.isVisible()
    assert "dev" not in window.page.api_watch.latest


# ----------------------------------------------------------------------- the banner on its own


def doc(paths: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}


def get(*params: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"parameters": list(params), "responses": {"200": {"description": "ok"}}}}


def test_banner_folds_flags_breaking_first_and_dismisses(qtbot) -> None:  # type: ignore[no-untyped-def]
    from asgideck.gui.tabs.routes.changes_banner import FOLDED_ITEMS, ChangesBanner

    banner = ChangesBanner()
    qtbot.addWidget(banner)
    required = {"name": "limit", "in": "query", "required": True, "schema": {"type": "integer"}}
    old = doc({"/a": get(), "/gone": get()})
    new = doc({"/a": get(required), **{f"/new{i}": get() for i in range(8)}})
    changes = diff_documents(old, new)
    banner.show_changes("dev", changes)
    assert not banner.isHidden()
    assert (
        banner.title_text()
        == "API changed on reload of dev: 8 added, 1 removed, 1 changed — 2 breaking"
    )
    lines = banner.lines()
    assert lines[:2] == [
        "BREAKING GET /gone removed",
        "BREAKING GET /a changed: new required query parameter 'limit'",
    ]
    assert len(lines) == FOLDED_ITEMS + 1 and lines[-1] == "and 5 more (Details)"

    banner.set_expanded(True)
    expanded = banner.lines()
    assert expanded[:3] == [
        "BREAKING GET /gone removed",
        "BREAKING GET /a changed",
        "  BREAKING new required query parameter 'limit'",
    ]
    assert "GET /new7 added" in expanded

    # the next reload replaces it (folded again); one that changed nothing hides it
    banner.show_changes("dev", diff_documents(new, doc({**new["paths"], "/z": get()})))
    assert not banner.expanded and banner.lines() == ["GET /z added"]
    assert banner.property("severity") == "info"
    banner.show_changes("dev", diff_documents(new, new))
    assert banner.isHidden()

    banner.show_changes("dev", changes)
    with qtbot.waitSignal(banner.dismissed) as signal:
        banner.dismiss_button.click()
    assert signal.args == ["dev"] and banner.isHidden()
