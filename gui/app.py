"""Start the Qt application: style it, open the project, and optionally screenshot it."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from asgideck.gui.core import theme
from asgideck.gui.core.tasks import present_uncaught
from asgideck.gui.main_window import MainWindow
from asgideck.runtime.userstate import sweep_temp

SCREENSHOT_TIMEOUT_MS = 60_000
SCREENSHOT_SIZE = (1100, 720)


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
    start: Sequence[str] = (),
) -> int:
    if screenshot is not None:
        # A screenshot run must not touch the user's saved layout or recent projects.
        with tempfile.TemporaryDirectory(prefix="asgideck-shot-") as home:
            os.environ["ASGIDECK_HOME"] = home
            return _run(path, python=python, screenshot=screenshot, profile=profile, tab=tab)
    return _run(path, python=python, screenshot=None, profile=profile, tab=tab, start=start)


def _run(
    path: Path,
    *,
    python: str | None,
    screenshot: Path | None,
    profile: str | None,
    tab: str | None,
    start: Sequence[str] = (),
) -> int:
    _sweep_scratch()
    app = make_app()
    window = MainWindow(python=python)
    status = {"code": 0}
    if screenshot is not None:
        window.resize(*SCREENSHOT_SIZE)
        _arm_screenshot(app, window, screenshot, status)
    window.open_path(path, profile=profile)
    if tab:
        window.show_tab(tab)
    for name in start:
        window.start_server(name)
    window.show()
    _close_on_signals(window)
    sys.excepthook = present_uncaught  # an exception in a slot is shown, not only printed
    try:
        code = app.exec()
    finally:
        sys.excepthook = sys.__excepthook__
    window.drain()  # the window is gone; a probe still running must end before we do
    return status["code"] if screenshot is not None else code


def _sweep_scratch() -> None:
    """Remove the response-body scratch files a killed asgideck left behind (never fatal:
    an unusable state folder is reported by what needs it)."""
    with contextlib.suppress(OSError):
        sweep_temp()


def _close_on_signals(window: MainWindow) -> None:
    """Ctrl-C or SIGTERM in the terminal closes the window properly (servers stopped).

    Python runs signal handlers only between bytecodes, so a timer gives the
    interpreter a turn while Qt's event loop waits.
    """

    def close(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.close)

    signal.signal(signal.SIGINT, close)
    signal.signal(signal.SIGTERM, close)
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(250)


def _arm_screenshot(
    app: QApplication, window: MainWindow, target: Path, status: dict[str, int]
) -> None:
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

    def shoot_when_idle() -> None:
        # Loaded, and no stale background job still painting a busy indicator.
        if window.runner.busy:
            window.runner.busy_changed.connect(
                lambda _busy: QTimer.singleShot(0, shoot), Qt.ConnectionType.SingleShotConnection
            )
        else:
            QTimer.singleShot(0, shoot)

    window.loaded.connect(shoot_when_idle, Qt.ConnectionType.SingleShotConnection)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, timed_out)
