"""The open project one assistant session works on: its servers, its profiles, its secrets.

A :class:`Desk` is what every tool function takes first. It holds the servers this
session starts (a ``ServerManager`` over the project's saved launch configs, read
once when the session opens) and stops them all in :meth:`close`: a server an
assistant started never outlives the session. Servers started elsewhere (the window,
``asgideck run``) are found in the registry and left to their owner, except when a
tool is asked to stop one.
"""

from __future__ import annotations

import threading
from pathlib import Path

from asgideck.runtime.assist._masking import Scrubber
from asgideck.runtime.errors import NotFound
from asgideck.runtime.profiles import EnvFileError, list_profiles, load_profile
from asgideck.runtime.project import Project, open_project
from asgideck.runtime.recording import RequestLog, recorded_servers, records_dir
from asgideck.runtime.secrets import secret_values
from asgideck.runtime.servers import Entry, ManagedServer, ServerManager, alive_entries

__all__ = ["Desk"]


class Desk:
    """One project, its launch configs and the servers this session runs."""

    def __init__(self, project: Project, profile: str | None = None) -> None:
        self.project = project
        self.manager = ServerManager(project, list(project.profiles))
        self._profile = profile
        self.scrub = Scrubber(self._secret_values)
        self._lock = threading.Lock()
        self._request_logs: dict[str, RequestLog] = {}

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        python: str | None = None,
        app: str | None = None,
        factory: bool | None = None,
        profile: str | None = None,
    ) -> Desk:
        """Open the project at ``path`` (``ProjectError`` when there is none)."""
        project = open_project(path, python=python, app=app, factory=factory)
        if profile is not None:
            load_profile(project.root, profile)  # an unknown name fails now, naming the known
        return cls(project, profile)

    @property
    def root(self) -> Path:
        return self.project.root

    @property
    def servers(self) -> list[ManagedServer]:
        return list(self.manager.servers)

    def profile_for_inspection(self, profile: str | None) -> str | None:
        """The profile a read tool imports the app with: the one asked for, the session's
        (``--profile``), the first server's, else the project's first (None: no profile)."""
        if profile:
            return profile
        if self._profile:
            return self._profile
        if self.manager.servers:
            return self.manager.servers[0].config.profile
        names = list_profiles(self.root)
        return names[0] if names else None

    def server(self, name: str | None) -> ManagedServer:
        """The configured server ``name`` (None: the first one); ``NotFound`` names the known."""
        servers = self.manager.servers
        if not servers:
            raise NotFound(f"{self.root} has no servers configured (add one in the window)")
        if name is None:
            return servers[0]
        for server in servers:
            if server.name == name:
                return server
        known = ", ".join(s.name for s in servers)
        raise NotFound(f"no server named {name!r} in {self.project.name} (servers: {known})")

    def entries(self) -> list[Entry]:
        """Live servers of this project that asgideck started (here or elsewhere), no services."""
        root = str(self.root)
        return [e for e in alive_entries() if e.root == root and not e.service]

    def entry_elsewhere(self, name: str) -> Entry | None:
        """The live server named ``name`` that another asgideck (the window, ``run``) started."""
        mine = {s.supervisor.id for s in self.manager.servers if s.supervisor is not None}
        for entry in self.entries():
            if entry.name == name and entry.id not in mine:
                return entry
        return None

    def recorded_server(self, name: str | None) -> str:
        """``name`` when it is a configured server or one with records of this project
        (``asgideck run``'s). None: the first configured server when it recorded, else
        the server that recorded last (an ``asgideck run --record`` is found without
        its name), else the first configured server."""
        configured = [s.name for s in self.manager.servers]
        if name is None and not (configured and self._has_records(configured[0])):
            recorded = recorded_servers(self.root, configured)
            if recorded:
                return max(recorded, key=lambda r: _modified(r.directory)).name
        try:
            return self.server(name).name
        except NotFound:
            recorded_names = [r.name for r in recorded_servers(self.root, configured)]
            if name is not None and name in recorded_names:
                return name
            raise

    def _has_records(self, server: str) -> bool:
        return any(r.name == server for r in recorded_servers(self.root, [server]))

    def request_log(self, server: str) -> RequestLog:
        """The reader of ``server``'s recorded requests (one per server, read incrementally)."""
        with self._lock:
            log = self._request_logs.get(server)
            if log is None:
                log = RequestLog(records_dir(self.root, server))
                self._request_logs[server] = log
            return log

    def close(self, grace: float = 5.0) -> None:
        """Stop every server this session started (the assistant has gone)."""
        self.manager.close(grace)

    def _secret_values(self) -> list[str]:
        found: set[str] = set()
        for name in list_profiles(self.root):
            try:
                env = load_profile(self.root, name).environ()
            except EnvFileError:
                continue  # unreadable now: nothing of it can be shown either
            found.update(secret_values(env))
        return sorted(found)


def _modified(folder: Path) -> float:
    """When a records folder last changed (0: gone meanwhile)."""
    try:
        return folder.stat().st_mtime
    except OSError:
        return 0.0
