"""What the window asks of the services runtime, in one seam.

The views hold a :class:`Backend` instead of importing ``asgideck.runtime.services``
at module level: the window comes up without paying for it (the engines import
psycopg and redis), and tests hand the views a fake set of services whose starts and
stops they can watch and order. :class:`Sets` keeps one service set per profile and
is safe to call from the task runner's threads (a start job builds its set there).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from asgideck.runtime.events import Event
from asgideck.runtime.logs import LogBuffer

if TYPE_CHECKING:
    from asgideck.runtime.servers import ManagedServer
    from asgideck.runtime.services import ServiceNeed, ServiceState

__all__ = ["Backend", "RuntimeBackend", "ServiceSetLike", "Sets", "ShellCommand"]


class ServiceSetLike(Protocol):
    """The part of ``runtime.services.ServiceSet`` the window uses (every call but
    ``needs``/``changed`` may block: call it off the GUI thread)."""

    needs: list[ServiceNeed]
    changed: Event[ServiceState]

    def states(self) -> list[ServiceState]: ...
    def start(self, names: Sequence[str] = (), *, timeout: float = 60.0) -> list[ServiceState]: ...
    def stop(self, names: Sequence[str] = (), grace: float = 5.0) -> list[ServiceState]: ...
    def log_buffer(self, name: str) -> LogBuffer: ...
    def reset_password(self, name: str) -> object: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class ShellCommand:
    """How to open a client shell on a service (``runtime.services.shell_launch``)."""

    argv: list[str]
    env: dict[str, str]
    #: the command that opens it in a terminal window, None when no terminal was found
    terminal_argv: list[str] | None
    #: the command to paste in a terminal (never holds the password)
    copyable: str


class Backend(Protocol):
    """The runtime calls behind the services views (the real one, or a test's fake)."""

    def open_set(
        self, root: Path, profile: str, env: Mapping[str, str] | None = None
    ) -> ServiceSetLike: ...
    def start_with_services(
        self, server: ManagedServer, services: ServiceSetLike, *, timeout: float = 60.0
    ) -> None: ...
    def shell(self, need: ServiceNeed) -> ShellCommand: ...
    def write_port(self, root: Path, profile: str, need: ServiceNeed, port: int) -> Path: ...
    def mailbox(self, root: Path, profile: str) -> Any: ...


class RuntimeBackend:
    """The real thing: ``asgideck.runtime.services``, imported on first use."""

    def open_set(
        self, root: Path, profile: str, env: Mapping[str, str] | None = None
    ) -> ServiceSetLike:
        from asgideck.runtime.services import ServiceSet

        services: ServiceSetLike = ServiceSet(root, profile, env=env)
        return services

    def start_with_services(
        self, server: ManagedServer, services: ServiceSetLike, *, timeout: float = 60.0
    ) -> None:
        from asgideck.runtime.services import ServiceSet, start_with_services

        assert isinstance(services, ServiceSet)
        start_with_services(server, services, timeout=timeout)

    def shell(self, need: ServiceNeed) -> ShellCommand:
        from asgideck.runtime.services import shell_launch

        launch = shell_launch(need)
        return ShellCommand(
            list(launch.argv),
            dict(launch.env),
            list(launch.terminal_argv) if launch.terminal_argv else None,
            launch.copyable,
        )

    def write_port(self, root: Path, profile: str, need: ServiceNeed, port: int) -> Path:
        from asgideck.runtime.services import write_port

        return write_port(root, profile, need, port)

    def mailbox(self, root: Path, profile: str) -> Any:
        from asgideck.runtime.services import mailbox_for

        return mailbox_for(root, profile)


class Sets:
    """One service set per profile of a project, opened on first use (any thread)."""

    def __init__(self, root: Path, backend: Backend) -> None:
        self.root = root
        self.backend = backend
        self._lock = threading.Lock()
        self._sets: dict[str, ServiceSetLike] = {}
        self._closed = False
        #: a set was opened (its profile): the views connect to its ``changed``
        self.opened: Event[str] = Event()

    def get(self, profile: str) -> ServiceSetLike:
        """The profile's set, opened now if it is not yet (blocks: reads the env files)."""
        with self._lock:
            found = self._sets.get(profile)
        if found is not None:
            return found
        made = self.backend.open_set(self.root, profile)
        with self._lock:
            if self._closed:
                made.close()
                raise RuntimeError("the project is closing")
            found = self._sets.setdefault(profile, made)
        if found is not made:
            made.close()  # another thread opened it first
        else:
            self.opened.emit(profile)
        return found

    def peek(self, profile: str) -> ServiceSetLike | None:
        """The profile's set if it is open (never opens one)."""
        with self._lock:
            return self._sets.get(profile)

    def opened_sets(self) -> dict[str, ServiceSetLike]:
        with self._lock:
            return dict(self._sets)

    def forget(self, profile: str) -> None:
        """The profile's files changed: the next ``get`` reads them again (its services
        keep running; the new set finds them in the registry)."""
        with self._lock:
            old = self._sets.pop(profile, None)
        if old is not None:
            old.close()

    def close(self) -> None:
        """Close every set (their log followers), never stopping a service."""
        with self._lock:
            self._closed = True
            sets, self._sets = list(self._sets.values()), {}
        for services in sets:
            services.close()
