"""One recorded request as asgideck reads it back from the agent's JSON lines.

The agent (``runtime/agent``, stdlib only, inside the project's interpreter) writes
one JSON object per line; this module is the only place that turns such a line into
typed values. Unknown keys are ignored and missing ones take their defaults, so an
agent a version apart still reads; a line that is not a request gives None.

Times inside a record are milliseconds from the request's start (``start_ms``/``end_ms``)
so the window can draw a waterfall without clocks from two processes.

Two line formats are read. The first (no ``"v"``) has named objects with millisecond
floats. Format 2 (``"v": 2``, the worker header says ``"format": 2``) is what the
agent writes now, cheap to encode: whole microseconds, positional lists, headers as flat
``[name, value, ...]`` lists, and the layers as flat ``[enter, leave, ...]`` pairs whose
names are the worker header's ``layers``
(the reader clamps each span inside the one around it). A line of a newer format than
:data:`FORMAT` is rejected (None), never half-read.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FORMAT",
    "N_PLUS_ONE_REPEATS",
    "ExceptionInfo",
    "Frame",
    "HttpCall",
    "LogLine",
    "RequestFilter",
    "RequestRecord",
    "Span",
    "SqlStatement",
    "WorkerInfo",
    "parse_line",
]

#: a statement repeated this many times in one request is flagged as a likely N+1
N_PLUS_ONE_REPEATS = 5
#: the newest line format read (the agent's ``_encode.FORMAT``)
FORMAT = 2


def _f(raw: Any, default: float = 0.0) -> float:
    """A finite number, else ``default`` (Python's json reads NaN and Infinity)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
        return value if math.isfinite(value) else default
    return default


_LAST_EPOCH = 32503680000.0  # 3000-01-01: beyond it no clock formats a time


def _epoch(raw: Any) -> float:
    """Seconds since the epoch that a clock can show (a damaged line's start is 0)."""
    value = _f(raw)
    return value if 0.0 <= value < _LAST_EPOCH else 0.0


def _i(raw: Any, default: int = 0) -> int:
    return int(raw) if isinstance(raw, int) and not isinstance(raw, bool) else default


def _s(raw: Any, default: str = "") -> str:
    return raw if isinstance(raw, str) else default


def _list(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else []


def _pairs(raw: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(p[0]), str(p[1])) for p in _list(raw) if isinstance(p, list) and len(p) == 2)


def _flat_pairs(raw: Any) -> tuple[tuple[str, str], ...]:
    """Format 2's headers: ``[name, value, name, value, ...]``."""
    flat = _list(raw)
    return tuple((str(flat[i]), str(flat[i + 1])) for i in range(0, len(flat) - 1, 2))


def _ms(raw: Any, default: float = 0.0) -> float:
    """Format 2's whole microseconds as milliseconds."""
    value = _f(raw, math.nan)
    return default if math.isnan(value) else value / 1000.0


def _opt_s(raw: Any) -> str | None:
    return raw if isinstance(raw, str) else None


def _row(raw: Any, size: int) -> list[Any] | None:
    """A format-2 positional entry: a list of exactly ``size`` items, else None."""
    return raw if isinstance(raw, list) and len(raw) == size else None


def _span2(raw: Any) -> Span | None:
    """``[name, source, start_us, end_us]``."""
    row = _row(raw, 4)
    if row is None:
        return None
    start = _ms(row[2])
    return Span(_s(row[0], "?"), start, max(start, _ms(row[3], start)), _opt_s(row[1]))


def _layers2(raw: Any, names: Sequence[str], duration_ms: float) -> tuple[Span, ...]:
    """The flat ``[enter, leave, ...]`` microseconds of each layer (null: not reached),
    named by the worker header, each span clamped inside the one around it."""
    flat = _list(raw)
    spans: list[Span] = []
    low, high = 0.0, max(0.0, duration_ms)
    for index in range(len(flat) // 2):
        enter, leave = flat[2 * index], flat[2 * index + 1]
        if not _number(enter) or not _number(leave):
            continue
        start = min(max(_ms(enter), low), high)
        end = min(max(_ms(leave), start), high)
        name = names[index] if index < len(names) else f"layer {index}"
        spans.append(Span(name, start, end))
        low, high = start, end
    return tuple(spans)


def _number(raw: Any) -> bool:
    return isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(float(raw))


@dataclass(frozen=True)
class Span:
    """A timed part of a request: a middleware layer, a dependency, the endpoint."""

    name: str
    start_ms: float
    end_ms: float
    source: str | None = None  # "relative/path.py:LINE" inside the project, when known

    @property
    def duration_ms(self) -> float:
        return max(0.0, self.end_ms - self.start_ms)

    @classmethod
    def from_json(cls, raw: Any) -> Span | None:
        if not isinstance(raw, dict):
            return None
        start = _f(raw.get("start_ms"))
        return cls(
            _s(raw.get("name"), "?"),
            start,
            max(start, _f(raw.get("end_ms"), start)),
            raw.get("source") if isinstance(raw.get("source"), str) else None,
        )


@dataclass(frozen=True)
class SqlStatement:
    statement: str  # placeholders kept, parameter values never recorded
    start_ms: float
    duration_ms: float
    params: int = 0  # how many parameters were bound (their values are not kept)
    error: str | None = None

    @property
    def shape(self) -> str:
        """The statement with whitespace and literal numbers folded: repeats compare equal."""
        return re.sub(r"\b\d+\b", "?", " ".join(self.statement.split()))

    @classmethod
    def from_json(cls, raw: Any) -> SqlStatement | None:
        if not isinstance(raw, dict):
            return None
        error = raw.get("error")
        return cls(
            _s(raw.get("statement")),
            _f(raw.get("start_ms")),
            _f(raw.get("duration_ms")),
            _i(raw.get("params")),
            error if isinstance(error, str) else None,
        )

    @classmethod
    def from_row(cls, raw: Any) -> SqlStatement | None:
        """Format 2: ``[statement, params, start_us, duration_us, error]``."""
        row = _row(raw, 5)
        if row is None:
            return None
        return cls(_s(row[0]), _ms(row[2]), _ms(row[3]), _i(row[1]), _opt_s(row[4]))


@dataclass(frozen=True)
class HttpCall:
    method: str
    url: str  # redacted by the secret rule
    start_ms: float
    duration_ms: float
    status: int | None = None
    error: str | None = None

    @classmethod
    def from_json(cls, raw: Any) -> HttpCall | None:
        if not isinstance(raw, dict):
            return None
        status = raw.get("status")
        error = raw.get("error")
        return cls(
            _s(raw.get("method"), "GET"),
            _s(raw.get("url")),
            _f(raw.get("start_ms")),
            _f(raw.get("duration_ms")),
            status if isinstance(status, int) else None,
            error if isinstance(error, str) else None,
        )

    @classmethod
    def from_row(cls, raw: Any) -> HttpCall | None:
        """Format 2: ``[method, url, start_us, duration_us, status, error]``."""
        row = _row(raw, 6)
        if row is None:
            return None
        status = row[4]
        return cls(
            _s(row[0], "GET"),
            _s(row[1]),
            _ms(row[2]),
            _ms(row[3]),
            status if isinstance(status, int) and not isinstance(status, bool) else None,
            _opt_s(row[5]),
        )


@dataclass(frozen=True)
class LogLine:
    time_ms: float
    level: str
    logger: str
    message: str  # secrets scrubbed by the agent

    @classmethod
    def from_json(cls, raw: Any) -> LogLine | None:
        if not isinstance(raw, dict):
            return None
        return cls(
            _f(raw.get("time_ms")),
            _s(raw.get("level"), "INFO"),
            _s(raw.get("logger")),
            _s(raw.get("message")),
        )

    @classmethod
    def from_row(cls, raw: Any) -> LogLine | None:
        """Format 2: ``[time_us, level, logger, message]``."""
        row = _row(raw, 4)
        if row is None:
            return None
        return cls(_ms(row[0]), _s(row[1], "INFO"), _s(row[2]), _s(row[3]))


@dataclass(frozen=True)
class Frame:
    file: str  # absolute path as the interpreter saw it
    line: int
    function: str
    project: bool  # inside the project (not site-packages, not the stdlib)
    relpath: str | None = None  # relative to the project root when ``project``
    code: str = ""  # the source line, stripped

    @classmethod
    def from_json(cls, raw: Any) -> Frame | None:
        if not isinstance(raw, dict):
            return None
        rel = raw.get("relpath")
        return cls(
            _s(raw.get("file")),
            _i(raw.get("line")),
            _s(raw.get("function")),
            raw.get("project") is True,
            rel if isinstance(rel, str) else None,
            _s(raw.get("code")),
        )


@dataclass(frozen=True)
class ExceptionInfo:
    type: str
    message: str  # secrets scrubbed
    frames: tuple[Frame, ...]  # outermost first, like a traceback
    text: str = ""  # the formatted traceback (scrubbed)

    @property
    def project_frame(self) -> Frame | None:
        """The innermost frame in the project's own code: where to open the source."""
        inside = [f for f in self.frames if f.project]
        return inside[-1] if inside else None

    @classmethod
    def from_json(cls, raw: Any) -> ExceptionInfo | None:
        if not isinstance(raw, dict):
            return None
        frames = tuple(f for f in map(Frame.from_json, _list(raw.get("frames"))) if f)
        return cls(
            _s(raw.get("type"), "Exception"), _s(raw.get("message")), frames, _s(raw.get("text"))
        )


@dataclass(frozen=True)
class RequestRecord:
    """One request as the agent saw it (bodies capped and redacted before they were written)."""

    id: str  # "<pid>-<sequence>": unique within one server run
    pid: int
    start: float  # wall clock, seconds since the epoch
    duration_ms: float
    method: str
    path: str
    query: str = ""  # redacted
    route: str | None = None  # the route template ("/items/{item_id}"), None: no route matched
    status: int | None = None  # None: no response started (the client went away, a crash)
    client: str = ""
    scheme: str = "http"
    type: str = "http"  # "http" or "websocket"
    request_size: int = 0
    response_size: int = 0
    request_headers: tuple[tuple[str, str], ...] = ()  # redacted
    response_headers: tuple[tuple[str, str], ...] = ()  # redacted
    request_body: str | None = None  # text, or None when empty or not text
    request_body_truncated: bool = False
    response_body: str | None = None
    response_body_truncated: bool = False
    layers: tuple[Span, ...] = ()  # the built middleware stack, outermost first; router last
    dependencies: tuple[Span, ...] = ()
    endpoint: Span | None = None
    sql: tuple[SqlStatement, ...] = ()
    http_calls: tuple[HttpCall, ...] = ()
    logs: tuple[LogLine, ...] = ()
    exception: ExceptionInfo | None = None
    #: what did not fit the record's caps: {"sql": 12, "logs": 3}
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def has_error(self) -> bool:
        return self.exception is not None or self.status is None or self.status >= 500

    @property
    def status_class(self) -> str:
        """ "2xx", "3xx", "4xx", "5xx", or "—" when no response started."""
        return f"{self.status // 100}xx" if self.status is not None else "—"

    def repeated_sql(self, at_least: int = N_PLUS_ONE_REPEATS) -> list[tuple[str, int]]:
        """[(statement shape, times)] repeated ``at_least`` times: likely N+1 queries."""
        counts = Counter(s.shape for s in self.sql)
        return [(shape, n) for shape, n in counts.most_common() if n >= at_least]

    @property
    def has_n_plus_one(self) -> bool:
        return bool(self.repeated_sql())

    @property
    def internal(self) -> bool:
        """Sent by asgideck itself (its OpenAPI fetches): the Requests tab hides these."""
        agent = next((v for k, v in self.request_headers if k.lower() == "user-agent"), "")
        return agent.startswith("asgideck/") and "(internal)" in agent

    @classmethod
    def from_json(cls, raw: Any, layer_names: Sequence[str] = ()) -> RequestRecord | None:
        """A request line of either format; ``layer_names``: the worker header's stack
        (format 2 names its layers only there). None: not a request, or a newer format."""
        if not isinstance(raw, dict) or raw.get("type") not in (None, "request"):
            return None
        if not isinstance(raw.get("method"), str) or not isinstance(raw.get("path"), str):
            return None
        version = raw.get("v", 1)
        if version == 1:
            request_headers = _pairs(raw.get("request_headers"))
            response_headers = _pairs(raw.get("response_headers"))
            duration = _f(raw.get("duration_ms"))
            layers = tuple(s for s in map(Span.from_json, _list(raw.get("layers"))) if s)
            dependencies = tuple(
                s for s in map(Span.from_json, _list(raw.get("dependencies"))) if s
            )
            endpoint = Span.from_json(raw.get("endpoint"))
            sql = tuple(s for s in map(SqlStatement.from_json, _list(raw.get("sql"))) if s)
            calls = tuple(c for c in map(HttpCall.from_json, _list(raw.get("http_calls"))) if c)
            logs = tuple(x for x in map(LogLine.from_json, _list(raw.get("logs"))) if x)
        elif version == FORMAT:
            request_headers = _flat_pairs(raw.get("request_headers"))
            response_headers = _flat_pairs(raw.get("response_headers"))
            duration = _ms(raw.get("duration_us"))
            layers = _layers2(raw.get("layers"), layer_names, duration)
            dependencies = tuple(s for s in map(_span2, _list(raw.get("dependencies"))) if s)
            endpoint = _span2(raw.get("endpoint"))
            sql = tuple(s for s in map(SqlStatement.from_row, _list(raw.get("sql"))) if s)
            calls = tuple(c for c in map(HttpCall.from_row, _list(raw.get("http_calls"))) if c)
            logs = tuple(x for x in map(LogLine.from_row, _list(raw.get("logs"))) if x)
        else:  # a newer agent's line: not read at all rather than read wrong
            return None
        route = raw.get("route")
        status = raw.get("status")
        dropped = raw.get("dropped")
        return cls(
            id=_s(raw.get("id")),
            pid=_i(raw.get("pid")),
            start=_epoch(raw.get("start")),
            duration_ms=duration,
            method=raw["method"],
            path=raw["path"],
            query=_s(raw.get("query")),
            route=route if isinstance(route, str) else None,
            status=status if isinstance(status, int) and not isinstance(status, bool) else None,
            client=_s(raw.get("client")),
            scheme=_s(raw.get("scheme"), "http"),
            type=_s(raw.get("kind"), "http"),
            request_size=_i(raw.get("request_size")),
            response_size=_i(raw.get("response_size")),
            request_headers=request_headers,
            response_headers=response_headers,
            request_body=raw.get("request_body")
            if isinstance(raw.get("request_body"), str)
            else None,
            request_body_truncated=raw.get("request_body_truncated") is True,
            response_body=(
                raw.get("response_body") if isinstance(raw.get("response_body"), str) else None
            ),
            response_body_truncated=raw.get("response_body_truncated") is True,
            layers=layers,
            dependencies=dependencies,
            endpoint=endpoint,
            sql=sql,
            http_calls=calls,
            logs=logs,
            exception=ExceptionInfo.from_json(raw.get("exception")),
            dropped={str(k): v for k, v in (dropped or {}).items() if isinstance(v, int)}
            if isinstance(dropped, dict)
            else {},
        )


@dataclass(frozen=True)
class WorkerInfo:
    """A worker process's first line: who it is and the stack it runs (outermost first)."""

    pid: int
    started: float
    app: str
    layers: tuple[str, ...] = ()
    dropped: int = 0  # requests the agent could not hand over (asgideck was slow)
    format: int = 1  # the line format of the requests that follow (1: no "format" key)

    @classmethod
    def from_json(cls, raw: Any) -> WorkerInfo | None:
        if not isinstance(raw, dict) or raw.get("type") != "worker":
            return None
        return cls(
            _i(raw.get("pid")),
            _epoch(raw.get("started")),
            _s(raw.get("app")),
            tuple(str(x) for x in _list(raw.get("layers"))),
            _i(raw.get("dropped")),
            _i(raw.get("format"), 1),
        )


def parse_line(
    line: str | bytes, layer_names: Sequence[str] = ()
) -> RequestRecord | WorkerInfo | None:
    """One JSON line from an agent's file: a request, a worker's header, or None (anything
    else, or a newer format). ``layer_names``: the stack of the worker header before it
    (a format-2 request names its layers only there)."""
    import json

    try:
        raw = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(raw, dict) and raw.get("type") == "worker":
        return WorkerInfo.from_json(raw)
    return RequestRecord.from_json(raw, layer_names)


@dataclass(frozen=True)
class RequestFilter:
    """The Requests tab's and ``asgideck requests``' filters; empty matches everything."""

    status_classes: frozenset[str] = frozenset()  # {"4xx", "5xx"}; empty: any
    path: str = ""  # a substring of the path (case-insensitive)
    slower_than_ms: float | None = None
    has_error: bool = False
    has_n_plus_one: bool = False
    #: asgideck's own requests (its OpenAPI fetches) are left out unless asked for
    internal: bool = False

    def matches(self, record: RequestRecord) -> bool:
        if record.internal and not self.internal:
            return False
        if self.status_classes and record.status_class not in self.status_classes:
            return False
        if self.path and self.path.lower() not in record.path.lower():
            return False
        if self.slower_than_ms is not None and record.duration_ms < self.slower_than_ms:
            return False
        if self.has_error and not record.has_error:
            return False
        return not (self.has_n_plus_one and not record.has_n_plus_one)
