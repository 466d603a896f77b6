"""One request's raw facts while it runs, reachable from anywhere through a context variable.

The request path only *collects* (clock readings, references, small copies); turning
them into JSON, redacting and writing happen on the writer thread. ``contextvars``
carry the current request into tasks and into ``run_in_threadpool`` threads, so a
SQL statement or a log line lands on the request that caused it.
"""

from __future__ import annotations

import contextvars
import time
from typing import Any

#: The one clock of the request path: integer nanoseconds (no float arithmetic while the
#: request runs; the writer turns differences into whole microseconds).
clock = time.perf_counter_ns

#: The request being handled in this context (None: not inside a recorded request).
CURRENT: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "asgideck_agent_request", default=None
)

MAX_SQL = 200
MAX_LOGS = 200
MAX_CALLS = 50
MAX_DEPENDENCIES = 200


class State:
    """What one request did; times are ``clock()`` readings (integer nanoseconds).

    ``times`` holds each layer's enter and leave readings side by side (layer ``i`` at
    ``2 * i`` and ``2 * i + 1``; None: not reached), filled by the shims with two list
    stores and no allocation beyond the readings themselves."""

    __slots__ = (
        "dependencies",
        "dropped",
        "endpoint",
        "exception",
        "http_calls",
        "inner_exception",
        "kind",
        "logs",
        "mount_prefix",
        "request_body",
        "request_size",
        "response_body",
        "response_headers",
        "response_size",
        "root_path",
        "route",
        "scope",
        "selected",
        "sql",
        "sql_pending",
        "start",
        "status",
        "t0",
        "t1",
        "times",
    )

    def __init__(self, scope: Any, n_layers: int, wall: float, now: int) -> None:
        self.scope = scope
        self.kind = scope["type"]
        self.start = wall
        self.t0 = now
        self.t1 = now
        self.times: list[Any] = [None] * (2 * n_layers)
        self.route: Any = None
        self.status: Any = None
        self.response_headers: Any = None
        self.request_body: list[bytes] = []
        self.request_size = 0
        self.response_body: list[bytes] = []
        self.response_size = 0
        self.dependencies: list[Any] = []  # (name, source, t0, t1)
        self.endpoint: Any = None  # (name, source, t0, t1)
        self.sql: list[Any] = []  # (statement, params, t0, t1, error)
        self.sql_pending: dict[int, Any] = {}
        self.http_calls: list[Any] = []  # (method, url, t0, t1, status, error)
        self.logs: list[Any] = []  # (time, level, logger, message)
        self.exception: Any = None  # the exception that left the app
        self.inner_exception: Any = None  # one an endpoint or dependency raised
        self.dropped: dict[str, int] = {}
        self.root_path = scope.get("root_path", "")  # as it came in (a Mount extends it)
        self.selected: Any = None  # the route template FastAPI's router chose, when it says
        self.mount_prefix = ""

    def drop(self, what: str) -> None:
        self.dropped[what] = self.dropped.get(what, 0) + 1
