"""Read tool over a server's output: the newest lines, optionally filtered.

A server this session runs is read from its in-memory buffer (every line, with its
stream and time). One that another asgideck started is read from its run-log file
(``runtime/logs``: one file per run in the state dir, escape sequences removed): the
text only. Both were masked with the server's profile when written.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from asgideck.runtime.assist._desk import Desk
from asgideck.runtime.errors import NotFound
from asgideck.runtime.logs import LogLine, logs_dir, parse_level
from asgideck.runtime.servers import Entry, ManagedServer

__all__ = ["recent_logs"]

MAX_LINES = 2000
_TAIL_BYTES = 4 << 20  # a run log is read from its end, at most this much
_STAMP = re.compile(r"^(\d{8}-\d{6})-")
_ERROR_LEVELS = ("ERROR", "CRITICAL")


def _line_row(line: LogLine) -> dict[str, Any]:
    return {
        "seq": line.seq,
        "time": time.strftime("%H:%M:%S", time.localtime(line.time)),
        "stream": line.stream,  # stdout, stderr, or event (asgideck's own lines)
        "level": line.level,
        "text": line.text,
    }


def _matches(text: str, level: str | None, contains: str | None, errors_only: bool) -> bool:
    if contains and contains.lower() not in text.lower():
        return False
    if errors_only:
        return level in _ERROR_LEVELS or "Traceback" in text
    return True


def run_log_of(entry: Entry) -> Path | None:
    """The run-log file the supervisor of ``entry`` writes (named after it when it started)."""
    safe = re.sub(r"[^\w.-]+", "_", f"{entry.name or entry.kind}-{entry.port}")[:80]
    best: tuple[float, Path] | None = None
    for path in logs_dir().glob(f"*-{safe}.log"):
        stamp = _STAMP.match(path.name)
        if stamp is None:
            continue
        when = time.mktime(time.strptime(stamp.group(1), "%Y%m%d-%H%M%S"))
        if when >= entry.started_at - 5 and (best is None or when > best[0]):
            best = (when, path)
    return best[1] if best is not None else None


def _tail_file(path: Path) -> list[str]:
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - _TAIL_BYTES))
        data = handle.read()
    lines = data.decode("utf-8", "replace").splitlines()
    return lines[1:] if size > _TAIL_BYTES else lines  # the first one may be cut


def recent_logs(
    desk: Desk,
    server: str | None = None,
    lines: int = 100,
    contains: str | None = None,
    errors_only: bool = False,
) -> dict[str, Any]:
    """The newest ``lines`` lines of ``server``'s output that match the filters."""
    count = min(max(lines, 1), MAX_LINES)
    try:
        managed: ManagedServer | None = desk.server(server)
    except NotFound:  # a server of this project without a launch config (`asgideck run`)
        if server is None or desk.entry_elsewhere(server) is None:
            raise
        managed = None
    if managed is not None and (managed.supervisor is not None or managed.running):
        buffer = managed.buffer
        if contains or errors_only:
            chosen = [
                x for x in buffer.snapshot() if _matches(x.text, x.level, contains, errors_only)
            ]
        else:
            chosen = buffer.tail(count)
        return {
            "server": managed.name,
            "source": "this session",
            "lines": [_line_row(x) for x in chosen[-count:]],
        }
    name = managed.name if managed is not None else str(server)
    entry = desk.entry_elsewhere(name)
    if entry is None:
        raise NotFound(
            f"{name} has no output to show: it has not run in this session and "
            "does not run elsewhere (start_server starts it)"
        )
    path = run_log_of(entry)
    if path is None:
        raise NotFound(f"{name} runs elsewhere ({entry.describe()}) without a log file")
    texts = [t for t in _tail_file(path) if _matches(t, parse_level(t), contains, errors_only)]
    return {
        "server": name,
        "source": f"run log {path}",
        "lines": [{"text": t} for t in texts[-count:]],
    }
