"""A tiny FastAPI project with two profiles, ``dev`` and ``prod``, for the GUI tests of
"what am I looking at": ``dev`` has a development-only route, ``prod`` does not; the
default launch configs give each profile a server of the same name."""

from __future__ import annotations

from pathlib import Path

APP = """\
import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello() -> dict:
    return {"mode": os.environ.get("APP_MODE", "")}


if os.environ.get("APP_MODE") == "development":

    @app.get("/dev-only")
    def dev_only() -> dict:
        return {"debug": True}
"""


def write_two_profiles(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "main.py").write_text(APP)
    (root / ".env").write_text("APP_MODE=base\n")
    (root / ".env.dev").write_text("APP_MODE=development\n")
    (root / ".env.prod").write_text("APP_MODE=production\n")
    return root


def fast_servers(window) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Both servers as one plain uvicorn process each on a free port; {name: port}."""
    from dataclasses import replace

    from asgideck.runtime.servers import free_port

    manager, ports = window.manager, {}
    for name in ("dev", "prod"):
        ports[name] = free_port()
        config = manager.server(name).config
        manager.update(
            name, replace(config, kind="uvicorn", port=ports[name], reload=False, workers=1)
        )
    window.servers_panel.rebuild()
    return ports
