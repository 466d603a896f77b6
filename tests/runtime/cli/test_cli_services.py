"""`asgideck services` and `asgideck run --with-services` as a user types them, on a copy of
the bundled sample (its staging profile: PostgreSQL, Redis, a mail catcher) moved to free
ports: the listing (passwords masked), start and stop (services outlive the command,
`ps` lists them as services), and `run --with-services` (services, then `--before`
tasks, then the app) serving requests that write to PostgreSQL and read back through
Redis, stopping only what it started, leaving no process and no port, the data kept for
the next start."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.cli._shared import EXIT_CANNOT_START
from asgideck.runtime.servers import alive_entries, free_port, is_port_free, port_accepts
from asgideck.runtime.services import mailbox_for
from support import REPO, SAMPLE_APP
from support.cli import run_cli
from support.servers import wait_until
from support.services import service_home, service_processes  # noqa: F401

pytestmark = pytest.mark.integration

PASSWORD = "staging-demo-password"
STAGING_PORTS = {"postgres": 55432, "redis": 56379, "mail": 51025}


def staging_copy(into: Path) -> tuple[Path, dict[str, int]]:
    """The sample app copied to ``into`` with its staging services on free ports."""
    root = into / "sample_app"
    shutil.copytree(SAMPLE_APP, root, ignore=shutil.ignore_patterns("__pycache__", "data"))
    ports = {name: free_port() for name in STAGING_PORTS}
    env_file = root / ".env.staging"
    text = env_file.read_text()
    for name, port in STAGING_PORTS.items():
        assert str(port) in text, f"the staging profile no longer uses {port} for {name}"
        text = text.replace(str(port), str(ports[name]))
    env_file.write_text(text)
    return root, ports


@pytest.fixture
def staging(service_home: Path, tmp_path: Path) -> Iterator[tuple[Path, dict[str, int]]]:  # noqa: F811
    root, ports = staging_copy(tmp_path)
    try:
        yield root, ports
    finally:
        run_cli("services", str(root), "--profile", "staging", "stop", "--grace", "2")


def test_services_lists_what_the_profile_needs_with_the_password_masked(
    staging: tuple[Path, dict[str, int]],
) -> None:
    root, ports = staging
    code, out = run_cli("services", str(root), "--profile", "staging")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "ADDRESS", "STATE", "SAID-BY", "DATA"]
    rows = {line.split()[0]: line.split() for line in lines[1:] if not line.startswith(" ")}
    assert set(rows) == {"postgres", "redis", "mail"}
    assert rows["postgres"][2] == f"sample:****@127.0.0.1:{ports['postgres']}/sample"
    assert rows["redis"][3] == "stopped"
    assert rows["postgres"][4] == "DATABASE_URL"
    assert PASSWORD not in out

    code, out = run_cli("services", str(root), "--profile", "staging", "--json")
    assert code == 0
    listed = {row["name"]: row for row in json.loads(out)}
    assert listed["postgres"]["password"] == "****"
    assert listed["mail"]["variables"] == ["SMTP_HOST", "SMTP_PORT"]
    assert listed["redis"]["port"] == ports["redis"]
    assert PASSWORD not in out

    code, out = run_cli("services", str(root), "--profile", "development")
    assert code == 0 and "needs no services" in out


def test_services_start_outlive_the_command_are_listed_by_ps_and_stop(
    staging: tuple[Path, dict[str, int]],
) -> None:
    root, ports = staging
    code, out = run_cli("services", str(root), "--profile", "staging", "start", "redis", "mail")
    assert code == 0, out
    assert f"redis (REDIS_URL): ready on 127.0.0.1:{ports['redis']}" in out
    assert "mail (SMTP_HOST, SMTP_PORT): ready" in out

    code, out = run_cli("ps", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert set(rows) == {"staging/redis", "staging/mail"}
    assert rows["staging/redis"]["kind"] == "redis"
    assert rows["staging/redis"]["service"] is True
    assert rows["staging/redis"]["orphan"] is False

    code, out = run_cli("services", str(root), "--profile", "staging", "start", "redis")
    assert code == 0 and "ready" in out  # already running: left alone
    code, out = run_cli("services", str(root), "--profile", "staging")
    states = {line.split()[0]: line.split()[3] for line in out.splitlines()[1:] if line[:1] != " "}
    assert states == {"postgres": "stopped", "redis": "ready", "mail": "ready"}

    code, _out = run_cli("services", str(root), "--profile", "staging", "start", "nosuch")
    assert code == 64

    # `asgideck stop ID` ends a service as it ends a server
    code, out = run_cli("stop", str(rows["staging/mail"]["id"]))
    assert code == 0 and out.startswith("stopped staging/mail"), out

    code, out = run_cli("services", str(root), "--profile", "staging", "stop")
    assert code == 0, out
    assert "redis (REDIS_URL): stopped" in out
    assert "postgres (DATABASE_URL): not running" in out
    assert "mail (SMTP_HOST, SMTP_PORT): not running" in out
    assert alive_entries() == []
    assert is_port_free(ports["redis"]) and is_port_free(ports["mail"])


#: a before-start task that needs the services up: the order is services, tasks, app
CHECK_SERVICES = """\
import os, psycopg, redis
url = os.environ["DATABASE_URL"].replace("+psycopg", "")
with psycopg.connect(url) as conn:
    conn.execute("SELECT 1")
redis.Redis.from_url(os.environ["REDIS_URL"]).ping()
print("the task found postgres and redis answering", flush=True)
"""


def _asgideck_run(root: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "asgideck", "run", str(root), "--profile", "staging"),
            *("--with-services", "--port", str(port), "--ready-timeout", "90", *extra),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _serving(proc: subprocess.Popen[str], port: int) -> None:
    up = wait_until(lambda: port_accepts("127.0.0.1", port) or proc.poll() is not None, 120)
    if not up or proc.poll() is not None:
        proc.kill()
        out, err = proc.communicate(timeout=30)
        pytest.fail(f"run did not serve (exit {proc.returncode}):\n{out}\n{err}")


def _stop_run(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=30)
        pytest.fail(f"run did not stop:\n{err}")
    assert proc.returncode == 0, err
    return out, err


def test_run_with_services_serves_from_postgres_and_redis_and_stops_what_it_started(
    service_home: Path,  # noqa: F811
    staging: tuple[Path, dict[str, int]],
) -> None:
    root, ports = staging
    port = free_port()
    (root / "check_services.py").write_text(CHECK_SERVICES)
    proc = _asgideck_run(root, port, "--before", "python check_services.py")
    try:
        _serving(proc, port)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/health").json()["environment"] == "staging"
            user = {"username": "ada", "email": "ada@example.com", "password": "correct-horse"}
            assert client.post("/api/v1/users", json=user).status_code == 201
            token = client.post(
                "/api/v1/auth/token", data={"username": "ada", "password": "correct-horse"}
            ).json()["access_token"]
            made = client.post(
                "/api/v1/items",
                json={"name": "kept", "price": 3.5},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert made.status_code == 201, made.text
            item = made.json()["id"]
            first = client.get(f"/api/v1/items/{item}")
            second = client.get(f"/api/v1/items/{item}")
            assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
            assert second.json()["name"] == "kept"
        # the new user's welcome e-mail (a background task after the 201) was caught
        mailbox = mailbox_for(root, "staging")
        assert wait_until(lambda: bool(mailbox.messages()), 20)
        [welcome] = mailbox.messages()
        assert welcome.recipients == ("ada@example.com",)
        assert "ada" in welcome.text and welcome.html
    finally:
        out, err = _stop_run(proc) if proc.poll() is None else proc.communicate()
    assert re.search(r"postgres \(DATABASE_URL\): ready on 127\.0\.0\.1:\d+ \(started\)", err)
    assert "the task found postgres and redis answering" in out
    assert err.index("redis (REDIS_URL): ready") < err.index("asgideck: starting:")
    assert "redis (REDIS_URL): stopped" in err
    assert service_processes(service_home) == []
    assert alive_entries() == []
    assert all(is_port_free(p) for p in [port, *ports.values()])

    # Postgres already running: run leaves it so; Redis and mail it starts and stops
    code, out = run_cli("services", str(root), "--profile", "staging", "start", "postgres")
    assert code == 0, out
    proc = _asgideck_run(root, port)
    try:
        _serving(proc, port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            again = client.get(f"/api/v1/items/{item}")
            assert again.status_code == 200 and again.json()["name"] == "kept"  # same data
    finally:
        _out, err = _stop_run(proc) if proc.poll() is None else proc.communicate()
    assert "postgres (DATABASE_URL): ready on" in err and "already running" in err
    assert [e.name for e in alive_entries()] == ["staging/postgres"]
    assert is_port_free(ports["redis"]) and is_port_free(ports["mail"])
    code, out = run_cli("services", str(root), "--profile", "staging", "stop", "postgres")
    assert code == 0, out
    assert service_processes(service_home) == []


def test_run_with_services_stops_what_it_started_when_a_later_service_cannot_start(
    service_home: Path,  # noqa: F811
    staging: tuple[Path, dict[str, int]],
) -> None:
    root, ports = staging
    port = free_port()
    with socket.socket() as holder:  # Redis' port taken: Postgres (first) is started, then
        holder.bind(("127.0.0.1", ports["redis"]))
        holder.listen()
        proc = _asgideck_run(root, port)
        try:
            _out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=30)
    assert proc.returncode == EXIT_CANNOT_START, err
    taken = [line for line in err.splitlines() if "is taken by" in line]
    assert len(taken) == 1
    assert taken[0].startswith(f"asgideck: redis (REDIS_URL): port {ports['redis']} on 127.0.0.1")
    assert taken[0].endswith(f"--use-free-port` writes it into {root / '.env.staging'}")
    assert "postgres (DATABASE_URL): stopped" in err  # it started it: it stops it
    assert alive_entries() == [] and service_processes(service_home) == []
    assert is_port_free(port) and is_port_free(ports["postgres"])
