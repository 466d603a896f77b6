"""A profile's services through ``ServiceSet`` with the real servers: PostgreSQL (run as
``postgres`` when root) and Redis start until they answer, are registered as services,
outlive the set, are left alone when already running, stop leaving no process and no
port, and keep their data for the next start; a taken port names who holds it."""

from __future__ import annotations

import socket
import urllib.parse
from pathlib import Path

import psutil
import psycopg
import pytest
import redis

from asgideck.runtime.servers import alive_entries, free_port, is_port_free
from asgideck.runtime.servers._registry import orphans
from asgideck.runtime.services import ServicePortTaken, ServiceSet
from support.servers import live, wait_until
from support.services import service_home, service_processes  # noqa: F401

pytestmark = pytest.mark.integration

PASSWORD = "s3t-pw/with:odd@chars"


def profile_env(pg: int, rd: int) -> dict[str, str]:
    quoted = urllib.parse.quote(PASSWORD, safe="")
    return {
        "DATABASE_URL": f"postgresql+psycopg://shop:{quoted}@127.0.0.1:{pg}/shop",
        "REDIS_URL": f"redis://127.0.0.1:{rd}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{rd}/1",
    }


def _tree(pid: int | None) -> list[int]:
    assert pid is not None
    return [pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]


def test_postgres_and_redis_start_answer_outlive_the_set_stop_clean_and_keep_data(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg, rd = free_port(), free_port()
    env = profile_env(pg, rd)
    services = ServiceSet(tmp_path, "staging", env=env)
    assert [(n.name, n.kind) for n in services.needs] == [
        ("postgres", "postgres"),
        ("redis", "redis"),
    ]
    try:
        states = services.start(timeout=90)
        assert [(s.need.name, s.state) for s in states] == [
            ("postgres", "ready"),
            ("redis", "ready"),
        ]
        assert services.started == ["postgres", "redis"]
        pids = _tree(states[0].pid) + _tree(states[1].pid)
        services.close()  # the set goes; the services stay

        entries = {e.name: e for e in alive_entries()}
        assert set(entries) == {"staging/postgres", "staging/redis"}
        assert entries["staging/postgres"].kind == "postgres"
        assert entries["staging/redis"].port == rd
        assert orphans() == []  # outliving their starter is what services do
        assert all(PASSWORD not in " ".join(e.argv) for e in entries.values())

        with psycopg.connect(
            host="127.0.0.1", port=pg, user="shop", password=PASSWORD, dbname="shop"
        ) as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('written before the restart')")
        redis.Redis(port=rd, db=1).set("broker", "up")

        again = ServiceSet(tmp_path, "staging", env=env)
        second = again.start()
        assert [s.state for s in second] == ["ready", "ready"]
        assert again.started == []  # already running: left alone
        assert [s.pid for s in second] == [s.pid for s in states]
        buffer = again.log_buffer("postgres")
        assert wait_until(lambda: any("ready to accept" in ln.text for ln in buffer), 10)

        stopped = again.stop()
        assert [s.state for s in stopped] == ["stopped", "stopped"]
        assert wait_until(lambda: not live(pids), 10), live(pids)
        assert is_port_free(pg) and is_port_free(rd)
        assert alive_entries() == []
        assert service_processes(service_home) == []
        again.close()

        third = ServiceSet(tmp_path, "staging", env=env)
        assert [s.state for s in third.start()] == ["ready", "ready"]
        with psycopg.connect(
            host="127.0.0.1", port=pg, user="shop", password=PASSWORD, dbname="shop"
        ) as conn:
            rows = conn.execute("SELECT note FROM kept").fetchall()
        assert rows == [("written before the restart",)]
        third.stop()
        third.close()
    finally:
        ServiceSet(tmp_path, "staging", env=env).stop(grace=2)


def test_a_taken_port_names_its_holder_and_offers_a_free_one(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    rd = free_port()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", rd))
        holder.listen()
        services = ServiceSet(tmp_path, "dev", env={"REDIS_URL": f"redis://127.0.0.1:{rd}"})
        with pytest.raises(ServicePortTaken) as caught:
            services.start()
    error = caught.value
    assert str(error).startswith(f"redis (REDIS_URL): port {rd} on 127.0.0.1 is taken by ")
    assert "python" in error.holder
    assert error.free_port > rd and f"port {error.free_port} is free" in str(error)
    assert (error.service, error.variables) == ("redis", ("REDIS_URL",))
    assert services.started == [] and alive_entries() == []
    services.close()
