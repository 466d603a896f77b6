"""The tools an assistant gets, as plain data: name, function, description, arguments.

The MCP layer (``cli/_mcp.py``) registers each entry; a test can call the functions
directly. Every function takes the session's :class:`Desk` first and returns JSON
data; an error asgideck raises on purpose (``AsgideckError``) is the tool's error,
its one-line message what the model reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from asgideck.runtime.assist._app import list_middleware, list_routes
from asgideck.runtime.assist._logs import recent_logs
from asgideck.runtime.assist._profiles import show_profiles
from asgideck.runtime.assist._requests import recorded_requests, request_detail
from asgideck.runtime.assist._servers import (
    restart_server,
    server_status,
    start_server,
    stop_server,
)

__all__ = ["TOOLS", "ToolInfo"]

_SERVER = (
    "string, optional: a server name from server_status (a launch config of the project); "
    "default: the first configured server"
)
_PROFILE = (
    "string, optional: the .env profile to import the app with (see list_profiles); "
    "default: the session's --profile, else the first server's profile"
)


@dataclass(frozen=True)
class ToolInfo:
    name: str
    function: Callable[..., dict[str, Any]]
    title: str
    description: str
    args: Mapping[str, str] = field(default_factory=dict)
    read_only: bool = True
    #: True: the same call twice does what one does (stop, status); False: start/restart
    idempotent: bool = True


TOOLS: tuple[ToolInfo, ...] = (
    ToolInfo(
        "list_routes",
        list_routes,
        "Routes of the app",
        "List every route of the project's ASGI/FastAPI app (mounted apps included), read "
        "by importing the app in the project's own interpreter, so edits show at once. "
        "Returns {app, profile, fastapi, starlette, errors: [{stage, type, message, where, "
        "traceback}], routes: [{kind, methods, path, name, endpoint (module:function), "
        "source (file:line in the project), summary, tags, status_code, response_model, "
        "deprecated, dependencies, mount}]}. When the app cannot be imported, routes is "
        "empty and errors says why.",
        {
            "profile": _PROFILE,
            "path_contains": "string, optional: only routes whose path contains this text",
        },
    ),
    ToolInfo(
        "list_middleware",
        list_middleware,
        "Middleware stack",
        "The app's built middleware stack in the order a request passes it: outermost "
        "first, ending with the router (the last add_middleware call runs first). Returns "
        "{app, profile, errors, layers: [{position, name, function, class, kind "
        "(middleware|router), user (added by the project), source, defined_at, added_at "
        "(the add_middleware call, file:line), added_by, options (secrets masked), note}]}. "
        "These are the layer names recorded requests time.",
        {"profile": _PROFILE},
    ),
    ToolInfo(
        "list_profiles",
        show_profiles,
        "Environment profiles",
        "The project's .env profiles: for each, the files layered (lowest first, with why) "
        "and the servers that use it. With name, also that profile's variables: "
        "{key, value, secret, source (file:line), overrides}. Secret values (keys, "
        "passwords, tokens, URL passwords) are always masked as ****; they cannot be "
        "revealed through this tool. Returns {root, loader, notes, profiles, variables?}.",
        {"name": "string, optional: a profile name whose variables to include"},
    ),
    ToolInfo(
        "server_status",
        server_status,
        "Server status",
        "The project's configured servers (the window's launch configs, as saved when "
        "this session started) and their state: stopped, "
        "starting, running, stopping, crashed or crash-loop; for a running one its url, "
        "pid, uptime_s, started_here (true: this MCP session started it and will stop it "
        "when the session ends) or started_by (the window or `asgideck run`), stats "
        "(cpu, memory, requests), and error/exit_code after a crash. other_servers lists "
        "servers of this project running without a launch config (`asgideck run`). "
        "Returns {project, root, app, app_error, interpreter, servers: [...], "
        "other_servers: [...]}.",
        {"name": "string, optional: only this server"},
    ),
    ToolInfo(
        "recent_logs",
        recent_logs,
        "Recent server output",
        "The newest lines a server printed (uvicorn/gunicorn output, app logs, tracebacks, "
        "and asgideck's own 'event' lines), oldest first; secret values are masked. For a "
        "server this session runs: {seq, time, stream (stdout|stderr|event), level, text}; "
        "for one started elsewhere, read from its run-log file: {text}. Returns {server, "
        "source, lines}. Fails when the server has not run here and runs nowhere else.",
        {
            "server": _SERVER,
            "lines": "integer, optional (default 100, at most 2000): how many lines",
            "contains": "string, optional: only lines containing this text (case-insensitive)",
            "errors_only": "boolean, optional (default false): only ERROR/CRITICAL lines "
            "and tracebacks",
        },
    ),
    ToolInfo(
        "recorded_requests",
        recorded_requests,
        "Recorded requests",
        "Requests the server handled, as recorded by asgideck's agent (servers started "
        "with 'Record requests' on, the default for development servers), newest last: "
        "{id, time, method, path, route (template), status, duration_ms, sql_count, "
        "response_size, pid, exception?, n_plus_one? (a statement repeated >= 5 times)}. "
        "Use request_detail with an id for timings per middleware layer, SQL, logs and "
        "the traceback. Returns {server, recorded, matching, requests, dropped?, note?}.",
        {
            "server": _SERVER,
            "limit": "integer, optional (default 50, at most 500): the newest N that match",
            "status": "string, optional: status classes, comma-separated, e.g. '4xx,5xx'",
            "path_contains": "string, optional: only requests whose path contains this text",
            "slower_than_ms": "number, optional: only requests that took at least this long",
            "errors_only": "boolean, optional: only 5xx, exceptions or no response",
            "n_plus_one_only": "boolean, optional: only requests flagged as likely N+1",
        },
    ),
    ToolInfo(
        "request_detail",
        request_detail,
        "One recorded request",
        "One recorded request in full: the summary plus client, headers and bodies "
        "(redacted, capped), layers (one span per middleware layer, outermost first, "
        "start_ms/duration_ms from the request's start; they nest), dependencies, "
        "endpoint (with source file:line), sql (statement with placeholders, duration, "
        "parameter count; values are never recorded), http_calls, logs, exception "
        "{type, message, project_frame (file:line), traceback}. Returns {server, request}.",
        {
            "request_id": "string, required: an id from recorded_requests",
            "server": _SERVER,
        },
    ),
    ToolInfo(
        "start_server",
        start_server,
        "Start a server",
        "Start a configured server (uvicorn/gunicorn… as its launch config says, with its "
        "profile's variables as they are on disk now) and wait until it accepts "
        "connections. The server belongs to this MCP session: it is stopped when the "
        "session ends (the client closes stdin). Returns {name, state, started_here, pid, "
        "url, message, ...}; a server this session runs already is left as it is (note says "
        "so). Fails with the reason when the port is taken, the server runs already "
        "elsewhere, or it exits while starting (recent_logs shows why).",
        {
            "name": _SERVER,
            "wait_seconds": "number, optional (default 60): how long to wait for it to be up",
        },
        read_only=False,
        idempotent=False,
    ),
    ToolInfo(
        "stop_server",
        stop_server,
        "Stop a server",
        "Stop a server and its whole process tree (SIGTERM, then SIGKILL after the grace "
        "period), whether this session or another asgideck (the window, `asgideck run`) "
        "started it. Returns {name, state, stopped, started_by, killed}; stopped is false "
        "when it was not running.",
        {
            "name": _SERVER,
            "grace_seconds": "number, optional (default 5, at most 60): time between "
            "SIGTERM and SIGKILL",
        },
        read_only=False,
    ),
    ToolInfo(
        "restart_server",
        restart_server,
        "Restart a server",
        "Stop and start a server this session runs (a stopped one is just started), "
        "re-reading its profile from disk, and wait until it is up again. A server started "
        "by another asgideck is refused: restart it there, or stop_server then "
        "start_server. Returns the same as start_server.",
        {
            "name": _SERVER,
            "wait_seconds": "number, optional (default 60): how long to wait for it to be up",
        },
        read_only=False,
        idempotent=False,
    ),
)
