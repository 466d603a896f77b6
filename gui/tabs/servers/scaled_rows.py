"""The scaled group's row in the SERVERS list: ``production ×3 (nginx)   :8001`` with a
status light (no glyph: the app's font may lack it), elided to the list's width, the
spread of requests per instance in its tooltip, Stop from the row (its context menu,
and the sidebar's Stop / Ctrl+. while it is selected).

The panel holds this collaborator and asks it about the selected row; the group itself
is owned elsewhere (the Deploy tab's ``ScaledRun``) and reached through ``ScaledSource``,
which the page hands over (``follow``) and whose changes it passes on (``refresh``).
A group row carries no server name (``NAME_ROLE`` is empty): everything that acts on a
server by name leaves it alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QMenu, QWidget

from asgideck.gui.core import theme
from asgideck.gui.core.widgets import item_with

if TYPE_CHECKING:  # the deploy runtime comes with the Deploy tab, not with the sidebar
    from asgideck.runtime.deploy import ScaledStatus

__all__ = ["GROUP_ROLE", "LIGHTS", "ScaledRows", "ScaledSource"]

GROUP_ROLE = Qt.ItemDataRole.UserRole + 3
GROUP_KEY = "scaled"
#: room the row's light and the list's margins take beside its text (pixels)
ROW_CHROME = 40
#: a group state -> the servers' light it shows as
LIGHTS = {
    "running": "running",
    "starting": "starting",
    "stopping": "stopping",
    "failed": "crashed",
    "stopped": "stopped",
}


class ScaledSource(Protocol):
    """What the row shows and stops: one scaled group (``ScaledRun``)."""

    @property
    def label(self) -> str: ...

    @property
    def server(self) -> str:
        """The name of the server the group copies ("" without a group)."""
        ...

    def status(self) -> ScaledStatus | None: ...

    def stop(self) -> None: ...


def group_tooltip(label: str, status: ScaledStatus) -> str:
    """Where nginx listens, each instance's port and requests, the error if it failed."""
    count = len(status.instances)
    lines = [f"{label}: nginx on {status.url} → {count} instance{'s' if count != 1 else ''}"]
    if status.instances:
        lines.append(f"requests: {status.requests} · {status.spread()}")
    if status.error:
        lines += ["", status.error]
    return "\n".join(lines)


class ScaledRows:
    """The group row of ``items`` (the panel's SERVERS list), under the servers."""

    def __init__(self, items: QListWidget, icon: Callable[[str], QIcon], name_role: int) -> None:
        """``name_role``: where a server row keeps its name (the row the selection goes
        back to when the group's row goes)."""
        self.items = items
        self.icon = icon
        self.name_role = name_role
        self.source: ScaledSource | None = None
        self._server = ""

    def follow(self, source: ScaledSource) -> None:
        self.source = source
        self.refresh()

    def status(self) -> ScaledStatus | None:
        return self.source.status() if self.source is not None else None

    # ------------------------------------------------------------------ the row
    def row(self) -> QListWidgetItem | None:
        return item_with(self.items, GROUP_ROLE, GROUP_KEY)

    def refresh(self) -> None:
        """Show, repaint or take away the row as the group is (no group, or stopped: none)."""
        status, item = self.status(), self.row()
        if status is None or status.state == "stopped":
            if item is not None:
                back = item_with(self.items, self.name_role, self._server)
                if self.selected() and back is not None:
                    self.items.setCurrentItem(back)  # the server it copied, not a neighbour
                self.items.takeItem(self.items.row(item))
            return
        self._server = self.source.server if self.source is not None else ""
        if item is None:
            item = QListWidgetItem()
            item.setData(GROUP_ROLE, GROUP_KEY)
            self.items.addItem(item)
        label = self.source.label if self.source is not None else ""
        # elided to the list's width: the row never brings a horizontal scrollbar
        room = max(self.items.viewport().width() - self.items.iconSize().width() - ROW_CHROME, 40)
        metrics = self.items.fontMetrics()
        first = metrics.elidedText(
            f"{label} (nginx)   :{status.port}", Qt.TextElideMode.ElideMiddle, room
        )
        second = metrics.elidedText(f"nginx · {status.state}", Qt.TextElideMode.ElideRight, room)
        item.setText(f"{first}\n{second}")
        item.setIcon(self.icon(LIGHTS.get(status.state, "stopped")))
        item.setToolTip(group_tooltip(label, status))

    def selected(self) -> bool:
        """The group row is the SERVERS list's current row."""
        item = self.items.currentItem()
        return item is not None and bool(item.data(GROUP_ROLE) == GROUP_KEY)

    def select(self) -> None:
        item = self.row()
        if item is not None:
            self.items.setCurrentItem(item)

    def url(self) -> str | None:
        """nginx's URL while the group runs (None otherwise)."""
        status = self.status()
        return status.url if status is not None and status.state == "running" else None

    # ------------------------------------------------------------------ acting on it
    def stop(self) -> None:
        if self.source is not None and self.status() is not None:
            self.source.stop()

    def context_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        menu.addAction(theme.icon("stop"), "Stop the group (nginx and every instance)", self.stop)
        return menu
