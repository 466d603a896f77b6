"""Say why a server does not come up: the profile's services checked before the start,
the waiting startup's stack and the service it waits on shown within seconds, and a
startup failure (exit code 3) never restarted."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.servers import (
    Notice,
    ServerEvent,
    ServerSpec,
    StateChanged,
    Supervisor,
    free_port,
)
from support.projects import copy_project, make_venv
from support.servers import PY, assert_tree_gone, make_spec, write_app

pytestmark = pytest.mark.integration


def waits_on_service(tmp_path: Path) -> tuple[Path, Path, int]:
    """The fixture project, its venv, and a loopback port nobody listens on."""
    root = copy_project("waits_on_service", tmp_path)
    python = make_venv(tmp_path / "venv", only_here=["fixture_only_waits"])
    return root, python, free_port()  # free = nothing accepts there: connections are refused


def spec_for(root: Path, python: Path, closed: int) -> ServerSpec:
    env = {"BROKER_URL": f"amqp://guest:guest@127.0.0.1:{closed}/"}
    return ServerSpec(kind="uvicorn", app="app.main:app", root=root, python=python, env=env,
                      port=free_port())  # fmt: skip


class Recorder:
    def __init__(self) -> None:
        self.events: list[ServerEvent] = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)

    def __call__(self, event: ServerEvent) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def wait_notice(self, needle: str, timeout: float) -> Notice | None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for event in self.events:
                    if isinstance(event, Notice) and needle in event.text:
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)


def test_a_slow_startup_shows_its_stack_and_the_service_it_waits_on(
    tmp_path: Path,
) -> None:
    root, python, closed = waits_on_service(tmp_path)
    events = Recorder()
    sup = Supervisor(spec_for(root, python, closed), on_event=events, log_to_file=False)
    sup.start()
    try:  # the stack comes after stall_after (4 s); 30 s bounds a hang only
        notice = events.wait_notice("stack", timeout=30)
        assert notice is not None, [ln.text for ln in sup.buffer.snapshot()][-30:]
        head = notice.text.splitlines()[0]
        assert head.startswith("not ready after ")
        assert f"waiting on BROKER_URL (amqp at 127.0.0.1:{closed})" in head
        assert "not accepting connections" in head
        # the asyncio task's stack, not just the event loop's select(): where it waits
        assert "connect_broker" in notice.text and "app/broker.py" in notice.text
        status = sup.status
        assert status.state == "starting" and status.diagnosis == notice.text
        texts = [ln.text for ln in sup.buffer.snapshot()]
        down = next(i for i, t in enumerate(texts) if "BROKER_URL" in t and "not accepting" in t)
        starting = next(i for i, t in enumerate(texts) if t.startswith("asgideck: starting: "))
        assert down < starting, texts[:5]  # named before the start, by variable
        pids = sup.pids
    finally:
        result = sup.stop()
        sup.close(0)
    assert result.clean
    assert_tree_gone(pids, sup.spec.port)


def test_not_ready_in_time_says_what_it_waited_on_and_that_asgideck_stopped_it(
    tmp_path: Path,
) -> None:
    root, python, closed = waits_on_service(tmp_path)
    sup = Supervisor(
        spec_for(root, python, closed), log_to_file=False, ready_timeout=5, stall_after=60
    )
    sup.start()
    pids = sup.pids
    status = sup.wait_for("crashed", timeout=20)
    sup.close(0)
    assert status.state == "crashed" and status.message == "not ready"
    assert status.exit_code is None  # asgideck ended it: no "crashed (exit code -9)"
    assert status.error is not None
    head = status.error.splitlines()[0]
    assert head.startswith("not ready within 5 s; waiting on BROKER_URL"), head
    assert head.endswith("; stopped")
    assert "connect_broker" in status.error
    assert_tree_gone(pids, sup.spec.port)


FAILING_LIFESPAN = """\
async def app(scope, receive, send):
    assert scope["type"] == "lifespan"
    await receive()
    await send({"type": "lifespan.startup.failed", "message": "database is down"})
"""


def test_startup_failure_exit_code_3_is_never_restarted(tmp_path: Path) -> None:
    write_app(tmp_path, FAILING_LIFESPAN, module="failing")
    waits: list[float] = []

    def restart_waiter(cancel: threading.Event, delay: float) -> bool:
        waits.append(delay)
        return False  # would restart at once

    sup = Supervisor(
        make_spec(tmp_path, app="failing:app"),
        auto_restart=True,
        restart_waiter=restart_waiter,
        log_to_file=False,
    )
    sup.start()
    status = sup.wait_for("crashed", "crash-loop", timeout=20)
    assert sup.flush_events()
    final = sup.status
    sup.close(0)
    assert status.exit_code == 3
    assert final.state == "crashed" and final.next_restart_in is None
    assert "not restarted" in final.message
    assert waits == []  # no restart was even scheduled


def test_a_crash_that_is_not_a_startup_failure_still_restarts(tmp_path: Path) -> None:
    """The rule is about uvicorn's startup failure: an app that served and then ends
    itself with exit code 3 (``os._exit(3)``) crashed, and is restarted."""
    write_app(tmp_path)
    waits: list[float] = []
    spawned = threading.Event()

    def restart_waiter(cancel: threading.Event, delay: float) -> bool:
        waits.append(delay)
        spawned.set()
        return True  # cancelled: the test only checks that a restart was scheduled

    events: list[StateChanged] = []
    sup = Supervisor(
        make_spec(tmp_path),
        auto_restart=True,
        restart_waiter=restart_waiter,
        log_to_file=False,
        on_event=lambda e: events.append(e) if isinstance(e, StateChanged) else None,
    )
    sup.start()
    assert sup.wait_for("running", timeout=20).state == "running"
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{sup.spec.port}/crash", timeout=5)  # os._exit(3) when up
    assert spawned.wait(10)
    sup.close(0)
    assert waits == [1.0]


def test_services_check_names_variables_and_is_parallel(tmp_path: Path) -> None:
    import socket

    from asgideck.runtime.servers._services import check_services, service_targets

    listener = socket.create_server(("127.0.0.1", 0))
    up_port = listener.getsockname()[1]
    closed, closed_too = free_port(), free_port()
    env = {
        "DATABASE_URL": f"postgresql+asyncpg://u:p@127.0.0.1:{up_port}/db",
        "REDIS_URL": "redis://127.0.0.1",  # default port by scheme
        "POSTGRES_SERVER": "127.0.0.1",  # full-stack-fastapi-template's names
        "POSTGRES_PORT": str(closed_too),
        "SMTP_HOST": "127.0.0.1",
        "SENTRY_DSN": "https://key@o1.ingest.sentry.io/1",  # http(s): not a service
        "APP_HOST": "0.0.0.0",  # the app's own bind
        "APP_PORT": "8000",
        "BROKER_URL": f"amqp://127.0.0.1:{closed}//",
    }
    try:
        targets = service_targets(env)
        assert [(t.variable, t.port, t.kind) for t in targets] == [
            ("DATABASE_URL", up_port, "postgresql"),
            ("REDIS_URL", 6379, "redis"),
            ("BROKER_URL", closed, "amqp"),
            ("POSTGRES_SERVER/POSTGRES_PORT", closed_too, "postgres"),
            ("SMTP_HOST", 25, "smtp"),
        ]
        checks = check_services(targets[:1] + targets[2:4], timeout=1.0)
    finally:
        listener.close()
    assert [c.up for c in checks] == [True, False, False]
    assert "not accepting connections" in checks[1].describe()
    assert checks[1].describe().startswith(f"BROKER_URL (amqp at 127.0.0.1:{closed})")


def test_python_used_by_the_sitecustomize_does_not_hide_the_projects_own(tmp_path: Path) -> None:
    """asgideck's stack-dump sitecustomize still runs a project's own sitecustomize."""
    import subprocess

    from asgideck.runtime.servers._stall import STACK_SIGNAL, site_dir

    folder = site_dir()
    assert folder is not None
    own = tmp_path / "own"
    own.mkdir()
    (own / "sitecustomize.py").write_text("import builtins\nbuiltins.PROJECT_SITE = True\n")
    code = (
        "import builtins, signal, faulthandler;"
        "print(getattr(builtins, 'PROJECT_SITE', False));"
        f"print(signal.getsignal({STACK_SIGNAL}) not in (signal.SIG_DFL, None))"
    )
    env = {"PYTHONPATH": f"{folder}:{own}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [str(PY), "-c", code], env=env, capture_output=True, text=True, timeout=30, check=True
    ).stdout.split()
    assert out == ["True", "True"]


def test_a_slow_start_that_comes_up_drops_its_diagnosis(tmp_path: Path) -> None:
    """Once the broker answers and the app is ready, the waiting note is history: a crash
    hours later must not show it as the reason."""
    import socket

    root, python, closed = waits_on_service(tmp_path)
    events = Recorder()
    sup = Supervisor(spec_for(root, python, closed), on_event=events, log_to_file=False)
    sup.start()
    broker = socket.socket()
    try:
        assert events.wait_notice("stack", timeout=15) is not None
        assert sup.status.diagnosis
        broker.bind(("127.0.0.1", closed))  # the broker comes up: the app's retry connects
        broker.listen()
        status = sup.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        assert status.diagnosis is None
        pids = sup.pids
    finally:
        result = sup.stop()
        sup.close(0)
        broker.close()
    assert result.clean
    assert_tree_gone(pids, sup.spec.port)
