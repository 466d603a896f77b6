"""One record's detail as HTML pieces: summary, SQL, logs, outgoing calls, exception,
headers and bodies. Pure functions of the record, so the tests read what the user reads.

A statement repeated ``N_PLUS_ONE_REPEATS`` times or more in one request is flagged
"same statement × N — likely N+1". Project frames of an exception link to their source
(``source:relative/path.py:LINE``; the view opens the editor).
"""

from __future__ import annotations

from collections import Counter
from html import escape

from asgideck.gui.tabs.requests.model import clock, duration_text, size_text
from asgideck.gui.tabs.requests.waterfall import ms_text
from asgideck.runtime.recording import N_PLUS_ONE_REPEATS, RequestRecord

_WARN = "#c77c02"
_ERROR = "#d0342c"


def summary_html(record: RequestRecord) -> str:
    status = str(record.status) if record.status is not None else "no response"
    colour = _ERROR if record.has_error else _WARN if record.status_class == "4xx" else ""
    status_html = f'<b style="color:{colour}">{status}</b>' if colour else f"<b>{status}</b>"
    target = escape(record.path + (f"?{record.query}" if record.query else ""))
    route = f"route <code>{escape(record.route)}</code>" if record.route else "no route matched"
    facts = [
        route,
        f"{duration_text(record.duration_ms)}",
        f"{size_text(record.request_size)} in · {size_text(record.response_size)} out",
        f"{clock(record.start)}",
        f"client {escape(record.client)}" if record.client else "",
        f"worker pid {record.pid}",
    ]
    dropped = ", ".join(f"{n} {what}" for what, n in sorted(record.dropped.items()) if n)
    if dropped:
        kept = f"not kept (record caps): {escape(dropped)}"
        facts.append(f'<span style="color:{_WARN}">{kept}</span>')
    return f"<b>{escape(record.method)}</b> <code>{target}</code> → {status_html}<br>" + " · ".join(
        f for f in facts if f
    )


def sql_html(record: RequestRecord) -> str:
    """Every statement in order; the repeated ones (likely N+1) listed first, flagged."""
    if not record.sql:
        extra = record.dropped.get("sql", 0)
        return "<p>No SQL statements were recorded for this request.</p>" + (
            f"<p>{extra} statement(s) beyond the record's cap were not kept.</p>" if extra else ""
        )
    parts: list[str] = []
    for shape, times in record.repeated_sql():
        parts.append(
            f'<p style="color:{_WARN}"><b>⚠ same statement × {times} — likely N+1</b><br>'
            f"<code>{escape(shape)}</code><br>"
            "Load the rows in one query (a join, <code>IN (…)</code>, or the ORM's eager "
            "loading such as <code>selectinload</code>) instead of one per item.</p>"
        )
    counts = Counter(s.shape for s in record.sql)
    spent = sum(s.duration_ms for s in record.sql)
    parts.append(
        f"<p>{len(record.sql)} statement{'s' if len(record.sql) != 1 else ''}, "
        f"{ms_text(spent)} in all (parameter values are never recorded).</p>"
    )
    rows = []
    for number, statement in enumerate(record.sql, start=1):
        repeated = counts[statement.shape] >= N_PLUS_ONE_REPEATS
        style = f' style="color:{_WARN}"' if repeated else ""
        error = (
            f'<br><span style="color:{_ERROR}">{escape(statement.error)}</span>'
            if statement.error
            else ""
        )
        params = f" · {statement.params} param(s)" if statement.params else ""
        rows.append(
            f"<tr{style}><td>{number}</td><td>+{ms_text(statement.start_ms)}</td>"
            f"<td>{ms_text(statement.duration_ms)}{params}</td>"
            f"<td><code>{escape(statement.statement)}</code>{error}</td></tr>"
        )
    parts.append(
        '<table cellspacing="0" cellpadding="3">'
        "<tr><th>#</th><th>at</th><th>took</th><th>statement</th></tr>" + "".join(rows) + "</table>"
    )
    if record.dropped.get("sql"):
        parts.append(f"<p>{record.dropped['sql']} more statement(s) were not kept.</p>")
    return "".join(parts)


def logs_html(record: RequestRecord) -> str:
    if not record.logs:
        return "<p>No log records were emitted while handling this request.</p>"
    rows = []
    for line in record.logs:
        colour = {"ERROR": _ERROR, "CRITICAL": _ERROR, "WARNING": _WARN}.get(line.level, "")
        style = f' style="color:{colour}"' if colour else ""
        rows.append(
            f"<tr{style}><td>+{ms_text(line.time_ms)}</td><td>{escape(line.level)}</td>"
            f"<td>{escape(line.logger)}</td><td><code>{escape(line.message)}</code></td></tr>"
        )
    return '<table cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>"


def calls_html(record: RequestRecord) -> str:
    if not record.http_calls:
        return "<p>No outgoing HTTP calls (httpx or requests) were made.</p>"
    rows = []
    for call in record.http_calls:
        outcome = (
            str(call.status)
            if call.status is not None
            else f'<span style="color:{_ERROR}">{escape(call.error or "failed")}</span>'
        )
        rows.append(
            f"<tr><td>+{ms_text(call.start_ms)}</td><td>{ms_text(call.duration_ms)}</td>"
            f"<td><b>{escape(call.method)}</b> <code>{escape(call.url)}</code></td>"
            f"<td>{outcome}</td></tr>"
        )
    return '<table cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>"


def exception_html(record: RequestRecord) -> str:
    exc = record.exception
    if exc is None:
        return "<p>No exception.</p>"
    parts = [f'<p style="color:{_ERROR}"><b>{escape(exc.type)}</b>: {escape(exc.message)}</p>']
    project = exc.project_frame
    if project is not None:
        where = f"{project.relpath or project.file}:{project.line}"
        parts.append(
            f'<p>Raised in your code at <a href="source:{escape(where)}">{escape(where)}</a> '
            f"in <code>{escape(project.function)}</code></p>"
        )
    rows = []
    for frame in exc.frames:
        where = f"{frame.relpath or frame.file}:{frame.line}"
        place = (
            f'<a href="source:{escape(where)}">{escape(where)}</a>'
            if frame.project
            else f'<span style="color:gray">{escape(where)}</span>'
        )
        code = f"<br><code>{escape(frame.code)}</code>" if frame.code else ""
        rows.append(f"<li>{place} in <code>{escape(frame.function)}</code>{code}</li>")
    if rows:
        parts.append("<ol>" + "".join(rows) + "</ol>")
    if exc.text:
        parts.append(f"<pre>{escape(exc.text)}</pre>")
    return "".join(parts)


def _headers(title: str, headers: tuple[tuple[str, str], ...]) -> str:
    if not headers:
        return f"<h4>{title}</h4><p>none recorded</p>"
    rows = "".join(
        f"<tr><td><b>{escape(k)}</b></td><td><code>{escape(v)}</code></td></tr>" for k, v in headers
    )
    return f'<h4>{title}</h4><table cellspacing="0" cellpadding="2">{rows}</table>'


def _body(title: str, body: str | None, truncated: bool, size: int) -> str:
    if body is None:
        why = "empty" if size == 0 else f"{size_text(size)}, not text (or not kept)"
        return f"<h4>{title}</h4><p>({why})</p>"
    cut = " <i>(cut at the body limit)</i>" if truncated else ""
    return f"<h4>{title}{cut}</h4><pre>{escape(body)}</pre>"


def headers_html(record: RequestRecord) -> str:
    """Request and response headers and bodies (as the agent kept them: redacted, capped)."""
    return (
        _headers("Request headers", record.request_headers)
        + _body("Request body", record.request_body, record.request_body_truncated,
                record.request_size)
        + _headers("Response headers", record.response_headers)
        + _body("Response body", record.response_body, record.response_body_truncated,
                record.response_size)
    )  # fmt: skip
