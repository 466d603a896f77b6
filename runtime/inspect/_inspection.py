"""The open project's app as the Routes and Middleware views show it.

``compute`` is slow (it runs the probe and may fetch the running server's
OpenAPI document): call it off the GUI thread. ``Inspection.apply`` then swaps
the snapshot in and fires ``changed`` on the caller's thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asgideck.runtime.events import Event
from asgideck.runtime.inspect._app import AppInfo, inspect_project
from asgideck.runtime.inspect._live_openapi import best_openapi
from asgideck.runtime.inspect._routes import RouteEntry, build_index
from asgideck.runtime.openapi import Document
from asgideck.runtime.profiles import Profile
from asgideck.runtime.project import Project

__all__ = ["Inspection", "Snapshot", "compute"]


@dataclass(frozen=True)
class Snapshot:
    info: AppInfo | None = None
    document: Document | None = None
    source: str | None = None  # "server", "probe" or None
    note: str = ""
    entries: tuple[RouteEntry, ...] = field(default=())
    profile: str | None = None
    server: str | None = None  # the running server the document came from


def compute(
    project: Project,
    profile: Profile | None,
    base_url: str | None = None,
    server: str | None = None,
    timeout: float = 60.0,
) -> Snapshot:
    """Probe the app under ``profile``; prefer the running server's OpenAPI document."""
    info = inspect_project(project, profile, timeout=timeout)
    document, source, note = best_openapi(info, base_url)
    entries = tuple(build_index(document, info))
    name = profile.name if profile is not None else None
    return Snapshot(
        info, document, source, note, entries, name, server if source == "server" else None
    )


class Inspection:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.snapshot = Snapshot()
        self.changed: Event[Snapshot] = Event()

    def apply(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.changed.emit(snapshot)
