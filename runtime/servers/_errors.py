"""Why a server could not be started, stopped or configured as asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgideck.runtime.errors import ServerError

if TYPE_CHECKING:
    from asgideck.runtime.servers._ports import Holder
    from asgideck.runtime.servers._registry import Entry

__all__ = ["AlreadyRunning", "ConfigError", "LaunchFailed", "PortInUse"]


class AlreadyRunning(ServerError):
    """The server runs already (start it once, or change its spec while it is stopped)."""


class LaunchFailed(ServerError):
    """The process could not be spawned (missing interpreter or project folder)."""


class ConfigError(ServerError, ValueError):
    """A launch config or server spec that cannot be used; the message names the field."""


class PortInUse(ServerError):
    """The port is taken; names the holder and suggests the next free port."""

    def __init__(
        self,
        host: str,
        port: int,
        holder: Holder | None,
        suggestion: int | None,
        entry: Entry | None = None,
    ) -> None:
        self.host, self.port, self.holder = host, port, holder
        self.suggestion, self.entry = suggestion, entry
        who = holder.describe() if holder is not None else "another process"
        text = f"Port {port} on {host} is in use by {who}."
        if entry is not None:
            text += f" It is a server asgideck started earlier ({entry.describe()}): stop it first."
        if suggestion is not None:
            text += f" Port {suggestion} is free."
        super().__init__(text)
