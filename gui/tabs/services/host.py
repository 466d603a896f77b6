"""What the section's collaborators (``runs``, ``problems``, ``shell``) use of the section
that holds them: a protocol, so they depend on this and not on ``section`` (which imports
them), and a test can hand them a stand-in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from asgideck.gui.core.tasks import Scope
from asgideck.gui.tabs.services.backend import Sets
from asgideck.gui.tabs.services.shell_dialog import ShellDialog

if TYPE_CHECKING:
    from asgideck.gui.tabs.servers.panel import ServersPanel
    from asgideck.runtime.services import ServiceNeed

__all__ = ["Presenter", "SectionHost"]


class Presenter(Protocol):
    """Says an error: asgideck's own as a warning, anything else as a bug."""

    def warn_or_present(self, title: str, exc: Exception) -> None: ...


class SectionHost(Protocol):
    """The SERVICES section as its collaborators see it."""

    sets: Sets
    panel: ServersPanel
    root: Path
    tasks: Scope
    profile: str | None
    needs: list[ServiceNeed]
    busy: dict[str, str]
    shell_dialog: ShellDialog | None
    notice: SignalInstance
    profile_written: SignalInstance

    @property
    def problems(self) -> Presenter: ...  # read-only here: the section holds a StartProblems
    def window(self) -> QWidget: ...  # the parent of the dialogs it opens
    def need(self, name: str) -> ServiceNeed | None: ...
    def state_of(self, name: str) -> str: ...
    def set_busy(self, name: str, state: str | None) -> None: ...
    def paint_all(self) -> None: ...
    def refresh_states(self) -> None: ...
    def warn(self, title: str, text: str) -> None: ...
    def ask(self, box: QMessageBox) -> QAbstractButton | None: ...
    def show_profile(self, profile: str | None, *, reread: bool = False) -> None: ...
    def start_failed(self, profile: str, exc: Exception, retry: Callable[[], None]) -> None: ...
    def port_target(self, profile: str, need: ServiceNeed) -> Path | None: ...
    def launch_terminal(self, argv: list[str], env: dict[str, str]) -> None: ...
