"""One service's life, piece by piece, with real processes: spawned detached (output to a
file, as another user when root), registered as a service (listed, never an orphan,
stopped with its own signal), ready only when its protocol answers (a port that merely
accepts is not ready), stopped again when it never answers or exits while starting; its
data folder; its log followed into a LogBuffer; the shell command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.servers import (
    Entry,
    alive_entries,
    free_port,
    is_port_free,
    new_id,
    register,
    spawn,
    stop_orphan,
    unregister,
)
from asgideck.runtime.servers._registry import orphans
from asgideck.runtime.services import (
    MailEngine,
    NotReady,
    ServiceNeed,
    ServiceSet,
    data_dir,
    services_root,
    shell_launch,
    start_with_services,
)
from asgideck.runtime.services._datadir import SYSTEM_ROOT, moved_aside
from asgideck.runtime.services._follow import LogFollower
from asgideck.runtime.services._lifecycle import find_entry, start_service
from asgideck.runtime.services._postgres import PostgresEngine
from asgideck.runtime.services._redis import RedisEngine
from support.servers import live, wait_until
from support.services import postgres_need, redis_need, service_home  # noqa: F401

pytestmark = pytest.mark.integration

AS_ROOT = sys.platform != "win32" and os.geteuid() == 0

#: listens on the port and never says a word: a port that is open, a service not ready
SILENT = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("listening, saying nothing", flush=True)
held = []
while True:
    held.append(s.accept()[0])
"""


def mail_need(port: int) -> ServiceNeed:
    return ServiceNeed(
        kind="mail",
        name="mail",
        host="127.0.0.1",
        port=port,
        variables=("SMTP_HOST", "SMTP_PORT"),
        port_variable="SMTP_PORT",
    )


class ScriptEngine(MailEngine):
    """The real mail engine's protocol check (SMTP NOOP) against another program."""

    def __init__(self, script: str) -> None:
        self.script = script

    def argv(self, need: ServiceNeed, data_dir: Path) -> list[str]:
        return [sys.executable, "-c", self.script, str(need.port)]


def _child_pids(pid: int) -> list[int]:
    try:
        return [pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return []


# --------------------------------------------------------------------------- spawn


@pytest.mark.skipif(not AS_ROOT, reason="runs a child as another user: root only")
def test_spawn_writes_to_a_file_and_runs_as_the_given_user(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    log.write_bytes(b"before\n")
    proc = spawn(
        ["sh", "-c", "id -un; id -G; echo to-stderr >&2"],
        cwd=Path("/"),
        env=dict(os.environ),
        user="postgres",
        output=log,
    )
    assert proc.stdout is None and proc.stderr is None  # no pipe: it may outlive us
    assert proc.wait(timeout=10) == 0
    lines = log.read_text().splitlines()
    assert lines[0] == "before"  # appended, not replaced
    assert lines[1] == "postgres"
    assert "0" not in lines[2].split()  # root's group is not kept
    assert lines[3] == "to-stderr"


def test_spawn_refuses_a_user_that_does_not_exist(tmp_path: Path) -> None:
    if not AS_ROOT:
        pytest.skip("the user is only switched to when root")
    with pytest.raises(KeyError):
        spawn(["true"], cwd=tmp_path, env={}, user="no-such-user-asgideck")


# --------------------------------------------------------------------------- registry


def _entry(proc: subprocess.Popen[bytes], kind: str, port: int = 0) -> Entry:
    ctime = psutil.Process(proc.pid).create_time()
    return Entry(
        id=new_id(),
        pid=proc.pid,
        create_time=ctime,
        argv=("x",),
        port=port,
        host="127.0.0.1",
        root="/somewhere",
        kind=kind,
        started_at=time.time(),
        pgid=proc.pid,
        owner_pid=0,  # its asgideck is gone, as after `asgideck services start`
        name=f"dev/{kind}",
    )


#: ignores SIGTERM, says "up", waits on stdin
STUBBORN = (
    "import signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('up', flush=True); sys.stdin.read()"
)


def test_a_service_is_listed_but_never_an_orphan_and_stops_with_its_own_signal() -> None:
    # SIGTERM is ignored by both: the service kind's SIGINT (Postgres' fast shutdown) ends
    # the first at once; the server kind needs the SIGKILL after its grace
    service, server = (
        spawn(
            [sys.executable, "-c", STUBBORN],
            cwd=Path("/"),
            env=dict(os.environ),
            stdin=subprocess.PIPE,
        )
        for _ in range(2)
    )
    for proc in (service, server):
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"up\n"
    as_service, as_server = _entry(service, "postgres"), _entry(server, "uvicorn")
    try:
        register(as_service)
        register(as_server)
        assert {e.id for e in alive_entries()} >= {as_service.id, as_server.id}
        assert [e.id for e in orphans()] == [as_server.id]
        assert as_service.service and not as_server.service

        result = stop_orphan(as_service, grace=30.0)
        assert result.clean and not result.killed
        assert service.wait(5) == -signal.SIGINT
        result = stop_orphan(as_server, grace=0.2)
        assert result.clean and result.killed
        assert alive_entries() == []
    finally:
        for proc in (service, server):
            if proc.poll() is None:
                proc.kill()
            proc.wait(5)
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
        unregister(as_service.id)
        unregister(as_server.id)


# --------------------------------------------------------------------------- data folders


def test_data_folders_are_per_project_path_profile_and_service(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    one, two = tmp_path / "a" / "api", tmp_path / "b" / "api"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    need = redis_need(6379)
    first = data_dir(one, "staging", need)
    assert first.parent.parent.parent == services_root()
    assert first.name == "redis" and first.parent.name == "staging"
    assert first.parent.parent.name.startswith("api-")
    assert data_dir(two, "staging", need) != first  # same name, another checkout
    assert data_dir(one, "dev", need) != first
    assert data_dir(one, "staging", redis_need(6380, name="redis-2")) != first
    assert services_root().is_relative_to(service_home)
    assert not str(first).startswith(str(one))  # never in the project


@pytest.mark.skipif(not AS_ROOT, reason="only root runs Postgres as another user")
def test_as_root_postgres_data_moves_out_of_a_state_folder_postgres_cannot_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a state folder under a 0700 folder (as /root is): out of postgres' reach
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    locked.chmod(0o700)
    monkeypatch.setenv("ASGIDECK_HOME", str(locked / "home"))
    project = tmp_path / "proj"
    project.mkdir()
    assert moved_aside()
    moved = data_dir(project, "dev", postgres_need(5432))
    try:
        assert moved.is_relative_to(SYSTEM_ROOT)
        assert data_dir(project, "dev", redis_need(6379)).is_relative_to(services_root())
    finally:
        import shutil

        shutil.rmtree(moved.parents[2], ignore_errors=True)


# --------------------------------------------------------------------------- following


def test_the_log_follower_reads_appended_lines_and_a_replaced_file(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    log.write_text("old line\n")
    buffer = LogBuffer()
    follower = LogFollower(log, buffer)
    try:

        def texts() -> list[str]:
            return [line.text for line in buffer.snapshot()]

        assert wait_until(lambda: texts() == ["old line"], 10)
        with log.open("a") as handle:
            handle.write("second\npartial")
            handle.flush()
            assert wait_until(lambda: texts() == ["old line", "second"], 10)
            handle.write(" done\n")
        assert wait_until(lambda: texts()[-1:] == ["partial done"], 10)
        fresh = tmp_path / "fresh.log"
        fresh.write_text("after a new start\n")
        fresh.replace(log)
        assert wait_until(lambda: texts()[-1:] == ["after a new start"], 10)
    finally:
        follower.close()


# --------------------------------------------------------------------------- readiness


def test_an_open_port_that_never_answers_is_not_ready_and_is_stopped(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    need = mail_need(free_port())
    engine = ScriptEngine(SILENT)
    with pytest.raises(NotReady) as caught:
        start_service(tmp_path, "dev", need, engine, timeout=1.5)
    message = str(caught.value)
    assert message.startswith("mail (SMTP_HOST, SMTP_PORT): did not answer within 1.5 s")
    assert "listening, saying nothing" in message  # the log's last lines
    assert find_entry(tmp_path, "dev", need) is None
    assert is_port_free(need.port)
    assert alive_entries() == []


def test_a_service_that_exits_while_starting_says_so_with_its_last_lines(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    need = mail_need(free_port())
    engine = ScriptEngine("import sys; print('cannot open the data: bad'); sys.exit(3)")
    with pytest.raises(NotReady) as caught:
        start_service(tmp_path, "dev", need, engine, timeout=30)
    assert str(caught.value).startswith("mail (SMTP_HOST, SMTP_PORT): exited with code 3")
    assert "cannot open the data: bad" in str(caught.value)
    assert alive_entries() == []


def test_starting_twice_leaves_the_running_service_alone(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)}
    services = ServiceSet(tmp_path, "dev", env=env)
    seen: list[str] = []
    services.changed.connect(lambda state: seen.append(state.state))
    try:
        first = services.start()
        assert [s.state for s in first] == ["ready"]
        assert services.started == ["mail"]
        pids = _child_pids(first[0].pid or 0)
        again = ServiceSet(tmp_path, "dev", env=env)
        second = again.start()
        assert again.started == []  # found running: not its own
        assert second[0].pid == first[0].pid and second[0].entry_id == first[0].entry_id
        assert seen == ["starting", "ready"]
        [entry] = alive_entries()
        assert (entry.kind, entry.name, entry.root, entry.port) == (
            "mail",
            "dev/mail",
            str(tmp_path.resolve()),
            port,
        )
        assert [s.state for s in again.states()] == ["ready"]
        stopped = again.stop()
        assert [s.state for s in stopped] == ["stopped"]
        assert wait_until(lambda: not live(pids), 10)
        assert is_port_free(port)
        assert [s.state for s in services.states()] == ["stopped"]
        assert services.stop()[0].message == "not running"
    finally:
        services.stop()
        services.close()


# --------------------------------------------------------------------------- shell


def test_the_shell_runs_the_client_in_a_terminal_and_the_copyable_command_has_no_password() -> None:
    need = postgres_need(55432, password="pg-secret-9")
    launch = shell_launch(need, PostgresEngine(), which=lambda name: f"/usr/bin/{name}")
    assert launch.argv[0].endswith("psql")
    assert launch.env.get("PGPASSWORD") == "pg-secret-9"
    assert "pg-secret-9" not in " ".join(launch.argv)
    assert "pg-secret-9" not in launch.copyable
    assert launch.terminal_argv is not None
    if sys.platform != "darwin":
        assert launch.terminal_argv[:2] == ["/usr/bin/x-terminal-emulator", "-e"]
        assert launch.terminal_argv[2:] == launch.argv
    none = shell_launch(redis_need(6379, password="r-secret"), RedisEngine(), which=lambda _n: None)
    assert none.terminal_argv is None or sys.platform == "darwin"
    assert "r-secret" not in none.copyable and "redis-cli" in none.copyable
    mail = shell_launch(mail_need(2525), MailEngine())
    assert mail.argv == [] and mail.copyable == ""


# --------------------------------------------------------------------------- order


class _Config:
    profile = "dev"


class OrderedServer:
    """Stands in for a ManagedServer: records what the services were when it started."""

    name = "api"
    config = _Config()

    def __init__(self, services: ServiceSet) -> None:
        self.services = services
        self.saw: list[str] = []

    def start(self) -> None:
        self.saw = [state.state for state in self.services.states()]


def test_start_with_services_starts_the_services_first_and_the_server_once_they_answer(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "CACHE_URL": "redis://db.example.com"}
    services = ServiceSet(tmp_path, "dev", env=env)
    server = OrderedServer(services)
    try:
        start_with_services(server, services, timeout=30)  # type: ignore[arg-type]
        assert sorted(server.saw) == ["ready", "remote"]  # the remote one: the app's business
    finally:
        services.stop()
        services.close()
    blocked = ServiceSet(tmp_path, "dev", env=env, engines={"mail": ScriptEngine(SILENT)})
    never = OrderedServer(blocked)
    with pytest.raises(NotReady):
        start_with_services(never, blocked, timeout=1)  # type: ignore[arg-type]
    assert never.saw == []  # the server is not started when a service does not answer
    blocked.close()


def test_a_service_the_profile_moved_to_another_port_is_restarted_there(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    old, new = free_port(), free_port()
    before = ServiceSet(tmp_path, "dev", env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(old)})
    after = ServiceSet(tmp_path, "dev", env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(new)})
    try:
        [first] = before.start()
        [seen] = after.states()
        assert seen.state == "failed"
        assert seen.message.startswith(
            f"mail (SMTP_HOST, SMTP_PORT): runs on port {old}, the profile now says {new}"
        )
        [moved] = after.start()
        assert moved.state == "ready" and moved.pid != first.pid
        assert after.started == ["mail"]
        assert [e.port for e in alive_entries()] == [new]
        assert is_port_free(old)
    finally:
        after.stop()
        before.close()
        after.close()
