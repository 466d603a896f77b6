"""The Postgres and Redis engines against the real servers: a first start creates the
data and the profile's role, a second start finds the rows written before, a password
the data does not know is refused by name (and reset on request), a missing program
names the package to install, and no password ever reaches argv or a log."""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

import psutil
import psycopg
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from asgideck.runtime.services import (
    BinaryMissing,
    CredentialsRejected,
    NotReady,
    PostgresEngine,
    RedisEngine,
    install_hint,
)
from support import services
from support.services import free_port, postgres_need, redis_need, run_engine, wait_ready

pytestmark = pytest.mark.integration

service_home = services.service_home  # the fixture

PG_PASSWORD = "first-Pass-7d1e"
REDIS_PASSWORD = 's3cret "redis" pass'


def _pg_connect(port: int, password: str = PG_PASSWORD) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host="127.0.0.1",
        port=port,
        user="app",
        password=password,
        dbname="appdb",
        connect_timeout=5,
        sslmode="disable",
        autocommit=True,
    )


def _argv_and_logs_clean(secret: str, data_dir: Path, pids: list[int]) -> None:
    """The password is in no process' argv and no log file under the data folder."""
    for pid in pids:
        assert secret not in " ".join(psutil.Process(pid).cmdline())
    for path in data_dir.parent.rglob("*.log"):
        assert secret not in path.read_text(encoding="utf-8", errors="replace"), path


def test_postgres_first_start_creates_role_and_database(service_home: Path) -> None:
    engine = PostgresEngine()
    need = postgres_need(free_port(), password=PG_PASSWORD)
    data = service_home / "data" / "postgres"
    with run_engine(engine, need, data) as running:
        wait_ready(engine, need, data, running)
        engine.ready(need, data, 5.0)  # now as the profile's own role
        with _pg_connect(need.port) as conn:
            assert conn.execute("SELECT current_user, current_database()").fetchone() == (
                "app",
                "appdb",
            )
        _argv_and_logs_clean(PG_PASSWORD, data, [running.proc.pid])
    pwfile = data / "superuser"
    mode = pwfile.stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    superuser_password = pwfile.read_text().strip()
    assert superuser_password
    _argv_and_logs_clean(superuser_password, data, [])
    if os.geteuid() == 0:
        assert engine.run_as() == "postgres"
        assert pwfile.stat().st_uid == data.stat().st_uid == pwd.getpwnam("postgres").pw_uid


def test_postgres_second_start_reuses_the_data(service_home: Path) -> None:
    engine = PostgresEngine()
    need = postgres_need(free_port(), password=PG_PASSWORD)
    data = service_home / "data" / "postgres"
    with run_engine(engine, need, data) as running:
        wait_ready(engine, need, data, running)
        with _pg_connect(need.port) as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('written before')")
    stamp = (data / "pgdata" / "PG_VERSION").stat().st_mtime_ns
    with run_engine(engine, need, data) as running:
        wait_ready(engine, need, data, running)
        with _pg_connect(need.port) as conn:
            assert conn.execute("SELECT note FROM kept").fetchall() == [("written before",)]
    assert (data / "pgdata" / "PG_VERSION").stat().st_mtime_ns == stamp  # no second initdb


def test_postgres_wrong_password_is_refused_then_reset(service_home: Path) -> None:
    engine = PostgresEngine()
    port = free_port()
    first = postgres_need(port, password=PG_PASSWORD)
    data = service_home / "data" / "postgres"
    with run_engine(engine, first, data) as running:
        wait_ready(engine, first, data, running)
    other = postgres_need(port, password="another-Pass-42")
    with run_engine(engine, other, data) as running:
        with pytest.raises(CredentialsRejected) as refused:
            wait_ready(engine, other, data, running)
        message = str(refused.value)
        assert message.startswith("postgres (DATABASE_URL): password authentication failed")
        assert str(data) in message and "--reset-password" in message
        assert "another-Pass-42" not in message and PG_PASSWORD not in message
        assert refused.value.variables == ("DATABASE_URL",)
        engine.reset_password(other, data)
        engine.ready(other, data, 5.0)
        with _pg_connect(port, "another-Pass-42") as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        _argv_and_logs_clean("another-Pass-42", data, [running.proc.pid])


def test_postgres_profile_without_password_or_user(service_home: Path) -> None:
    """``DATABASE_URL=postgresql://127.0.0.1:<port>/postgres``: role "postgres", no
    password; the app may create tables in initdb's own database."""
    engine = PostgresEngine()
    need = postgres_need(free_port(), user="", password="", database="postgres")
    data = service_home / "data" / "postgres"
    with run_engine(engine, need, data) as running:
        wait_ready(engine, need, data, running)
        engine.ready(need, data, 5.0)
        with psycopg.connect(
            host="127.0.0.1", port=need.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE TABLE made_by_app (id int)")
            assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            _pg_connect(need.port).close()  # only the profile's role is trusted


def test_postgres_not_running_is_not_ready(service_home: Path) -> None:
    need = postgres_need(free_port())
    with pytest.raises(NotReady, match=r"^postgres \(DATABASE_URL\): .*refused"):
        PostgresEngine().ready(need, service_home / "nowhere", 2.0)


def test_missing_postgres_names_the_package(
    service_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = service_home / "bin"
    empty.mkdir()
    monkeypatch.setenv("ASGIDECK_SERVICE_PATH", str(empty))
    need = postgres_need(free_port())
    with pytest.raises(BinaryMissing) as missing:
        PostgresEngine().check_installed(need)
    message = str(missing.value)
    assert message.startswith("postgres (DATABASE_URL): PostgreSQL is not installed (no initdb")
    assert message.endswith(f"install it: {install_hint('postgres')}")
    assert install_hint("postgres") == "apt install postgresql"  # this machine is Debian
    with pytest.raises(BinaryMissing, match=r"^redis \(REDIS_URL\): Redis is not installed"):
        RedisEngine().check_installed(redis_need(free_port()))


def test_postgres_shell_keeps_the_password_out_of_argv() -> None:
    argv, env = PostgresEngine().shell(postgres_need(5432, password=PG_PASSWORD))
    assert Path(argv[0]).name == "psql"
    assert argv[1:] == ["-h", "127.0.0.1", "-p", "5432", "-U", "app", "appdb"]
    assert env == {"PGPASSWORD": PG_PASSWORD}


@pytest.mark.parametrize("password", ["", REDIS_PASSWORD])
def test_redis_answers_ping(service_home: Path, password: str) -> None:
    engine = RedisEngine()
    need = redis_need(free_port(), password=password)
    data = service_home / "data" / "redis"
    with run_engine(engine, need, data) as running:
        wait_ready(engine, need, data, running)
        client = redis.Redis(host="127.0.0.1", port=need.port, password=password or None)
        try:
            assert client.ping() is True
        finally:
            client.close()
        if password:
            _argv_and_logs_clean(password, data, [running.proc.pid])
            assert stat.S_IMODE((data / "redis.conf").stat().st_mode) == 0o600
            anonymous = redis.Redis(host="127.0.0.1", port=need.port, retry=Retry(NoBackoff(), 0))
            try:
                with pytest.raises(redis.AuthenticationError):
                    anonymous.ping()
            finally:
                anonymous.close()
    argv, env = engine.shell(need)
    assert argv[1:] == ["-h", "127.0.0.1", "-p", str(need.port)]
    assert env == ({"REDISCLI_AUTH": password} if password else {})


def test_redis_wrong_password_is_refused(service_home: Path) -> None:
    engine = RedisEngine()
    need = redis_need(free_port(), password=REDIS_PASSWORD)
    data = service_home / "data" / "redis"
    with run_engine(engine, need, data) as running:
        wait_ready(engine, need, data, running)
        for wrong in (redis_need(need.port, password="not-it"), redis_need(need.port)):
            with pytest.raises(CredentialsRejected) as refused:
                engine.ready(wrong, data, 5.0)
            message = str(refused.value)
            assert message.startswith("redis (REDIS_URL): the Redis on 127.0.0.1:")
            assert REDIS_PASSWORD not in message and "not-it" not in message
