"""The project's state for coding assistants: the tools ``asgideck mcp`` serves.

Each tool is a plain function over a :class:`Desk` (the open project and the servers
this session runs) returning JSON data, listed in :data:`TOOLS` with the description
a model reads. Nothing here knows MCP: ``cli/_mcp.py`` puts these on the wire, and
tests call them directly.
"""

from __future__ import annotations

from asgideck.runtime.assist._app import list_middleware, list_routes
from asgideck.runtime.assist._catalog import TOOLS, ToolInfo
from asgideck.runtime.assist._desk import Desk
from asgideck.runtime.assist._logs import recent_logs
from asgideck.runtime.assist._masking import Scrubber
from asgideck.runtime.assist._profiles import show_profiles
from asgideck.runtime.assist._requests import recorded_requests, request_detail
from asgideck.runtime.assist._servers import (
    restart_server,
    server_status,
    start_server,
    stop_server,
)

__all__ = [
    "TOOLS",
    "Desk",
    "Scrubber",
    "ToolInfo",
    "list_middleware",
    "list_routes",
    "recent_logs",
    "recorded_requests",
    "request_detail",
    "restart_server",
    "server_status",
    "show_profiles",
    "start_server",
    "stop_server",
]
