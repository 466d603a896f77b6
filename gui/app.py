"""Start the Qt application: style it, open the project, and optionally screenshot it."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from gui import theme
from gui.main_window import MainWindow

SCREENSHOT_TIMEOUT_MS = 60_000


def make_app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("asgideck")
    app.setOrganizationName("asgideck")
    app.setDesktopFileName("asgideck")
    theme.apply(app)
    return app


def run(
    path: Path,
    *,
    python: str | None = None,
    screenshot: Path | None = None,
    profile: str | None = None,
    tab: str | None = None,
) -> int:
    app = make_app()
    window = MainWindow(python=python)
    status = {"code": 0}
    if screenshot is not None:
        _arm_screenshot(app, window, screenshot, status)
    window.open_path(path)
    if profile:
        window.select_profile(profile)
    if tab:
        window.show_tab(tab)
    window.show()
    code = app.exec()
    return status["code"] if screenshot is not None else code


def _arm_screenshot(app: QApplication, window: MainWindow, target: Path, status: dict[str, int]) -> None:
    """Once the window has loaded (or after a timeout), save a PNG and quit."""

    def shoot() -> None:
        app.processEvents()
        target.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(target), "PNG"):
            print(f"asgideck: could not write {target}", file=sys.stderr)
            status["code"] = 1
        window.close()
        app.quit()

    def timed_out() -> None:
        print("asgideck: timed out waiting for the project to load", file=sys.stderr)
        status["code"] = 1
        shoot()

    window.loaded.connect(lambda: QTimer.singleShot(0, shoot), Qt.ConnectionType.SingleShotConnection)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, timed_out)

