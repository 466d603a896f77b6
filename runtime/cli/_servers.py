"""``asgideck run``, ``ps`` and ``stop``: servers from a terminal, on the same supervisor
the window uses. ``run`` streams the logs until Ctrl-C, which stops the whole tree."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from asgideck.runtime.cli._shared import (
    EXIT_CANNOT_START,
    EXIT_NOT_CLEAN,
    EXIT_NOT_READY,
    EXIT_SERVER_FAILED,
)
from asgideck.runtime.errors import InputError
from asgideck.runtime.project import interpreter_notes, open_project
from asgideck.runtime.servers import (
    LaunchConfig,
    LaunchFailed,
    PortInUse,
    ServerEvent,
    StateChanged,
    Status,
    Supervisor,
    alive_entries,
    build_spec,
    stop_orphan,
)

__all__ = ["add_parsers", "list_servers", "run_server", "stop_servers"]

FOLLOW_INTERVAL = 0.05  # how often `run` drains the log buffer to the terminal
SERVER_KINDS = ("uvicorn", "gunicorn", "hypercorn", "granian", "daphne")


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser("run", help="start a server and stream its logs (Ctrl-C stops it)")
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
        "--ready-timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="stop the server (and say what it waited on) when not ready within S seconds",
    )
    run.set_defaults(run=run_server)

    ps = sub.add_parser("ps", help="servers asgideck started that are still running")
    ps.add_argument("--json", action="store_true")
    ps.set_defaults(run=list_servers)

    stop = sub.add_parser("stop", help="stop servers asgideck started (by id, or --all)")
    stop.add_argument("ids", nargs="*", metavar="ID", help="id (or a unique prefix) from `ps`")
    stop.add_argument("--all", action="store_true", help="stop every server listed by `ps`")
    stop.add_argument("--grace", type=float, default=5.0, help="seconds before SIGKILL")
    stop.set_defaults(run=stop_servers)


def run_server(args: argparse.Namespace, out: TextIO) -> int:
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
    )
    spec = build_spec(project, config)
    for note in interpreter_notes(project):  # asgideck's own interpreter: say so up front
        print(f"asgideck: {note}", file=sys.stderr)
    finished = threading.Event()
    final: list[StateChanged] = []

    def on_event(event: ServerEvent) -> None:
        if isinstance(event, StateChanged) and event.status.state in ("crashed", "crash-loop"):
            final.append(event)
            finished.set()

    supervisor = Supervisor(
        spec, on_event=on_event, name=config.name, ready_timeout=args.ready_timeout
    )
    try:
        supervisor.start()
    except (PortInUse, LaunchFailed) as exc:
        print(f"asgideck: {exc}", file=sys.stderr)
        return EXIT_CANNOT_START
    seq = 0
    try:
        while True:
            stop_now = finished.wait(FOLLOW_INTERVAL)
            seq = _drain(supervisor, seq, out)
            if stop_now:
                break
    except KeyboardInterrupt:
        print("\nasgideck: stopping…", file=sys.stderr)
        result = supervisor.stop()
        _drain(supervisor, seq, out)
        supervisor.close(0)
        return 0 if result.clean else EXIT_NOT_CLEAN
    status = final[0].status
    supervisor.close(0)
    print(f"asgideck: {summary(spec.kind, status)}", file=sys.stderr)
    tail = "\n".join(line.text for line in supervisor.buffer.since(0)[-200:])
    for note in interpreter_notes(project, tail, warn=False):
        print(f"asgideck: {note}", file=sys.stderr)
    return EXIT_NOT_READY if status.message == "not ready" else EXIT_SERVER_FAILED


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


def _drain(supervisor: Supervisor, seq: int, out: TextIO) -> int:
    lines = supervisor.buffer.since(seq)
    for line in lines:
        stream = sys.stderr if line.stream in ("stderr", "event") else out
        stream.write(line.text + "\n")
    if lines:
        out.flush()
        sys.stderr.flush()
        return lines[-1].seq
    return seq


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
            "orphan": not e.owner_alive(),
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
        state = "orphan" if r["orphan"] else "owned"
        up = f"{int(str(r['uptime_s'])) // 60}m"
        print(
            f"{r['id']:<14}{r['pid']:>8}  {r['address']:<22}{up:>8}  {state:<9}"
            f"{r['name']}  {r['root']}",
            file=out,
        )
    return 0


def stop_servers(args: argparse.Namespace, out: TextIO) -> int:
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
        result = stop_orphan(entry, grace=args.grace)
        if result.clean:
            print(f"stopped {entry.describe()}", file=out)
        else:
            failed += 1
            print(f"could not stop {entry.describe()}: survivors {result.survivors}", file=out)
    return 1 if failed else 0
