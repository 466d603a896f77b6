"""Issue 10, defect 7: a damaged servers.json, lock file or launch-config file never loses
track of running servers or of the user's saved servers, and never ends in a traceback.

Real listeners started the way asgideck starts servers, the real CLI in a subprocess.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.cli._shared import EXIT_CANNOT_START
from asgideck.runtime.project import open_project
from asgideck.runtime.servers import (
    LaunchConfig,
    ServerManager,
    configs_path,
    free_port,
    is_port_free,
)
from asgideck.runtime.servers import _registry as registry
from asgideck.runtime.userstate import take_notices
from support.files import copy_sample_app
from support.marked import asgideck_cli, reaped, record, start_listener
from support.servers import live, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _no_old_notices() -> None:
    take_notices()


def damaged_copies(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.damaged-*"))


def ps_json() -> list[dict[str, object]]:
    done = asgideck_cli("ps", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def assert_one_clear_line(stderr: str, needle: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], stderr


def test_a_truncated_servers_json_loses_no_server(tmp_path: Path) -> None:
    with reaped() as procs:
        ports = []
        for n in range(3):
            proc, port = start_listener(tmp_path)
            procs.append(proc)
            ports.append(port)
            record(proc, port, tmp_path, name=f"s{n}")
        path = registry.registry_path()
        text = path.read_text()
        path.write_text(text[: len(text) // 2])  # a crash mid-write by some other tool

        listed = ps_json()
        assert sorted(int(str(r["address"]).rsplit(":", 1)[1]) for r in listed) == sorted(ports)
        [kept] = damaged_copies(path)
        assert kept.read_text() == text[: len(text) // 2]  # kept, never overwritten

        done = asgideck_cli("stop", "--all", "--grace", "2")
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.count("stopped ") == 3
        assert live(p.pid for p in procs) == []
        assert all(is_port_free(port) for port in ports)
        assert ps_json() == []


def test_the_notice_says_which_backup_was_used(tmp_path: Path) -> None:
    with reaped() as procs:
        proc, port = start_listener(tmp_path)
        procs.append(proc)
        entry = record(proc, port, tmp_path)
        registry.registry_path().write_text("garbage")
        assert [e.id for e in registry.alive_entries()] == [entry.id]
        [notice] = take_notices()
        assert "servers.json could not be read (not valid JSON" in notice
        assert "kept as servers.json.damaged-" in notice
        assert "restored from servers.json.bak (saved " in notice


def test_without_any_good_copy_ps_finds_servers_by_their_marker(tmp_path: Path) -> None:
    with reaped() as procs:
        for _ in range(2):
            proc, port = start_listener(tmp_path)
            procs.append(proc)
            record(proc, port, tmp_path)
        path = registry.registry_path()
        path.write_text("\x00\x00garbage")
        (path.parent / "servers.json.bak").unlink()

        listed = ps_json()
        assert sorted(int(str(r["pid"])) for r in listed) == sorted(p.pid for p in procs)
        assert all("found by marker" in str(r["name"]) for r in listed)
        assert all(r["root"] == str(tmp_path) for r in listed)

        done = asgideck_cli("stop", "--all", "--grace", "2")
        assert done.returncode == 0, done.stdout + done.stderr
        assert live(p.pid for p in procs) == []


def test_a_deleted_servers_json_hides_nothing(tmp_path: Path) -> None:
    with reaped() as procs:
        proc, port = start_listener(tmp_path)
        procs.append(proc)
        record(proc, port, tmp_path)
        registry.registry_path().unlink()
        [found] = ps_json()  # another asgideck: this process's own trees are never "found"
        assert found["pid"] == proc.pid and "found by marker" in str(found["name"])
        assert (found["address"], found["root"]) == (f"127.0.0.1:{port}", str(tmp_path))
        assert found["orphan"] is False  # its owner (this test) still runs
        done = asgideck_cli("stop", str(found["id"]), "--grace", "2")
        assert done.returncode == 0, done.stdout + done.stderr
        assert live([proc.pid]) == [] and is_port_free(port)


def test_the_next_write_never_overwrites_a_damaged_file(tmp_path: Path) -> None:
    with reaped() as procs:
        proc, port = start_listener(tmp_path)
        procs.append(proc)
        first = record(proc, port, tmp_path)
        path = registry.registry_path()
        path.write_bytes(b'{"version": 1, "servers": [{"id": "lost"')
        (path.parent / "servers.json.bak").unlink()
        proc2, port2 = start_listener(tmp_path)
        procs.append(proc2)
        second = record(proc2, port2, tmp_path)  # the next `run` registers its server
        [kept] = damaged_copies(path)
        assert kept.read_bytes() == b'{"version": 1, "servers": [{"id": "lost"'
        assert [e.id for e in registry.entries()] == [second.id]
        # the first server is still reachable: by its marker
        listed = {r["pid"]: r for r in ps_json()}
        assert set(listed) == {proc.pid, proc2.pid}
        assert "found by marker" in str(listed[proc.pid]["name"])
        assert listed[proc2.pid]["id"] == second.id and first.id != listed[proc.pid]["id"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_sample_app(tmp_path / "proj")


def test_servers_json_a_folder_run_refuses_with_one_line(project: Path) -> None:
    path = registry.registry_path()
    path.mkdir()
    port = free_port()
    done = asgideck_cli(
        "run", str(project), "--profile", "development", "--port", str(port), timeout=60
    )
    assert done.returncode == EXIT_CANNOT_START, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"{path} is a folder" in done.stderr
    assert is_port_free(port)
    assert path.is_dir()


def test_asgideck_home_a_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    monkeypatch.setenv("ASGIDECK_HOME", str(home))
    for command in (["ps"], ["stop", "--all"]):
        done = asgideck_cli(*command)
        assert done.returncode != 0
        assert_one_clear_line(done.stderr, f"ASGIDECK_HOME={home} is not a folder")


def test_a_lock_file_that_is_a_folder_is_one_line() -> None:
    lock = registry.registry_path().with_name("servers.json.lock")
    lock.mkdir()
    done = asgideck_cli("ps")
    assert done.returncode != 0
    assert_one_clear_line(done.stderr, f"{lock} is a folder, not asgideck's lock file")


def test_truncated_launch_configs_are_restored_from_their_backup(project: Path) -> None:
    session = open_project(project, python=sys.executable)
    manager = ServerManager(session, ["development"])
    manager.add(LaunchConfig("mine", "development", port=8123))
    saved = [s.config for s in manager.servers]
    path = configs_path(project)
    text = path.read_text()
    path.write_text(text[: len(text) // 3])

    again = ServerManager(session, ["development"])
    assert [s.config for s in again.servers] == saved  # the user's servers, not defaults
    [notice] = take_notices()
    assert f"the saved servers of {project.name}" in notice
    assert f"restored from {path.name}.bak" in notice
    assert len(damaged_copies(path)) == 1


def test_without_a_backup_defaults_are_shown_and_the_file_is_kept(project: Path) -> None:
    session = open_project(project, python=sys.executable)
    path = configs_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"servers": [{"name": "mine", "profile": "dev')
    manager = ServerManager(session, ["development"])
    assert [s.name for s in manager.servers] == ["development"]
    [notice] = take_notices()
    assert notice.endswith("no backup: defaults are shown")
    [kept] = damaged_copies(path)
    assert kept.read_text().startswith('{"servers": [{"name": "mine"')


def test_a_listener_recorded_then_killed_is_pruned(tmp_path: Path) -> None:
    """The marker never keeps a dead tree listed."""
    with reaped() as procs:
        proc, port = start_listener(tmp_path)
        procs.append(proc)
        record(proc, port, tmp_path)
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
        assert wait_until(lambda: not psutil.pid_exists(proc.pid) or live([proc.pid]) == [], 5)
        assert registry.alive_entries() == []
        assert registry.entries() == []


def test_servers_json_a_folder_ps_still_lists_by_marker(tmp_path: Path) -> None:
    """Review of #10, M2: ``ps`` gave its one line and listed nothing."""
    with reaped() as procs:
        proc, port = start_listener(tmp_path)
        procs.append(proc)
        record(proc, port, tmp_path)
        path = registry.registry_path()
        path.unlink()
        path.mkdir()
        done = asgideck_cli("ps", "--json")
        assert done.returncode == 0, done.stderr
        assert_one_clear_line(done.stderr, f"{path} is a folder")
        assert "listed by their marker only" in done.stderr
        [found] = json.loads(done.stdout)
        assert found["pid"] == proc.pid and found["found_by_marker"] is True
        done = asgideck_cli("stop", "--all", "--grace", "2")
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.count("stopped ") == 1
        assert live([proc.pid]) == [] and is_port_free(port)
        assert path.is_dir()  # never removed: the user decides


def test_an_unusable_launch_config_entry_is_said_and_kept(project: Path) -> None:
    """Review of #10, M3: one entry that no longer parses inside a good file was dropped
    silently, and the next save lost it for good."""
    session = open_project(project, python=sys.executable)
    path = configs_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    bad = {"name": "old", "profile": "development", "port": 70000, "x-note": "mine"}
    good = LaunchConfig("mine", "development", port=8123).to_json()
    path.write_text(json.dumps({"root": str(project), "servers": [good, bad]}))

    manager = ServerManager(session, ["development"])
    assert [s.name for s in manager.servers] == ["mine"]
    [notice] = take_notices()
    assert notice == (
        f"{path}: server 2 ('old') cannot be used: port: 70000 is not between 1 and 65535; "
        "not shown, kept in the file"
    )
    manager.add(LaunchConfig("other", "development", port=8124))
    saved = json.loads(path.read_text())["servers"]
    assert [s["name"] for s in saved] == ["mine", "other", "old"]
    assert saved[-1] == bad  # written back as it was


#: Another asgideck (this script) spawns a marked tree that listens on nothing (a probe,
#: or a server not yet registered), prints its pid, then waits for stdin to close.
_OWNER = """
import sys
from pathlib import Path
from asgideck.runtime.servers import spawn
child = spawn([sys.executable, "-c", "import time; time.sleep(60)"], cwd=Path.cwd(), env={})
print(child.pid, flush=True)
sys.stdin.read()
"""


def test_a_quiet_tree_of_a_live_asgideck_is_its_business_until_that_asgideck_dies(
    tmp_path: Path,
) -> None:
    """`ps` does not list another running asgideck's probe (or a server it has not
    registered yet) as "found by marker"; once that asgideck is gone, it does."""
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    child = 0
    try:
        assert owner.stdout is not None
        child = int(owner.stdout.readline())
        assert ps_json() == []
        owner.kill()
        owner.communicate()
        [found] = ps_json()
        assert found["pid"] == child and found["orphan"] is True
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.communicate()
        if child:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child, signal.SIGKILL)  # spawn gave it a session of its own
            with contextlib.suppress(psutil.Error):
                psutil.Process(child).wait(5)
