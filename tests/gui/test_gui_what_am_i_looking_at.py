"""One rule for "what am I looking at" (issue #11, defect 2).

The server selected in the sidebar, and so its profile, drives Routes, Logs and Try,
and the header says which. Two real servers of a tiny app on two profiles: ``dev``
has a development-only route, ``prod`` does not. Selecting each one (with the
keyboard) must make Routes, the header, the profile box and Try's target agree; a
profile no server uses shows what the probe sees, labelled so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from support.two_profiles import fast_servers, write_two_profiles

pytestmark = pytest.mark.integration
START_TIMEOUT_MS = 30_000


@pytest.fixture
def two_profiles(tmp_path: Path) -> Path:
    return write_two_profiles(tmp_path / "twoprofiles")


def route_paths(window) -> set[str]:  # type: ignore[no-untyped-def]
    model = window.routes_view.model
    paths = set()
    for group in range(model.rowCount()):
        parent = model.index(group, 0)
        for row in range(model.rowCount(parent)):
            entry = model.entry(model.index(row, 0, parent))
            paths.add(entry.path)
    return paths


def agree_on(window, qtbot, server: str, port: int) -> None:  # type: ignore[no-untyped-def]
    """Routes, the header, the profile box, the session and Try all name ``server``."""
    qtbot.waitUntil(
        lambda: (
            window.inspection.snapshot.server == server
            and window.inspection.snapshot.source == "server"
        ),
        timeout=30_000,
    )
    assert window.session.profile.name == server  # each server uses the profile of its name
    assert window.header.profile_combo.currentText() == server
    showing = window.header.showing_label.text()
    assert showing == f"Showing: {server} · profile {server}\nrunning at http://127.0.0.1:{port}"
    target = window.workbench.target
    assert target is not None and target.name == server
    assert target.base_url == f"http://127.0.0.1:{port}"
    assert window.strip.state_label.text().endswith(f"{server}: running")


def test_the_selected_server_drives_routes_header_and_try(
    make_window, two_profiles: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(two_profiles)
    assert window.session.profile_names == ["dev", "prod"]
    ports = fast_servers(window)
    panel = window.servers_panel
    # The profile box no longer claims to be what every tab shows.
    assert "every tab" not in window.header.profile_combo.toolTip()

    panel.start("dev")
    panel.start("prod")
    for name in ("dev", "prod"):
        qtbot.waitUntil(lambda n=name: panel.state_of(n) == "running", timeout=START_TIMEOUT_MS)

    panel.list.setFocus()
    panel.select("dev")
    agree_on(window, qtbot, "dev", ports["dev"])
    assert "/dev-only" in route_paths(window)

    # Down to prod, as the user would: Routes drop the dev-only route, Try sends to prod.
    qtbot.keyClick(panel.list, Qt.Key.Key_Down)
    assert panel.selected_name() == "prod"
    agree_on(window, qtbot, "prod", ports["prod"])
    assert "/dev-only" not in route_paths(window)
    assert "/hello" in route_paths(window)

    # Choosing a profile in the header selects the first server using it.
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        window.select_profile("dev")
    assert panel.selected_name() == "dev"
    agree_on(window, qtbot, "dev", ports["dev"])
    assert "/dev-only" in route_paths(window)

    # A stopped server: its profile as the probe sees it, labelled so; Try has no target.
    panel.stop_selected()
    qtbot.waitUntil(lambda: panel.state_of("dev") == "stopped", timeout=START_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.inspection.snapshot.source == "probe", timeout=30_000)
    assert window.inspection.snapshot.profile == "dev"
    assert "/dev-only" in route_paths(window)
    assert window.header.showing_label.text() == (
        "Showing: dev · profile dev\nnot running — from the probe"
    )
    assert window.workbench.target is None  # never "any running server" (prod still runs)
    panel.stop_all()
    qtbot.waitUntil(lambda: panel.state_of("prod") == "stopped", timeout=START_TIMEOUT_MS)


def test_a_profile_no_server_uses_shows_the_probe(make_window, two_profiles: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(two_profiles)
    panel = window.servers_panel
    (two_profiles / ".env.staging").write_text("APP_MODE=development\n")
    window.reload()  # F5: the new profile is listed
    assert "staging" in [
        window.header.profile_combo.itemText(i) for i in range(window.header.profile_combo.count())
    ]
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        window.select_profile("staging")
    assert panel.selected_name() == ""  # no server uses staging: none is selected
    assert window.header.showing_label.text() == (
        "Showing: profile staging (no server uses it)\nnot running — from the probe"
    )
    qtbot.waitUntil(lambda: window.inspection.snapshot.profile == "staging", timeout=30_000)
    assert window.inspection.snapshot.source == "probe"
    assert "/dev-only" in route_paths(window)  # staging runs in development mode
    assert window.workbench.target is None

    # Selecting a server again selects its profile.
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        panel.select("prod")
    assert window.session.profile.name == "prod"
    assert window.header.profile_combo.currentText() == "prod"
    assert window.header.showing_label.text() == (
        "Showing: prod · profile prod\nnot running — from the probe"
    )
    qtbot.waitUntil(lambda: window.inspection.snapshot.profile == "prod", timeout=30_000)
    assert "/dev-only" not in route_paths(window)
