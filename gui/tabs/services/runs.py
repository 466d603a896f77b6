"""Start and stop from the SERVICES section: one service, a server's start (its
profile's services first), Start all and Stop all.

Apart from the section's rows so that the order of what runs (services before the
apps on start, the apps before the services on stop), the busy marks while a job
waits, and how each result is said (a stop that left processes or the port behind
is a failure, never "Stopped") live in one place.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence
from typing import TYPE_CHECKING

from asgideck.gui.core.tasks import present_error
from asgideck.gui.tabs.services.host import SectionHost
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.servers import ManagedServer

if TYPE_CHECKING:
    from asgideck.runtime.services import ServiceState

__all__ = ["ServiceRuns", "failed_stops"]

#: (server name or "", the error): what a start-all group stopped on
Failure = tuple[str, Exception]


def failed_stops(states: Sequence[ServiceState]) -> list[str]:
    """The messages of the stop results that came back ``failed`` (processes survived,
    the port still taken)."""
    return [s.message or f"{s.need.label}: did not stop" for s in states if s.state == "failed"]


class ServiceRuns:
    """The section's start/stop jobs (the section holds one)."""

    def __init__(self, section: SectionHost) -> None:
        self.section = section

    # ----------------------------------------------------------------- one service
    def start(self, name: str) -> None:
        """Start service ``name`` of the shown profile (waits for it off the GUI thread)."""
        section = self.section
        profile, sets = section.profile, section.sets
        need = section.need(name)
        if profile is None or need is None or not need.local:
            return
        section.set_busy(name, "starting")

        def done(_states: object) -> None:
            section.set_busy(name, None)
            section.notice.emit(f"Started {name}")
            section.refresh_states()

        def failed(exc: Exception) -> None:
            section.set_busy(name, None)
            section.refresh_states()
            section.start_failed(profile, exc, lambda: self.start(name))

        section.tasks.run(lambda: sets.get(profile).start([name]), done, failed=failed)

    def stop(self, name: str) -> None:
        """Stop service ``name``; one that would not stop is said (its state's message)."""
        section = self.section
        profile, sets = section.profile, section.sets
        if profile is None or section.need(name) is None:
            return
        section.set_busy(name, "stopping")

        def finished(states: list[ServiceState]) -> None:
            section.set_busy(name, None)
            section.refresh_states()
            survived = failed_stops(states)
            if survived:
                section.notice.emit(f"Could not stop {name}")
                section.warn(f"Could not stop {name}", "\n".join(survived))
            else:
                section.notice.emit(f"Stopped {name}")

        def failed(exc: Exception) -> None:
            section.set_busy(name, None)
            section.refresh_states()
            section.problems.warn_or_present(f"Could not stop {name}", exc)

        section.tasks.run(lambda: sets.get(profile).stop([name]), finished, failed=failed)

    # ----------------------------------------------------------------- a server's start
    def start_server_op(self, server: ManagedServer) -> None:
        """Blocking (a job's op): the server's profile's services first, then the server
        (its before-start tasks, then the app)."""
        sets = self.section.sets
        sets.backend.start_with_services(server, sets.get(server.config.profile))

    # ----------------------------------------------------------------- all
    def start_all(self) -> None:
        """Every profile's services, then its servers (tasks, then the app), one profile
        after another within a job; the shown profile's services even when no server
        uses it."""
        section = self.section
        panel = section.panel
        groups: dict[str, list[str]] = {}
        for server in panel.manager.servers:
            if server.running:
                continue
            problems = panel.start_blockers(server.name)
            if problems and not panel.confirm_start(server.name, problems):
                continue
            groups.setdefault(server.config.profile, []).append(server.name)
        if section.profile is not None and section.profile not in groups and section.needs:
            groups[section.profile] = []
        for profile, names in groups.items():
            self._start_group(profile, names)

    def _start_group(self, profile: str, names: Sequence[str]) -> None:
        section = self.section
        sets, manager = section.sets, section.panel.manager
        backend = sets.backend
        shown = profile == section.profile
        if shown:
            for need in section.needs:
                if need.local and section.state_of(need.name) != "ready":
                    section.busy[need.name] = "starting"
            section.paint_all()

        def op() -> Failure | None:
            services = sets.get(profile)
            if not names:
                try:
                    services.start()
                except AsgideckError as exc:
                    return "", exc
                return None
            for name in names:
                try:
                    backend.start_with_services(manager.server(name), services)
                except AsgideckError as exc:
                    return name, exc
            return None

        def landed(failure: Failure | None) -> None:
            if shown:
                section.busy.clear()
                section.refresh_states()
            if failure is None:
                section.notice.emit(f"Started profile {profile}'s services and servers")
                return
            name, exc = failure
            rest = list(names[names.index(name) :]) if name else []
            from asgideck.runtime.services import ServiceError

            if isinstance(exc, ServiceError) or not name:
                section.start_failed(profile, exc, lambda: self._start_group(profile, rest))
            else:
                section.panel.start_failed(name, exc)

        def broke(exc: Exception) -> None:
            if shown:
                section.busy.clear()
                section.paint_all()
            present_error(exc)

        section.tasks.run(op, landed, failed=broke)

    def stop_all(self) -> None:
        """Every server (at once, each bounded by its grace), then every service this
        project has opened; services that would not stop are said, all in one warning."""
        section = self.section
        panel = section.panel
        servers = [s for s in panel.manager.servers if s.running]
        pending = [
            s for s in panel.manager.servers
            if (st := panel.status.get(s.name)) is not None and st.next_restart_in is not None
        ]  # fmt: skip
        servers += [s for s in pending if s not in servers]
        sets = section.sets
        profiles = list(dict.fromkeys([*sets.opened_sets(), *(s.config.profile for s in servers)]))
        for need in section.needs:
            if need.local and section.state_of(need.name) in ("ready", "starting"):
                section.busy[need.name] = "stopping"
        section.paint_all()

        def op() -> list[str]:
            with concurrent.futures.ThreadPoolExecutor(max(1, len(servers))) as pool:
                for result in [pool.submit(s.stop) for s in servers]:
                    result.result()
            survived: list[str] = []
            for profile in profiles:
                survived += failed_stops(sets.get(profile).stop())
            return survived

        def finished(survived: list[str]) -> None:
            section.busy.clear()
            section.refresh_states()
            if survived:
                section.notice.emit("Stop all: some services did not stop")
                section.warn("Stop all", "\n".join(survived))
            else:
                section.notice.emit("Stopped every server and service")

        def failed(exc: Exception) -> None:
            section.busy.clear()
            section.refresh_states()
            section.problems.warn_or_present("Stop all", exc)

        section.tasks.run(op, finished, failed=failed)
