"""Finding the installed server programs and saying how to install a missing one; the
checks the Postgres engine makes before it runs anything (data made by another major,
a data folder the ``postgres`` user cannot reach)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from asgideck.runtime.services import BinaryMissing, PostgresEngine, ServiceError
from asgideck.runtime.services._binaries import (
    _family_of,
    _version_key,
    find_all,
    find_program,
    listen_host,
)
from support import services
from support.services import postgres_need

service_home = services.service_home  # the fixture


def _fake_program(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_service_path_replaces_the_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _fake_program(tmp_path / "a", "redis-server")
    second = _fake_program(tmp_path / "b", "redis-server")
    (tmp_path / "b" / "redis-cli").write_text("not executable")
    monkeypatch.setenv(
        "ASGIDECK_SERVICE_PATH", os.pathsep.join([str(first.parent), str(second.parent)])
    )
    assert find_all("redis-server", "redis") == [first, second]
    assert find_program("redis-server", "redis") == first
    with pytest.raises(
        BinaryMissing,
        match=r"^redis: Redis is not installed \(no redis-cli found in ASGIDECK_SERVICE_PATH=",
    ):
        find_program("redis-cli", "redis")


def test_the_real_programs_are_found_without_the_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASGIDECK_SERVICE_PATH", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # a GUI started from a dock has a bare PATH
    initdb = find_program("initdb", "postgres")
    assert initdb.name == "initdb" and os.access(initdb, os.X_OK)
    assert find_program("redis-server", "redis") == Path("/usr/bin/redis-server")


@pytest.mark.parametrize(
    ("os_release", "family"),
    [
        ('ID=debian\nVERSION_ID="12"\n', "debian"),
        ("ID=ubuntu\nID_LIKE=debian\n", "debian"),
        ('ID=linuxmint\nID_LIKE="ubuntu debian"\n', "debian"),
        ('ID="fedora"\n', "fedora"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "fedora"),
        ("ID=arch\n", "arch"),
        ("ID=endeavouros\nID_LIKE=arch\n", "arch"),
        ('ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n', "suse"),
        ("ID=nixos\n", ""),
    ],
)
def test_platform_family_from_os_release(os_release: str, family: str) -> None:
    assert _family_of(os_release) == family


def test_highest_postgres_version_first() -> None:
    dirs = [
        "/usr/lib/postgresql/9.6/bin",
        "/usr/lib/postgresql/16/bin",
        "/usr/lib/postgresql/15/bin",
    ]
    assert sorted(dirs, key=_version_key, reverse=True) == [dirs[1], dirs[2], dirs[0]]
    assert _version_key("/opt/homebrew/opt/postgresql@14/bin") == (14,)


def test_listen_host_never_binds_every_interface() -> None:
    assert [listen_host(h) for h in ("0.0.0.0", "", "::", "[::1]", "localhost", "127.0.0.1")] == [
        "127.0.0.1",
        "127.0.0.1",
        "127.0.0.1",
        "::1",
        "localhost",
        "127.0.0.1",
    ]


def test_data_from_another_major_is_named(service_home: Path) -> None:
    data = service_home / "data" / "postgres"
    (data / "pgdata").mkdir(parents=True)
    (data / "pgdata" / "PG_VERSION").write_text("9\n")
    with pytest.raises(ServiceError) as wrong:
        PostgresEngine().prepare(postgres_need(5432), data)
    message = str(wrong.value)
    assert message.startswith(
        f"postgres (DATABASE_URL): the data in {data} was created by PostgreSQL 9"
    )
    assert "this machine has PostgreSQL 15" in message


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs Postgres as another user")
def test_a_data_folder_postgres_cannot_reach_is_named(service_home: Path) -> None:
    closed = service_home / "closed"
    closed.mkdir(mode=0o700)
    closed.chmod(0o700)
    data = closed / "postgres"
    with pytest.raises(ServiceError) as unreachable:
        PostgresEngine().prepare(postgres_need(5432), data)
    message = str(unreachable.value)
    assert message.startswith("postgres (DATABASE_URL): PostgreSQL runs as user postgres")
    assert f"cannot enter {closed} on the way" in message
    assert not (data / "pgdata").exists()
