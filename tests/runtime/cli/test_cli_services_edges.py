"""`asgideck services` at its edges (issue 12's review): a port served by something
asgideck did not start (the system's Redis) is said as such in the list, `start` and
`stop`; a `start` that fails partway names what it left running and how to
stop it (paths quoted for pasting); `--profile` is optional; `--json` covers start and
stop; a compose service's taken port is a start failure (69), not a usage error."""

from __future__ import annotations

import json
import shlex
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from asgideck.runtime.cli._services import port_taken_line
from asgideck.runtime.cli._shared import EXIT_CANNOT_START, EXIT_USAGE
from asgideck.runtime.servers import alive_entries, free_port, is_port_free, port_accepts
from asgideck.runtime.services import ServicePortTaken, ServiceSet
from support.cli import run_cli
from support.servers import wait_until
from support.services import service_home, service_processes  # noqa: F401

pytestmark = pytest.mark.integration


def project(root: Path, profile: str = "staging", **variables: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}" for key, value in variables.items()]
    (root / f".env.{profile}" if profile != "default" else root / ".env").write_text(
        "\n".join(lines) + "\n"
    )
    return root


@pytest.fixture
def foreign_redis(tmp_path: Path) -> Iterator[int]:
    """A Redis asgideck did not start (the system's, on a desktop), on a free port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    folder = tmp_path / "foreign-redis"
    folder.mkdir()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: port_accepts("127.0.0.1", port), timeout=15)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_port_served_elsewhere_is_said_in_the_list_start_and_stop(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    foreign_redis: int,
) -> None:
    root = project(tmp_path / "app", REDIS_URL=f"redis://127.0.0.1:{foreign_redis}/0")
    note = f"redis (REDIS_URL): already served on port {foreign_redis} by "

    code, out = run_cli("services", str(root), "--profile", "staging")
    assert code == 0, out
    _header, row, *notes = out.splitlines()
    assert row.split()[:4] == ["redis", "redis", f"127.0.0.1:{foreign_redis}/0", "ready"]
    assert row.split()[-1] == "REDIS_URL"  # no DATA folder: it is not asgideck's
    [line] = notes
    assert line.startswith(f"  redis: {note}")
    assert line.endswith("not started by asgideck (left alone)")

    code, out = run_cli("services", str(root), "--profile", "staging", "start")
    assert code == 0, out
    assert out.startswith(note) and "left alone" in out
    assert alive_entries() == []

    code, out = run_cli("services", str(root), "--profile", "staging", "stop")
    assert code == 0, out
    assert out.startswith("redis (REDIS_URL): ") and "not started by asgideck" in out
    assert "left alone" in out
    assert "not running" not in out
    assert port_accepts("127.0.0.1", foreign_redis)


def test_a_start_failing_partway_names_what_it_left_running(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    redis_port, mail_port = free_port(), free_port()
    root = project(
        tmp_path / "my app",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(mail_port),
    )
    try:
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", mail_port))
            holder.listen()
            code, out = run_cli("services", str(root), "--profile", "staging", "start")
        assert code == EXIT_CANNOT_START
        err = capsys.readouterr().err
        assert "mail (SMTP_HOST, SMTP_PORT): port" in err
        lines = out.splitlines()
        assert lines[0].startswith(f"redis (REDIS_URL): ready on 127.0.0.1:{redis_port} (pid ")
        assert lines[0].endswith("(left running)")
        stop = shlex.join(["asgideck", "services", str(root), "--profile", "staging", "stop"])
        assert lines[1] == f"left running: redis; stop with `{stop} redis`"
        assert "'" in stop  # the space in the folder's name is quoted
        assert [e.port for e in alive_entries()] == [redis_port]
    finally:
        assert run_cli("services", str(root), "--profile", "staging", "stop")[0] == 0
    assert alive_entries() == [] and is_port_free(redis_port)
    assert service_processes(service_home) == []


def test_the_run_hint_quotes_the_folder_and_the_profile(tmp_path: Path) -> None:
    root = project(tmp_path / "my app", "dev x", REDIS_URL="redis://127.0.0.1:6399/0")
    services = ServiceSet(root, "dev x")
    try:
        need = services.need("redis")
        taken = ServicePortTaken("redis (REDIS_URL): port 6399 is taken", free_port=6400)
        line = port_taken_line(services, need, taken, from_run=True)
    finally:
        services.close()
    command = shlex.join(
        ["asgideck", "services", str(root), "--profile", "dev x", "start", "--use-free-port"]
    )
    assert f"`{command}` writes it into" in line
    assert shlex.split(command)[2] == str(root)


def test_the_profile_is_optional_when_the_project_has_one_or_a_development_profile(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    only = project(tmp_path / "only", REDIS_URL=f"redis://127.0.0.1:{port}/0")
    code, out = run_cli("services", str(only), "--json")
    assert code == 0, out
    assert [row["name"] for row in json.loads(out)] == ["redis"]

    two = project(tmp_path / "two", "prod", APP="1")
    project(two, "staging", REDIS_URL=f"redis://127.0.0.1:{port}/0")
    code, out = run_cli("services", str(two))
    assert code == EXIT_USAGE
    [line] = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert "prod, staging" in line and "--profile" in line

    project(two, "development", SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
    code, out = run_cli("services", str(two), "--json")
    assert code == 0, out
    assert [row["name"] for row in json.loads(out)] == ["mail"]


def test_start_and_stop_honour_json(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = free_port()
    root = project(tmp_path / "app", SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
    try:
        code, out = run_cli("services", str(root), "--profile", "staging", "start", "--json")
        assert code == 0, out
        [row] = json.loads(out)
        assert (row["name"], row["state"], row["port"]) == ("mail", "ready", port)
        assert row["entry_id"]
    finally:
        code, out = run_cli("services", str(root), "--profile", "staging", "--json", "stop")
    assert code == 0, out
    [row] = json.loads(out)
    assert (row["name"], row["state"], row["message"]) == ("mail", "stopped", "stopped")
    assert alive_entries() == []


def test_use_free_port_for_a_compose_service_is_a_start_failure(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    root = tmp_path / "compose"
    root.mkdir()
    (root / "compose.yaml").write_text(
        f'services:\n  cache:\n    image: redis:7\n    ports: ["{port}:6379"]\n'
    )
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        code, _out = run_cli("services", str(root), "start", "--use-free-port")
    assert code == EXIT_CANNOT_START
    [line] = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert line.startswith(
        f"asgideck: redis (compose.yaml: service cache): port {port} on 127.0.0.1 is taken by "
    )
    assert line.endswith("(the port is set in compose.yaml: service cache: change it there)")
    assert alive_entries() == []


def test_an_interrupted_start_names_what_it_left_running(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C (or SIGTERM: main's ``Stopped`` is a KeyboardInterrupt) while the second
    service starts: exit 130, and the first one is named as left running."""
    mail_port = free_port()
    root = project(
        tmp_path / "app",
        SMTP_URL=f"smtp://127.0.0.1:{mail_port}",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
    )
    real_start = ServiceSet.start

    def start(self: ServiceSet, names: list[str], **kwargs: object) -> list[object]:
        if "redis" in names:
            raise KeyboardInterrupt
        return real_start(self, names, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ServiceSet, "start", start)
    try:
        code, out = run_cli("services", str(root), "--profile", "staging", "start")
        assert code == 130
        first, second = out.splitlines()
        assert first.startswith(f"mail (SMTP_URL): ready on 127.0.0.1:{mail_port} (pid ")
        assert first.endswith("(left running)")
        assert second.startswith("left running: mail; stop with `asgideck services ")
        assert [e.port for e in alive_entries()] == [mail_port]
    finally:
        monkeypatch.setattr(ServiceSet, "start", real_start)  # (undo() would reset the home)
        code, out = run_cli("services", str(root), "--profile", "staging", "stop")
        assert code == 0, out
        assert "mail (SMTP_URL): stopped" in out, out
    assert alive_entries() == []
