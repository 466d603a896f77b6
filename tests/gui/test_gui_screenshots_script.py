"""``make screenshots`` (resources/screenshots/capture.py): pictures of a settled window,
on ``~/projects/sample_app``, with no path of the machine they were made on."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psutil
import pytest
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from asgideck.gui.core.tasks import TaskRunner
from support import REPO
from support.files import png_size

SCRIPT = REPO / "resources" / "screenshots" / "capture.py"


@pytest.fixture(scope="module")
def capture() -> Iterator[ModuleType]:
    """The script as a module (registered while loading: its dataclass needs that)."""
    spec = importlib.util.spec_from_file_location("asgideck_capture", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


class Host(QWidget):
    """What ``_settle`` reads of the main window: its two task runners and its widgets."""

    def __init__(self) -> None:
        super().__init__()
        self.runner = TaskRunner(self)
        self.server_runner = TaskRunner(self)


@pytest.fixture
def host(qtbot) -> Iterator[Host]:  # type: ignore[no-untyped-def]
    widget = Host()
    qtbot.addWidget(widget)
    yield widget
    assert widget.runner.wait(10_000) and widget.server_runner.wait(10_000)


def test_settle_runs_the_deferred_delete_a_grab_would_still_paint(
    capture: ModuleType, host: Host
) -> None:
    """The README's overlapping middleware cards: a card taken out of its layout with
    ``deleteLater()`` (not hidden) is still a child, still painted, until the deferred
    delete runs, and processing events outside an event loop does not run it."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    layout = QVBoxLayout(host)
    card = QLabel("old card")
    layout.addWidget(card)
    host.show()
    gone: list[bool] = []
    card.destroyed.connect(lambda: gone.append(True))
    layout.removeWidget(card)
    card.deleteLater()
    app.processEvents()
    assert not gone and card in host.findChildren(QLabel)  # what the old script grabbed

    capture._settle(app, host, timeout=10)

    assert gone and not host.findChildren(QLabel)


def test_settle_waits_for_the_task_in_flight(capture: ModuleType, host: Host) -> None:
    app = QApplication.instance()
    release = threading.Event()
    host.runner.scope(host).run(lambda: release.wait(10), lambda _result: None)

    with pytest.raises(TimeoutError, match="never settled"):
        capture._settle(app, host, timeout=0.3)

    release.set()
    capture._settle(app, host, timeout=10)
    assert not host.runner.busy


def test_the_check_names_each_visible_text_showing_a_private_path(
    capture: ModuleType, host: Host
) -> None:
    layout = QVBoxLayout(host)
    shown = QLabel("/secret/home/projects/sample_app")
    shown.setObjectName("ProjectPath")
    hidden = QLabel("/secret/home/elsewhere")
    fine = QLabel("~/projects/sample_app")
    for label in (shown, hidden, fine):
        layout.addWidget(label)
    host.show()
    hidden.hide()
    camera = capture.Camera(QApplication.instance(), host, Path(), ("/secret/home",))

    camera.check("main.png", host)

    assert camera.leaks == ["main.png: QLabel ProjectPath shows '/secret/home/projects/sample_app'"]


def test_make_screenshots_offscreen(tmp_path: Path) -> None:
    """The whole script without a display: every picture but the tray's, at its size,
    saying so; the sandbox is gone afterwards; no picture shows a path of this machine
    (the header and the Overview write the home folder as ``~``)."""
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    scratch.mkdir()
    tmp_path.chmod(0o711)  # as root, staging's Postgres (user postgres) walks to its data
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(scratch)}
    env.pop("DISPLAY", None)
    try:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--out", str(out), "--port", "0"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:  # a script killed by the timeout leaves the services it started: end them
        _end_processes_under(scratch)

    assert "tray.png is NOT made" in done.stderr
    assert "show a path of this machine" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    # services.png: staging's Postgres, Redis and mail catcher (.ci/run installs them)
    shots = [
        "main.png",
        "routes.png",
        "middleware.png",
        "servers.png",
        "requests.png",
        "try.png",
        "deploy.png",
        "small.png",
    ]
    assert names == sorted([*shots, "services.png"])
    assert png_size(out / "main.png") == (1180, 740)
    assert png_size(out / "small.png") == (900, 600)
    assert list(scratch.iterdir()) == []  # the throwaway HOME and its project are gone
    assert "staging did not start" not in done.stderr


def _end_processes_under(folder: Path) -> None:
    """Kill every process whose command line or working folder is in ``folder`` (the
    script's sandbox: its Postgres data, its mail store, the sample app it serves)."""
    mine = [p for p in psutil.process_iter() if p.pid != os.getpid() and _names(p, str(folder))]
    for proc in mine:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(mine, timeout=10)


def _names(proc: psutil.Process, text: str) -> bool:
    try:
        return any(text in part for part in proc.cmdline()) or proc.cwd().startswith(text)
    except psutil.Error:
        return False
