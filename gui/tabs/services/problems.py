"""What a failed start asks before it is tried again: a taken port (write the free port
the error offers into the profile file) or a rejected password (set the profile's
password on the role); any other error of asgideck's is said in one line, a bug goes to
the presenter.

Apart from the section because the questions, the jobs that follow an answer and the
retry form one concern that the single-service start, Start all and a server's start
share.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from asgideck.gui.core.tasks import present_error
from asgideck.gui.tabs.services.host import SectionHost
from asgideck.gui.tabs.services.problem_dialogs import password_box, port_taken_box
from asgideck.runtime.errors import AsgideckError

if TYPE_CHECKING:
    from asgideck.runtime.services import (
        CredentialsRejected,
        ServiceError,
        ServiceNeed,
        ServicePortTaken,
    )

__all__ = ["StartProblems"]


class StartProblems:
    """The section's answers to a failed start (the section holds one)."""

    def __init__(self, section: SectionHost) -> None:
        self.section = section

    def start_failed(self, profile: str, exc: Exception, retry: Callable[[], None]) -> None:
        """Answer a failed start: a taken port or a rejected password ask (then retry);
        anything else of asgideck's is said; a bug goes to the presenter."""
        from asgideck.runtime.services import CredentialsRejected, ServicePortTaken

        if isinstance(exc, ServicePortTaken):
            self._port_taken(profile, exc, retry)
        elif isinstance(exc, CredentialsRejected):
            self._password_rejected(profile, exc, retry)
        else:
            self.warn_or_present("Could not start", exc)

    def warn_or_present(self, title: str, exc: Exception) -> None:
        """An error of asgideck's is a warning (its one line); anything else a bug."""
        if isinstance(exc, AsgideckError):
            self.section.warn(title, str(exc))
        else:
            present_error(exc)

    def _need_of(self, profile: str, exc: ServiceError) -> ServiceNeed | None:
        services = self.section.sets.peek(profile)
        needs = services.needs if services is not None else []
        return next((n for n in needs if n.name == exc.service), None)

    def port_target(self, profile: str, need: ServiceNeed) -> Path | None:
        """The profile file a new port of ``need`` goes into (None: nothing to write it in,
        e.g. a service from the compose file)."""
        if not need.port_variable:
            return None
        from asgideck.runtime.profiles import edit_target, load_profile

        try:
            return edit_target(load_profile(self.section.root, profile), need.port_variable)
        except AsgideckError:
            return None

    def _port_taken(self, profile: str, exc: ServicePortTaken, retry: Callable[[], None]) -> None:
        section = self.section
        need = self._need_of(profile, exc)
        target = section.port_target(profile, need) if need is not None else None
        label = need.label if need is not None else exc.service or "the service"
        box, yes = port_taken_box(section.window(), exc, label, target)
        clicked = section.ask(box)
        box.deleteLater()
        if yes is None or clicked is not yes or need is None:
            section.notice.emit(f"Did not start {label}: port {exc.port} is taken")
            return
        sets, root, port = section.sets, section.root, exc.free_port

        def write() -> Path:
            written = sets.backend.write_port(root, profile, need, port)
            sets.forget(profile)  # its needs name the old port
            return written

        def written(path: Path) -> None:
            section.notice.emit(f"Wrote port {port} for {need.label} into {path}")
            section.profile_written.emit(profile)
            if profile == section.profile:
                section.show_profile(profile)
            retry()

        section.tasks.run(
            write, written, failed=lambda e: self.warn_or_present("Could not write the port", e)
        )

    def _password_rejected(
        self, profile: str, exc: CredentialsRejected, retry: Callable[[], None]
    ) -> None:
        section = self.section
        box, use = password_box(section.window(), exc)
        clicked = section.ask(box)
        box.deleteLater()
        if clicked is not use:
            return
        sets, name = section.sets, exc.service

        def reset() -> None:
            sets.get(profile).reset_password(name)

        def done(_result: object) -> None:
            section.notice.emit(f"{name}: the role's password is now the profile's")
            retry()

        section.tasks.run(
            reset, done, failed=lambda e: self.warn_or_present("Could not set the password", e)
        )
