"""The services GUI tests' fixtures: a project whose profile needs Postgres, Redis and a
mail catcher, and a fake services runtime (a seam) whose starts and stops are recorded
in one ordered log, so a test sees what ran before what without real servers.

The needs themselves come from the real ``service_needs`` (what the section lists is
what the runtime reads from the profile); only running them is faked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from asgideck.gui.tabs.services.backend import ShellCommand
from asgideck.runtime.events import Event
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.servers import ManagedServer
from asgideck.runtime.services import (
    ServiceError,
    ServiceNeed,
    ServiceState,
    service_needs,
    start_with_services,
)
from support.files import copy_sample_app

#: the fixture profile: what the course's compose file runs, as variables
SVC_ENV = """\
ENVIRONMENT=staging
DEBUG=false
SECRET_KEY=svc-only-demo-key-0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978
DATABASE_URL=postgresql+psycopg://shop:demo-pw@127.0.0.1:{pg}/shop
REDIS_URL=redis://127.0.0.1:{redis}/0
CELERY_BROKER_URL=redis://127.0.0.1:{redis}/1
SMTP_HOST=127.0.0.1
SMTP_PORT={smtp}
CACHE_URL=redis://cache.example.com:6379/0
"""


class FakeSet:
    """A ``ServiceSet`` look-alike: starts and stops are instant and logged."""

    def __init__(self, backend: FakeBackend, root: Path, profile: str) -> None:
        self.backend = backend
        self.root = root
        self.profile = profile
        self.needs: list[ServiceNeed] = service_needs(root, profile)
        self.changed: Event[ServiceState] = Event()
        self.closed = False
        self._buffers: dict[str, LogBuffer] = {}

    def _chosen(self, names: Sequence[str]) -> list[ServiceNeed]:
        return [n for n in self.needs if not names or n.name in names]

    def _state(self, need: ServiceNeed) -> ServiceState:
        if not need.local:
            return ServiceState(need, "remote", message=need.why_not_local)
        up = (self.profile, need.name) in self.backend.running
        return ServiceState(need, "ready" if up else "stopped")

    def states(self) -> list[ServiceState]:
        return [self._state(n) for n in self.needs]

    def start(
        self,
        names: Sequence[str] = (),
        *,
        timeout: float = 60.0,
        cancel: threading.Event | None = None,
    ) -> list[ServiceState]:
        states = []
        for need in self._chosen(names):
            if not need.local:
                states.append(self._state(need))
                continue
            gate = self.backend.gate
            if gate is not None:
                assert gate.wait(30), "the test never opened the gate"
            failure = self.backend.failures.pop(need.name, None)
            if failure is not None:
                self.changed.emit(ServiceState(need, "failed", message=str(failure)))
                raise failure
            self.backend.running.add((self.profile, need.name))
            self.backend.log.append(f"ready {need.name}:{need.port}")
            state = self._state(need)
            self.changed.emit(state)
            states.append(state)
        return states

    def stop(self, names: Sequence[str] = (), grace: float = 5.0) -> list[ServiceState]:
        states = []
        for need in self._chosen(names):
            survived = self.backend.survivors.get(need.name)
            if survived is not None and (self.profile, need.name) in self.backend.running:
                # what the runtime says when processes outlive the grace: failed, still up
                self.backend.log.append(f"survived {need.name}")
                state = ServiceState(need, "failed", message=survived)
                self.changed.emit(state)
                states.append(state)
                continue
            if (self.profile, need.name) in self.backend.running:
                self.backend.running.discard((self.profile, need.name))
                self.backend.log.append(f"stopped {need.name}")
            state = self._state(need)
            self.changed.emit(state)
            states.append(state)
        return states

    def log_buffer(self, name: str) -> LogBuffer:
        if name not in self._buffers:
            buffer = self._buffers[name] = LogBuffer()
            buffer.append("stdout", f"{name}: the fake service's log line")
        return self._buffers[name]

    def reset_password(self, name: str) -> object:
        self.backend.log.append(f"reset-password {name}")
        return None

    def close(self) -> None:
        self.closed = True


class FakeBackend:
    """The ``Backend`` seam: real needs, fake processes, one ordered log of what ran."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.running: set[tuple[str, str]] = set()
        self.failures: dict[str, ServiceError] = {}
        #: service name -> the message of the ``failed`` state its stop returns (it stays up)
        self.survivors: dict[str, str] = {}
        self.written: list[tuple[str, str, int]] = []
        self.sets: list[FakeSet] = []
        #: when set, every start waits for it (a test sees the "starting" state)
        self.gate: threading.Event | None = None
        self.terminal: list[str] | None = None

    def open_set(self, root: Path, profile: str, env: Mapping[str, str] | None = None) -> FakeSet:
        made = FakeSet(self, root, profile)
        self.sets.append(made)
        return made

    def start_with_services(
        self, server: ManagedServer, services: Any, *, timeout: float = 60.0
    ) -> None:
        start_with_services(server, services, timeout=timeout)  # the real order

    def shell(self, need: ServiceNeed) -> ShellCommand:
        argv = ["redis-cli", "-h", need.host, "-p", str(need.port)]
        return ShellCommand(argv, {"REDISCLI_AUTH": need.password}, self.terminal, " ".join(argv))

    def write_port(self, root: Path, profile: str, need: ServiceNeed, port: int) -> Path:
        from asgideck.runtime.services import write_port

        self.written.append((profile, need.name, port))
        return write_port(root, profile, need, port)  # the real edit of the profile file

    def mailbox(self, root: Path, profile: str) -> Any:
        from asgideck.runtime.services import mailbox_for

        return mailbox_for(root, profile)


@pytest.fixture
def fake_backend(monkeypatch: pytest.MonkeyPatch) -> FakeBackend:
    """Every page built in the test drives this fake instead of the real runtime."""
    from asgideck.gui import project_page

    backend = FakeBackend()
    monkeypatch.setattr(project_page, "services_backend", lambda: backend)
    return backend


@pytest.fixture
def svc_project(tmp_path: Path) -> Iterator[Path]:
    """sample_app with a ``svc`` profile needing Postgres, Redis (twice said), a mail
    catcher and a remote cache."""
    from asgideck.runtime.servers import free_port

    root = copy_sample_app(tmp_path / "shop")
    env = SVC_ENV.format(pg=free_port(), redis=free_port(), smtp=free_port())
    (root / ".env.svc").write_text(env, encoding="utf-8")
    yield root


def with_port(need: ServiceNeed, port: int) -> ServiceNeed:
    return replace(need, port=port)
