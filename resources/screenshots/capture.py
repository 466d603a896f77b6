"""Make the README's screenshots from the real window: ``make screenshots``.

Copies sample_app to ``~/projects/sample_app`` in a throwaway HOME (so no picture
names the machine it was made on), gives it a ``.venv`` that reuses asgideck's own
packages, opens the window, starts the development server and grabs each view once
the window has settled: no background job in flight and no deferred delete pending
(a widget taken out of a layout stays painted until its ``deleteLater`` runs).

On an X display (``make screenshots`` runs this under ``xvfb-run``) it also starts a
tray provider when the display has none, and shoots the tray menu. Offscreen
(``QT_QPA_PLATFORM=offscreen``) there is no tray: every other picture is made and
the tray's is skipped, saying so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import venv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from asgideck.gui.main_window import MainWindow

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "resources" / "screenshots"
SIZE = (1180, 740)
SMALL = (900, 600)
PORT = 8000  # the sample's own port, when it is free (a README with a stable number)
#: Tray providers tried in order when the X display has no tray (first one installed);
#: jwm is a window manager with a tray, so the desktop in the tray shot looks like one.
TRAY_PROVIDERS = ("jwm", "stalonetray", "trayer")
INSTALL_HINT = "apt-get install xvfb jwm (or stalonetray/trayer for the tray)"
#: A plain desktop for the tray shot: a bottom bar holding only the tray (jwm's config).
JWMRC = """<?xml version="1.0"?>
<JWM>
  <Tray x="0" y="-1" height="34" autohide="off"><Spacer/><Dock/></Tray>
  <Desktops width="1" height="1"><Background type="solid">#d6dbe0</Background></Desktops>
  <TrayStyle><Background>#2b3036</Background><Foreground>#ffffff</Foreground></TrayStyle>
</JWM>
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    parser.add_argument(
        "--port", type=int, default=PORT, help=f"the server's port (default {PORT}; 0: any free)"
    )
    args = parser.parse_args(argv)
    offscreen = _offscreen()
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        print(
            "screenshots: offscreen (no X display, or QT_QPA_PLATFORM=offscreen): "
            "tray.png is NOT made "
            f"(run `make screenshots` with Xvfb installed: {INSTALL_HINT})",
            file=sys.stderr,
        )
    with tempfile.TemporaryDirectory(prefix="asgideck-shots-") as scratch:
        # as root, PostgreSQL runs as `postgres`, which must walk down to its data in the
        # sandbox's ASGIDECK_HOME (else asgideck keeps it in /var/lib/asgideck)
        Path(scratch).chmod(0o711)
        home = Path(scratch)
        project = _sandbox(home)
        return _shoot(project, home, args.out.resolve(), args.port, want_tray=not offscreen)


def _offscreen() -> bool:
    """Whether Qt must draw offscreen (asked to, or no display to draw on)."""
    if os.environ.get("QT_QPA_PLATFORM", "") == "offscreen":
        return True
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _sandbox(home: Path) -> Path:
    """``HOME/projects/sample_app`` with a ``.venv`` seeing asgideck's packages; HOME and
    ASGIDECK_HOME point into the sandbox for this process and its children."""
    project = home / "projects" / "sample_app"
    shutil.copytree(
        REPO / "sample_app",
        project,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", "*.db"),
    )
    env = project / ".venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env)
    found = list(env.glob("lib/python*/site-packages"))
    if len(found) != 1:
        raise SystemExit(f"screenshots: no site-packages in the sample's venv {env}")
    # the sample's packages (fastapi, uvicorn, …) are the ones asgideck was installed with
    (found[0] / "asgideck_shots.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    os.environ["HOME"] = str(home)
    os.environ["ASGIDECK_HOME"] = str(home / ".asgideck")
    os.environ.pop("VIRTUAL_ENV", None)  # the sample's own .venv is the one to find
    return project


def _start_tray(home: Path) -> subprocess.Popen[bytes] | None:
    """A tray provider on this display (which has none: the desktop's is used if any)."""
    for name in TRAY_PROVIDERS:
        exe = shutil.which(name)
        if exe is None:
            continue
        command = [exe]
        if name == "jwm":
            rc = home / ".jwmrc"
            rc.write_text(JWMRC)
            command += ["-f", str(rc)]
        elif name == "trayer":
            command += ["--edge", "bottom", "--align", "right", "--height", "32"]
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(
        f"screenshots: no tray provider installed ({', '.join(TRAY_PROVIDERS)}): "
        f"tray.png is NOT made ({INSTALL_HINT})",
        file=sys.stderr,
    )
    return None


# ----------------------------------------------------------------- waiting
def _pump_until(app: QApplication, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("screenshots: timed out waiting for the window")
        app.processEvents()
        time.sleep(0.02)


def _settle(app: QApplication, window: MainWindow, timeout: float = 30.0) -> None:
    """Until the window has settled: no task in flight, every deferred delete done, and
    the widget tree unchanged for a few rounds (a view rebuilt in steps has finished)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QWidget

    deadline = time.monotonic() + timeout
    last, steady = -1, 0
    while steady < 5:
        if time.monotonic() > deadline:
            raise TimeoutError("screenshots: the window never settled")
        app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        busy = window.runner.busy or window.server_runner.busy
        count = len(window.findChildren(QWidget))
        steady = steady + 1 if count == last and not busy else 0
        last = count
        time.sleep(0.02)


def _load(app: QApplication, window: MainWindow, act: Callable[[], object]) -> None:
    """Run ``act`` (open, pick a profile) and wait until the window says it loaded."""
    loaded: list[bool] = []
    window.loaded.connect(lambda: loaded.append(True))
    act()
    _pump_until(app, lambda: bool(loaded))
    _settle(app, window)


def _port(wanted: int) -> int:
    """``wanted`` when it is free (the sample's own 8000 makes a README with a stable
    number), else any free port."""
    from asgideck.runtime.servers import free_port

    if wanted:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", wanted))
            except OSError:
                pass
            else:
                return wanted
    return int(free_port())


# ----------------------------------------------------------------- shooting
def _shoot(project: Path, home: Path, out: Path, port: int, *, want_tray: bool) -> int:
    from asgideck.gui.app import make_app

    app = make_app()
    provider = None
    if want_tray:
        from PySide6.QtWidgets import QSystemTrayIcon

        if not QSystemTrayIcon.isSystemTrayAvailable():
            provider = _start_tray(home)
        try:  # a provider takes a moment to claim the tray
            _pump_until(app, QSystemTrayIcon.isSystemTrayAvailable, timeout=15)
        except TimeoutError:
            print(f"screenshots: no system tray on this display ({INSTALL_HINT})", file=sys.stderr)
            want_tray = False
    try:
        return _shoot_window(app, project, out, port, want_tray=want_tray)
    finally:
        if provider is not None:
            provider.terminate()
            try:
                provider.wait(5)
            except subprocess.TimeoutExpired:
                provider.kill()
                provider.wait(5)


@dataclass
class Camera:
    """The window being shot, where the pictures go, and what they must never show."""

    app: QApplication
    window: MainWindow
    out: Path
    #: paths that name this machine (the sandbox, the checkout): no picture may show one
    private: tuple[str, ...]
    leaks: list[str] = field(default_factory=list)

    def grab(self, name: str) -> None:
        _settle(self.app, self.window)
        self.check(name, self.window)
        path = self.out / name
        if not self.window.grab().save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        print(f"  {name}")

    def check(self, name: str, root: QWidget) -> None:
        """Note every visible text under ``root`` that shows a private path."""
        for where, text in _visible_texts(root):
            if any(p in text for p in self.private):
                self.leaks.append(f"{name}: {where} shows {text.strip()[:120]!r}")


def _visible_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(widget, text) for the texts on screen under ``root``: labels, fields, tab titles,
    buttons and the cells of item views in sight (of their first 400 rows)."""
    from PySide6.QtCore import QModelIndex, Qt
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QLabel,
        QLineEdit,
        QMenu,
        QPlainTextEdit,
        QTabBar,
        QTextEdit,
        QWidget,
    )

    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        where = f"{type(widget).__name__} {widget.objectName()}".strip()
        if isinstance(widget, (QLabel, QLineEdit, QAbstractButton)):
            yield where, widget.text()
        elif isinstance(widget, QComboBox):
            yield where, widget.currentText()
        elif isinstance(widget, (QTextEdit, QPlainTextEdit)):
            yield where, widget.toPlainText()
        elif isinstance(widget, QMenu):
            yield where, " ".join(action.text() for action in widget.actions())
        elif isinstance(widget, QTabBar):
            yield where, " ".join(widget.tabText(i) for i in range(widget.count()))
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model, top = widget.model(), QModelIndex()
            try:
                columns = model.columnCount(top)
            except TypeError:  # a list model keeps its one column private
                columns = 1
            for row in range(min(model.rowCount(top), 400)):
                for column in range(columns):
                    index = model.index(row, column)
                    if not widget.visualRect(index).intersects(widget.viewport().rect()):
                        continue  # scrolled out of the picture
                    value = index.data(Qt.ItemDataRole.DisplayRole)
                    if isinstance(value, str):
                        yield where, value


def _shoot_window(
    app: QApplication, project: Path, out: Path, port: int, *, want_tray: bool
) -> int:
    from asgideck.gui.main_window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    print(f"screenshots of ~/projects/{project.name} ({app.platformName()}) into {out}:")
    window = MainWindow()
    window.resize(*SIZE)
    window.move(40, 30)
    window.show()
    home = Path(os.environ["HOME"])
    camera = Camera(app, window, out, (str(home), str(REPO), tempfile.gettempdir() + os.sep))
    try:
        _load(app, window, lambda: window.open_path(project))
        _views(camera)
        _server_views(camera, _port(port), want_tray=want_tray)
    finally:
        window.close()
        window.drain()
    if camera.leaks:
        print(
            "screenshots: these pictures show a path of this machine (the window should "
            "write the home folder as ~):\n  " + "\n  ".join(camera.leaks),
            file=sys.stderr,
        )
        return 1
    return 0


def _views(camera: Camera) -> None:
    """The views that need no server: Overview on production, Routes, Middleware."""
    app, window = camera.app, camera.window
    window.show_tab("overview")
    _load(app, window, lambda: window.select_profile("production"))  # the one with findings
    camera.grab("main.png")
    _load(app, window, lambda: window.select_profile("development"))
    window.show_tab("routes")
    window.routes_view.select_path("GET", "/api/v1/items/{item_id}")
    camera.grab("routes.png")
    window.show_tab("middleware")
    camera.grab("middleware.png")
    _deploy_view(camera)


def _deploy_view(camera: Camera) -> None:
    """Deploy: the production server's Compose files for 3 instances, nginx's previewed,
    and the real checks run (blocking readiness findings first)."""
    app, window = camera.app, camera.window
    window.show_tab("deploy")
    page = window.page
    assert page is not None
    view = page.deploy_view
    view.select(target="compose", server="production", instances=3)
    _pump_until(
        app,
        lambda: (
            view.generated is not None
            and view.generated.target == "compose"
            and not view.scope.pending("generate")
        ),
        timeout=60,
    )
    view.select_file("nginx.compose.conf")
    view.check()
    _pump_until(app, lambda: bool(view.results), timeout=120)
    camera.grab("deploy.png")


def _server_views(camera: Camera, port: int, *, want_tray: bool) -> None:
    """Start development, send traffic: Logs, Try, the 900×600 window and the tray menu."""
    app, window = camera.app, camera.window
    manager, panel = window.manager, window.servers_panel
    assert manager is not None and panel is not None
    manager.update("development", replace(manager.server("development").config, port=port))
    panel.rebuild()
    panel.select("development")
    panel.start_selected()
    _pump_until(app, lambda: panel.state_of("development") == "running")
    window.show_tab("logs")
    failed: list[BaseException] = []

    def traffic() -> None:
        try:
            _traffic(port)
        except BaseException as exc:  # reported on the main thread
            failed.append(exc)

    sender = threading.Thread(target=traffic, name="screenshots-traffic")
    sender.start()
    _pump_until(app, lambda: not sender.is_alive(), timeout=60)
    sender.join()
    if failed:
        raise SystemExit(f"screenshots: the sample server did not answer: {failed[0]}")
    camera.grab("servers.png")
    _requests_view(camera)

    _pump_until(app, lambda: window.inspection.snapshot.source == "server")
    window.show_tab("routes")
    window.routes_view.select_path("GET", "/api/v1/items")
    window.routes_view.try_selected()
    shown: list[bool] = []
    window.try_view.response.shown.connect(lambda: shown.append(True))
    window.try_view.send()
    _pump_until(app, lambda: bool(shown))
    camera.grab("try.png")

    window.resize(*SMALL)
    _pump_until(app, lambda: (window.width(), window.height()) == SMALL, timeout=10)
    camera.grab("small.png")
    window.resize(*SIZE)

    if want_tray:
        _tray_shot(camera)
    _services_view(camera, _port(0))


def _requests_view(camera: Camera) -> None:
    """The Requests tab after the traffic: the development server records (its default),
    a request that ran SQL selected, its waterfall through the real middleware stack."""
    app, window = camera.app, camera.window
    window.show_tab("requests")
    page = window.page
    assert page is not None
    view = page.requests_view
    if view.source is None or not view.source.recording:
        print("screenshots: development does not record: requests.png is NOT made", file=sys.stderr)
        return
    try:  # the last requests of the traffic are read on the tab's next polls
        _pump_until(app, lambda: any(r.sql for r in view.model.rows()), timeout=30)
    except TimeoutError:
        print("screenshots: no request with SQL was recorded: requests.png is NOT made",
              file=sys.stderr)  # fmt: skip
        return
    view.timer.stop()  # a still picture: no poll lands while it is taken
    # the items list: a few layers, its dependencies, its query (a short, whole waterfall)
    rows = view.model.rows()
    listed = [r for r in rows if r.sql and r.status == 200 and r.route == "/api/v1/items"]
    record = max(listed or [r for r in rows if r.sql], key=lambda r: r.duration_ms)
    view.split.setSizes([250, 430])
    view.select(record.id)  # scrolled into view
    view.detail.show_page("timeline")
    camera.grab("requests.png")


def _services_view(camera: Camera, port: int) -> None:
    """The staging server started from the sidebar (its Postgres, Redis and mail catcher
    first, each until it answers its protocol): the SERVICES section with every light
    green, the app's log in front. Stopped again (apps, then services) afterwards."""
    app, window = camera.app, camera.window
    manager, panel, services = window.manager, window.servers_panel, window.services
    assert manager is not None and panel is not None and services is not None
    if "staging" not in (s.name for s in manager.servers):
        print(
            "screenshots: the sample has no staging server: services.png is NOT made",
            file=sys.stderr,
        )
        return
    problems: list[str] = []
    services.warn = panel.warn = lambda _title, text: problems.append(text)  # never modal
    # a question (a port taken, a password refused) is answered No, and ends the wait below
    services.ask = lambda box: problems.append(box.text()) or None
    panel.start_blockers = lambda _name: []  # staging's findings are not this picture's subject
    manager.update("staging", replace(manager.server("staging").config, port=port, reload=False))
    panel.rebuild()
    panel.select("staging")  # selects the staging profile: the section lists its services
    _settle(app, window)
    panel.start_selected()
    settled = ("running", "crashed", "crash-loop")
    _pump_until(app, lambda: bool(problems) or panel.state_of("staging") in settled, timeout=180)
    try:
        if problems or panel.state_of("staging") != "running":
            print(
                "screenshots: staging did not start, services.png is NOT made: "
                + ("; ".join(problems) or panel.state_of("staging"))
                + " (install postgresql and redis-server)",
                file=sys.stderr,
            )
            return
        local = [n.name for n in services.needs if n.local]
        services.refresh_states()
        _pump_until(app, lambda: all(services.state_of(n) == "ready" for n in local), timeout=30)
        window.show_tab("logs")
        # requests that write to Postgres and read back through Redis: the log in view
        # is the app at work (and its first line, naming the sandbox, scrolls away)
        failed: list[BaseException] = []

        def traffic() -> None:
            try:
                _traffic(port)
            except BaseException as exc:  # said below, on the main thread
                failed.append(exc)

        sender = threading.Thread(target=traffic, name="screenshots-services-traffic")
        sender.start()
        _pump_until(app, lambda: not sender.is_alive(), timeout=60)
        sender.join()
        if failed:
            print(f"screenshots: staging answered with an error: {failed[0]}", file=sys.stderr)
        camera.grab("services.png")
    finally:
        services.stop_all()  # every server, then every service: nothing outlives the shots
        _pump_until(
            app,
            lambda: (
                not any(s.running for s in manager.servers)
                and not any(
                    services.state_of(n.name) in ("ready", "starting", "stopping")
                    for n in services.needs
                )
            ),
            timeout=60,
        )


def _traffic(port: int) -> None:
    """A few seconds of requests, paced like a user clicking about: enough that the log's
    newest lines (the ones in view, Follow on) are all requests, with a 401, 404s and a
    422 among them, and the status bar's rate is not zero. Runs on its own thread."""
    import httpx

    def get(path: str, **kwargs: Any) -> None:
        client.get(path, **kwargs)
        time.sleep(0.08)  # pacing the traffic, not waiting for anything

    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        get("/health")
        get("/api/v1/users/me")
        token = client.post(
            "/api/v1/auth/token", data={"username": "alice", "password": "wonderland-demo"}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        get("/api/v1/users/me", headers=auth)
        for round_ in range(4):
            get("/api/v1/items", params={"limit": 5 * (round_ + 1)})
            get(f"/api/v1/items/{round_ % 2 + 1}")
            get("/health")
        client.post("/api/v1/items", json={"name": "Mad hat", "price": 10.5}, headers=auth)
        get("/api/v1/items/999")
        get("/api/v1/items/abc")
        get("/api/v1/admin/stats", headers=auth)
        for round_ in range(3):
            get("/api/v1/users", headers=auth)
            get("/api/v1/items", params={"skip": round_ * 5, "limit": 5})
        get("/nope")
        get("/api/v1/users/me", headers=auth)
        for item in (1, 2, 3):
            get(f"/api/v1/items/{item}")
        get("/health")


def _tray_shot(camera: Camera) -> None:
    """The window hidden to the tray and the tray menu open above its icon: the screen
    around both, as the user sees it."""
    from PySide6.QtCore import QPoint, QRect

    app, window, path = camera.app, camera.window, camera.out / "tray.png"
    tray = window.tray
    _pump_until(app, lambda: tray.icon.isVisible() and tray.icon.geometry().isValid(), 15)
    window.hide()
    icon = tray.icon.geometry()
    menu = tray.menu
    menu.ensurePolished()
    size = menu.sizeHint()  # opened above the icon, right-aligned with it, as trays do
    menu.popup(QPoint(icon.right() + 1 - size.width(), icon.top() - 2 - size.height()))
    _pump_until(app, menu.isVisible, timeout=10)
    _settle(app, window)
    camera.check(path.name, menu)
    start = time.monotonic()
    _pump_until(app, lambda: time.monotonic() - start > 0.3)  # the menu's first paint on X
    area = menu.geometry().united(icon).adjusted(-24, -24, 24, 8)
    screen = app.primaryScreen()
    area = area.intersected(QRect(QPoint(0, 0), screen.size()))
    shot = screen.grabWindow(0, area.x(), area.y(), area.width(), area.height())
    menu.hide()
    window.show()
    if not shot.save(str(path)):
        raise SystemExit(f"screenshots: could not write {path}")
    print(f"  {path.name}")


if __name__ == "__main__":
    sys.exit(main())
