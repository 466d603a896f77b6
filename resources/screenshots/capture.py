"""Make the README's screenshots offscreen: ``make screenshots``.

Opens the window on sample_app (with private user state), starts the development
server on a free port, sends a few requests, and grabs each view.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "resources" / "screenshots"
SIZE = (1180, 740)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    with tempfile.TemporaryDirectory(prefix="asgideck-shots-") as home:
        os.environ["ASGIDECK_HOME"] = home
        return _shoot()


def _pump_until(app, condition: Callable[[], bool], timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("screenshot: timed out waiting for the window")
        app.processEvents()
        time.sleep(0.02)


def _shoot() -> int:
    import httpx

    from asgideck.gui.app import make_app
    from asgideck.gui.main_window import MainWindow
    from asgideck.runtime.servers import free_port

    app = make_app()
    window = MainWindow()
    window.resize(*SIZE)
    loaded = []
    window.loaded.connect(lambda: loaded.append(True))
    window.open_path(REPO / "sample_app")
    window.show()
    _pump_until(app, lambda: bool(loaded) and not window.runner.busy)
    loaded.clear()
    window.select_profile("production")  # the profile with something to say
    _pump_until(app, lambda: bool(loaded) and not window.runner.busy)
    OUT.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(OUT / "main.png"))
    loaded.clear()
    window.select_profile("development")
    _pump_until(app, lambda: bool(loaded) and not window.runner.busy)
    window.show_tab("routes")
    window.routes_view.select_path("GET", "/api/v1/items/{item_id}")
    _pump_until(app, lambda: True)
    window.grab().save(str(OUT / "routes.png"))
    window.show_tab("middleware")
    _pump_until(app, lambda: True)
    window.grab().save(str(OUT / "middleware.png"))

    manager, panel = window.manager, window.servers_panel
    assert manager is not None and panel is not None
    port = free_port()
    manager.update("development", replace(manager.server("development").config, port=port))
    panel.rebuild()
    panel.select("development")
    panel.start_selected()
    try:
        _pump_until(app, lambda: panel.state_of("development") == "running")
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=5) as client:
            client.get("/health")
            client.get("/api/v1/items", params={"limit": 5})
            client.get("/api/v1/users/me")
            client.get("/api/v1/items/999")
            token = client.post(
                "/api/v1/auth/token", data={"username": "alice", "password": "wonderland-demo"}
            ).json()["access_token"]
            client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
            client.get("/nope")
        window.show_tab("logs")
        start = time.monotonic()
        _pump_until(app, lambda: time.monotonic() - start > 1.5)  # two stats samples
        window.grab().save(str(OUT / "servers.png"))
        _pump_until(app, lambda: window.inspection.snapshot.source == "server")
        window.routes_view.select_path("GET", "/api/v1/items")
        window.routes_view.try_selected()
        shown = []
        window.try_view.response.shown.connect(lambda: shown.append(True))
        window.try_view.send()
        _pump_until(app, lambda: bool(shown))
        settle = time.monotonic()
        _pump_until(app, lambda: time.monotonic() - settle > 0.5 and not window.runner.busy)
        window.grab().save(str(OUT / "try.png"))
    finally:
        window.close()
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.png')))} to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
