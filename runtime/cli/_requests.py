"""``asgideck requests PATH``: the requests a recorded server saw, for scripts and terminals.

Reads the agent's files back (``runtime.recording``), never the server itself: it
works while the server runs and after it stopped. Text is one line per request, like
an access log with the SQL count and duration; ``--json`` is one JSON object per line,
the record as parsed (the agent redacted secrets before writing). ``--follow`` goes
on printing until Ctrl-C (130).

Exit codes of its own: 0 printed (or nothing matched), 2 nothing to read: no server of
the project has been started with recording on (one line names the server or the
folder, and how to turn recording on; with ``--follow`` it waits instead).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import TextIO

from asgideck.runtime.errors import InputError
from asgideck.runtime.project import Project, open_project
from asgideck.runtime.recording import (
    RecordedServer,
    RequestFilter,
    RequestLog,
    RequestRecord,
    record_to_json,
    recorded_servers,
    records_dir,
    records_root,
)
from asgideck.runtime.servers import load_configs

__all__ = ["EXIT_NOTHING_RECORDED", "add_parser", "format_line", "show_requests"]

#: ``requests``: no server of the project has a records folder (recording never on)
EXIT_NOTHING_RECORDED = 2
FOLLOW_INTERVAL = 0.25  # how often --follow looks for new lines
RESCAN_EVERY = 4  # --follow: look for newly recorded servers every this many polls
#: a server's reader keeps at most this many records (a poll's burst fits in it)
_CLI_KEEP = 50_000
_STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "requests",
        help="print the requests a server recorded (one line each, or --json); exit 2 "
        "when no server of the project has been started with recording on",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", type=Path, help="project folder")
    parser.add_argument(
        "--server",
        metavar="NAME",
        help="the server (a launch config's name, or `run`'s PROJECT:PROFILE); "
        "default: every server of the project that recorded",
    )
    parser.add_argument("--follow", "-f", action="store_true", help="go on until Ctrl-C")
    parser.add_argument("--json", action="store_true", help="one JSON object per request")
    parser.add_argument(
        "--status", metavar="CLASSES", default="", help="status classes, e.g. 4xx,5xx"
    )
    parser.add_argument(
        "--path",
        dest="path_filter",
        metavar="TEXT",
        default="",
        help="paths containing TEXT (case-insensitive)",
    )
    parser.add_argument("--slower-than", metavar="MS", help="requests that took at least MS ms")
    parser.add_argument(
        "--errors", action="store_true", help="requests that failed (5xx, an exception, no answer)"
    )
    parser.add_argument(
        "--n-plus-one",
        action="store_true",
        help="requests with one SQL statement repeated 5 times or more (a likely N+1)",
    )
    parser.add_argument(
        "--limit", type=int, metavar="N", help="the newest N only (with --follow: to begin with)"
    )
    parser.set_defaults(run=show_requests)


def request_filter(args: argparse.Namespace) -> RequestFilter:
    """The filter the options describe; a bad value is an InputError naming its option."""
    classes = {c.strip().lower() for c in args.status.split(",") if c.strip()}
    bad = sorted(c for c in classes if c not in _STATUS_CLASSES)
    if bad:
        raise InputError(f"--status: {', '.join(bad)} is not one of {', '.join(_STATUS_CLASSES)}")
    slower = _milliseconds(args.slower_than)
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit: {args.limit} must be at least 1")
    return RequestFilter(
        status_classes=frozenset(classes),
        path=args.path_filter,
        slower_than_ms=slower,
        has_error=args.errors,
        has_n_plus_one=args.n_plus_one,
    )


def _milliseconds(text: str | float | None) -> float | None:
    """``--slower-than``'s value; anything but a number of ms, 0 or more, is one line
    naming the option (as the other filters say it), not argparse's usage block."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value) or value < 0:
        raise InputError(f"--slower-than: {text} must be a number of ms, 0 or more")
    return value


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1000:.1f} kB"
    return f"{n / 1_000_000:.1f} MB"


def format_line(record: RequestRecord, server: str | None = None) -> str:
    """One request like an access-log line: time, method, path, status, duration, SQL."""
    when = datetime.fromtimestamp(record.start).strftime("%H:%M:%S.%f")[:-3]
    method = "WS" if record.type == "websocket" else record.method
    target = record.path + (f"?{record.query}" if record.query else "")
    status = str(record.status) if record.status is not None else "—"
    parts = [when, f"{method:<6} {target}", status, f"{record.duration_ms:.1f} ms"]
    sql = f"{len(record.sql)} sql"
    if record.has_n_plus_one:
        _shape, times = record.repeated_sql()[0]
        sql += f" (N+1? ×{times})"
    parts += [sql, _size(record.response_size)]
    if record.exception is not None:
        parts.append(record.exception.type)
    line = "  ".join(parts)
    return f"[{server}] {line}" if server else line


def _nothing_recorded(project: Project, args: argparse.Namespace, name: str | None) -> str:
    """The one line saying there is nothing to read, and how to turn recording on."""
    how = (
        'turn on "Record requests" for a server in the window and start it, or '
        f"`asgideck run {args.path} --profile NAME --record`"
    )
    if name is not None:
        folder = records_dir(project.root, name)
        return f"{name}: nothing recorded yet (no {folder}): {how}"
    return (
        f"{project.name}: no server has been started with recording on "
        f"(records go to {records_root()}): {how}"
    )


def _choose(project: Project, names: list[str], server: str | None) -> list[RecordedServer]:
    """The servers to read (those with a records folder); a ``--server`` that names
    nothing the project knows is a usage error."""
    found = recorded_servers(project.root, names)
    if server is None:
        return found
    chosen = [s for s in found if s.name == server]
    if chosen or server in names:
        return chosen
    known = ", ".join(sorted({*names, *(s.name for s in found)})) or "none"
    raise InputError(f"--server: {project.name} has no server named {server!r} ({known})")


def show_requests(args: argparse.Namespace, out: TextIO) -> int:
    wanted = request_filter(args)
    project = open_project(args.path)
    names = [c.name for c in load_configs(project.root, project.profiles)]
    servers = _choose(project, names, args.server)
    if not servers:
        line = _nothing_recorded(project, args, args.server)
        if not args.follow:
            print(f"asgideck: {line}", file=sys.stderr)
            return EXIT_NOTHING_RECORDED
        print(f"asgideck: {line}; waiting (Ctrl-C ends)", file=sys.stderr)
    logs = {s.name: RequestLog(s.directory, keep=_CLI_KEEP) for s in servers}
    if args.server is not None and not servers:  # --follow on a known server: its folder
        logs[args.server] = RequestLog(records_dir(project.root, args.server), keep=_CLI_KEEP)
    label = len(logs) > 1 or (args.server is None and args.follow)  # servers may come

    def emit(batch: list[tuple[RequestRecord, str]]) -> None:
        batch.sort(key=lambda item: item[0].start)
        for record, name in batch:
            if args.json:
                data = {**record_to_json(record), "server": name}
                out.write(json.dumps(data) + "\n")
            else:
                out.write(format_line(record, name if label else None) + "\n")
        out.flush()

    first: list[tuple[RequestRecord, str]] = []
    for name, log in logs.items():  # each server's newest --limit, then the newest of all
        newest: deque[tuple[RequestRecord, str]] = deque(maxlen=args.limit)
        while not log.caught_up:
            newest.extend((r, name) for r in log.poll() if wanted.matches(r))
            log.clear()  # what is printed need not be kept
        first.extend(newest)
    first.sort(key=lambda item: item[0].start)
    emit(first[-args.limit :] if args.limit else first)
    if not args.follow:
        return 0
    polls = 0
    while True:  # Ctrl-C ends it: KeyboardInterrupt, 130 (main says "interrupted")
        time.sleep(FOLLOW_INTERVAL)
        polls += 1
        if args.server is None and polls % RESCAN_EVERY == 0:
            for server in recorded_servers(project.root, names):
                if server.name not in logs:
                    logs[server.name] = RequestLog(server.directory, keep=_CLI_KEEP)
        batch: list[tuple[RequestRecord, str]] = []
        for name, log in logs.items():
            batch.extend((r, name) for r in log.poll() if wanted.matches(r))
            log.clear()
        if batch:
            emit(batch)
