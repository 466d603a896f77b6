"""What the last reload changed in a server's API: the watch that finds out, and the
banner over Routes that shows it.

:class:`ApiChangesWatch` (one per project page) remembers each running server's
latest OpenAPI document (from the page's inspection, then from its own reads), and on
a ``ReloadDetected`` runs the runtime's reload watch in the page's task scope (newest
per server wins; closing the page drops it). The runtime writes the one-line report
into the server's log; the watch keeps the result for the Routes view and asks the
page to inspect again, so Routes lists the reloaded app's routes.

:class:`ChangesBanner`: counts, the operations with breaking ones first and flagged,
their details on expand, Dismiss. The next reload of that server replaces it; a
reload that changed nothing leaves none.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core.tasks import Scope
from asgideck.runtime.inspect import (
    Inspection,
    ReloadChanges,
    Snapshot,
    api_changes_after_reload,
)
from asgideck.runtime.openapi import ApiChanges, Document, OperationChange
from asgideck.runtime.servers import ReloadDetected, ServerEvent, ServerManager, StateChanged

__all__ = ["ApiChangesWatch", "ChangesBanner"]

#: operations listed while the banner is folded (the rest on expand)
FOLDED_ITEMS = 5
#: the tallest the expanded list grows before it scrolls (Routes stay in view)
EXPANDED_MAX_HEIGHT = 220


class ApiChangesWatch(QObject):
    """Per server: its API before the next reload, and what its last reload changed."""

    #: a server's latest changes came or went (its name)
    changed = Signal(str)

    def __init__(
        self,
        tasks: Scope,
        manager: ServerManager,
        inspection: Inspection,
        refresh: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.manager = manager
        self.inspection = inspection
        self._refresh = refresh
        self._documents: dict[str, Document] = {}
        self._generations: dict[str, int] = {}  # per server: its newest reload's watch
        self.latest: dict[str, ApiChanges] = {}
        inspection.changed.connect(self._on_inspected)

    def _on_inspected(self, snapshot: Snapshot) -> None:
        if snapshot.source == "server" and snapshot.server and snapshot.document is not None:
            self._documents[snapshot.server] = snapshot.document

    def on_event(self, name: str, event: ServerEvent) -> None:
        """A server event on the GUI thread (the page passes each one on)."""
        if isinstance(event, ReloadDetected):
            self._reloaded(name)
        elif (
            isinstance(event, StateChanged)
            and event.previous == "running"
            and event.status.state != "running"
            and not event.status.reload_waiting  # a --reload app that died comes back
        ):
            self._documents.pop(name, None)  # a fresh start is read anew
            self._set(name, None)

    def _reloaded(self, name: str) -> None:
        server = self.manager.server(name)
        supervisor = server.supervisor
        url = supervisor.status.url if supervisor is not None else None
        previous = self._documents.get(name)
        if url is None or previous is None:
            return  # never read from this server: nothing to compare with
        info = self.inspection.snapshot.info
        openapi_url = info.openapi_url if info is not None else None
        root_path = info.root_path if info is not None else ""
        scope = self.tasks
        generation = self._generations[name] = self._generations.get(name, 0) + 1

        def cancelled() -> bool:  # on the worker: the page closed, or a newer reload came
            return not scope.is_open or self._generations.get(name) != generation

        def watch() -> ReloadChanges:
            return api_changes_after_reload(
                previous,
                url,
                openapi_url=openapi_url,
                root_path=root_path,
                buffer=server.buffer,
                cancelled=cancelled,
            )

        scope.run(watch, lambda result: self._on_result(name, result), key=f"api-changes {name}")

    def _on_result(self, name: str, result: ReloadChanges) -> None:
        if result.document is not None:
            self._documents[name] = result.document
        if result.changes is None:
            return  # nothing read (the app did not come back): the banner stays as it was
        self._set(name, None if result.changes.empty else result.changes)
        if not result.changes.empty and self.inspection.snapshot.server == name:
            self._refresh()  # Routes lists the reloaded app's routes

    def _set(self, name: str, changes: ApiChanges | None) -> None:
        if changes is None and name not in self.latest:
            return
        if changes is None:
            del self.latest[name]
        else:
            self.latest[name] = changes
        self.changed.emit(name)

    def dismiss(self, name: str) -> None:
        self._set(name, None)


class ChangesBanner(QFrame):
    """The API changes of one server's last reload; hidden while there are none."""

    #: Dismiss was pressed (the server's name)
    dismissed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.server = ""
        self.changes: ApiChanges | None = None
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.list_area = QScrollArea()
        self.list_area.setFrameShape(QFrame.Shape.NoFrame)
        self.list_area.setWidgetResizable(True)
        self.list_area.setWidget(self.body)
        self.list_area.setStyleSheet(
            "QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }"
        )
        self.details_button = QPushButton("Details")
        self.details_button.setCheckable(True)
        self.details_button.setToolTip("Show what changed in each operation")
        self.details_button.toggled.connect(lambda _on: self._render())
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setToolTip("Hide these changes (the next reload shows its own)")
        self.dismiss_button.clicked.connect(self.dismiss)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.details_button)
        top.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)  # the stylesheet pads #Banner
        layout.addLayout(top)
        layout.addWidget(self.list_area)
        self.hide()

    @property
    def expanded(self) -> bool:
        return self.details_button.isChecked()

    def set_expanded(self, on: bool) -> None:
        self.details_button.setChecked(on)

    def show_changes(self, server: str, changes: ApiChanges | None) -> None:
        """Show ``changes`` (None or empty: hide). New changes start folded."""
        if changes is not self.changes:
            self.details_button.setChecked(False)
        self.server, self.changes = server, changes
        if changes is None or changes.empty:
            self.hide()
            return
        severity = "warning" if changes.breaking else "info"
        self.setProperty("severity", severity)
        self.style().unpolish(self)
        self.style().polish(self)
        self._render()
        self.show()

    def dismiss(self) -> None:
        server = self.server
        self.show_changes("", None)
        self.dismissed.emit(server)

    def title_text(self) -> str:
        changes = self.changes
        if changes is None:
            return ""
        breaking = len(changes.breaking)
        flag = f" — {breaking} breaking" if breaking else " — none breaking"
        return f"API changed on reload of {self.server}: {changes.counts()}{flag}"

    def lines(self) -> list[str]:
        """What the body lists, as plain text (breaking ones first)."""
        changes = self.changes
        if changes is None:
            return []
        every = changes.operations
        if self.expanded:
            out: list[str] = []
            for change in every:
                out.append(
                    ("BREAKING " if change.breaking else "") + f"{change.label} {change.kind}"
                )
                out += [("  BREAKING " if d.breaking else "  ") + d.text for d in change.details]
            return out
        shown = [_headline(c) for c in every[:FOLDED_ITEMS]]
        if len(every) > FOLDED_ITEMS:
            shown.append(f"and {len(every) - FOLDED_ITEMS} more (Details)")
        return shown

    def _render(self) -> None:
        self.title.setText(self.title_text())
        lines = self.lines()
        height = self.body.fontMetrics().lineSpacing() * len(lines) + 8
        self.list_area.setFixedHeight(min(height, EXPANDED_MAX_HEIGHT))
        rows = []
        for line in lines:
            nested = line.startswith("  ")
            text = escape(line.strip())
            if "BREAKING" in line:
                text = text.replace("BREAKING", "<b>BREAKING</b>", 1)
            rows.append(f"<div style='margin-left:{18 if nested else 0}px'>{text}</div>")
        self.body.setText("".join(rows))


def _headline(change: OperationChange) -> str:
    flag = "BREAKING " if change.breaking else ""
    if change.kind == "changed":
        count = len(change.details)
        what = f"changed ({count} difference{'s' if count != 1 else ''})"
        if not change.breaking and count == 1:
            what = f"changed: {change.details[0].text}"
        elif change.breaking:
            first = next(d for d in change.details if d.breaking)
            what = f"changed: {first.text}" + (f" (+{count - 1} more)" if count > 1 else "")
        return f"{flag}{change.label} {what}"
    return f"{flag}{change.label} {change.kind}"
