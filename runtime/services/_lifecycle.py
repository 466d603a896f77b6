"""Start, check and stop one service: the steps between a ``ServiceNeed`` and a server
that answers its own protocol, and back.

A service is a process tree like an app server's (``runtime.servers.spawn``: its own
session, its launch marker, ended the way every tree is) with three differences:

- it outlives the command that started it (``asgideck services start`` returns at
  once), so its output goes to a log file in its data folder, never to a pipe;
- it is registered (kind ``postgres``/``redis``/``mail``, name ``<profile>/<service>``,
  the project's root) so ``asgideck ps``/``stop`` and the window find it, but it is
  never called an orphan;
- it is ready when it answers its own protocol (``engine.ready``: ``SELECT 1``, ``PING``,
  ``NOOP``), never when a port merely opens.

Starting is idempotent: a service already registered and answering is left alone. Two
asgideck processes starting the same service take turns (a lock file beside its data).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from asgideck.runtime.servers import (
    EndResult,
    Entry,
    ProcessTree,
    alive_entries,
    check_state,
    create_time_of,
    entry_holding,
    is_port_free,
    new_id,
    next_free_port,
    port_holder,
    register,
    spawn,
    stop_orphan,
    unregister,
)
from asgideck.runtime.services._binaries import listen_host, run_as_user
from asgideck.runtime.services._datadir import LOG_NAME, data_dir, ensure_dir, log_file
from asgideck.runtime.services._engines import stop_signal
from asgideck.runtime.services._errors import (
    CredentialsRejected,
    NotReady,
    ServiceError,
    ServicePortTaken,
)
from asgideck.runtime.services._types import (
    RUNNABLE_KINDS,
    Engine,
    ServiceNeed,
    ServiceState,
    StateName,
)
from asgideck.runtime.userstate import StateError

__all__ = [
    "CHECK_TIMEOUT",
    "LAST_LINES",
    "START_MARK",
    "Started",
    "check_service",
    "elsewhere_holder",
    "entry_name",
    "find_entry",
    "last_lines",
    "not_runnable",
    "start_service",
    "stop_service",
    "undo_start",
]

#: One protocol attempt while waiting for readiness (a slow first answer is normal).
ATTEMPT_TIMEOUT = 2.0
#: The quick look of a listing: one attempt this long.
CHECK_TIMEOUT = 1.0
#: The longest pause between attempts while a service starts. The pause starts at
#: :data:`FIRST_RETRY_S` and grows by half each time: a server that is up in 30 ms is seen
#: within a few ms of it, one that takes seconds is not asked hundreds of times.
RETRY_S = 0.02
FIRST_RETRY_S = 0.002
#: Log lines quoted when a service exits or is not ready in time.
LAST_LINES = 10
#: How the line written to a service's log before each start begins: the lines quoted
#: when a start fails are those after the last one (never an earlier run's).
START_MARK = "--- asgideck: starting "
#: Kinds whose port may be held by the user's own server that answers the profile (the
#: system's PostgreSQL or Redis): used and left alone. Any SMTP server answers NOOP, and
#: a real one delivers the mail: for ``mail`` only asgideck's catcher is the service.
_SHAREABLE_KINDS = ("postgres", "redis")
#: The module the mail catcher runs as (``_mail.CATCHER_MODULE``).
_CATCHER_MODULE = "asgideck.runtime.services._mailcatcher"


@dataclass(frozen=True)
class Started:
    """What :func:`start_service` did: the state reached, and whether it started the
    process itself (False: it was already running, and was left alone)."""

    state: ServiceState
    started_here: bool
    popen: subprocess.Popen[bytes] | None = None
    #: the registry entry of the process it started (``started_here`` only)
    entry: Entry | None = None


def entry_name(profile: str, need: ServiceNeed) -> str:
    """How the registry (and ``asgideck ps``) names a service: ``staging/postgres``."""
    return f"{profile}/{need.name}"


def find_entry(root: Path, profile: str, need: ServiceNeed) -> Entry | None:
    """The live registry entry of this project's profile's service, if any.

    Without one, a live server of this data folder (the registry was lost or damaged)
    is registered again and returned: PostgreSQL runs as another user and redis-server
    blanks its environment, so their launch marker cannot find them (see
    :func:`_rediscover`)."""
    try:
        entries = alive_entries(prune=False)
    except StateError:
        return None
    name = entry_name(profile, need)
    found = next(
        (e for e in entries if e.kind == need.kind and e.name == name and e.root == str(root)),
        None,
    )
    if found is None and need.kind in RUNNABLE_KINDS and need.local:
        found = _rediscover(root, profile, need, {e.pid for e in entries})
    return found


def not_runnable(need: ServiceNeed) -> ServiceState | None:
    """The state of a need asgideck does not run (a remote host, MySQL); None otherwise."""
    if need.kind not in RUNNABLE_KINDS:
        return ServiceState(need, "unsupported", message=need.why_not_local)
    if not need.local:
        return ServiceState(need, "remote", message=need.why_not_local)
    return None


def last_lines(path: Path, count: int = LAST_LINES) -> list[str]:
    """The last ``count`` non-empty lines of a log file written since the last start
    (after the last :data:`START_MARK` line); none when unreadable."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 16384))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return []
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    marks = [i for i, line in enumerate(lines) if line.startswith(START_MARK)]
    if marks:
        lines = lines[marks[-1] + 1 :]
    return lines[-count:]


def check_service(
    root: Path, profile: str, need: ServiceNeed, engine: Engine, timeout: float = CHECK_TIMEOUT
) -> ServiceState:
    """Registry entry alive? then one protocol check: what a listing shows."""
    fixed = not_runnable(need)
    if fixed is not None:
        return fixed
    folder = data_dir(root, profile, need)
    log = folder / LOG_NAME
    entry = find_entry(root, profile, need)
    if entry is None:
        holder = elsewhere_holder(need, engine, folder)
        if holder is not None:
            return _served_elsewhere(need, folder, holder)
        return ServiceState(need, "stopped", data_dir=folder, log_file=log)
    state: StateName = "ready"
    message = ""
    try:
        if entry.port != need.port:
            raise ServiceError(
                f"{need.label}: runs on port {entry.port}, the profile now says {need.port}: "
                "start it again to move it",
                service=need.name,
                variables=need.variables,
            )
        engine.ready(need, folder, timeout)
    except NotReady as exc:
        state, message = "starting", str(exc)
    except ServiceError as exc:
        state, message = "failed", str(exc)
    return ServiceState(
        need,
        state,
        pid=entry.pid,
        message=message,
        data_dir=folder,
        log_file=log,
        entry_id=entry.id,
    )


def start_service(
    root: Path,
    profile: str,
    need: ServiceNeed,
    engine: Engine,
    *,
    timeout: float = 60.0,
    reset_password: bool = False,
    cancel: threading.Event | None = None,
    on_state: Callable[[ServiceState], None] | None = None,
) -> Started:
    """Run ``need`` until it answers its protocol; see the module docstring.

    Raises ``BinaryMissing``, ``ServicePortTaken``, ``CredentialsRejected`` or
    ``NotReady`` (each one line naming the service and its variable); a service this
    call started and that then failed is stopped again. ``cancel`` (set by a signal
    handler) stops the wait the same way. ``reset_password``: a password the data
    folder does not know is set to the profile's (Postgres), instead of refused.
    """
    fixed = not_runnable(need)
    if fixed is not None:
        return Started(fixed, False)
    report = on_state or (lambda _state: None)
    folder = data_dir(root, profile, need)
    deadline = time.monotonic() + timeout
    with _start_lock(folder):
        entry = find_entry(root, profile, need)
        if entry is not None and entry.port != need.port:  # the profile moved it: restart
            stop_service(entry)
            entry = None
        if entry is not None:  # already running: wait for it if it is still starting
            _wait_ready(engine, need, folder, deadline, timeout, None, reset_password, cancel)
            state = _ready_state(need, folder, entry)
            report(state)
            return Started(state, False)
        try:
            _check_port(need)
        except ServicePortTaken as taken:  # the user's own server, if it serves the profile
            if not _answers_as_profile(engine, need, folder):
                raise
            state = _served_elsewhere(need, folder, taken.holder)
            report(state)
            return Started(state, False)
        engine.check_installed(need)
        ensure_dir(folder)
        engine.prepare(need, folder)
        args = engine.argv(need, folder)
        log = log_file(folder)
        _mark_start(log, need)
        report(ServiceState(need, "starting", data_dir=folder, log_file=log))
        popen, entry = _spawn(root, profile, need, engine, args, folder, log)
        try:
            _wait_ready(engine, need, folder, deadline, timeout, popen, reset_password, cancel)
            if engine.first_ready(need, folder) is not False:  # it changed something: check
                _wait_ready(engine, need, folder, deadline, timeout, popen, reset_password, cancel)
        except BaseException:
            _end(entry, engine, popen)
            raise
    state = _ready_state(need, folder, entry)
    report(state)
    return Started(state, True, popen, entry)


def undo_start(started: Started, engine: Engine) -> None:
    """Stop what :func:`start_service` started (as a start that failed would), so a
    service started beside one that failed is not left running; nothing when it found
    the service running (``started_here`` False)."""
    if started.started_here and started.entry is not None and started.popen is not None:
        _end(started.entry, engine, started.popen)


def stop_service(entry: Entry, grace: float = 5.0) -> EndResult:
    """End a service's tree (its kind's stop signal first: Postgres' fast shutdown, see
    ``runtime.servers.stop_signal_of``) and drop it from the registry once nothing of
    it is left."""
    return stop_orphan(entry, grace)


# --------------------------------------------------------------------------- steps


def _ready_state(need: ServiceNeed, folder: Path, entry: Entry) -> ServiceState:
    return ServiceState(
        need,
        "ready",
        pid=entry.pid,
        data_dir=folder,
        log_file=folder / LOG_NAME,
        entry_id=entry.id,
    )


def elsewhere_holder(need: ServiceNeed, engine: Engine, folder: Path) -> str | None:
    """Who serves ``need`` when asgideck did not start it (its port is held by a server
    that answers the profile: see :func:`_answers_as_profile`): the holder's description
    ("" when unknown); None when nothing serves it that way."""
    host = _bind_host(need)
    if is_port_free(need.port, host) or not _answers_as_profile(engine, need, folder):
        return None
    holder = port_holder(need.port, host)
    return holder.describe() if holder is not None else ""


def _answers_as_profile(engine: Engine, need: ServiceNeed, folder: Path) -> bool:
    """A server asgideck did not start holds the port: does it answer the profile (the
    system's PostgreSQL or Redis on a desktop, with the profile's role)? Then it is the
    service the app uses, and asgideck leaves it alone instead of offering another port.
    Never for mail: any SMTP server answers NOOP, and a real one delivers the mail."""
    if need.kind not in _SHAREABLE_KINDS:
        return False
    try:
        engine.ready(need, folder, CHECK_TIMEOUT)
    except Exception:  # any failure (refused, another protocol, no data folder): not it
        return False
    return True


def _served_elsewhere(need: ServiceNeed, folder: Path, holder: str) -> ServiceState:
    by = f" by {holder}" if holder else ""
    return ServiceState(
        need,
        "ready",
        message=f"{need.label}: already served on port {need.port}{by}, not started by "
        "asgideck (left alone)",
        data_dir=folder,
    )


@contextlib.contextmanager
def _start_lock(folder: Path) -> Iterator[None]:
    """One start of a service at a time across asgideck processes (a lock file in the
    profile's folder: the data folder itself may belong to the ``postgres`` user)."""
    if sys.platform == "win32":
        yield
        return
    import fcntl

    parent = ensure_dir(folder.parent)
    with open(parent / f".{folder.name}.lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _bind_host(need: ServiceNeed) -> str:
    host = listen_host(need.host)
    return "127.0.0.1" if host == "localhost" else host


def _check_port(need: ServiceNeed) -> None:
    """``ServicePortTaken`` naming who holds the profile's port and a free one."""
    host = _bind_host(need)
    if is_port_free(need.port, host):
        return
    holder = port_holder(need.port, host)
    who = holder.describe() if holder is not None else "another process"
    owner = entry_holding(holder.pid) if holder is not None and holder.pid is not None else None
    if owner is not None:
        who = f"asgideck's {owner.describe()}"
    try:
        free = next_free_port(need.port + 1, host)
    except OSError:
        free = 0
    offer = f"; port {free} is free" if free else ""
    raise ServicePortTaken(
        f"{need.label}: port {need.port} on {host} is taken by {who}{offer}",
        service=need.name,
        variables=need.variables,
        port=need.port,
        holder=who,
        free_port=free,
    )


def _spawn(
    root: Path,
    profile: str,
    need: ServiceNeed,
    engine: Engine,
    args: list[str],
    folder: Path,
    log: Path,
) -> tuple[subprocess.Popen[bytes], Entry]:
    """The server in its own session, output to its log, registered before anything
    waits on it (so ``asgideck stop`` can reach it from the first moment)."""
    try:
        check_state()  # a service that `ps` and `stop` cannot find never starts
    except StateError as exc:
        raise ServiceError(
            f"{need.label}: not started, asgideck could not record it: {exc}",
            service=need.name,
            variables=need.variables,
        ) from exc
    user = engine.run_as()
    extra = run_as_user(user, need.label).environ() if user is not None else {}
    try:
        popen = spawn(args, cwd=folder, env={**os.environ, **extra}, user=user, output=log)
    except OSError as exc:
        raise ServiceError(
            f"{need.label}: could not start {args[0]}: {exc.strerror or exc}",
            service=need.name,
            variables=need.variables,
        ) from exc
    ctime = create_time_of(popen.pid)
    tree = ProcessTree.started(popen, ctime)
    entry = Entry(
        id=new_id(),
        pid=popen.pid,
        create_time=ctime or time.time(),
        argv=tuple(args),
        port=need.port,
        host=_bind_host(need),
        root=str(root),
        kind=need.kind,
        started_at=time.time(),
        pgid=tree.pgid,
        name=entry_name(profile, need),
        launch=tree.launch or "",
    )
    try:
        register(entry)
    except OSError as exc:
        tree.end(0)
        raise ServiceError(
            f"{need.label}: not started, asgideck could not record it: {exc}",
            service=need.name,
            variables=need.variables,
        ) from exc
    return popen, entry


def _wait_ready(
    engine: Engine,
    need: ServiceNeed,
    folder: Path,
    deadline: float,
    timeout: float,
    popen: subprocess.Popen[bytes] | None,
    reset_password: bool,
    cancel: threading.Event | None,
) -> None:
    """Try the protocol until it answers; ``NotReady`` (with the log's last lines) when
    the process exits or ``deadline`` passes, ``CredentialsRejected`` at once."""
    waiter = cancel if cancel is not None else threading.Event()
    reset_done = False
    pause = FIRST_RETRY_S
    while True:
        if popen is not None and popen.poll() is not None:
            raise _not_ready(need, folder, f"exited with code {popen.returncode} while starting")
        remaining = deadline - time.monotonic()
        try:
            if popen is None or _listening(need):
                engine.ready(need, folder, max(0.2, min(ATTEMPT_TIMEOUT, remaining)))
                return
        except CredentialsRejected:
            if not reset_password or reset_done:
                raise
            _reset(engine, need, folder)
            reset_done = True
            continue
        except NotReady:
            pass
        if time.monotonic() >= deadline:
            raise _not_ready(need, folder, f"did not answer within {timeout:g} s")
        if waiter.wait(pause) and cancel is not None:
            raise NotReady(
                f"{need.label}: start cancelled", service=need.name, variables=need.variables
            )
        pause = min(RETRY_S, pause * 1.5)


def _listening(need: ServiceNeed) -> bool:
    """False only while the server just spawned refuses connections on its port: a bare
    loopback connect costs far less than a protocol attempt, so the wait can look often.
    Anything else (accepted, timed out, unreachable) is left to the protocol check. The
    connection sends nothing: PostgreSQL does not log an empty one."""
    try:
        with socket.create_connection((_bind_host(need), need.port), timeout=0.2):
            return True
    except ConnectionRefusedError:
        return False
    except OSError:
        return True


def _reset(engine: Engine, need: ServiceNeed, folder: Path) -> None:
    reset = getattr(engine, "reset_password", None)
    if reset is None:
        raise CredentialsRejected(
            f"{need.label}: {need.kind} has no password asgideck can reset",
            service=need.name,
            variables=need.variables,
        )
    reset(need, folder)


def _mark_start(log: Path, need: ServiceNeed) -> None:
    """The :data:`START_MARK` line, so a failed start quotes only its own output."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as handle:
        handle.write(f"{START_MARK}{need.name} {stamp} ---\n")


def _rediscover(root: Path, profile: str, need: ServiceNeed, known: set[int]) -> Entry | None:
    """A live server of ``need``'s data folder that the registry does not list (it was
    lost or damaged), registered again (as :func:`_spawn` would) so ``services stop``,
    ``asgideck ps`` and ``asgideck stop`` reach it. Found by its command line (Postgres'
    ``-D <data>/pgdata``, redis' config, the catcher's ``--store``) or, for redis-server
    (which rewrites its title), its working folder: the data folder."""
    folder = data_dir(root, profile, need)
    if not folder.is_dir():
        return None  # never started: nothing to look for (and a listing stays quick)
    if _postgres_stopped(need, folder):
        return None  # no postmaster.pid: no server of this data (spares a process scan)
    proc = _server_of(need, folder, known)
    if proc is None:
        return None
    try:
        with proc.oneshot():
            argv = tuple(proc.cmdline())
            ctime = proc.create_time()
        pgid = os.getpgid(proc.pid) if sys.platform != "win32" else None
    except (psutil.Error, OSError):
        return None
    entry = Entry(
        id=new_id(),
        pid=proc.pid,
        create_time=ctime,
        argv=argv,
        port=need.port,
        host=_bind_host(need),
        root=str(root),
        kind=need.kind,
        started_at=ctime,
        pgid=pgid,
        name=entry_name(profile, need),
    )
    try:
        register(entry)
    except (OSError, StateError):
        return None
    return entry


def _postgres_stopped(need: ServiceNeed, folder: Path) -> bool:
    """A PostgreSQL whose data folder has no ``postmaster.pid`` does not run: the server
    writes it before it listens and removes it when it ends (a crash leaves it: then the
    process scan decides). False when it cannot be told (not Postgres, unreadable)."""
    if need.kind != "postgres":
        return False
    from asgideck.runtime.services._postgres import cluster_dir

    try:
        os.stat(cluster_dir(folder) / "postmaster.pid")
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def _server_of(need: ServiceNeed, folder: Path, known: set[int]) -> psutil.Process | None:
    """The top process of ``need``'s kind that serves ``folder`` (any user's)."""
    inside = str(folder) + os.sep
    matches: dict[int, psutil.Process] = {}
    for proc, info in _candidates(need):
        if proc.pid == os.getpid() or proc.pid in known:
            continue
        name = str(info.get("name") or "")
        argv: list[str] = info.get("cmdline") or []
        if not _is_kind(need, name, argv):
            continue
        if any(arg == str(folder) or arg.startswith(inside) for arg in argv) or (
            need.kind == "redis" and info.get("cwd") == str(folder)
        ):
            matches[proc.pid] = proc
    for _pid, proc in sorted(matches.items()):
        with contextlib.suppress(psutil.Error):
            if proc.ppid() not in matches and proc.status() != psutil.STATUS_ZOMBIE:
                return proc
    return None


#: The process names a server of a kind runs under (its executable's): a scan reads the
#: command line and folder of these only. The mail catcher is a Python: read them all.
_SERVER_NAMES: dict[str, tuple[str, ...]] = {
    "postgres": ("postgres", "postmaster"),
    "redis": ("redis-server",),
}


def _candidates(need: ServiceNeed) -> Iterator[tuple[psutil.Process, dict[str, Any]]]:
    """The processes that may be ``need``'s server, each with its name, command line and
    folder (None where they cannot be read). For a kind with known names, only the
    processes of those names have their command line and folder read."""
    names = _SERVER_NAMES.get(need.kind)
    if names is None:
        for proc in psutil.process_iter(["name", "cmdline", "cwd"]):
            yield proc, proc.info
        return
    for pid, name in _named(names):
        try:
            proc = psutil.Process(pid)
        except psutil.Error:
            continue
        info: dict[str, Any] = {"name": name}
        for key, read in (("cmdline", proc.cmdline), ("cwd", proc.cwd)):
            try:
                info[key] = read()
            except psutil.Error:
                info[key] = None
        yield proc, info


def _named(names: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(pid, name) of the processes called one of ``names``: on Linux straight from
    ``/proc/<pid>/comm`` (a third of psutil's cost; these names are shorter than comm's
    15 characters, so comm is the whole name), elsewhere through psutil."""
    if not sys.platform.startswith("linux"):
        for proc in psutil.process_iter(["name"]):
            if proc.info.get("name") in names:
                yield proc.pid, str(proc.info["name"])
        return
    try:
        listing = os.scandir("/proc")
    except OSError:
        return
    with listing:
        for item in listing:
            if not item.name.isdigit():
                continue
            try:
                with open(f"/proc/{item.name}/comm", "rb") as handle:
                    name = handle.read().decode("utf-8", "replace").rstrip("\n")
            except OSError:
                continue
            if name in names:
                yield int(item.name), name


def _is_kind(need: ServiceNeed, name: str, argv: list[str]) -> bool:
    program = Path(argv[0].split(" ")[0]).name if argv else ""
    if need.kind == "postgres":
        return name in ("postgres", "postmaster") or program in ("postgres", "postmaster")
    if need.kind == "redis":
        return name == "redis-server" or program == "redis-server"
    return need.kind == "mail" and _CATCHER_MODULE in argv


def _not_ready(need: ServiceNeed, folder: Path, why: str) -> NotReady:
    lines = last_lines(folder / LOG_NAME)
    tail = ("; last lines of " + str(folder / LOG_NAME) + ":\n" + "\n".join(lines)) if lines else ""
    return NotReady(f"{need.label}: {why}{tail}", service=need.name, variables=need.variables)


def _end(entry: Entry, engine: Engine, popen: subprocess.Popen[bytes]) -> None:
    """Stop a service this start spawned and that then failed (nothing may linger)."""
    tree = ProcessTree.started(popen, entry.create_time)
    result = tree.end(3.0, port=(entry.host, entry.port), first_signal=stop_signal(engine))
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(1.0)  # reaped: no zombie left in a long-lived window
    if not result.survivors:
        with contextlib.suppress(OSError):
            unregister(entry.id)
