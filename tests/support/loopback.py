"""Start a real uvicorn server in a child process on a free loopback port, and stop it.

Used by the request-client tests (client, curl, history, load, WebSocket). The
child's output goes to a file, so a failed start shows why; on exit the child
is terminated, then killed, so no test leaves it behind. ``sample_env`` is sample_app's
profile as a server gets it; ``serve_handler`` answers from a thread, with no child.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dotenv import dotenv_values

from asgideck.runtime.servers import free_port
from support import APPS, SAMPLE_APP

DEMO_USER = ("alice", "wonderland-demo")  # sample_app's seeded demo user


def _wait_open(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)  # polling a condition (the port), bounded by the deadline
    raise RuntimeError(f"server did not open port {port} within {timeout} s:\n{log.read_text()}")


@contextmanager
def serve(
    target: str,
    *,
    app_dir: Path = APPS,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    log: Path,
    timeout: float = 30.0,
) -> Iterator[str]:
    """Run ``uvicorn TARGET`` on 127.0.0.1 and yield its base URL."""
    port = port or free_port()
    argv = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--app-dir", str(app_dir), "--no-access-log"]
    argv += ["--timeout-graceful-shutdown", "3"]
    child_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv, cwd=cwd or app_dir, env=child_env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_open(port, proc, log, timeout)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def serve_echo(log_dir: Path) -> Iterator[str]:
    with serve("client_echo_app:app", log=log_dir / "echo-server.log") as base_url:
        yield base_url


def sample_env(database: Path, profile: str = "development") -> dict[str, str]:
    """sample_app's ``profile`` (.env + .env.<profile>), its database in ``database``."""
    env: dict[str, str] = {}
    for name in (".env", f".env.{profile}"):
        values = dotenv_values(SAMPLE_APP / name)
        env.update({key: value for key, value in values.items() if value is not None})
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return env


@contextmanager
def serve_sample(tmp: Path, *, port: int | None = None) -> Iterator[str]:
    """The bundled sample_app, as asgideck starts it for the development profile."""
    with serve(
        "app.main:app",
        app_dir=SAMPLE_APP,
        cwd=SAMPLE_APP,
        env=sample_env(tmp / "sample.db"),
        port=port,
        log=tmp / "sample-server.log",
    ) as base_url:
        yield base_url


@contextmanager
def serve_handler(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler``'s canned answers from a thread in this process, on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
