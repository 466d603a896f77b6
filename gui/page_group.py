"""The scaled group as the project page shows it.

While the group's sidebar row is selected, the status strip shows the group (state, URL
and how nginx spread the requests), the Logs tab its one log (instances and nginx) and
Try's target is nginx; the page asks this collaborator instead of knowing the Deploy
tab's insides. Attached when the Deploy tab (which runs the group) is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QStackedWidget

from asgideck.gui.core.status_strip import StatusStrip
from asgideck.gui.tabs.logs.view import LogsView
from asgideck.gui.tabs.servers.panel import ServersPanel
from asgideck.runtime.servers import LaunchConfig

if TYPE_CHECKING:  # the Deploy tab is built when first shown
    from asgideck.gui.tabs.deploy.scaled import ScaledRun


class ShownGroup:
    """The page's view of the scaled group: what its selected row drives."""

    def __init__(self, panel: ServersPanel, strip: StatusStrip, logs: QStackedWidget) -> None:
        self.panel = panel
        self.strip = strip
        self.logs = logs
        self.run: ScaledRun | None = None  # the Deploy tab's, once built
        self._log_view: LogsView | None = None
        self._state = ""  # the group's last state seen (Try follows a change)

    def attach(self, run: ScaledRun) -> None:
        self.run = run
        self.panel.scaled.follow(run)

    def config(self) -> LaunchConfig | None:
        """The server the group copies, while the group's row is selected."""
        if self.run is None or not self.panel.scaled.selected():
            return None
        return self.run.config

    def label(self) -> str:
        return self.run.label if self.run is not None and self.config() else ""

    def log_view(self) -> LogsView | None:
        """The group's log (instances and nginx) while its row is selected."""
        log = self.run.log if self.run is not None else None
        if log is None or self.config() is None:
            return None
        if self._log_view is None or self._log_view.server is not log:
            self._drop_log_view()
            title = f"{log.name}: each instance's lines end with its number, nginx's with nginx"
            self._log_view = LogsView(log, title=title)
            self.logs.addWidget(self._log_view)
        return self._log_view

    def show_strip(self, *, reset: bool = False) -> None:
        """The status strip: the group's state and URL, and the spread per instance."""
        status = self.run.status() if self.run is not None else None
        if status is None:
            return
        state = {"failed": "crashed"}.get(status.state, status.state)
        (self.strip.show_server if reset else self.strip.set_state)(self.label(), state, status.url)
        self.strip.set_requests(f"{status.requests} req · {status.spread()}")

    def changed(self) -> bool:
        """The group started, stopped or served requests: its row follows, and the strip
        when the row is selected. True when the selected group's state changed (Try's
        target and the header must follow)."""
        self.panel.refresh_scaled()
        status = self.run.status() if self.run is not None else None
        state = status.state if status is not None else ""
        moved, self._state = state != self._state, state
        if self.config() is None:
            return False
        self.show_strip()
        return moved

    def detach(self) -> None:
        self._drop_log_view()

    def _drop_log_view(self) -> None:
        if self._log_view is not None:
            self._log_view.detach()
            self.logs.removeWidget(self._log_view)
            self._log_view.deleteLater()
            self._log_view = None
