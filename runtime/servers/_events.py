"""What a supervised server reports: its status and the events it emits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Notice",
    "ReloadDetected",
    "ServerEvent",
    "ServerState",
    "StateChanged",
    "Stats",
    "StatsUpdated",
    "Status",
    "StopCause",
]

ServerState = Literal["stopped", "starting", "running", "stopping", "crashed", "crash-loop"]
#: Why the server is down, where asgideck knows: ``"stop"`` this supervisor stopped it;
#: ``"elsewhere"`` another asgideck stopped it (``asgideck stop``, another window);
#: ``"outside"`` a signal asgideck did not send ended it (``kill``, the OOM killer);
#: ``"exited"`` it exited with code 0 on its own; ``"port"`` another process holds its port;
#: ``"not-ready"`` asgideck gave up waiting for it; ``""`` anything else (a crash).
StopCause = Literal["", "stop", "elsewhere", "outside", "exited", "port", "not-ready"]


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
    #: why it is not up yet (or did not come up): services that are down, the startup's stack
    diagnosis: str | None = None
    cause: StopCause = ""
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
