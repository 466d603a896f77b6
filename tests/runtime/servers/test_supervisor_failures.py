"""A server that does not come up says why, fast; a crash is seen at once; busy ports are named."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.servers import (
    LaunchFailed,
    PortInUse,
    ServerEvent,
    StateChanged,
    Supervisor,
    is_port_free,
)
from asgideck.runtime.servers import _registry as registry
from support.servers import (
    SETTINGS_APP,
    assert_tree_gone,
    make_spec,
    wait_until,
    write_app,
)

pytestmark = pytest.mark.integration


def start_until_settled(sup: Supervisor, timeout: float = 20) -> tuple[str, str]:
    sup.start()
    status = sup.wait_for("running", "crashed", timeout=timeout)
    return status.state, status.error or ""


@pytest.mark.parametrize(
    ("source", "app", "kind", "expected"),
    [
        (None, "nope:app", "uvicorn", 'Could not import module "nope"'),
        (None, "tiny:nope", "uvicorn", 'Attribute "nope" not found in module "tiny"'),
        ("x = (\n", "broken:app", "uvicorn", "SyntaxError: '(' was never closed"),
        (
            "import not_installed_xyz\n",
            "broken:app",
            "uvicorn",
            "No module named 'not_installed_xyz'",
        ),
        (SETTINGS_APP, "broken:app", "uvicorn", "secret_key\n  Field required"),
        ("x = (\n", "broken:app", "gunicorn", "SyntaxError: '(' was never closed"),
        (SETTINGS_APP, "broken:app", "gunicorn", "secret_key\n  Field required"),
    ],
    ids=[
        "bad-module",
        "bad-attr",
        "syntax",
        "import",
        "settings",
        "gunicorn-syntax",
        "gunicorn-settings",
    ],
)
def test_startup_failure_shows_the_real_error(
    tmp_path: Path, source: str | None, app: str, kind: str, expected: str
) -> None:
    root = write_app(tmp_path / "proj")
    if source is not None:
        write_app(root, source, "broken")
    sup = Supervisor(make_spec(root, app, kind=kind))
    state, error = start_until_settled(sup)
    try:
        # from the exit itself (its code and the real error), not a ready timeout
        assert state == "crashed"
        assert expected in error
        assert "HaltServer" not in error
        assert sup.status.exit_code not in (None, 0)
        assert error.startswith(f"exit code {sup.status.exit_code}")
        assert registry.entries() == []
    finally:
        sup.stop()


def test_crash_while_running_is_detected(tmp_path: Path) -> None:
    spec = make_spec(write_app(tmp_path / "proj"))
    crashed_at: list[ServerEvent] = []

    def on_event(event: ServerEvent) -> None:
        if isinstance(event, StateChanged) and event.status.state == "crashed":
            crashed_at.append(event)

    sup = Supervisor(spec, on_event=on_event)
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=20).state == "running"
        pids = sup.pids
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{spec.port}/crash")
        # the exit itself is the news (no request or poll needed); 10 s bounds a hang only
        assert wait_until(lambda: bool(crashed_at), 10)
        assert len(crashed_at) == 1
        status = sup.status
        assert status.state == "crashed" and status.exit_code == 3
        assert status.pid is None
    finally:
        sup.stop()
    assert_tree_gone(pids, spec.port)
    assert registry.entries() == []


def test_port_in_use_names_the_holder_and_a_free_port(tmp_path: Path) -> None:
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    sup = Supervisor(make_spec(write_app(tmp_path / "proj"), port=port))
    try:
        with pytest.raises(PortInUse) as info:
            sup.start()
    finally:
        holder.close()
    error = info.value
    assert error.holder is not None and error.holder.pid == os.getpid()
    assert error.suggestion is not None and error.suggestion > port
    assert f"Port {port} on 127.0.0.1 is in use by pid {os.getpid()}" in str(error)
    assert f"Port {error.suggestion} is free." in str(error)
    assert error.entry is None
    assert sup.state == "stopped" and sup.pids == []
    assert any(f"Port {port}" in ln.text for ln in sup.buffer.snapshot())


def test_port_held_by_an_asgideck_server_is_recognised(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj")
    first = Supervisor(make_spec(root, kind="gunicorn", workers=2))
    first.start()
    try:
        assert first.wait_for("running", "crashed", timeout=20).state == "running"
        second = Supervisor(make_spec(root, port=first.spec.port))
        with pytest.raises(PortInUse) as info:
            second.start()
        assert info.value.entry is not None and info.value.entry.id == first.id
        assert "asgideck started earlier" in str(info.value)
    finally:
        first.stop()


def test_not_ready_in_time_is_stopped_and_reported(tmp_path: Path) -> None:
    hanging = (
        "import asyncio\n"
        "async def app(scope, receive, send):\n"
        "    await receive()\n"
        "    await asyncio.sleep(3600)\n"
    )
    spec = make_spec(write_app(tmp_path / "proj", hanging, "hang"), "hang:app")
    sup = Supervisor(spec, ready_timeout=1.0)
    sup.start()
    status = sup.wait_for("crashed", timeout=15)
    assert status.state == "crashed"
    assert "not ready within 1 s" in (status.error or "")
    assert sup.pids == []
    assert is_port_free(spec.port)
    assert registry.entries() == []


def test_missing_interpreter_or_folder_fails_clearly(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj")
    sup = Supervisor(make_spec(root, python=tmp_path / "no-python"))
    with pytest.raises(LaunchFailed, match=r"interpreter not found: .*no-python"):
        sup.start()
    assert sup.state == "crashed"
    sup2 = Supervisor(make_spec(tmp_path / "missing-root"))
    with pytest.raises(LaunchFailed, match="project folder not found"):
        sup2.start()


def _python_without_uvicorn() -> str | None:
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3", shutil.which("python3")):
        if not candidate or not Path(candidate).exists():
            continue
        probe = subprocess.run([candidate, "-c", "import uvicorn"], capture_output=True)
        if probe.returncode != 0:
            return candidate
    return None


def test_interpreter_without_the_server_says_so(tmp_path: Path) -> None:
    python = _python_without_uvicorn()
    if python is None:
        pytest.skip("no interpreter without uvicorn on this machine")
    sup = Supervisor(make_spec(write_app(tmp_path / "proj"), python=Path(python)))
    with pytest.raises(LaunchFailed, match="uvicorn is not installed in the project's interpreter"):
        sup.start()  # known before spawning: the interpreter was asked which servers it has
    status = sup.status
    assert status.state == "crashed"
    assert f"{python} -m pip install uvicorn" in (status.error or "")
