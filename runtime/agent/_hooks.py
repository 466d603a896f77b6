"""What a request does besides answering: log records, SQL, outgoing HTTP calls.

Every hook is a no-op outside a recorded request (one context-variable read) and
installed only when the library is already imported by the app (checked again on
each request until all are in: an app may import a library lazily). Hooks observe
and never change a call: arguments pass through, exceptions re-raise unchanged.
SQL parameters are counted, never kept.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any

from ._context import CURRENT, MAX_CALLS, MAX_LOGS, MAX_SQL, clock


class RequestLogHandler(logging.Handler):
    """Keeps the log records emitted while a request is handled (message text only)."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)

    def emit(self, record: logging.LogRecord) -> None:
        state = CURRENT.get()
        if state is None:
            return
        try:
            if len(state.logs) >= MAX_LOGS:
                state.drop("logs")
                return
            message = record.getMessage()
            if record.exc_info and record.exc_info[0] is not None:
                message += f" [{record.exc_info[0].__name__}]"
            state.logs.append((clock(), record.levelname, record.name, message))
        except Exception:
            pass

    def handle(self, record: logging.LogRecord) -> bool:  # no lock: emit appends to a list
        if CURRENT.get() is None:
            return False
        self.emit(record)
        return True


class Hooks:
    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.handler = RequestLogHandler()
        self.sqlalchemy = False
        self.httpx = False
        self.requests = False
        self.all = False
        self.count = 0
        self.routing = False

    def install_logging(self) -> None:
        root = logging.getLogger()
        if self.handler not in root.handlers:
            root.addHandler(self.handler)

    def per_request(self) -> None:
        """Every 64th request: the handler still on the root logger (an app may reconfigure
        logging), libraries imported since (hooked lazily)."""
        self.count += 1
        if self.count & 63 != 1:
            return
        if self.handler not in logging.root.handlers:
            self.install_logging()
        if not self.all:
            self.install()

    def install(self) -> None:
        modules = sys.modules
        try:
            if not self.routing and "fastapi.routing" in modules:
                self.routing = True
                _hook_route_selected(modules["fastapi.routing"])
            if not self.sqlalchemy and "sqlalchemy.engine" in modules:
                self.sqlalchemy = True
                _hook_sqlalchemy()
            if not self.httpx and "httpx" in modules:
                self.httpx = True
                _hook_httpx(modules["httpx"])
            if not self.requests and "requests.sessions" in modules:
                self.requests = True
                _hook_requests(modules["requests.sessions"])
        except Exception:
            self.recorder.error()
        self.all = self.sqlalchemy and self.httpx and self.requests and self.routing


# ---------------------------------------------------------------------- SQL


def _param_count(parameters: Any, executemany: bool) -> int:
    try:
        if parameters is None:
            return 0
        if executemany and isinstance(parameters, (list, tuple)):
            return sum(len(p) for p in parameters if hasattr(p, "__len__"))
        return len(parameters) if hasattr(parameters, "__len__") else 0
    except Exception:
        return 0


def _hook_sqlalchemy() -> None:
    event = sys.modules.get("sqlalchemy.event") or __import__("sqlalchemy.event").event
    engine_cls = sys.modules["sqlalchemy.engine"].Engine

    def before(
        conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, many: Any
    ) -> None:
        state = CURRENT.get()
        if state is None:
            return
        try:
            count = _param_count(parameters, bool(many))
            state.sql_pending[id(cursor)] = (str(statement), count, clock())
        except Exception:
            pass

    def after(
        conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, many: Any
    ) -> None:
        state = CURRENT.get()
        if state is None:
            return
        _finish(state, id(cursor), None)

    def failed(context: Any) -> None:
        state = CURRENT.get()
        if state is None:
            return
        cursor = getattr(context, "cursor", None)
        error = getattr(context, "original_exception", None)
        name = type(error).__name__ if error is not None else "error"
        pending = state.sql_pending
        if id(cursor) not in pending and pending:  # the cursor is not always passed on
            pending[id(cursor)] = pending.pop(next(reversed(list(pending))))
        elif id(cursor) not in pending:
            statement = getattr(context, "statement", None)
            if statement is None:
                return
            pending[id(cursor)] = (str(statement), 0, clock())
        _finish(state, id(cursor), name)

    event.listen(engine_cls, "before_cursor_execute", before)
    event.listen(engine_cls, "after_cursor_execute", after)
    event.listen(engine_cls, "handle_error", failed)


def _finish(state: Any, key: int, error: Any) -> None:
    try:
        pending = state.sql_pending.pop(key, None)
        if pending is None:
            return
        if len(state.sql) >= MAX_SQL:
            state.drop("sql")
            return
        statement, count, started = pending
        state.sql.append((statement, count, started, clock(), error))
    except Exception:
        pass


# ---------------------------------------------------------------------- HTTP


def _call(state: Any, method: Any, url: Any, started: float, status: Any, error: Any) -> None:
    try:
        if len(state.http_calls) >= MAX_CALLS:
            state.drop("http_calls")
            return
        code = status if isinstance(status, int) else None
        state.http_calls.append((str(method), str(url), started, clock(), code, error))
    except Exception:
        pass


def _hook_httpx(httpx: Any) -> None:
    for cls_name, is_async in (("Client", False), ("AsyncClient", True)):
        cls: Any = getattr(httpx, cls_name, None)
        original = getattr(cls, "send", None)
        if cls is None or original is None or getattr(original, "_asgideck", False):
            continue
        cls.send = _async_send(original) if is_async else _sync_send(original)


def _sync_send(original: Any) -> Any:
    @functools.wraps(original)
    def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        state = CURRENT.get()
        if state is None:
            return original(self, request, *args, **kwargs)
        started = clock()
        try:
            response = original(self, request, *args, **kwargs)
        except BaseException as exc:
            _call(state, request.method, request.url, started, None, type(exc).__name__)
            raise
        _call(state, request.method, request.url, started, response.status_code, None)
        return response

    send._asgideck = True  # type: ignore[attr-defined]
    return send


def _async_send(original: Any) -> Any:
    @functools.wraps(original)
    async def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        state = CURRENT.get()
        if state is None:
            return await original(self, request, *args, **kwargs)
        started = clock()
        try:
            response = await original(self, request, *args, **kwargs)
        except BaseException as exc:
            _call(state, request.method, request.url, started, None, type(exc).__name__)
            raise
        _call(state, request.method, request.url, started, response.status_code, None)
        return response

    send._asgideck = True  # type: ignore[attr-defined]
    return send


def _hook_requests(sessions: Any) -> None:
    cls: Any = getattr(sessions, "Session", None)
    original = getattr(cls, "send", None)
    if cls is None or original is None or getattr(original, "_asgideck", False):
        return
    cls.send = _sync_send(original)


# ---------------------------------------------------------------------- route template


def _hook_route_selected(routing: Any) -> None:
    """FastAPI's router announces the template it matched (for its telemetry): the full
    one, with included routers' prefixes and mounts, which ``scope["route"]`` lacks."""
    original = getattr(routing, "_route_selected", None)
    if not callable(original) or getattr(original, "_asgideck", False):
        return

    @functools.wraps(original)
    def selected(*args: Any, **kwargs: Any) -> Any:
        state = CURRENT.get()
        if state is not None:
            try:
                path = kwargs.get("path")
                if isinstance(path, str):
                    if kwargs.get("mount"):
                        if path.endswith("/{path}"):
                            path = path[: -len("/{path}")]
                        state.mount_prefix += path
                        state.selected = state.mount_prefix + "/{path}"
                    else:
                        state.selected = state.mount_prefix + path
            except Exception:
                pass
        return original(*args, **kwargs)

    selected._asgideck = True  # type: ignore[attr-defined]
    routing._route_selected = selected
