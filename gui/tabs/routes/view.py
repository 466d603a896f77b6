"""Routes tab: every route grouped by tag or path prefix, a filter, and a detail pane;
over them, what the last reload of the shown server changed in its API."""

from __future__ import annotations

import subprocess

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFontMetrics, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextBrowser,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.widgets import Banner, combo_box, muted
from asgideck.gui.tabs.routes.changes_banner import ApiChangesWatch, ChangesBanner
from asgideck.gui.tabs.routes.detail import render, render_empty
from asgideck.gui.tabs.routes.model import RoutesModel
from asgideck.runtime.editor import editor_command, parse_source
from asgideck.runtime.inspect import Inspection, RouteEntry, Snapshot


class _ReadOnlyDelegate(QStyledItemDelegate):
    """Paints as the default delegate does; makes no editor (routes are read, not edited)."""

    def createEditor(  # type: ignore[override]
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex
    ) -> QWidget | None:
        return None


class RoutesView(QWidget):
    #: the user asked to try this route (the Try tab opens it)
    try_requested = Signal(object)

    def __init__(self, inspection: Inspection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspection = inspection
        self.model = RoutesModel()
        self.banner = Banner()
        self.changes_banner = ChangesBanner()
        self.changes_banner.dismissed.connect(self._on_changes_dismissed)
        self._api_watch: ApiChangesWatch | None = None
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by path, name, tag or method…  (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.apply_filter)
        self.filter.installEventFilter(self)
        self.group_by = combo_box()
        self.group_by.addItem("Group by tag", "tag")
        self.group_by.addItem("Group by path", "prefix")
        self.group_by.currentIndexChanged.connect(
            lambda _i: self._regrouped(self.group_by.currentData())
        )
        self.tree = QTreeView()
        self.tree.setObjectName("RoutesTree")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        # RoutesModel's empty route cells answer QStandardItemModel's default flags, which
        # include editable: no trigger starts an editor, and no editor would open anyway.
        self.tree.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        self.tree.setItemDelegate(_ReadOnlyDelegate(self.tree))
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(True)  # Summary takes what is left
        header.setMinimumSectionSize(60)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 90)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 260)
        self.tree.selectionModel().selectionChanged.connect(self._on_selection)
        self.tree.activated.connect(lambda _index: self.try_selected())  # Enter or double-click
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._on_link)
        self.detail.highlighted.connect(self._on_link_hovered)
        self.try_button = QPushButton(theme.icon("play"), "Try it")
        self.try_button.setToolTip("Open this route in the Try tab (Enter)")
        self.try_button.clicked.connect(self.try_selected)
        self.source_button = QPushButton(theme.icon("edit"), "Open source")
        self.source_button.clicked.connect(self.open_source)
        self.status = muted("")
        self._empty_shown = False  # the detail pane holds render_empty()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.group_by)
        left_layout.addLayout(bar)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.status)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        buttons.addWidget(self.try_button)
        buttons.addWidget(self.source_button)
        buttons.addStretch(1)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.detail, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)  # the list grows first; the detail scrolls
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(self.changes_banner)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        inspection.changed.connect(self._on_changed)
        self._on_changed(inspection.snapshot)

    def detach(self) -> None:
        """Stop listening to the inspection (the page is closing)."""
        self.inspection.changed.disconnect(self._on_changed)
        if self._api_watch is not None:
            self._api_watch.changed.disconnect(self._on_api_changes)
            self._api_watch = None

    def follow_api_changes(self, watch: ApiChangesWatch) -> None:
        """Show what reloads change in the API of the server whose routes are shown."""
        self._api_watch = watch
        watch.changed.connect(self._on_api_changes)
        self._show_api_changes()

    def _on_api_changes(self, _server: str) -> None:
        self._show_api_changes()

    def _show_api_changes(self) -> None:
        """The banner follows the server the shown document came from (none: no banner)."""
        server = self.inspection.snapshot.server
        watch = self._api_watch
        changes = watch.latest.get(server) if watch is not None and server else None
        self.changes_banner.show_changes(server or "", changes)

    def _on_changes_dismissed(self, server: str) -> None:
        if self._api_watch is not None and server:
            self._api_watch.dismiss(server)

    def _on_changed(self, snapshot: Snapshot) -> None:
        self._show_api_changes()
        self.model.set_entries(snapshot.entries)
        self._after_reset()
        info = snapshot.info
        if info is not None and info.errors:
            first = info.errors[0]
            where = f" ({first.where})" if first.where else ""
            self.banner.show_message(f"{first.type}: {first.message}{where}", "error")
        else:
            self.banner.clear_message()

    def apply_filter(self, text: str) -> None:
        if self.model.set_filter(text):
            self._after_reset()
        else:  # the same rows: nothing to lay out again; the selection ends as a reset ends it
            self.tree.selectionModel().clear()
            self._show(None)

    def _regrouped(self, by: str) -> None:
        self.model.set_group_by("prefix" if by == "prefix" else "tag")
        self._after_reset()

    def _size_columns(self) -> None:
        """Method fits DELETE; Path fits the longest path shown, but never more than half of
        the tree, so Summary keeps room (and its tooltip has the rest)."""
        mono = theme.mono_font()
        mono.setBold(True)
        method = QFontMetrics(mono).horizontalAdvance("DELETE") + 2 * self.tree.indentation() + 16
        path = QFontMetrics(theme.mono_font()).horizontalAdvance(self.model.longest_path()) + 24
        cap = max(160, self.tree.viewport().width() // 2)
        header = self.tree.header()
        header.resizeSection(0, method)
        header.resizeSection(1, max(120, min(path, cap, 460)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._size_columns()

    def _after_reset(self) -> None:
        self._size_columns()
        for row in range(self.model.rowCount()):
            self.tree.setFirstColumnSpanned(row, self.tree.rootIndex(), True)
        self.tree.expandAll()
        snap = self.inspection.snapshot
        total = len(snap.entries)
        where = {"server": "the running server", "probe": "the probe"}.get(snap.source or "", "")
        source = f" · OpenAPI from {where}" if where else ""
        self.status.setText(f"{self.model.shown:,} of {total:,} routes{source}")
        self.status.setToolTip(snap.note)
        self._show(None)

    def selected(self) -> RouteEntry | None:
        return self.model.entry(self.tree.currentIndex())

    def select_path(self, method: str, path: str) -> bool:
        for group in range(self.model.rowCount()):
            parent = self.model.index(group, 0)
            for row in range(self.model.rowCount(parent)):
                index = self.model.index(row, 0, parent)
                entry = self.model.entry(index)
                if entry is not None and (entry.method, entry.path) == (method, path):
                    self.tree.setCurrentIndex(index)
                    return True
        return False

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show(self.selected())

    def _show(self, entry: RouteEntry | None) -> None:
        self.try_button.setEnabled(entry is not None and entry.kind in ("http", "websocket"))
        has_source = entry is not None and entry.route is not None and bool(entry.route.source)
        self.source_button.setEnabled(has_source)
        if entry is None:
            if not self._empty_shown:  # laying the same hint out again costs a frame's share
                self.detail.setHtml(render_empty())
                self._empty_shown = True
            return
        self.detail.setHtml(render(entry, self.inspection.snapshot.document))
        self._empty_shown = False

    def try_selected(self) -> None:
        entry = self.selected()
        if entry is not None and entry.kind in ("http", "websocket"):
            self.try_requested.emit(entry)

    def open_source(self, source: str | None = None) -> None:
        entry = self.selected()
        source = source or (entry.route.source if entry and entry.route else None)
        if not source:
            return
        file, line = parse_source(source, self.inspection.project.root)
        command = editor_command(file, line)
        if command is None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(file)))
            return
        try:
            subprocess.Popen(command, start_new_session=True)  # the editor outlives us
        except OSError as exc:
            self.banner.show_message(f"Could not start the editor {command[0]}: {exc}", "warning")

    def _on_link(self, url: QUrl) -> None:
        if url.scheme() == "source":
            self.open_source(url.path())

    def _on_link_hovered(self, url: QUrl) -> None:
        """A shortened source link's tooltip is its full path."""
        self.detail.setToolTip(url.path() if url.scheme() == "source" else "")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down in the filter moves into the routes (the first one shown, if none is current)."""
        if (
            watched is self.filter
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
        ):
            self.tree.setFocus()
            if not self.selected() and self.model.rowCount():
                group = self.model.index(0, 0)
                if self.model.rowCount(group):
                    self.tree.setCurrentIndex(self.model.index(0, 0, group))
            return True
        return super().eventFilter(watched, event)

    def focus_main(self) -> None:
        """Shown: the filter takes the keys (type to filter, Down to reach the routes)."""
        self.filter.setFocus()

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()
