"""What a supervised server reports: its status, the events it emits, the errors it raises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from asgideck.runtime.errors import ServerError
from asgideck.runtime.servers import _registry as registry
from asgideck.runtime.servers._ports import Holder

__all__ = [
    "AlreadyRunning",
    "LaunchFailed",
    "Notice",
    "PortInUse",
    "ReloadDetected",
    "ServerEvent",
    "ServerState",
    "StateChanged",
    "Stats",
    "StatsUpdated",
    "Status",
]

ServerState = Literal["stopped", "starting", "running", "stopping", "crashed", "crash-loop"]


# --------------------------------------------------------------------------- errors


class AlreadyRunning(ServerError):
    pass


class LaunchFailed(ServerError):
    """The process could not be spawned (missing interpreter or project folder)."""


class PortInUse(ServerError):
    """The port is taken; names the holder and suggests the next free port."""

    def __init__(
        self,
        host: str,
        port: int,
        holder: Holder | None,
        suggestion: int | None,
        entry: registry.Entry | None = None,
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


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Status:
    """A snapshot of the server. ``version`` grows with every change."""

    state: ServerState = "stopped"
    pid: int | None = None
    url: str | None = None
    exit_code: int | None = None
    error: str | None = None
    message: str = ""
    started_at: float | None = None  # wall clock
    restarts: int = 0
    reload_waiting: bool = False  # --reload: the app died, the reloader waits for a change
    next_restart_in: float | None = None
    version: int = 0


@dataclass(frozen=True)
class Stats:
    uptime: float
    cpu_percent: float
    rss: int
    processes: int
    workers: int
    requests_total: int
    requests_per_s: float
    status_counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StateChanged:
    status: Status
    previous: ServerState


@dataclass(frozen=True)
class ReloadDetected:
    text: str


@dataclass(frozen=True)
class StatsUpdated:
    stats: Stats


@dataclass(frozen=True)
class Notice:
    text: str
    level: Literal["info", "warning", "error"] = "info"


ServerEvent = StateChanged | ReloadDetected | StatsUpdated | Notice
