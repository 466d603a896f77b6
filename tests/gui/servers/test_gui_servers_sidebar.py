"""The SERVERS sidebar (issue #11): Stop all (under SERVICES since #12), Open /docs and
Open in Browser per server, a warning before starting a server whose profile has
error-level findings, and a status light that stays visible on the selected (teal) row.

Real uvicorn servers of a tiny two-profile app on free loopback ports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from asgideck.gui.core.status_strip import STATE_COLOURS
from support.two_profiles import fast_servers, write_two_profiles

pytestmark = pytest.mark.integration
START_TIMEOUT_MS = 30_000


@pytest.fixture
def two_profiles(tmp_path: Path) -> Path:
    return write_two_profiles(tmp_path / "twoprofiles")


def answer_next_box(qtbot, button_text: str, seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Click ``button_text`` in the next modal message box, as the user would."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)  # not shown yet: look again
            return
        seen.append(box.text() + "\n" + box.informativeText())
        button = next(b for b in box.buttons() if b.text().replace("&", "") == button_text)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, click)


def test_stop_all_stops_every_running_server(make_window, two_profiles: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(two_profiles)
    fast_servers(window)
    panel, services = window.servers_panel, window.services
    assert not services.stop_all_button.isEnabled()  # nothing runs yet
    panel.start("dev")
    panel.start("prod")
    for name in ("dev", "prod"):
        qtbot.waitUntil(lambda n=name: panel.state_of(n) == "running", timeout=START_TIMEOUT_MS)
    assert services.stop_all_action in services.actions()
    qtbot.mouseClick(services.stop_all_button, Qt.MouseButton.LeftButton)
    for name in ("dev", "prod"):
        qtbot.waitUntil(lambda n=name: panel.state_of(n) == "stopped", timeout=START_TIMEOUT_MS)
    assert not any(s.running for s in window.manager.servers)
    qtbot.waitUntil(lambda: not services.stop_all_button.isEnabled(), timeout=5_000)


def test_open_docs_and_open_in_browser_from_the_context_menu(
    make_window, two_profiles: Path, qtbot, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    window = make_window(two_profiles)
    ports = fast_servers(window)
    panel = window.servers_panel

    menu = panel.context_menu("dev")
    texts = {a.text().replace("&", ""): a for a in menu.actions() if a.text()}
    assert not texts["Open /docs"].isEnabled()  # not running: nothing to open
    assert not texts["Open in Browser"].isEnabled()

    panel.start("dev")
    qtbot.waitUntil(lambda: panel.state_of("dev") == "running", timeout=START_TIMEOUT_MS)
    menu = panel.context_menu("dev")
    texts = {a.text().replace("&", ""): a for a in menu.actions() if a.text()}
    assert "Stop" in texts and "Start" not in texts
    texts["Open /docs"].trigger()
    texts["Open in Browser"].trigger()
    base = f"http://127.0.0.1:{ports['dev']}"
    assert opened == [f"{base}/docs", f"{base}/"]
    assert QUrl(opened[0]).isValid()
    panel.stop_selected()
    qtbot.waitUntil(lambda: panel.state_of("dev") == "stopped", timeout=START_TIMEOUT_MS)


def _with_debug_in_prod(root: Path) -> None:
    """An error-level finding for prod: DEBUG on in a production profile."""
    (root / ".env.prod").write_text("APP_MODE=production\nENVIRONMENT=production\nDEBUG=true\n")


def test_starting_a_server_with_error_findings_asks_first(
    make_window, two_profiles: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    _with_debug_in_prod(two_profiles)
    window = make_window(two_profiles)
    fast_servers(window)
    panel = window.servers_panel
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        panel.select("prod")  # selects (and validates) its profile
    assert window.page.start_blockers("prod"), "the fixture should give prod an error"
    assert window.page.start_blockers("dev") == []  # dev is not what was validated

    seen: list[str] = []
    answer_next_box(qtbot, "Cancel", seen)
    panel.start_selected()
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=10_000)
    assert "error-level finding" in seen[0] and "DEBUG" in seen[0]
    assert panel.state_of("prod") == "stopped" and not window.manager.server("prod").running

    answer_next_box(qtbot, "Start anyway", seen)
    panel.start_selected()
    qtbot.waitUntil(lambda: panel.state_of("prod") == "running", timeout=START_TIMEOUT_MS)
    assert len(seen) == 2
    panel.stop_selected()
    qtbot.waitUntil(lambda: panel.state_of("prod") == "stopped", timeout=START_TIMEOUT_MS)


def _icon_pixels(panel, name: str) -> Callable[[], list[QColor]]:  # type: ignore[no-untyped-def]
    def pixels() -> list[QColor]:
        image: QImage = panel.list.viewport().grab().toImage()
        item = panel._item(name)
        rect = panel.list.visualItemRect(item)
        found = []
        for x in range(rect.left(), rect.left() + 24):  # the 16 px icon, not the text
            for y in range(rect.top(), rect.bottom()):
                found.append(image.pixelColor(x, y))
        return found

    return pixels


def test_the_light_is_visible_on_the_selected_row(make_window, two_profiles: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(two_profiles)
    panel = window.servers_panel
    panel.select("dev")
    panel.list.setFocus()
    qtbot.waitUntil(lambda: panel.selected_name() == "dev", timeout=5_000)
    panel.grab().save("/tmp/h-model-sidebar-selected.png")  # for a look by eye
    pixels = _icon_pixels(panel, "dev")()
    grey = QColor(STATE_COLOURS["stopped"])

    def near(a: QColor, b: QColor, tol: int = 24) -> bool:
        return all(abs(x - y) <= tol for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))

    # The row is painted selected (teal), and on it the light keeps its own colour
    # inside a white ring (before, the grey light was tinted into the teal).
    image = panel.list.viewport().grab().toImage()
    dev, prod = (panel.list.visualItemRect(panel._item(n)) for n in ("dev", "prod"))
    selected_bg = image.pixelColor(dev.right() - 3, dev.center().y())
    plain_bg = image.pixelColor(prod.right() - 3, prod.center().y())
    assert not near(selected_bg, plain_bg, 8), "the row is not painted selected"
    assert sum(near(p, grey, 16) for p in pixels) >= 20, "the state colour is tinted away"
    assert sum(near(p, QColor("#ffffff"), 16) for p in pixels) >= 10, "no ring around the light"
