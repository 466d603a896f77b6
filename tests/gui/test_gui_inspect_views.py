"""Routes and Middleware tabs on sample_app: grouped routes, filter, detail, true order."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from asgideck.gui.tabs.routes.model import RoutesModel
from asgideck.runtime.servers import free_port


def wait_inspected(window, qtbot):  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.inspection.snapshot.info is not None, timeout=30_000)
    return window.inspection.snapshot


def route_rows(model: RoutesModel) -> list[tuple[str, str]]:
    rows = []
    for group in range(model.rowCount()):
        parent = model.index(group, 0)
        for row in range(model.rowCount(parent)):
            entry = model.entry(model.index(row, 0, parent))
            assert entry is not None
            rows.append((entry.method, entry.path))
    return rows


def test_routes_grouped_by_tag_with_websocket_and_filter(
    make_window, sample_app: Path, qtbot, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    snapshot = wait_inspected(window, qtbot)
    assert snapshot.source == "probe" and snapshot.info.ok
    view = window.routes_view
    rows = route_rows(view.model)
    assert ("GET", "/api/v1/users/me") in rows
    assert ("WS", "/ws/echo") in rows
    assert "items" in " ".join(view.model.group_names())
    qtmodeltester.check(view.model)

    view.filter.setText("items get")
    shown = set(route_rows(view.model))
    assert shown == {("GET", "/api/v1/items"), ("GET", "/api/v1/items/{item_id}")}
    view.group_by.setCurrentIndex(1)
    assert set(route_rows(view.model)) == shown
    assert view.select_path("GET", "/api/v1/items/{item_id}")
    html = view.detail.toHtml()
    assert "item_id" in html and "Responses" in html and "items.py" in html
    assert view.try_button.isEnabled() and view.source_button.isEnabled()


def test_middleware_view_draws_the_true_order(make_window, sample_app: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    wait_inspected(window, qtbot)
    names = window.middleware_view.layer_names()
    user = [card.layer.name for card in window.middleware_view.cards if card.layer.user]
    assert user[:3] == ["RequestIDMiddleware", "TimingMiddleware", "CORSMiddleware"]
    assert names[0] == "ServerErrorMiddleware"
    texts = [
        card.findChild(type(window.header.name_label)).text()
        for card in window.middleware_view.cards
    ]
    assert any("added last → runs first" in t for t in texts)
    assert any("require_bearer_for_admin (http middleware)" in t for t in texts)


@pytest.mark.integration
def test_routes_come_from_the_running_server_once_it_runs(
    make_window, project_copy: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(project_copy)
    wait_inspected(window, qtbot)
    manager, panel = window.manager, window.servers_panel
    manager.update(
        "development", replace(manager.server("development").config, port=free_port(), reload=False)
    )
    panel.rebuild()
    panel.select("development")
    panel.start_selected()
    qtbot.waitUntil(lambda: window.inspection.snapshot.source == "server", timeout=30_000)
    assert ("GET", "/health") in route_rows(window.routes_view.model)
    assert "Routes" in [window.tabs.tabText(i) for i in range(window.tabs.count())]


def test_an_app_that_fails_to_import_shows_the_error(make_window, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "main.py").write_text(
        "from fastapi import FastAPI\nimport nope_missing\napp = FastAPI()\n"
    )
    window = make_window(tmp_path)
    wait_inspected(window, qtbot)
    assert (
        window.routes_view.banner.isVisible() or "nope_missing" in window.routes_view.banner.text()
    )
    assert "nope_missing" in window.routes_view.banner.text()


def test_the_page_gives_try_the_apps_websocket_routes(make_window, sample_app: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The inspection's WebSocket routes prefill Try's WebSocket URL (issue #11)."""
    window = make_window(sample_app)
    wait_inspected(window, qtbot)
    qtbot.waitUntil(lambda: bool(window.try_view.ws_panel.routes), timeout=10_000)
    assert window.try_view.ws_panel.routes == ["/ws/echo"]
