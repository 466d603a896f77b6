"""Shared by the supervisor/registry tests: tiny ASGI apps, specs, survivor checks, polling."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import psutil

from asgideck.runtime.servers import ServerSpec, free_port, is_port_free
from support import REPO

PY = Path(sys.executable)

TINY_APP = """\
import os


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/crash":
        os._exit(3)
    status = 404 if scope["path"] == "/missing" else 200
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"""

SETTINGS_APP = """\
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    secret_key: str


settings = Settings()


async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": settings.secret_key.encode()})
"""

#: (kind, spec changes) for the five launch modes of issue #3.
MODES: dict[str, dict[str, Any]] = {
    "uvicorn": {"kind": "uvicorn"},
    "uvicorn-reload": {"kind": "uvicorn", "reload": True},
    "uvicorn-workers": {"kind": "uvicorn", "workers": 2},
    "gunicorn-uvicorn-worker": {"kind": "gunicorn", "workers": 2},
    "gunicorn-asgi": {"kind": "gunicorn", "workers": 2, "worker_class": "asgi"},
}


def write_app(root: Path, source: str = TINY_APP, module: str = "tiny") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(source)
    return root


def make_spec(root: Path, app: str = "tiny:app", **changes: Any) -> ServerSpec:
    values: dict[str, Any] = {
        "kind": "uvicorn",
        "app": app,
        "root": root,
        "python": PY,
        "port": free_port(),
        "graceful_timeout": 3,
    }
    values.update(changes)
    return ServerSpec(**values)


def bare_spec(root: Path, /, **changes: Any) -> ServerSpec:
    """A spec with only the required fields set (``changes`` may override any, ``root`` too);
    everything else is ServerSpec's default."""
    values: dict[str, Any] = {"kind": "uvicorn", "app": "app.main:app", "root": root, "python": PY}
    values.update(changes)
    return ServerSpec(**values)


def live(pids: Iterable[int]) -> list[int]:
    """Pids still running (zombies count as gone)."""
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.Error:
            continue
    return out


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def assert_tree_gone(pids: Iterable[int], port: int, host: str = "127.0.0.1") -> None:
    pids = list(pids)
    assert pids, "no pids were tracked"
    assert live(pids) == [], f"survivors: {live(pids)}"
    assert is_port_free(port, host), f"port {port} still bound"


# A stand-in for a whole asgideck process: starts a server, reports, then waits to be killed.
FAKE_ASGIDECK = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from asgideck.runtime.servers._launch import ServerSpec
from asgideck.runtime.servers._supervisor import Supervisor
sup = Supervisor(ServerSpec(**json.loads(sys.argv[2])), log_to_file=False)
sup.start()
status = sup.wait_for("running", "crashed", timeout=30)
report = {
    "state": status.state, "error": status.error, "id": sup.id, "pid": status.pid, "pids": sup.pids
}
print(json.dumps(report), flush=True)
time.sleep(600)
"""


def spec_json(spec: ServerSpec) -> str:
    fields = ("kind", "app", "port", "reload", "workers", "worker_class", "graceful_timeout")
    data: dict[str, Any] = {name: getattr(spec, name) for name in fields}
    data.update(root=str(spec.root), python=str(spec.python), env=dict(spec.env))
    return json.dumps(data)


@contextlib.contextmanager
def orphan_reaper() -> Iterator[list[int]]:
    """Process groups to SIGKILL at the end, so a failing orphan test leaks nothing."""
    groups: list[int] = []
    try:
        yield groups
    finally:
        for pgid in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)


def run_and_kill_asgideck(spec: ServerSpec, reaper: list[int]) -> dict[str, Any]:
    """Start the server from another process, then SIGKILL that process (not the server).

    The child shares ASGIDECK_HOME (the same state file), as a later asgideck would.
    The server's process group goes into ``reaper`` (see ``orphan_reaper``).
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", FAKE_ASGIDECK, str(REPO), spec_json(spec)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert proc.stdout is not None
        report: dict[str, Any] = json.loads(proc.stdout.readline())
        if report.get("pid"):
            reaper.append(report["pid"])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert report["state"] == "running", report["error"]
    workers = spec.workers or 1
    assert len(report["pids"]) >= (1 if workers == 1 and not spec.reload else 2)
    return report
