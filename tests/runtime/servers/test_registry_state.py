"""The state file of running servers: records, liveness (pid reuse safe), orphans."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.servers import Entry
from asgideck.runtime.servers import _registry as registry


def entry_for(pid: int, **changes: object) -> Entry:
    values: dict[str, object] = {
        "id": registry.new_id(),
        "pid": pid,
        "create_time": psutil.Process(pid).create_time(),
        "argv": ("python", "-m", "uvicorn", "app.main:app"),
        "port": 8000,
        "host": "127.0.0.1",
        "root": "/proj",
        "kind": "uvicorn",
        "started_at": time.time(),
        "pgid": pid,
    }
    values.update(changes)
    return Entry(**values)  # type: ignore[arg-type]


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def dead_pid() -> tuple[int, float]:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    ctime = psutil.Process(proc.pid).create_time()
    proc.wait()
    return proc.pid, ctime


def test_register_and_unregister_round_trip(_private_state: Path) -> None:
    pid, ctime = dead_pid()  # a stopped server: unregister keeps entries whose tree still runs
    first = replace(entry_for(os.getpid()), pid=pid, create_time=ctime)
    second = entry_for(os.getpid(), port=8001)
    registry.register(first)
    registry.register(second)
    assert registry.registry_path() == _private_state / "servers.json"
    assert {e.id for e in registry.entries()} == {first.id, second.id}
    stored = registry.entries()[0]
    assert stored.owner_pid == os.getpid()
    assert stored.owner_create_time == psutil.Process().create_time()
    registry.unregister(first.id)
    assert [e.id for e in registry.entries()] == [second.id]


def test_state_file_holds_no_environment(_private_state: Path) -> None:
    registry.register(entry_for(os.getpid()))
    raw = json.loads(registry.registry_path().read_text())
    assert set(raw["servers"][0]) == {
        "id", "pid", "create_time", "argv", "port", "host", "root", "kind", "started_at",
        "pgid", "owner_pid", "owner_create_time", "name", "launch",
    }  # fmt: skip


def test_corrupt_or_foreign_state_file_is_survivable(_private_state: Path) -> None:
    path = registry.registry_path()
    path.write_text("{not json")
    assert registry.entries() == []
    path.write_text(
        json.dumps({"servers": [{"id": "x"}, "junk", entry_for(os.getpid()).to_json()]})
    )
    assert len(registry.entries()) == 1


def test_alive_entries_drop_dead_and_reused_pids(sleeper: subprocess.Popen[bytes]) -> None:
    alive = entry_for(sleeper.pid)
    pid, ctime = dead_pid()
    dead = replace(entry_for(os.getpid()), pid=pid, create_time=ctime)
    reused = entry_for(sleeper.pid, create_time=alive.create_time - 100)  # same pid, older process
    for e in (alive, dead, reused):
        registry.register(e)
    assert [e.id for e in registry.alive_entries()] == [alive.id]
    assert [e.id for e in registry.entries()] == [alive.id]  # pruned from the file


def test_orphans_are_live_servers_whose_owner_died(sleeper: subprocess.Popen[bytes]) -> None:
    owner_pid, owner_ctime = dead_pid()
    orphan = entry_for(sleeper.pid, owner_pid=owner_pid, owner_create_time=owner_ctime)
    mine = entry_for(sleeper.pid)
    registry.register(orphan)
    registry.register(mine)
    assert [e.id for e in registry.orphans()] == [orphan.id]
    assert registry.orphans(current_ids=[orphan.id]) == []


def test_adopting_an_orphan_makes_it_ours(sleeper: subprocess.Popen[bytes]) -> None:
    owner_pid, owner_ctime = dead_pid()
    orphan = entry_for(sleeper.pid, owner_pid=owner_pid, owner_create_time=owner_ctime, pgid=None)
    registry.register(orphan)
    handle = registry.adopt(orphan)
    assert handle.alive()
    assert registry.orphans() == []
    assert registry.entries()[0].owner_pid == os.getpid()
    sample = handle.sample()
    assert sample.processes == 1 and sample.rss > 0
    result = handle.stop(grace=2)
    assert result.clean and not result.killed
    sleeper.wait(5)
    assert registry.entries() == []


def test_entry_holding_finds_the_server_of_a_worker(_private_state: Path) -> None:
    code = (
        "import subprocess,sys,time;"
        "c=subprocess.Popen([sys.executable,'-c','import time;time.sleep(60)']);"
        "print(c.pid,flush=True);time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=True, text=True
    )
    try:
        assert proc.stdout is not None
        worker = int(proc.stdout.readline())
        entry = entry_for(proc.pid)
        registry.register(entry)
        holding = registry.entry_holding(worker)
        assert holding is not None and holding.id == entry.id
        assert registry.entry_holding(os.getpid()) is None
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()


def test_concurrent_registrations_all_land(_private_state: Path) -> None:
    entries = [entry_for(os.getpid()) for _ in range(20)]
    threads = [threading.Thread(target=registry.register, args=(e,)) for e in entries]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {e.id for e in registry.entries()} == {e.id for e in entries}
