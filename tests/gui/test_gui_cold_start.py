"""Cold start (issue #11): the window comes up without httpx, websockets or rich, and
without the Compare, Routes and Try tabs, which are built when first shown or asked for.

What a fresh process imports can only be seen in a fresh process: the child builds the
window on sample_app, waits until it is shown and has loaded (validation and the probe's
inspection landed), and reports which of those modules it holds; then it shows Try and
reports again. Behaviour, not timing: ``make bench`` measures the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

HEAVY = ("httpx", "websockets", "rich")
LAZY_VIEWS = (
    "asgideck.gui.tabs.workbench.view",
    "asgideck.gui.tabs.routes.view",
    "asgideck.gui.tabs.profile.compare",
)

CHILD = """
import json, sys
from PySide6.QtCore import QTimer
from asgideck.gui.app import make_app
from asgideck.gui.main_window import MainWindow

WATCHED = {watched!r}
app = make_app()
window = MainWindow()
validated = []
window.loaded.connect(lambda: validated.append(True))
window.open_path({path!r})
window.show()
report = {{}}

def held():
    return [name for name in WATCHED if name in sys.modules]

def check():
    handle = window.windowHandle()
    up = handle is not None and handle.isExposed()
    if not (validated and window.page.inspection.snapshot.entries and up):
        return
    poll.stop()
    report.update(tab=window.page.current_tab(), before=held())
    window.show_tab("try")
    report.update(shown=type(window.page.tabs.currentWidget()).__name__, after=held())
    app.quit()

poll = QTimer()
poll.timeout.connect(check)
poll.start(20)
QTimer.singleShot(30_000, app.quit)  # bounded: the parent fails on a missing report
app.exec()
window.close()
print(json.dumps({{**report, "drained": window.drain()}}))
"""


def test_the_window_comes_up_without_httpx_and_try_brings_it(sample_app: Path) -> None:
    watched = [*HEAVY, *LAZY_VIEWS]
    script = CHILD.format(watched=watched, path=str(sample_app))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=90
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["tab"] == "overview"  # a fresh ASGIDECK_HOME: nothing remembered
    assert report["before"] == [], report  # none of them, with the window up and loaded
    assert report["shown"] == "TryView"
    assert "httpx" in report["after"] and "asgideck.gui.tabs.workbench.view" in report["after"]
    assert report["drained"]


def test_a_lazy_tab_takes_its_placeholder_place(make_window, sample_app: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Title, icon, tooltip and index stay; the built view is current and focused."""
    from asgideck.gui.project_page import LAZY_TABS, TABS

    window = make_window(sample_app)
    tabs = window.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    tips = [tabs.tabToolTip(i) for i in range(tabs.count())]
    assert all(window.page.built_view(name) is None for name in LAZY_TABS)
    changes: list[int] = []
    tabs.currentChanged.connect(changes.append)
    window.show_tab("try")
    assert changes == [TABS.index("try")]  # the swap itself is no tab change
    view = window.page.built_view("try")
    assert view is not None and tabs.currentWidget() is view
    assert tabs.indexOf(view) == TABS.index("try") and tabs.count() == len(TABS)
    assert [tabs.tabText(i) for i in range(tabs.count())] == titles
    assert [tabs.tabToolTip(i) for i in range(tabs.count())] == tips
    assert not tabs.tabIcon(TABS.index("try")).isNull()
    qtbot.waitUntil(lambda: view.isAncestorOf(QApplication.focusWidget()), timeout=2_000)
    # Asked for (not shown): built in place, the tab in front stays in front.
    routes = window.routes_view
    assert tabs.indexOf(routes) == TABS.index("routes") and tabs.currentWidget() is view
    assert window.page.built_view("compare") is None


def test_the_request_menu_builds_try_and_lists_its_actions(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    assert window.page.built_view("try") is None
    window.request_menu.aboutToShow.emit()  # what opening the menu does
    view = window.page.built_view("try")
    assert view is not None
    texts = {a.text() for a in window.request_menu.actions()}
    assert {a.text() for a in view.actions() if a.text()} <= texts
    assert window.tabs.currentWidget() is not view  # built, not shown


def test_try_gets_the_target_and_routes_kept_while_it_was_not_built(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """The inspection landed before Try existed: built later, it has the document and the
    app's WebSocket routes."""
    window = make_window(sample_app)
    page = window.page
    qtbot.waitUntil(lambda: bool(page.inspection.snapshot.entries), timeout=30_000)
    assert page.built_view("try") is None
    sockets = [e.path for e in page.inspection.snapshot.entries if e.kind == "websocket"]
    assert sockets, "sample_app has a WebSocket route"
    window.show_tab("try")
    assert window.workbench.document is page.inspection.snapshot.document
    assert window.try_view.ws_panel.routes == sockets
    assert window.workbench.target is None  # no server runs
