"""Issue 12's failures, each one line naming the service and the variable that asked for
it, and each leaving nothing running: a taken port (with the free port offered and, when
asked, written into the profile), a server program that is not installed, a password an
existing database refuses (and the explicit reset), a server that never answers."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import psycopg
import pytest

from asgideck.runtime.cli._shared import EXIT_CANNOT_START, EXIT_NOT_READY, EXIT_USAGE
from asgideck.runtime.servers import alive_entries, free_port, is_port_free
from support.cli import run_cli
from support.services import service_home, service_processes  # noqa: F401

pytestmark = pytest.mark.integration


def project(root: Path, **variables: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}" for key, value in variables.items()]
    (root / ".env.staging").write_text("\n".join(lines) + "\n")
    return root


def services(root: Path, *args: str) -> int:
    code, _out = run_cli("services", str(root), "--profile", "staging", *args)
    return code


def error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_a_taken_port_names_the_holder_offers_a_free_port_and_writes_it_when_asked(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    root = project(tmp_path / "app", REDIS_URL=f"redis://127.0.0.1:{port}/0")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        assert services(root, "start") == EXIT_CANNOT_START
        [line] = error_lines(capsys)
        assert line.startswith(
            f"asgideck: redis (REDIS_URL): port {port} on 127.0.0.1 is taken by "
        )
        assert f"(pid {os.getpid()}" in line or str(os.getpid()) in line
        assert line.endswith(
            f"is free: run again with --use-free-port to write it into {root / '.env.staging'}"
        )
        assert alive_entries() == []

        try:
            assert services(root, "start", "--use-free-port") == 0
            written = (root / ".env.staging").read_text()
            assert f":{port}/" not in written
            moved = int(written.split("127.0.0.1:")[1].split("/")[0])
            assert [e.port for e in alive_entries()] == [moved]
        finally:
            assert services(root, "stop") == 0
    assert service_processes(service_home) == []


def test_a_missing_server_program_names_the_service_and_the_package(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("ASGIDECK_SERVICE_PATH", str(empty))
    root = project(
        tmp_path / "app",
        DATABASE_URL=f"postgresql://app:pw@127.0.0.1:{free_port()}/app",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
    )
    assert services(root, "start", "redis") == EXIT_CANNOT_START
    [line] = error_lines(capsys)
    assert line.startswith("asgideck: redis (REDIS_URL): ")
    assert "redis-server" in line and "install" in line
    assert services(root, "start", "postgres") == EXIT_CANNOT_START
    [line] = error_lines(capsys)
    assert line.startswith("asgideck: postgres (DATABASE_URL): ")
    assert "PostgreSQL" in line and "install" in line
    assert alive_entries() == []


def test_a_password_the_existing_data_refuses_is_named_and_reset_only_when_asked(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    root = project(tmp_path / "app", DATABASE_URL=f"postgresql://app:first-pw@127.0.0.1:{port}/app")
    try:
        assert services(root, "start", "--timeout", "90") == 0
        assert services(root, "stop") == 0
        capsys.readouterr()
        project(root, DATABASE_URL=f"postgresql://app:second-pw@127.0.0.1:{port}/app")

        assert services(root, "start", "--timeout", "90") == EXIT_CANNOT_START
        [line] = error_lines(capsys)
        assert line.startswith("asgideck: postgres (DATABASE_URL): ")
        assert "password" in line and "--reset-password" in line
        assert "second-pw" not in line and "first-pw" not in line
        assert alive_entries() == [] and is_port_free(port)  # not left running

        assert services(root, "start", "--reset-password", "--timeout", "90") == 0
        with psycopg.connect(
            host="127.0.0.1", port=port, user="app", password="second-pw", dbname="app"
        ) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        services(root, "stop", "--grace", "2")
    assert service_processes(service_home) == []


#: a "redis-server" that listens on its --port and never answers a PING
SILENT_REDIS = """#!{python}
import socket, sys
port = int(sys.argv[sys.argv.index("--port") + 1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen()
print("listening on", port, "and saying nothing", flush=True)
held = []
while True:
    held.append(s.accept()[0])
"""


def test_a_server_that_never_answers_is_stopped_after_the_timeout_with_its_last_lines(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    fake = tmp_path / "bin"
    fake.mkdir()
    program = fake / "redis-server"
    program.write_text(SILENT_REDIS.format(python=sys.executable))
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("ASGIDECK_SERVICE_PATH", str(fake))
    port = free_port()
    root = project(tmp_path / "app", REDIS_URL=f"redis://127.0.0.1:{port}/0")

    assert services(root, "start", "--timeout", "2") == EXIT_NOT_READY
    lines = error_lines(capsys)
    assert lines[0].startswith("asgideck: redis (REDIS_URL): did not answer within 2 s")
    assert any("and saying nothing" in line for line in lines[1:])
    assert alive_entries() == [] and is_port_free(port)
    assert service_processes(service_home) == []


def test_a_bad_timeout_or_an_unknown_service_is_a_usage_error(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = project(tmp_path / "app", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert services(root, "start", "--timeout", "nan") == EXIT_USAGE
    assert services(root, "start", "postgres") == EXIT_USAGE
    assert "it needs: redis" in capsys.readouterr().err
    # without --profile: the only profile (staging); with two and no development, which?
    code, out = run_cli("services", str(root))
    assert code == 0 and out.split("\n")[1].split()[0] == "redis"
    (root / ".env.prod").write_text("APP=1\n")
    code, _out = run_cli("services", str(root))
    assert code == EXIT_USAGE
    assert "profiles prod, staging: name the one" in capsys.readouterr().err
    assert alive_entries() == []
