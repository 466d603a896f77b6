"""``ServiceSet.start()`` starts a profile's services side by side, with the outcome of a
start one after the other: the same states in the same order (reported on the calling
thread), the same registry entries, the same error; a service after the one that failed
is stopped again and never reported, one before it keeps running. Real PostgreSQL
(as ``postgres`` when root) and Redis on free loopback ports."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
import redis

from asgideck.runtime.servers import alive_entries, free_port, is_port_free
from asgideck.runtime.services import (
    CredentialsRejected,
    NotReady,
    PostgresEngine,
    RedisEngine,
    ServiceError,
    ServiceNeed,
    ServicePortTaken,
    ServiceSet,
    ServiceState,
)
from support.servers import wait_until
from support.services import service_home, service_processes  # noqa: F401

pytestmark = pytest.mark.integration


def _env(pg: int, rd: int) -> dict[str, str]:
    return {
        "DATABASE_URL": f"postgresql://shop:shop-pw@127.0.0.1:{pg}/shop",
        "REDIS_URL": f"redis://127.0.0.1:{rd}/0",
    }


def _record(services: ServiceSet) -> list[tuple[str, str, str, str]]:
    """Each state reported: (service, state, message, thread that reported it)."""
    seen: list[tuple[str, str, str, str]] = []
    services.changed.connect(
        lambda s: seen.append((s.need.name, s.state, s.message, threading.current_thread().name))
    )
    return seen


def _entries(root: Path) -> list[tuple[str, str, int, str, tuple[str, ...]]]:
    return sorted(
        (e.name, e.kind, e.port, e.host, e.argv) for e in alive_entries() if e.root == str(root)
    )


def _said(states: list[ServiceState]) -> list[tuple[str, str, str]]:
    return [(s.need.name, s.state, s.message) for s in states]


def _nothing_left(home: Path, root: Path, *ports: int) -> None:
    assert _entries(root) == []
    assert all(is_port_free(port) for port in ports)
    assert service_processes(home) == []


def test_side_by_side_reports_and_registers_what_one_after_the_other_does(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg, rd = free_port(), free_port()
    env = _env(pg, rd)
    try:
        one_by_one = ServiceSet(tmp_path, "staging", env=env)
        seen_serial = _record(one_by_one)
        serial = [*one_by_one.start(["postgres"], timeout=90), *one_by_one.start(["redis"])]
        serial_entries = _entries(tmp_path)
        serial_seen = list(seen_serial)
        assert one_by_one.started == ["postgres", "redis"]
        one_by_one.stop()
        _nothing_left(service_home, tmp_path, pg, rd)

        together = ServiceSet(tmp_path, "staging", env=env)
        seen = _record(together)
        states = together.start(timeout=90)
        assert _said(states) == _said(serial) == [("postgres", "ready", ""), ("redis", "ready", "")]
        assert seen == serial_seen
        assert [s[:2] for s in seen] == [
            ("postgres", "starting"),
            ("postgres", "ready"),
            ("redis", "starting"),
            ("redis", "ready"),
        ]
        assert {s[3] for s in seen} == {threading.current_thread().name}
        assert _entries(tmp_path) == serial_entries
        assert together.started == ["postgres", "redis"]
        assert [s.entry_id for s in states] == [
            e.id for n in ("staging/postgres", "staging/redis") for e in alive_entries()
            if e.name == n
        ]  # fmt: skip
        assert redis.Redis(port=rd).ping()

        again = ServiceSet(tmp_path, "staging", env=env)
        seen_again = _record(again)
        assert _said(again.start()) == _said(states)  # already running: left alone
        assert again.started == []
        assert [s[:2] for s in seen_again] == [("postgres", "ready"), ("redis", "ready")]
    finally:
        ServiceSet(tmp_path, "staging", env=env).stop(grace=2)
    _nothing_left(service_home, tmp_path, pg, rd)


def test_the_first_failing_undoes_the_other_and_reports_only_itself(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg, rd = free_port(), free_port()
    env = _env(pg, rd)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", pg))
        holder.listen()
        alone = ServiceSet(tmp_path, "dev", env=env)
        with pytest.raises(ServicePortTaken) as serial:
            alone.start(["postgres"])  # one after the other: the start ends here
        together = ServiceSet(tmp_path, "dev", env=env)
        seen = _record(together)
        with pytest.raises(ServicePortTaken) as caught:
            together.start(timeout=60)
    assert str(caught.value) == str(serial.value)
    assert (caught.value.service, caught.value.port) == ("postgres", pg)
    assert [s[:3] for s in seen] == [("postgres", "failed", str(caught.value))]
    assert together.started == []
    _nothing_left(service_home, tmp_path, pg, rd)


class _FailsOnceRedisAnswers(PostgresEngine):
    """Postgres whose start fails only after Redis, beside it, is ready: the other start
    has certainly finished, and must be undone."""

    def __init__(self, redis_port: int) -> None:
        super().__init__()
        self.redis_port = redis_port

    def check_installed(self, need: ServiceNeed) -> None:
        assert wait_until(lambda: _pings(self.redis_port), timeout=30)
        raise ServiceError(f"{need.label}: refused on purpose", service=need.name)


def _pings(port: int) -> bool:
    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_a_service_ready_beside_one_that_fails_first_is_stopped_again(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg, rd = free_port(), free_port()
    env = _env(pg, rd)
    services = ServiceSet(
        tmp_path, "dev", env=env, engines={"postgres": _FailsOnceRedisAnswers(rd)}
    )
    seen = _record(services)
    with pytest.raises(ServiceError, match="refused on purpose"):
        services.start(timeout=60)
    assert [s[:3] for s in seen] == [
        ("postgres", "failed", "postgres (DATABASE_URL): refused on purpose")
    ]
    assert services.started == []
    _nothing_left(service_home, tmp_path, pg, rd)


def test_the_second_failing_keeps_the_first_running(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg, rd = free_port(), free_port()
    env = _env(pg, rd)
    try:
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", rd))
            holder.listen()
            services = ServiceSet(tmp_path, "dev", env=env)
            seen = _record(services)
            with pytest.raises(ServicePortTaken) as caught:
                services.start(timeout=90)
            assert (caught.value.service, caught.value.port) == ("redis", rd)
            assert str(caught.value).startswith(f"redis (REDIS_URL): port {rd} on 127.0.0.1 ")
        assert [s[:2] for s in seen] == [
            ("postgres", "starting"),
            ("postgres", "ready"),
            ("redis", "failed"),
        ]
        assert seen[-1][2] == str(caught.value)
        assert services.started == ["postgres"]
        assert [e[0] for e in _entries(tmp_path)] == ["dev/postgres"]
    finally:
        ServiceSet(tmp_path, "dev", env=env).stop(grace=2)
    _nothing_left(service_home, tmp_path, pg, rd)


def test_a_postgres_that_exits_at_start_fails_as_before_and_leaves_nothing(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg, rd = free_port(), free_port()
    env = _env(pg, rd)
    first = ServiceSet(tmp_path, "dev", env=env)
    try:
        first.start(["postgres"], timeout=90)  # initdb
    finally:
        first.stop(grace=2)
    conf = first.data_dir("postgres") / "pgdata" / "postgresql.conf"
    with conf.open("a", encoding="utf-8") as handle:
        handle.write("this line is not a setting\n")

    with pytest.raises(NotReady) as serial:
        ServiceSet(tmp_path, "dev", env=env).start(["postgres"], timeout=60)
    together = ServiceSet(tmp_path, "dev", env=env)
    seen = _record(together)
    with pytest.raises(NotReady) as caught:
        together.start(timeout=60)
    said = str(caught.value).splitlines()[0]
    assert said == str(serial.value).splitlines()[0]
    assert said.startswith("postgres (DATABASE_URL): exited with code ")
    assert [s[:2] for s in seen] == [("postgres", "starting"), ("postgres", "failed")]
    assert together.started == []
    _nothing_left(service_home, tmp_path, pg, rd)


def test_a_second_interrupt_while_the_starts_end_still_keeps_what_started(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C once both services are up, and again while the starts are being waited
    for: the first interrupt is raised, and both starts are still recorded (stopped by
    ``stop()`` below), not left running unrecorded."""
    pg, rd = free_port(), free_port()
    env = _env(pg, rd)
    real_join = threading.Thread.join
    second: list[str] = []

    def join(thread: threading.Thread, timeout: float | None = None) -> None:
        if thread.name == "asgideck-service-start" and not second:
            second.append(thread.name)
            raise KeyboardInterrupt("second")  # a Ctrl-C landing in the wait
        real_join(thread, timeout)

    def first(state: ServiceState) -> None:
        if (state.need.name, state.state) == ("redis", "ready"):
            monkeypatch.setattr(threading.Thread, "join", join)
            raise KeyboardInterrupt("first")

    services = ServiceSet(tmp_path, "dev", env=env)
    services.changed.connect(first)
    try:
        with pytest.raises(KeyboardInterrupt, match="first"):
            services.start(timeout=90)
        monkeypatch.setattr(threading.Thread, "join", real_join)
        assert second == ["asgideck-service-start"]  # the second interrupt did land
        assert services.started == ["postgres", "redis"]
        assert [e[0] for e in _entries(tmp_path)] == ["dev/postgres", "dev/redis"]
    finally:
        monkeypatch.setattr(threading.Thread, "join", real_join)
        services.stop(grace=2)
    _nothing_left(service_home, tmp_path, pg, rd)


class _RejectedPostgres(PostgresEngine):
    """Postgres whose data knows another password: counts the resets asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.rejected = threading.Event()
        self.resets = 0

    def ready(self, need: ServiceNeed, data_dir: Path, timeout: float) -> None:
        try:
            super().ready(need, data_dir, timeout)
        except CredentialsRejected:
            self.rejected.set()
            raise

    def reset_password(self, need: ServiceNeed, data_dir: Path) -> None:
        self.resets += 1
        super().reset_password(need, data_dir)


class _FailsOncePostgresIsRejected(RedisEngine):
    """Redis (listed first) that fails only once Postgres, beside it, met the wrong
    password: one after the other, Postgres would never have been started."""

    def __init__(self, postgres: _RejectedPostgres) -> None:
        super().__init__()
        self.postgres = postgres

    def check_installed(self, need: ServiceNeed) -> None:
        assert self.postgres.rejected.wait(60)
        raise ServiceError(f"{need.label}: refused on purpose", service=need.name)


def test_a_password_is_not_reset_for_a_service_after_one_that_failed(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg, rd = free_port(), free_port()
    env = _env(pg, rd)
    first = ServiceSet(tmp_path, "dev", env=env)
    try:
        first.start(["postgres"], timeout=90)  # initdb with the profile's password
    finally:
        first.stop(grace=2)
    moved = {**env, "DATABASE_URL": f"postgresql://shop:other-pw@127.0.0.1:{pg}/shop"}
    postgres = _RejectedPostgres()
    services = ServiceSet(
        tmp_path,
        "dev",
        env=moved,
        engines={"postgres": postgres, "redis": _FailsOncePostgresIsRejected(postgres)},
    )
    seen = _record(services)
    with pytest.raises(ServiceError, match="refused on purpose"):
        services.start(["redis", "postgres"], timeout=60, reset_password=True)
    assert postgres.rejected.is_set() and postgres.resets == 0
    assert [s[:2] for s in seen] == [("redis", "failed")]
    assert services.started == []
    _nothing_left(service_home, tmp_path, pg, rd)
