"""Free ports, who holds a port, waiting for a port to open."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import psutil
import pytest

from asgideck.runtime.servers import (
    _ports,
    free_port,
    is_port_free,
    next_free_port,
    port_accepts,
    port_holder,
    wait_port_open,
)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert 1024 <= port <= 65535
    assert is_port_free(port)


def test_listening_port_is_not_free(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    assert not is_port_free(port)
    assert not is_port_free(port, "0.0.0.0")  # the wildcard bind would clash too


def test_next_free_port_skips_taken_ports(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    found = next_free_port(port)
    assert found > port
    assert is_port_free(found)
    assert free_port(start=port) == found


def test_port_holder_names_this_process(listener: socket.socket) -> None:
    holder = port_holder(listener.getsockname()[1])
    assert holder is not None
    assert holder.pid == os.getpid()
    assert list(holder.cmdline) == psutil.Process().cmdline()
    assert str(os.getpid()) in holder.describe()


def test_port_holder_names_another_process() -> None:
    code = (
        "import socket,sys;s=socket.socket();s.bind(('127.0.0.1',0));s.listen();"
        "print(s.getsockname()[1],flush=True);sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "marker-arg"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        holder = port_holder(port)
        assert holder is not None
        assert holder.pid == proc.pid
        assert "marker-arg" in holder.cmdline
        assert "marker-arg" in holder.describe()
    finally:
        proc.communicate("")


def test_nobody_holds_a_free_port() -> None:
    assert port_holder(free_port()) is None


def test_port_accepts_and_wait(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    assert port_accepts("127.0.0.1", port)
    assert wait_port_open("127.0.0.1", port, timeout=1.0)


def _attempts_on_a_test_clock(monkeypatch: pytest.MonkeyPatch) -> tuple[list[float], list[float]]:
    """Each connection attempt (real, to the port) moves a test clock on by 0.1 s: the
    number of attempts shows the timeout at work, not wall time."""
    now, attempts = [0.0], []
    real = _ports.port_accepts

    def counted(host: str, port: int, timeout: float = 0.25) -> bool:
        attempts.append(now[0])
        now[0] += 0.1
        return real(host, port, timeout=timeout)

    monkeypatch.setattr(_ports, "port_accepts", counted)
    return now, attempts


def test_wait_times_out_on_a_closed_port(monkeypatch: pytest.MonkeyPatch) -> None:
    now, attempts = _attempts_on_a_test_clock(monkeypatch)
    port = free_port()
    assert not wait_port_open("127.0.0.1", port, timeout=0.3, clock=lambda: now[0])
    assert attempts == pytest.approx([0.0, 0.1, 0.2])  # tried until the deadline, then gave up


def test_wait_stops_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    now, attempts = _attempts_on_a_test_clock(monkeypatch)
    stop = threading.Event()
    stop.set()
    assert not wait_port_open(
        "127.0.0.1", free_port(), timeout=30, stop_event=stop, clock=lambda: now[0]
    )
    assert attempts == []  # the stop is seen before any attempt: no 30 s wait


def test_wait_sees_a_port_that_opens_later() -> None:
    port = free_port()
    waiting = threading.Event()
    sock = socket.socket()

    def open_later() -> None:
        waiting.wait(5)
        sock.bind(("127.0.0.1", port))
        sock.listen()

    thread = threading.Thread(target=open_later)
    thread.start()
    try:
        waiting.set()
        assert wait_port_open("127.0.0.1", port, timeout=5)
    finally:
        thread.join()
        sock.close()
