"""The scaled group in the window (issue 14, items 3 and 5): Run Scaled in the Deploy tab
puts a ``⧉ production ×2 (nginx)`` row with its light under the servers; its tooltip and
the status strip show how requests spread over the instances; selecting it points Try at
nginx (the plain server's row points it back) and Logs at the group's merged log; Stop /
Ctrl+. on the row ends nginx and every instance (no process, no port left); closing the
window ends a running group too. The Deploy tab never squeezes the sidebar.

Real uvicorn instances and the real nginx, on free loopback ports (2 instances).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from asgideck.gui.project_page import TABS
from asgideck.gui.tabs.servers.scaled_rows import GROUP_ROLE
from asgideck.runtime.deploy import find_nginx
from asgideck.runtime.servers import is_port_free
from support.gui import log_texts
from support.servers import live
from support.window_servers import activate, free_ports, start

pytestmark = pytest.mark.integration
needs_nginx = pytest.mark.skipif(find_nginx() is None, reason="nginx is not installed")
TIMEOUT_MS = 60_000


def _group_row(window):  # type: ignore[no-untyped-def]
    rows = window.servers_panel.list
    found = [rows.item(i) for i in range(rows.count()) if rows.item(i).data(GROUP_ROLE)]
    return found[0] if found else None


def _served(tooltip: str) -> int:
    """The requests the row's tooltip counts (nginx's own readiness probe among them)."""
    found = re.search(r"requests: (\d+) ", tooltip)
    return int(found.group(1)) if found else 0


def _run_scaled(window, qtbot, instances: int = 2):  # type: ignore[no-untyped-def]
    """Run Scaled from the Deploy tab (production, ``instances``) until nginx serves."""
    view = window.page.deploy_view
    view.select(target="nginx", server="production", instances=instances)
    view.scaled_action.trigger()
    qtbot.waitUntil(lambda: "Scaled: running" in view.scaled_status.text(), timeout=TIMEOUT_MS)
    return view


@needs_nginx
def test_the_group_row_targets_try_and_logs_and_stops_from_the_row(  # type: ignore[no-untyped-def]
    make_window, project_copy: Path, qtbot
) -> None:
    window = make_window(project_copy)
    free_ports(window)
    start(window, qtbot, "production")  # the plain server, beside the group: 1 vs N
    page, panel = window.page, window.servers_panel
    plain_url = panel.url_of("production")
    view = _run_scaled(window, qtbot)
    status = view.scaled.status()
    assert status is not None and status.state == "running"
    url = status.url

    row = _group_row(window)
    assert row is not None
    # no glyph the font may lack (it showed as a box); elided to the sidebar's width,
    # so the row never brings a horizontal scrollbar
    first, second = row.text().split("\n")
    full = f"production ×2 (nginx)   :{status.port}"
    assert first == full or ("…" in first and first.startswith("production"))
    assert second == "nginx · running"
    rows = panel.list
    QApplication.processEvents()
    assert rows.fontMetrics().horizontalAdvance(first) < rows.viewport().width()
    assert rows.horizontalScrollBar().maximum() == 0
    assert not row.icon().isNull()  # the status light
    assert panel.list.row(row) == len(window.manager.servers)  # under the servers

    for _ in range(6):
        assert httpx.get(url + "/health", timeout=10).status_code == 200
    qtbot.waitUntil(lambda: _served(_group_row(window).toolTip()) >= 6, timeout=TIMEOUT_MS)
    assert "#1 :" in row.toolTip() and "#2 :" in row.toolTip() and "#3" not in row.toolTip()

    # the plain server's row targets Try at it; the group's row at nginx
    assert page.workbench.target is not None and page.workbench.target.base_url == plain_url
    panel.scaled.select()
    assert panel.selected_name() == ""  # the group row is no server
    assert page.workbench.target is not None
    assert page.workbench.target.base_url == url
    assert page.workbench.target.name == "production ×2"
    assert "production ×2" in page.showing() and url in page.showing()
    assert "#2 :" in page.strip.rate_label.text()  # the spread in the status strip
    assert "production ×2" in page.strip.state_label.text()
    # Logs: the group's merged log, each instance's lines marked with its number
    logs = page.group.log_view()
    assert logs is not None and page.logs_stack.currentWidget() is logs
    qtbot.waitUntil(lambda: any("· #2" in t for t in log_texts(logs.model)), timeout=TIMEOUT_MS)
    assert any("· #1" in t for t in log_texts(logs.model))
    panel.select("production")
    assert page.workbench.target.base_url == plain_url
    assert page.logs_stack.currentWidget() is page.logs_for("production")

    # Stop from the row: the window's Stop (Ctrl+.) acts on the selected group row
    panel.scaled.select()
    assert panel.stop_button.isEnabled() and not panel.start_button.isEnabled()
    group = view.scaled.group
    assert group is not None
    pids = group.pids()
    ports = [status.port, *(i.port for i in status.instances)]
    activate(window, qtbot)
    QTest.keySequence(QApplication.focusWidget() or window, QKeySequence("Ctrl+."))
    qtbot.waitUntil(lambda: view.scaled_status.text() == "Scaled group stopped", timeout=TIMEOUT_MS)
    assert _group_row(window) is None
    assert live(pids) == []
    assert [p for p in ports if not is_port_free(p)] == []
    assert panel.state_of("production") == "running"  # the plain server is not the group
    assert panel.selected_name() == "production"  # the row went: a server is selected
    assert page.workbench.target is not None and page.workbench.target.base_url == plain_url


@needs_nginx
def test_closing_the_window_ends_a_running_group(  # type: ignore[no-untyped-def]
    make_window, project_copy: Path, qtbot
) -> None:
    window = make_window(project_copy)
    free_ports(window)
    view = _run_scaled(window, qtbot)
    group = view.scaled.group
    assert group is not None
    pids, port = group.pids(), group.port
    window.close()  # the page's close stops it alongside the servers, and waits (bounded)
    assert live(pids) == []
    assert is_port_free(port)


def test_the_deploy_tab_never_squeezes_the_sidebar(  # type: ignore[no-untyped-def]
    make_window, project_copy: Path, qtbot
) -> None:
    window = make_window(project_copy)
    manager = window.manager
    production = manager.server("production").config
    # a server whose "name — describe()" is long: the Server combo lists it (and the
    # window's screenshot setting of 1180 px wide, where the sidebar lost its width)
    manager.add(replace(production, name="production-behind-the-load-balancer-" + "x" * 40))
    window.servers_panel.rebuild()
    window.resize(1180, 760)
    window.show_tab("overview")
    QApplication.processEvents()
    page = window.page
    sidebar = page.sizes()[0]
    window.show_tab("deploy")
    view = page.deploy_view
    qtbot.waitUntil(lambda: view.generated is not None, timeout=TIMEOUT_MS)
    QApplication.processEvents()
    assert window.tabs.currentIndex() == TABS.index("deploy")
    assert view.server.count() == len(manager.servers)
    assert view.minimumSizeHint().width() < page.tabs.width()
    assert page.sizes()[0] == sidebar  # the Deploy tab never squeezes the sidebar
    view.select(server=manager.servers[-1].name)  # the long one shown: still not wider
    QApplication.processEvents()
    assert view.minimumSizeHint().width() < page.tabs.width()
    assert page.sizes()[0] == sidebar


def test_the_group_log_marks_each_instance_and_follows_nginx_error_log(tmp_path: Path) -> None:
    from asgideck.gui.tabs.deploy.scaled import GroupLog

    log = GroupLog("production ×2 (nginx)", tmp_path / "error.log")
    log.tap(1, "stdout", 'INFO:     127.0.0.1:5000 - "GET /health HTTP/1.1" 200 OK')
    log.tap(2, "stderr", "ERROR:    boom\nINFO:     still here")
    lines = log.buffer.since(0)
    assert [line.text for line in lines] == [
        'INFO:     127.0.0.1:5000 - "GET /health HTTP/1.1" 200 OK  · #1',
        "ERROR:    boom  · #2",
        "INFO:     still here  · #2",
    ]
    access = lines[0].access
    assert access is not None and access.status == 200  # the status filter still reads it
    assert lines[1].level == "ERROR"  # and the level filter
    assert log.read_nginx() == 0  # no file yet
    (tmp_path / "error.log").write_bytes(b"2026/01/01 [warn] 1#1: first\n2026/01/01 [err")
    assert log.read_nginx() == 1
    with (tmp_path / "error.log").open("ab") as handle:
        handle.write(b"or] 1#1: second\n")
    assert log.read_nginx() == 1
    texts = [line.text for line in log.buffer.since(0)][3:]
    assert texts == [
        "2026/01/01 [warn] 1#1: first  · nginx",
        "2026/01/01 [error] 1#1: second  · nginx",
    ]
