"""The whole window: a running server, a route from the Routes tab, sent from the Try tab."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from asgideck.runtime.servers import free_port

pytestmark = pytest.mark.integration


def test_route_to_try_tab_to_response(make_window, project_copy: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(project_copy)
    manager, panel = window.manager, window.servers_panel
    manager.update(
        "development", replace(manager.server("development").config, port=free_port(), reload=False)
    )
    panel.rebuild()
    panel.select("development")
    panel.start_selected()
    qtbot.waitUntil(lambda: window.inspection.snapshot.source == "server", timeout=30_000)
    assert window.workbench.target is not None
    assert window.workbench.document is window.inspection.snapshot.document

    window.show_tab("routes")
    assert window.routes_view.select_path("GET", "/api/v1/items/{item_id}")
    window.routes_view.try_selected()
    assert window.tabs.currentWidget() is window.try_view
    composer = window.try_view.composer
    assert composer.method.currentText() == "GET"
    assert composer.url.text() == "/api/v1/items/{item_id}"

    assert not window.try_view.send()  # item_id is required: a clear message, nothing sent
    assert "item_id" in window.try_view.banner.text()

    window.routes_view.select_path("GET", "/api/v1/items")
    window.routes_view.try_selected()
    with qtbot.waitSignal(window.try_view.response.shown, timeout=15_000):
        assert window.try_view.send()
    assert window.try_view.response.chip.text().startswith("200")

    window.show_tab("routes")
    names = [a.text() for a in window.request_menu.actions()]
    assert any("curl" in n.lower() for n in names)
