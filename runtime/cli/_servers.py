"""``asgideck run``, ``ps`` and ``stop``: servers from a terminal, on the same supervisor
the window uses. ``run`` streams the logs until Ctrl-C, SIGTERM, SIGHUP or a closed
output, each of which stops the whole tree; it also ends (saying how) when its server
crashes or is stopped from elsewhere."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from asgideck.runtime.cli._shared import (
    EXIT_CANNOT_START,
    EXIT_ENDED_ELSEWHERE,
    EXIT_NOT_CLEAN,
    EXIT_NOT_READY,
    EXIT_SERVER_FAILED,
    check_grace,
    print_notices,
)
from asgideck.runtime.errors import AsgideckError, InputError
from asgideck.runtime.project import Project, interpreter_notes, open_project
from asgideck.runtime.servers import (
    SERVICE_KINDS,
    LaunchConfig,
    LaunchFailed,
    PortInUse,
    ServerEvent,
    StateChanged,
    Status,
    StopTasks,
    Supervisor,
    TaskCancelled,
    TaskFailed,
    alive_entries,
    begin_run,
    bind_problem,
    build_spec,
    run_tasks,
    stop_orphan,
    stopping_from_here,
)
from asgideck.runtime.terminal import printable

if TYPE_CHECKING:  # imported where used: a plain `run` needs neither (services: ~50 ms)
    from asgideck.runtime.inspect import ReloadApiWatch
    from asgideck.runtime.services import ServiceSet

__all__ = ["add_parsers", "list_servers", "run_server", "stop_servers"]

FOLLOW_INTERVAL = 0.05  # how often `run` looks for a signal, a closed output or the end
#: ``run``: the server ended without ``run`` stopping it and without failing: ``asgideck
#: stop`` from elsewhere, a signal to its tree (``kill``), or it exited with code 0.
SERVER_KINDS = ("uvicorn", "gunicorn", "hypercorn", "granian", "daphne")


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser(
        "run",
        help="start a server and stream its logs (Ctrl-C, SIGTERM, SIGHUP or a closed "
        "output stops it)",
    )
    run.add_argument("path", type=Path, help="project folder")
    run.add_argument("--profile", required=True, metavar="NAME")
    run.add_argument(
        "--server",
        choices=SERVER_KINDS,
        default="uvicorn",
        help="the server to run (it must be installed in the project's interpreter)",
    )
    run.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--reload", action="store_true", help="restart when code changes (uvicorn)")
    run.add_argument("--python", metavar="PY", help="the project's interpreter")
    run.add_argument("--app", metavar="MODULE:ATTR", help="the app to use instead of discovery")
    run.add_argument(
        "--factory", action="store_true", help="the app is a factory: call it to get the app"
    )
    run.add_argument(
        "--app-dir",
        metavar="DIR",
        help="the folder the app's module imports from (relative to the project)",
    )
    run.add_argument(
        "--worker-class",
        default="auto",
        metavar="CLASS",
        help="gunicorn: auto (gunicorn.conf.py, else uvicorn-worker, else uvicorn.workers), "
        "asgi, or a dotted class path",
    )
    run.add_argument(
        "--before",
        action="append",
        default=[],
        metavar="CMD",
        help="a command to run before the server starts (repeatable, run in order in the "
        "project's folder with the profile's variables and the project's python first on "
        "PATH, e.g. --before 'alembic upgrade head'); a failing one stops the start. "
        "A command with shell syntax (&&, ||, |, ;, <, >, $VAR, backquotes, e.g. "
        "--before 'cd backend && alembic upgrade head') runs with /bin/sh -c; a plain "
        "one runs directly",
    )
    run.add_argument(
        "--record",
        action="store_true",
        help="record every request (middleware layers, SQL, logs, exceptions) through "
        "asgideck's agent, without changing the project; read them with `asgideck "
        "requests PATH` (costs a little per request; records stay in asgideck's state "
        "folder, emptied at the next recorded start)",
    )
    run.add_argument(
        "--instances",
        type=int,
        default=1,
        metavar="N",
        help="N >= 2: run N instances on free loopback ports behind a real nginx (the "
        "generated upstream) listening on --host/--port, as one group: Ctrl-C, SIGTERM or "
        "any member ending stops all (needs nginx installed; no --reload or --record)",
    )
    run.add_argument(
        "--ready-timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="stop the server (and say what it waited on) when not ready within S seconds",
    )
    run.add_argument(
        "--grace",
        type=float,
        default=5.0,
        metavar="S",
        help="when stopping: seconds between SIGTERM and SIGKILL (default 5)",
    )
    run.add_argument(
        "--with-services",
        action="store_true",
        help="first start the services the profile needs (PostgreSQL, Redis, mail; each "
        "until it answers, within --ready-timeout); when run ends it stops those it "
        "started and leaves running those it found running. A service that cannot start "
        "exits 69 (75: not ready in time) with one line naming it and its variable",
    )
    run.set_defaults(run=run_server)

    ps = sub.add_parser(
        "ps",
        help="servers and services asgideck started that are still running (a service's "
        "STATE is 'service': it outlives the command that started it on purpose)",
    )
    ps.add_argument("--json", action="store_true")
    ps.set_defaults(run=list_servers)

    stop = sub.add_parser(
        "stop", help="stop servers and services asgideck started (by id, or --all)"
    )
    stop.add_argument("ids", nargs="*", metavar="ID", help="id (or a unique prefix) from `ps`")
    stop.add_argument("--all", action="store_true", help="stop every server listed by `ps`")
    stop.add_argument(
        "--grace",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds between SIGTERM and SIGKILL (default 5; 0: SIGKILL at once)",
    )
    stop.set_defaults(run=stop_servers)


def run_server(args: argparse.Namespace, out: TextIO) -> int:
    problem = bind_problem(args.host)
    if problem is not None:  # before anything slow: a bad host is a typo, say so now
        raise InputError(f"--host: {problem}")
    check_grace(args.grace)
    _check_instances(args)
    project = open_project(
        args.path, python=args.python, app=args.app, factory=True if args.factory else None
    )
    if args.app_dir is not None and project.app is not None:
        app_dir = Path(args.app_dir)
        if not (app_dir if app_dir.is_absolute() else project.root / app_dir).is_dir():
            raise InputError(f"--app-dir: {args.app_dir} is not a folder of {project.root}")
        project = replace(project, app=replace(project.app, app_dir=args.app_dir))
    config = LaunchConfig(
        name=f"{project.name}:{args.profile}",
        profile=args.profile,
        kind=args.server,
        host=args.host,
        port=args.port,
        reload=args.reload,
        workers=args.workers,
        worker_class=args.worker_class,
        tasks=tuple(args.before),
        record=args.record,  # off unless asked: `run` is also how production is tried
    )
    spec = build_spec(project, config)
    for note in interpreter_notes(project):  # asgideck's own interpreter: say so up front
        print(f"asgideck: {note}", file=sys.stderr)
    if config.recording:
        print(
            f"asgideck: recording requests (read them with `asgideck requests {args.path}`)",
            file=sys.stderr,
        )
    finished = threading.Event()
    final: list[Status] = []
    api_watch: ReloadApiWatch | None = None  # --reload: what each reload changed in the API

    def on_event(event: ServerEvent) -> None:
        if api_watch is not None:
            api_watch.on_event(event)
        if isinstance(event, StateChanged) and _is_final(event.status):
            final.append(event.status)
            finished.set()

    terminal = Terminal(out, sys.stderr)
    supervisor = Supervisor(
        spec,
        on_event=on_event,
        name=config.name,
        ready_timeout=args.ready_timeout,
        tap=terminal.write,
        die_with_parent=True,  # Linux: even a SIGKILLed `run` takes its server along
    )
    if args.reload:
        from asgideck.runtime.inspect import ReloadApiWatch

        api_watch = ReloadApiWatch(supervisor.buffer, terminal.say)
    services: ServiceSet | None = None
    if args.with_services:
        from asgideck.runtime.services import ServiceSet

        services = ServiceSet(project.root, args.profile)
    with StopSignals() as signals:
        code: int | None = None
        try:
            if services is not None:
                code = _start_services(services, args, terminal, signals)
            if code is None and config.tasks:
                code = _run_before(project, config, supervisor, args, terminal, signals)
            if code is None and args.instances > 1:
                supervisor.close(0)  # the group runs its own supervisors
                code = _serve_scaled(project, config, args, terminal, signals)
            elif code is None:
                begin_run(project, config, spec)  # --record: an empty records folder
                code = _serve(supervisor, project, args, terminal, signals, finished, final)
            else:
                supervisor.close(0)
        finally:
            if api_watch is not None:
                api_watch.close()  # cancels a watch still waiting for the reloaded app
            if services is not None:
                clean = _stop_services(services, args.grace, terminal)
                if not clean and code == 0:
                    code = EXIT_NOT_CLEAN
        return code


def _serve(
    supervisor: Supervisor,
    project: Project,
    args: argparse.Namespace,
    terminal: Terminal,
    signals: StopSignals,
    finished: threading.Event,
    final: list[Status],
) -> int:
    """Start the server and follow it until it ends or ``run`` is stopped."""
    spec = supervisor.spec
    try:
        supervisor.start()
    except (PortInUse, LaunchFailed):  # its event line (through the tap) said why
        supervisor.close(0)
        return EXIT_CANNOT_START
    print_notices()  # now, not when run ends: a damaged servers.json was just read
    while not (finished.is_set() or signals.received or terminal.closed.is_set()):
        finished.wait(FOLLOW_INTERVAL)
    if not finished.is_set():
        why = signals.describe() or "its output was closed"
        terminal.say(f"\nasgideck: stopping… ({why})")
        result = supervisor.stop(args.grace)
        supervisor.close(0)
        terminal.silence_closed()
        return 0 if result.clean else EXIT_NOT_CLEAN
    status = final[0]
    supervisor.close(0)
    terminal.silence_closed()
    if status.cause == "port":  # lost a race for the port: as if it was busy (said so)
        return EXIT_CANNOT_START
    if status.cause in ("elsewhere", "outside", "exited"):
        return EXIT_ENDED_ELSEWHERE  # its own event line, the last one printed, says how
    terminal.say(f"asgideck: {summary(spec.kind, status)}")
    tail = "\n".join(line.text for line in supervisor.buffer.since(0)[-200:])
    for note in interpreter_notes(project, tail, warn=False):
        terminal.say(f"asgideck: {note}")
    return EXIT_NOT_READY if status.message == "not ready" else EXIT_SERVER_FAILED


def _check_instances(args: argparse.Namespace) -> None:
    if args.instances < 1:
        raise InputError(f"--instances: {args.instances} must be at least 1")
    if args.instances > 1 and (args.reload or args.record):
        which = "--reload" if args.reload else "--record"
        raise InputError(f"--instances: {which} cannot be combined with scaled instances")


def _serve_scaled(
    project: Project,
    config: LaunchConfig,
    args: argparse.Namespace,
    terminal: Terminal,
    signals: StopSignals,
) -> int:
    """``--instances N``: the nginx group in the foreground until a signal, a closed
    output or a member ending; the spread of the requests is said when it ends."""
    from asgideck.runtime.deploy import ScaledGroup  # ~0.3 s of imports: only when asked

    def tap(number: int, stream: str, text: str) -> None:
        terminal.write(stream, "\n".join(f"[{number}] {line}" for line in text.split("\n")))

    group = ScaledGroup(
        project, config, args.instances, ready_timeout=args.ready_timeout,
        die_with_parent=True, tap=tap,
    )  # fmt: skip
    ended, cancel = threading.Event(), threading.Event()
    group.events.connect(lambda status: ended.set() if status.state == "failed" else None)

    def watch() -> None:  # a signal handler must not take an Event's lock: look from here
        while not (cancel.is_set() or ended.wait(FOLLOW_INTERVAL)):
            if signals.received or terminal.closed.is_set():
                cancel.set()

    watcher = threading.Thread(target=watch, name="asgideck-run-scaled", daemon=True)
    watcher.start()
    try:
        group.start(cancel=cancel)
    except AsgideckError as exc:  # the group left nothing running
        cancelled = cancel.is_set()
        cancel.set()
        watcher.join()
        if cancelled:
            terminal.say(f"asgideck: stopping… ({signals.describe() or 'its output was closed'})")
            terminal.silence_closed()
            return 0
        terminal.say(f"asgideck: {exc}")
        return EXIT_CANNOT_START
    terminal.say(f"asgideck: {group.status().message}")
    print_notices()
    while not (ended.is_set() or cancel.is_set()):
        ended.wait(FOLLOW_INTERVAL)
    cancel.set()
    watcher.join()
    status = group.status()
    if status.state == "failed":
        group.stop(args.grace)  # waits for the group's own stop to finish
        terminal.say(f"asgideck: {status.error}")
        terminal.say(f"asgideck: requests per instance: {status.spread()}")
        terminal.silence_closed()
        return EXIT_ENDED_ELSEWHERE if status.ended_elsewhere else EXIT_SERVER_FAILED
    terminal.say(f"\nasgideck: stopping… ({signals.describe() or 'its output was closed'})")
    result = group.stop(args.grace)
    terminal.say(f"asgideck: requests per instance: {group.status().spread()}")
    terminal.silence_closed()
    return 0 if result.clean else EXIT_NOT_CLEAN


def _start_services(
    services: ServiceSet, args: argparse.Namespace, terminal: Terminal, signals: StopSignals
) -> int | None:
    """``--with-services``: the profile's local services, each until it answers its
    protocol; None when all are ready, else run's exit code (the line said why)."""
    from asgideck.runtime.cli._services import exit_code_for, port_taken_line
    from asgideck.runtime.services import ServiceError, ServicePortTaken

    local = [need.name for need in services.needs if need.local]
    for need in services.needs:
        if not need.local:
            terminal.say(f"asgideck: {need.label}: not started here: {need.why_not_local}")
    if not local:
        return None
    cancel = threading.Event()
    done = threading.Event()

    def watch() -> None:  # a signal handler must not take an Event's lock: look from here
        while not done.wait(FOLLOW_INTERVAL):
            if signals.received or terminal.closed.is_set():
                cancel.set()
                return

    watcher = threading.Thread(target=watch, name="asgideck-run-signals", daemon=True)
    watcher.start()
    try:
        states = services.start(local, timeout=args.ready_timeout, cancel=cancel)
    except ServiceError as exc:
        if cancel.is_set():
            terminal.say(f"asgideck: stopping… ({signals.describe() or 'its output was closed'})")
            return 0
        line = str(exc)
        if isinstance(exc, ServicePortTaken):
            line = port_taken_line(services, services.need(exc.service), exc, from_run=True)
        terminal.say(f"asgideck: {line}")
        return exit_code_for(exc)
    finally:
        done.set()
        watcher.join()
    for state in states:
        if state.state == "ready" and not state.entry_id and state.message:
            terminal.say(f"asgideck: {state.message}")  # served by something else: left alone
            continue
        how = "started" if state.need.name in services.started else "already running, left so"
        terminal.say(
            f"asgideck: {state.need.label}: ready on {state.need.host}:{state.need.port} ({how})"
        )
    return None


def _run_before(
    project: Project,
    config: LaunchConfig,
    supervisor: Supervisor,
    args: argparse.Namespace,
    terminal: Terminal,
    signals: StopSignals,
) -> int | None:
    """``--before``: the tasks, in order, before the server (after ``--with-services``);
    None when all succeeded, else run's exit code (their lines, printed as they came,
    said why). A signal or a closed output ends the running task's tree (SIGTERM,
    --grace, SIGKILL)."""
    cancel = StopTasks()
    done = threading.Event()

    def watch() -> None:  # a signal handler must not take an Event's lock: look from here
        while not done.wait(FOLLOW_INTERVAL):
            if signals.received or terminal.closed.is_set():
                cancel.stop(args.grace)
                return

    watcher = threading.Thread(target=watch, name="asgideck-run-before", daemon=True)
    watcher.start()
    try:
        run_tasks(
            project,
            config.tasks,
            supervisor.spec.env,
            supervisor.buffer,
            on_line=terminal.write,
            cancel=cancel,
        )
    except TaskCancelled:
        terminal.say(f"asgideck: stopping… ({signals.describe() or 'its output was closed'})")
        terminal.silence_closed()
        return 0
    except TaskFailed:
        return EXIT_CANNOT_START  # its ERROR line (printed through on_line) said which, why
    finally:
        done.set()
        watcher.join()
    return None


def _stop_services(services: ServiceSet, grace: float, terminal: Terminal) -> bool:
    """Stop the services this ``run`` started (not those it found running); True when
    nothing of them is left."""
    try:
        if not services.started:
            return True
        states = services.stop(list(services.started), grace=grace)
        for state in states:
            line = state.message if state.state == "failed" else f"{state.need.label}: stopped"
            terminal.say(f"asgideck: {line}")
        return all(state.state != "failed" for state in states)
    finally:
        services.close()


def _is_final(status: Status) -> bool:
    """A status that ends ``run``: a crash (but not ``--reload`` waiting for a fix: the
    reloader lives on, as uvicorn's own does), or a stop that ``run`` did not ask for."""
    if status.state == "crashed":
        return not status.reload_waiting
    if status.state == "crash-loop":
        return True
    return status.state == "stopped" and status.cause in ("elsewhere", "outside", "exited")


class StopSignals:
    """SIGINT, SIGTERM and SIGHUP stop ``run``'s server, whatever ``run`` inherited.

    A handler is installed for each, explicitly: a ``run`` started with ``&`` from a
    script inherits SIGINT ignored, and the defaults for SIGTERM/SIGHUP (closing the
    terminal, ``timeout``, an IDE's stop button, systemd) would end ``run`` and leave
    the server, which lives in its own session, running. The handler only records the
    signal; the main thread stops the tree. Outside the main thread nothing is installed.
    """

    NAMES = ("SIGINT", "SIGTERM", "SIGHUP")

    def __init__(self) -> None:
        self.received: list[int] = []
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for name in self.NAMES:
                number = getattr(signal, name, None)
                if number is not None:
                    self._previous[number] = signal.signal(number, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _on_signal(self, number: int, _frame: object) -> None:
        self.received.append(number)  # nothing else here: it interrupts arbitrary code

    def describe(self) -> str:
        return signal.Signals(self.received[0]).name if self.received else ""


class Terminal:
    """Where ``run`` writes: every chunk the server prints, as it arrives (the tap of the
    supervisor's reader threads), so nothing is lost however fast it prints; the
    writes block while the terminal is slow, which slows the server as a terminal would.

    Text passes :func:`printable` (colour kept only on a terminal, unless NO_COLOR).
    A closed output (``run … | head -1``; EPIPE on the next write) sets ``closed``:
    ``run`` then stops the tree.
    """

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self._targets = {"stdout": out, "stderr": err}
        self._locks = {id(out): threading.Lock(), id(err): threading.Lock()}
        self._colour = {id(out): _colour(out), id(err): _colour(err)}
        self._dead: set[int] = set()
        self.closed = threading.Event()

    def write(self, stream: str, text: str) -> None:
        target = self._targets.get(stream, self._targets["stderr"])
        key = id(target)
        if key in self._dead:
            return
        text = printable(text, keep_colour=self._colour[key])
        with self._locks[key]:
            try:
                target.write(text + "\n")
                target.flush()
            except (OSError, ValueError):  # EPIPE, or a closed file object
                self._dead.add(key)
                self.closed.set()

    def say(self, line: str) -> None:
        """One of ``run``'s own lines (stderr)."""
        self.write("event", line)

    def silence_closed(self) -> None:
        """Point a closed output at /dev/null so the interpreter's last flush is quiet."""
        for target in self._targets.values():
            if id(target) not in self._dead:
                continue
            with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, target.fileno())
                os.close(devnull)


def _colour(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty() and "NO_COLOR" not in os.environ
    except (AttributeError, OSError, ValueError):
        return False


def summary(kind: str, status: Status) -> str:
    """One line on why the server is down: the server's own exit code named as such,
    the last line of its error, and the services that were not accepting connections."""
    if status.message == "not ready":
        return (status.error or "not ready").splitlines()[0]
    code = status.exit_code
    head = f"{kind} {status.message}" if status.message else f"{kind} exited (code {code})"
    lines = (status.error or "").splitlines()
    detail = lines[-1].strip() if len(lines) > 1 else ""
    text = head + (f": {detail}" if detail else "")
    if status.diagnosis:
        text += f" ({status.diagnosis.splitlines()[0]})"
    return text


def list_servers(args: argparse.Namespace, out: TextIO) -> int:
    entries = alive_entries()
    now = time.time()
    rows: list[dict[str, object]] = [
        {
            "id": e.id,
            "pid": e.pid,
            "name": e.name or e.kind,
            "kind": e.kind,
            "address": f"{e.host}:{e.port}",
            "root": e.root,
            "uptime_s": round(now - e.started_at),
            "orphan": not e.service and not e.owner_alive(),
            "service": e.service,
            "found_by_marker": e.found_by_marker,
        }
        for e in entries
    ]
    if args.json:
        json.dump(rows, out, indent=2)
        out.write("\n")
        return 0
    if not rows:
        print("no servers started by asgideck are running", file=out)
        return 0
    print(f"{'ID':<14}{'PID':>8}  {'ADDRESS':<22}{'UP':>8}  {'STATE':<9}NAME / ROOT", file=out)
    for r in rows:
        state = (
            "marker"
            if r["found_by_marker"]
            else "service"
            if r["kind"] in SERVICE_KINDS
            else "orphan"
            if r["orphan"]
            else "owned"
        )
        up = f"{int(str(r['uptime_s'])) // 60}m"
        print(
            f"{r['id']:<14}{r['pid']:>8}  {r['address']:<22}{up:>8}  {state:<9}"
            f"{r['name']}  {r['root']}",
            file=out,
        )
    return 0


def stop_servers(args: argparse.Namespace, out: TextIO) -> int:
    check_grace(args.grace)
    entries = alive_entries()
    if args.all:
        chosen = entries
    else:
        if not args.ids:
            raise InputError("name the servers to stop (ids from `asgideck ps`) or pass --all")
        chosen = []
        for wanted in args.ids:
            matches = [e for e in entries if e.id.startswith(wanted)]
            if len(matches) != 1:
                known = ", ".join(e.id for e in entries) or "none running"
                problem = "matches no running server" if not matches else "is ambiguous"
                raise InputError(f"{wanted!r} {problem} (running: {known})")
            chosen.append(matches[0])
    failed = 0
    for entry in chosen:
        with stopping_from_here(entry.id):  # its own `run` then says who stopped it
            result = stop_orphan(entry, grace=args.grace)
        if result.clean and result.killed:  # as `run` says it: SIGTERM was not enough
            why = f"did not stop in {args.grace:g} s, killed" if args.grace > 0 else "killed"
            print(f"{why}: {entry.describe()}", file=out)
        elif result.clean:
            print(f"stopped {entry.describe()}", file=out)
        else:
            failed += 1
            print(f"could not stop {entry.describe()}: survivors {result.survivors}", file=out)
    return 1 if failed else 0
