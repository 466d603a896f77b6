"""``asgideck mcp PATH``: the project's state for a coding assistant, over the Model
Context Protocol (the official ``mcp`` SDK, stdio transport).

The tools are ``runtime/assist``'s (:data:`~asgideck.runtime.assist.TOOLS`): routes,
middleware, profiles (masked), server status, recent log lines and recorded requests,
and start/stop/restart of the project's servers. stdout carries protocol messages
only (the SDK points fd 1 at stderr while it serves, so a stray print or a child's
output cannot corrupt the wire); asgideck's own lines go to stderr. An error asgideck
raises on purpose is the tool's error, its one-line message what the model reads; a
bug is "Error executing tool NAME" for the client and a traceback on stderr.

The servers a session starts are stopped when it ends (the client closes stdin, or
SIGTERM/SIGHUP/Ctrl-C). The SDK is imported only here, when the subcommand runs, so
other subcommands stay fast.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO

from asgideck.runtime.assist import TOOLS, Desk, ToolInfo
from asgideck.runtime.cli._shared import EXIT_INTERRUPTED, EXIT_OK
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.project import interpreter_notes

__all__ = ["CLOSE_GRACE", "INSTRUCTIONS", "add_parser", "run"]

#: seconds between SIGTERM and SIGKILL for the session's servers when it ends: short, as
#: a client kills the whole ``asgideck mcp`` a few seconds after it closed stdin
CLOSE_GRACE = 1.5

INSTRUCTIONS = (
    "asgideck shows a FastAPI/ASGI project the way its desktop window does: the app's "
    "routes and real middleware order, its .env profiles (secret values always masked), "
    "its servers (start, stop, restart; status, output) and the requests a recorded "
    "server handled (timings per middleware layer, SQL, logs, exceptions). Servers this "
    "session starts are stopped when the session ends."
)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "mcp",
        help="serve the project's state to a coding assistant (Model Context Protocol, stdio)",
        description="Serve the project's routes, middleware, profiles (masked), servers, "
        "logs and recorded requests over MCP on stdin/stdout, with tools to start, stop "
        "and restart its servers. Servers started through it stop when the session ends.",
    )
    parser.add_argument("path", type=Path, help="project folder")
    parser.add_argument(
        "--profile", metavar="NAME", help="profile the read tools import the app with"
    )
    parser.add_argument("--python", metavar="PY", help="the project's interpreter")
    parser.add_argument("--app", metavar="MODULE:ATTR", help="the app to use instead of discovery")
    parser.add_argument("--factory", action="store_true", help="--app names a factory to call")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    desk = Desk.open(
        args.path,
        python=args.python,
        app=args.app,
        factory=True if args.factory else None,
        profile=args.profile,
    )
    interrupted: KeyboardInterrupt | None = None
    try:
        for note in interpreter_notes(desk.project):
            print(f"asgideck: {note}", file=sys.stderr)
        server = build_server(desk)
        print(f"asgideck: serving {desk.root} over MCP (stdio)", file=sys.stderr)
        server.run("stdio")
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP (cli's Stopped)
        interrupted = exc
    finally:
        with _signals_held():
            running = [s.name for s in desk.servers if s.running]
            desk.close(CLOSE_GRACE)
            if running:
                print(f"asgideck: session ended: stopped {', '.join(running)}", file=sys.stderr)
    if interrupted is not None:
        _exit_now(interrupted)
    return EXIT_OK


def _exit_now(interrupted: KeyboardInterrupt) -> NoReturn:
    """Leave at once after a signal, the servers stopped: the transport's reader thread
    is blocked reading the client's stdin (still open), and the interpreter would wait
    for it at exit forever. Nothing is left to flush but stderr."""
    signum = getattr(interrupted, "signum", None)
    if isinstance(signum, int):
        print(f"asgideck: stopped by {signal.Signals(signum).name}", file=sys.stderr)
        code = 128 + signum
    else:
        print("asgideck: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGTERM, SIGHUP and SIGINT wait while the session's servers stop: a client that
    escalates (the SDK's closes stdin, then SIGTERMs after 2 s) must not cut the stop
    short and leave a server running. SIGKILL still can (said in the tool description)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, signal.SIG_IGN)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def build_server(desk: Desk) -> Any:
    """An ``MCPServer`` with every tool of :data:`TOOLS` bound to ``desk``."""
    from importlib.metadata import PackageNotFoundError, version

    from mcp.server.mcpserver import MCPServer
    from mcp.types import ToolAnnotations

    try:
        own_version = version("asgideck")
    except PackageNotFoundError:  # a checkout without an install
        own_version = "0"
    server: Any = MCPServer(
        "asgideck", instructions=INSTRUCTIONS, version=own_version, log_level="WARNING"
    )
    for tool in TOOLS:
        server.add_tool(
            _bound(desk, tool),
            name=tool.name,
            title=tool.title,
            description=tool.description,
            annotations=ToolAnnotations(
                title=tool.title,
                read_only_hint=tool.read_only,
                destructive_hint=not tool.read_only,
                idempotent_hint=tool.idempotent,
                open_world_hint=False,
            ),
        )
    return server


def _bound(desk: Desk, tool: ToolInfo) -> Callable[..., Any]:
    """``tool.function`` with ``desk`` bound, its arguments described for the schema,
    its answer scrubbed, and an ``AsgideckError`` turned into the tool's error."""
    from mcp.types import CallToolResult, TextContent
    from pydantic import Field

    function = tool.function
    signature = inspect.signature(function, eval_str=True)
    parameters = []
    for parameter in list(signature.parameters.values())[1:]:  # the first is the desk
        doc = tool.args.get(parameter.name)
        if doc is not None:
            parameter = parameter.replace(
                annotation=Annotated[parameter.annotation, Field(description=doc)]
            )
        parameters.append(parameter)

    def call(**arguments: Any) -> Any:
        try:
            answer = function(desk, **arguments)
        except AsgideckError as exc:  # the tool's error: asgideck's one line, as it is
            # (raising the SDK's ToolError would prefix it with "Error executing tool ...")
            message = desk.scrub(str(exc))
            return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)
        scrubbed: dict[str, Any] = desk.scrub(answer)
        # compact JSON text (the SDK's default indents it: tokens a model pays for), and
        # the same data as structured content for clients that read the output schema
        text = json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":"))
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=scrubbed
        )

    call.__name__ = tool.name
    call.__qualname__ = tool.name
    call.__doc__ = tool.description
    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=dict[str, Any]
    )
    return call
