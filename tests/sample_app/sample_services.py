"""Real servers for the sample app's tests: redis-server, PostgreSQL and an SMTP catcher.

Each runs on a free loopback port and is waited for on its own readiness line (Redis:
"Ready to accept connections", PostgreSQL: "ready to accept connections"), then checked
with its protocol; nothing sleeps. Each stops when its context ends, and fails the test
if it does not.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
from aiosmtpd.controller import Controller
from redis import Redis

from asgideck.runtime.servers import free_port

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
POSTGRES_BIN = Path("/usr/lib/postgresql")


class ServerDidNotStart(RuntimeError):
    pass


def _clean_env() -> dict[str, str]:
    """The environment for a server: without asgideck's per-test state variables, which
    would make the suite's leak check take a server of a module fixture for a leak."""
    return {
        k: v for k, v in os.environ.items() if k not in ("ASGIDECK_HOME", "ASGIDECK_LAUNCH_STATE")
    }


class _ReadyWatcher:
    """Reads a process's output on a thread; `wait()` returns once `marker` was printed."""

    def __init__(self, proc: subprocess.Popen[bytes], marker: bytes) -> None:
        self.proc = proc
        self.marker = marker
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.decode("utf-8", "replace").rstrip())
            if self.marker in line:
                self.ready.set()
        self.ended.set()
        self.ready.set()  # wake the waiter: the process closed its output (it ended)

    def wait(self, what: str) -> None:
        if not self.ready.wait(START_TIMEOUT) or self.ended.is_set():
            tail = "\n".join(self.lines[-15:])
            raise ServerDidNotStart(f"{what} did not start:\n{tail}")


def _stop(proc: subprocess.Popen[bytes], sig: int, what: str, watcher: _ReadyWatcher) -> None:
    """Stop the server with `sig`; kill it (and fail) if it ignores that."""
    try:
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT)
                raise AssertionError(f"{what} ignored signal {sig}: killed") from None
    finally:
        watcher.ended.wait(STOP_TIMEOUT)  # its output reached EOF: the reader is done
        if proc.stdout is not None:
            proc.stdout.close()


# ------------------------------------------------------------------------------ Redis


@contextmanager
def running_redis() -> Iterator[str]:
    """A throwaway redis-server (no persistence) on a free port: yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerDidNotStart("redis-server is not installed (apt install redis-server)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="sample-redis-")
    argv = [
        binary,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", workdir,
    ]  # fmt: skip
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_clean_env()
    )
    watcher = _ReadyWatcher(proc, b"Ready to accept connections")
    try:
        watcher.wait(f"redis-server on {port}")
        url = f"redis://127.0.0.1:{port}/0"
        with Redis.from_url(url, socket_timeout=5) as client:
            assert client.ping()
        yield url
    finally:
        _stop(proc, signal.SIGTERM, "redis-server", watcher)
        shutil.rmtree(workdir, ignore_errors=True)


# ------------------------------------------------------------------------- PostgreSQL


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<major>/bin with initdb, if PostgreSQL is installed."""
    found = sorted(
        (p for p in POSTGRES_BIN.glob("*/bin") if (p / "initdb").is_file()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


@contextmanager
def running_postgres(user: str = "sample", password: str = "pg-test-password") -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free port with database `sample` owned by
    `user`: yields a postgresql+psycopg:// URL. PostgreSQL refuses to run as root, so as
    root it runs as the `postgres` user in a directory that user can reach."""
    bindir = postgres_bin()
    if bindir is None:
        raise ServerDidNotStart("PostgreSQL is not installed (apt install postgresql)")
    run_as = "postgres" if os.geteuid() == 0 else None
    top = Path(tempfile.mkdtemp(prefix="sample-pg-"))
    top.chmod(0o711)
    home = top / "cluster"
    home.mkdir(mode=0o700)
    pwfile = home / "pwfile"
    pwfile.write_text(password + "\n")
    pwfile.chmod(0o600)
    if run_as is not None:
        for path in (home, pwfile):
            shutil.chown(path, run_as, run_as)
    pgdata = home / "pgdata"
    proc: subprocess.Popen[bytes] | None = None
    watcher: _ReadyWatcher | None = None
    try:
        initdb = [
            str(bindir / "initdb"), "-D", str(pgdata), "-U", user, f"--pwfile={pwfile}",
            "--auth=scram-sha-256", "-E", "UTF8", "--no-instructions",
        ]  # fmt: skip
        done = subprocess.run(
            initdb, capture_output=True, user=run_as, env=_clean_env(), timeout=120, check=False
        )
        if done.returncode != 0:
            raise ServerDidNotStart(f"initdb failed: {done.stderr.decode()[-2000:]}")
        port = free_port()
        argv = [
            str(bindir / "postgres"), "-D", str(pgdata), "-p", str(port),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
            "-c", "fsync=off", "-c", "logging_collector=off",
            # no autovacuum workers appearing mid-test (the suite counts child processes)
            "-c", "autovacuum=off",
        ]  # fmt: skip
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, user=run_as, env=_clean_env()
        )
        watcher = _ReadyWatcher(proc, b"ready to accept connections")
        watcher.wait(f"postgres on {port}")
        admin = f"host=127.0.0.1 port={port} user={user} password={password} dbname=postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
            connection.execute("CREATE DATABASE sample")
        yield f"postgresql+psycopg://{user}:{password}@127.0.0.1:{port}/sample"
    finally:
        if proc is not None and watcher is not None:
            _stop(proc, signal.SIGINT, "postgres", watcher)  # SIGINT: fast shutdown
        shutil.rmtree(top, ignore_errors=True)


# ------------------------------------------------------------------------------- SMTP


@dataclass
class Inbox:
    """What the SMTP catcher received; `wait_for(n)` blocks until n messages arrived."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def add(self, sender: str, recipients: Sequence[str], data: bytes) -> None:
        message = message_from_bytes(data, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self.envelopes.append((sender, list(recipients)))
            self.messages.append(message)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.inbox.add(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_catcher() -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd, in a thread) on a free loopback port."""
    port = free_port()
    inbox = Inbox("127.0.0.1", port)
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=port)
    controller.start()  # returns once the server answers
    try:
        yield inbox
    finally:
        controller.stop()
