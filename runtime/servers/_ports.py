"""Ports: is one free, which process holds it, which is the next free one, is it open yet.

"Free" means a server could bind it now: we bind with ``SO_REUSEADDR`` as
uvicorn and gunicorn do, so sockets lingering in TIME_WAIT do not count as
taken, while any listener on the port (also on the wildcard address) does.
"""

from __future__ import annotations

import errno
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil

__all__ = [
    "Holder",
    "bind_problem",
    "free_port",
    "is_port_free",
    "listener_pids",
    "next_free_port",
    "port_accepts",
    "port_holder",
    "wait_port_open",
]


@dataclass(frozen=True)
class Holder:
    """The process listening on a port (``pid`` is None when the OS will not say)."""

    port: int
    pid: int | None
    name: str
    cmdline: tuple[str, ...]

    def describe(self) -> str:
        if self.pid is None:
            return "another process (its pid is not visible to asgideck)"
        command = " ".join(self.cmdline)
        if len(command) > 200:
            command = command[:197] + "..."
        detail = f"{self.name}: {command}" if command else self.name
        return f"pid {self.pid} ({detail})"


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def is_port_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could bind ``host:port`` right now."""
    host = host.strip("[]")
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def next_free_port(start: int, host: str = "127.0.0.1", limit: int = 200) -> int:
    """The first free port at or after ``start`` (tries ``limit`` ports)."""
    for port in range(max(1, start), min(65536, start + limit)):
        if is_port_free(port, host):
            return port
    raise OSError(f"no free port on {host} in {start}-{start + limit - 1}")


def free_port(host: str = "127.0.0.1", start: int | None = None) -> int:
    """A free port: the kernel's pick, or the first free one from ``start``."""
    if start is not None:
        return next_free_port(start, host)
    host = host.strip("[]")
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _matches(laddr_ip: str, host: str) -> bool:
    wildcard = {"0.0.0.0", "::", ""}
    return host in wildcard or laddr_ip in wildcard or laddr_ip == host


def port_holder(port: int, host: str = "127.0.0.1") -> Holder | None:
    """Who listens on ``port`` (None when nobody does, as far as psutil can see)."""
    host = host.strip("[]")
    listeners = [(ip, pid) for ip, lport, pid in _listening() if lport == port]
    listeners = [(ip, pid) for ip, pid in listeners if _matches(ip, host)] or listeners
    if not listeners:
        return None
    pids = sorted({pid for _ip, pid in listeners if pid is not None})
    if not pids:
        return Holder(port, None, "unknown", ())
    return _describe(port, _topmost(pids))


def _listening() -> list[tuple[str, int, int | None]]:
    """(ip, port, pid) of every listening TCP socket psutil can see."""
    found: list[tuple[str, int, int | None]] = []
    try:
        for c in psutil.net_connections(kind="inet"):
            if c.status == psutil.CONN_LISTEN and c.laddr:
                found.append((c.laddr.ip, c.laddr.port, c.pid))
    except psutil.AccessDenied:  # macOS without root: ask each process we may inspect
        for proc in psutil.process_iter():
            try:
                for pc in proc.net_connections(kind="inet"):
                    if pc.status == psutil.CONN_LISTEN and pc.laddr:
                        found.append((pc.laddr.ip, pc.laddr.port, proc.pid))
            except psutil.Error:
                continue
    return found


def _topmost(pids: list[int]) -> int:
    """Of several processes sharing a listening socket (workers), the one highest in the tree."""
    for pid in pids:
        try:
            parents = {p.pid for p in psutil.Process(pid).parents()}
        except psutil.Error:
            continue
        if not parents.intersection(pids):
            return pid
    return pids[0]


def _describe(port: int, pid: int) -> Holder:
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            name = proc.name()
            try:
                cmdline = tuple(proc.cmdline())
            except psutil.AccessDenied:
                cmdline = ()
    except psutil.Error:
        return Holder(port, pid, "exited", ())
    return Holder(port, pid, name, cmdline)


#: How long a host name may take to resolve before asgideck gives up on it.
RESOLVE_TIMEOUT_S = 2.0
_NUMERIC = re.compile(r"[0-9.]+|.*:.*")


def bind_problem(host: str, timeout: float = RESOLVE_TIMEOUT_S) -> str | None:
    """Why a server could not bind ``host`` on this machine, in one line (None: it can).

    An IP address must be one of this machine's (or a wildcard); a name must resolve
    within ``timeout`` seconds (an unknown name must not hang a start for the resolver's
    own 20 s) to at least one such address.
    """
    name = host.strip().strip("[]")
    try:
        addresses = [str(ipaddress.ip_address(name))]
    except ValueError:
        if not name or _NUMERIC.fullmatch(name):
            return f"{host} is not an IP address or host name this machine can bind"
        found = _resolve(name, timeout)
        if isinstance(found, str):
            return f"{host} is not an IP address or host name this machine can bind ({found})"
        addresses = found
    for address in addresses:
        if _bindable(address):
            return None
    shown = host if addresses == [name] else f"{host} ({', '.join(addresses)})"
    return f"cannot bind {shown}: not an address of this machine"


def _resolve(name: str, timeout: float) -> list[str] | str:
    """The addresses ``name`` resolves to, or why not (on a daemon thread, so a resolver
    that hangs is abandoned after ``timeout`` seconds)."""
    result: list[list[str] | str] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
            result.append(list(dict.fromkeys(str(info[4][0]) for info in infos)))
        except (OSError, UnicodeError) as exc:
            result.append(f"the name does not resolve: {getattr(exc, 'strerror', None) or exc}")
        done.set()

    threading.Thread(target=lookup, name="asgideck-resolve", daemon=True).start()
    if not done.wait(timeout):
        return f"the name did not resolve within {timeout:g} s"
    return result[0] if result[0] else "the name resolves to no address"


def _bindable(address: str) -> bool:
    """True unless binding ``address`` fails because it is not this machine's."""
    try:
        with socket.socket(_family(address), socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((address, 0))
    except OSError as exc:
        return exc.errno not in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT, errno.EINVAL)
    return True


def listener_pids(port: int) -> set[int | None]:
    """The pids listening on TCP ``port`` on any address (None: a listener whose process
    asgideck may not see); empty when psutil sees no listener at all."""
    return {pid for _ip, lport, pid in _listening() if lport == port}


def port_accepts(host: str, port: int, timeout: float = 0.25) -> bool:
    """True when a TCP connection to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host.strip("[]"), port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port_open(
    host: str,
    port: int,
    timeout: float,
    stop_event: threading.Event | None = None,
    *,
    interval: float = 0.05,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Wait until the port accepts a connection; False on timeout or when ``stop_event`` is set."""
    event = stop_event if stop_event is not None else threading.Event()
    deadline = clock() + timeout
    while not event.is_set():
        if port_accepts(host, port, timeout=min(0.25, max(0.01, deadline - clock()))):
            return True
        remaining = deadline - clock()
        if remaining <= 0:
            return False
        event.wait(min(interval, remaining))
    return False
