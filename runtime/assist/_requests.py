"""Read tools over recorded requests: what the agent saw of each request a server served.

A server started with "Record requests" on (the default for development-style
servers) has the agent write one JSON line per request into its records folder
(``runtime/recording``); these tools read it back, newest last, whoever started the
server. Values were redacted by the agent with the one secret rule before they were
written; the session's scrubber passes over them again.
"""

from __future__ import annotations

import time
from typing import Any

from asgideck.runtime.assist._desk import Desk
from asgideck.runtime.errors import InputError, NotFound
from asgideck.runtime.recording import RequestFilter, RequestLog, RequestRecord, Span

__all__ = ["recorded_requests", "request_detail"]

MAX_ROWS = 500
_STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")


def _status_classes(text: str | None) -> frozenset[str]:
    """ "4xx,5xx" (or "404" -> its class) as the filter's set; InputError for anything else."""
    if not text:
        return frozenset()
    found = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        cls = part.lower() if part.lower() in _STATUS_CLASSES else None
        if cls is None and part.isdigit() and len(part) == 3 and part[0] in "12345":
            cls = f"{part[0]}xx"
        if cls is None:
            raise InputError(f"status: {part!r} is not a status class (2xx, 4xx, 5xx …)")
        found.add(cls)
    return frozenset(found)


def _summary(record: RequestRecord) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": record.id,
        "time": time.strftime("%H:%M:%S", time.localtime(record.start)),
        "method": record.method,
        "path": record.path + (f"?{record.query}" if record.query else ""),
        "route": record.route,
        "status": record.status,
        "duration_ms": round(record.duration_ms, 2),
        "sql_count": len(record.sql),
        "response_size": record.response_size,
        "pid": record.pid,
    }
    if record.exception is not None:
        row["exception"] = f"{record.exception.type}: {record.exception.message}"
    if record.has_n_plus_one:
        row["n_plus_one"] = [f"{shape} × {n}" for shape, n in record.repeated_sql()]
    return row


def _span(span: Span) -> dict[str, Any]:
    return {
        "name": span.name,
        "start_ms": round(span.start_ms, 3),
        "duration_ms": round(span.duration_ms, 3),
        "source": span.source,
    }


def _detail(record: RequestRecord) -> dict[str, Any]:
    exception = record.exception
    return {
        **_summary(record),
        "client": record.client,
        "type": record.type,
        "request_size": record.request_size,
        "request_headers": [list(pair) for pair in record.request_headers],
        "response_headers": [list(pair) for pair in record.response_headers],
        "request_body": record.request_body,
        "request_body_truncated": record.request_body_truncated,
        "response_body": record.response_body,
        "response_body_truncated": record.response_body_truncated,
        "layers": [_span(s) for s in record.layers],
        "dependencies": [_span(s) for s in record.dependencies],
        "endpoint": _span(record.endpoint) if record.endpoint is not None else None,
        "sql": [
            {
                "statement": s.statement,
                "start_ms": round(s.start_ms, 3),
                "duration_ms": round(s.duration_ms, 3),
                "params": s.params,
                "error": s.error,
            }
            for s in record.sql
        ],
        "http_calls": [
            {
                "method": c.method,
                "url": c.url,
                "status": c.status,
                "duration_ms": round(c.duration_ms, 3),
                "error": c.error,
            }
            for c in record.http_calls
        ],
        "logs": [
            {
                "time_ms": round(x.time_ms, 3),
                "level": x.level,
                "logger": x.logger,
                "message": x.message,
            }
            for x in record.logs
        ],
        "exception": None
        if exception is None
        else {
            "type": exception.type,
            "message": exception.message,
            "project_frame": (
                f"{exception.project_frame.relpath}:{exception.project_frame.line}"
                if exception.project_frame is not None and exception.project_frame.relpath
                else None
            ),
            "traceback": exception.text,
        },
        "dropped": dict(record.dropped),
    }


_MAX_POLLS = 16  # each reads at most ~4 MiB: a backlog beyond that shows on the next call


def _log(desk: Desk, server: str | None) -> tuple[str, RequestLog]:
    """The server's name and its request log, read up to now."""
    name = desk.recorded_server(server)
    log = desk.request_log(name)
    for _ in range(_MAX_POLLS):
        log.poll()
        if log.caught_up:
            break
    return name, log


def _records(desk: Desk, server: str | None) -> tuple[str, list[RequestRecord], int]:
    name, log = _log(desk, server)
    return name, log.records(), log.dropped


def recorded_requests(
    desk: Desk,
    server: str | None = None,
    limit: int = 50,
    status: str | None = None,
    path_contains: str | None = None,
    slower_than_ms: float | None = None,
    errors_only: bool = False,
    n_plus_one_only: bool = False,
) -> dict[str, Any]:
    """The newest recorded requests of ``server`` that pass the filters, oldest first."""
    wanted = RequestFilter(
        status_classes=_status_classes(status),
        path=path_contains or "",
        slower_than_ms=slower_than_ms,
        has_error=errors_only,
        has_n_plus_one=n_plus_one_only,
    )
    name, records, dropped = _records(desk, server)
    chosen = [r for r in records if wanted.matches(r)]
    count = min(max(limit, 1), MAX_ROWS)
    answer: dict[str, Any] = {
        "server": name,
        "recorded": len(records),
        "matching": len(chosen),
        "requests": [_summary(r) for r in chosen[-count:]],
    }
    if dropped:
        answer["dropped"] = dropped  # the agent could not hand these over (asgideck was slow)
    if not records:
        answer["note"] = (
            "no requests recorded: the server records only when started with "
            "'Record requests' on (the default for development servers) and requests reach it"
        )
    return answer


def request_detail(desk: Desk, request_id: str, server: str | None = None) -> dict[str, Any]:
    """One recorded request in full: timings per layer, SQL, logs, exception, bodies."""
    name, log = _log(desk, server)
    record = log.find(request_id)
    if record is not None:
        return {"server": name, "request": _detail(record)}
    raise NotFound(f"no recorded request {request_id!r} for {name} (recorded_requests lists them)")
