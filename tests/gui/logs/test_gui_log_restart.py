"""The Restart button of a log view's crash banner restarts that server through the page."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_restart_on_the_crash_banner_restarts_that_server(  # type: ignore[no-untyped-def]
    make_window, project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(project_copy)
    page = window.page
    names = [s.name for s in page.manager.servers]
    assert len(names) >= 2  # development and production: the banner's server is not the first
    target = names[-1]
    restarted: list[str | None] = []
    monkeypatch.setattr(
        page.servers_panel,
        "restart_selected",
        lambda: restarted.append(page.servers_panel.selected_name()),
    )
    view = page.logs_for(target)
    assert view is not None
    view.restart_requested.emit(target)
    assert restarted == [target]
