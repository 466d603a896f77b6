"""Shared by the services tests: an ASGIDECK_HOME the ``postgres`` user can reach, needs
for the real servers, and a way to run one engine's argv for the length of a test.

We run as root here and in CI, and PostgreSQL refuses root: it runs as ``postgres``,
which cannot enter pytest's own temp folders (0700). ``service_home`` is a folder
under /tmp that it can walk through (0711).

Use the fixture by naming it in the test module (pytest finds fixtures there):
``from support import services`` and ``service_home = services.service_home``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.servers import free_port
from asgideck.runtime.services import (
    CredentialsRejected,
    Engine,
    NotReady,
    ServiceError,
    ServiceNeed,
)

__all__ = [
    "RunningService",
    "free_port",
    "postgres_need",
    "redis_need",
    "run_engine",
    "service_home",
    "service_processes",
    "wait_ready",
]

#: where ``_datadir`` moves Postgres' data when root's state folder is out of reach
_SYSTEM_ROOT = Path("/var/lib/asgideck")


@pytest.fixture
def service_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh ASGIDECK_HOME (0711 under /tmp) the ``postgres`` user can walk through;
    removed afterwards. Fails the test that leaves a service running in it (the
    survivors are killed first)."""
    base = "/tmp" if os.path.isdir("/tmp") else None
    home = Path(tempfile.mkdtemp(prefix="asgideck-svc-", dir=base))
    home.chmod(0o711)
    monkeypatch.setenv("ASGIDECK_HOME", str(home))
    try:
        yield home
    finally:
        survivors = service_processes(home)
        described = [_describe(proc) for proc in survivors]
        for proc in survivors:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(survivors, timeout=5)
        shutil.rmtree(home, ignore_errors=True)
        moved = _SYSTEM_ROOT / hashlib.sha1(str(home).encode()).hexdigest()[:12]
        shutil.rmtree(moved, ignore_errors=True)
        if described:
            pytest.fail("test left services running: " + "; ".join(described))


def service_processes(home: Path) -> list[psutil.Process]:
    """Processes (any user's) that belong to ``home``: their environment names it as
    asgideck's state, or their command line points into it (a data directory)."""
    found = []
    marker = str(home)
    for proc in psutil.process_iter():
        if proc.pid == os.getpid():
            continue
        with contextlib.suppress(psutil.Error):
            environ = proc.environ()
            said = (environ.get("ASGIDECK_HOME"), environ.get("ASGIDECK_LAUNCH_STATE"))
            if marker in said or any(marker in part for part in proc.cmdline()):
                found.append(proc)
    return found


def postgres_need(
    port: int,
    *,
    password: str = "app-pass-1",
    user: str = "app",
    database: str = "appdb",
    name: str = "postgres",
    variables: tuple[str, ...] = ("DATABASE_URL",),
) -> ServiceNeed:
    """What ``DATABASE_URL=postgresql://app:…@127.0.0.1:<port>/appdb`` asks for."""
    return ServiceNeed(
        kind="postgres",
        name=name,
        host="127.0.0.1",
        port=port,
        user=user,
        password=password,
        database=database,
        variables=variables,
        port_variable=variables[0] if variables else "",
    )


def redis_need(
    port: int,
    *,
    password: str = "",
    user: str = "",
    name: str = "redis",
    variables: tuple[str, ...] = ("REDIS_URL",),
) -> ServiceNeed:
    """What ``REDIS_URL=redis://[:password@]127.0.0.1:<port>/0`` asks for."""
    return ServiceNeed(
        kind="redis",
        name=name,
        host="127.0.0.1",
        port=port,
        user=user,
        password=password,
        database="0",
        variables=variables,
        port_variable=variables[0] if variables else "",
    )


class RunningService:
    """One engine's server started from its argv by a test (not by the lifecycle)."""

    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc = proc
        self.log = log

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def run_engine(
    engine: Engine, need: ServiceNeed, data_dir: Path, *, timeout: float = 60.0
) -> Iterator[RunningService]:
    """check_installed, prepare and start ``engine``'s argv (as ``run_as()``, in its own
    session, output to ``data_dir/../<name>.log``); stopped with the engine's
    ``stop_signal`` on exit (SIGKILL after ``timeout``). Does not wait for ready:
    see :func:`wait_ready`."""
    engine.check_installed(need)
    engine.prepare(need, data_dir)
    argv = engine.argv(need, data_dir)
    log = data_dir.parent / f"{need.name}.log"
    env = dict(os.environ)
    account = None
    user = engine.run_as()
    if user is not None:
        from asgideck.runtime.services._binaries import run_as_user

        account = run_as_user(user)
        env.update(account.environ())
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            cwd=data_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=account.uid if account else None,
            group=account.gid if account else None,
            extra_groups=list(account.groups) if account else None,
        )
    running = RunningService(proc, log)
    try:
        yield running
    finally:
        _stop(proc, int(getattr(engine, "stop_signal", signal.SIGTERM)), timeout)


def wait_ready(
    engine: Engine,
    need: ServiceNeed,
    data_dir: Path,
    running: RunningService,
    *,
    timeout: float = 60.0,
) -> None:
    """Call ``engine.ready`` until it passes (then ``first_ready``), the server exits
    (fails the test with its log), or ``timeout`` passes (``NotReady``). Raises
    ``CredentialsRejected`` at once."""
    deadline = time.monotonic() + timeout
    last: ServiceError | None = None
    while time.monotonic() < deadline:
        try:
            engine.ready(need, data_dir, min(5.0, max(0.5, deadline - time.monotonic())))
        except CredentialsRejected:
            raise
        except NotReady as exc:
            last = exc
        else:
            engine.first_ready(need, data_dir)
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            running.proc.wait(timeout=0.05)  # doubles as "did it exit?"
        if running.proc.poll() is not None:
            pytest.fail(f"{need.name} exited ({running.proc.returncode}):\n{running.log_text()}")
    raise NotReady(f"{need.name} not ready in {timeout} s: {last}\n{running.log_text()}")


def _stop(proc: subprocess.Popen[bytes], signum: int, timeout: float) -> None:
    """End the server's whole session: ``signum`` first, SIGKILL if it does not go."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signum)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    # postgres' helpers leave with the postmaster; wait for the group to be empty
    group = [p for p in psutil.process_iter() if _pgid(p) == proc.pid]
    _gone, alive = psutil.wait_procs(group, timeout=timeout)
    for leftover in alive:
        with contextlib.suppress(psutil.Error):
            leftover.kill()


def _pgid(proc: psutil.Process) -> int | None:
    try:
        return os.getpgid(proc.pid)
    except OSError:
        return None


def _describe(proc: psutil.Process) -> str:
    try:
        return f"{proc.pid} {' '.join(proc.cmdline())[:120]}"
    except psutil.Error:
        return str(proc.pid)
