"""The SERVERS column: one row per launch config with a status light, plus orphans.

Start/stop run on the panel's task scope (stop waits for the whole tree to end);
the state comes back as supervisor events, which the page moves onto the GUI
thread (``on_event``). Servers are named, not held: a name is what the list, the
status and the events share, and it survives an edited config.

Per server (right-click): start/stop, Open /docs and Open in Browser. Under the list the
page puts the SERVICES section (``add_section``), with Start all / Stop all. Starting a
server whose profile has error-level findings asks first (``start_blockers``, set by the
page that knows the validation result). What a start runs is the page's too
(``start_op``: the profile's services first, then the server), and so is the answer to
a service's error on the way (``start_problem``).

While a scaled group runs (Run Scaled in the Deploy tab), its row sits under the
servers (``scaled_rows.ScaledRows``): Stop and Ctrl+. end it when it is selected.

A state file that was damaged (restored from its backup, or set aside with defaults
shown) or cannot be used at all is said in a warning banner under the list
(``userstate.take_notices``), never silently.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDesktopServices,
    QIcon,
    QPainter,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.status_strip import STATE_COLOURS
from asgideck.gui.core.tasks import TaskRunner, present_error
from asgideck.gui.core.widgets import Banner, item_with, muted, section_title, shortcut_action
from asgideck.gui.tabs.servers.dialog import ServerDialog
from asgideck.gui.tabs.servers.scaled_rows import ScaledRows
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.servers import (
    AdoptedServer,
    ConfigError,
    Entry,
    LaunchConfig,
    ManagedServer,
    PortInUse,
    ServerManager,
    StateChanged,
    Status,
    adopt,
    stop_orphan,
    with_port,
)
from asgideck.runtime.userstate import StateError, take_notices

NAME_ROLE = Qt.ItemDataRole.UserRole + 1


def state_icon(state: str) -> QIcon:
    """A light with a white ring and a dark rim, so it reads on any row, selected (teal)
    or not; the same pixmap serves the selected mode (no tint from the selection)."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(0, 0, 0, 110), 1.0))
    painter.setBrush(QColor("#ffffff"))
    painter.drawEllipse(1, 1, 14, 14)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(STATE_COLOURS.get(state, "#8b8d93")))
    painter.drawEllipse(3, 3, 10, 10)
    painter.end()
    icon = QIcon()
    for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Active):
        icon.addPixmap(pixmap, mode)
    return icon


class ServersPanel(QWidget):
    selection_changed = Signal(str)
    notice = Signal(str)
    renamed = Signal(str, str)  # old name, new name
    removed = Signal(str)

    def __init__(
        self, manager: ServerManager, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.manager = manager
        self.tasks = runner.scope(self)
        self.status: dict[str, Status] = {}
        self.adopted: dict[str, AdoptedServer] = {}
        #: error-level findings of a server's profile, asked before it starts (the page sets it)
        self.start_blockers: Callable[[str], list[str]] = lambda _name: []
        #: what a start runs, off the GUI thread (the page: the profile's services first)
        self.start_op: Callable[[ManagedServer], None] = lambda server: server.start()
        #: an error of a start the page answers (a service's); True when it did
        self.start_problem: Callable[[str, Exception, Callable[[], None]], bool] = (
            lambda _name, _exc, _retry: False
        )
        self._none_selected = False  # the page chose a profile no server uses

        self.list = QListWidget()
        self.list.setObjectName("ServersList")
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.list.itemDoubleClicked.connect(lambda _item: self.toggle_selected())
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._show_context_menu)
        #: the scaled group's row under the servers (the page hands it the group)
        self.scaled = ScaledRows(self.list, state_icon, NAME_ROLE)
        self.start_button = self._tool(
            "play", "Start the selected server (Ctrl+R)", self.start_selected
        )
        self.stop_button = self._tool(
            "stop", "Stop the selected server (Ctrl+.)", self.stop_selected
        )
        self.restart_button = self._tool("restart", "Restart (Ctrl+Shift+.)", self.restart_selected)
        self.edit_button = self._tool("edit", "Edit the launch config", self.edit_selected)
        self.add_button = self._tool("plus", "Add a server", self.add_server)
        self.remove_button = self._tool("minus", "Remove the selected server", self.remove_selected)
        self.docs_action = self._action("Open /&docs", "Ctrl+Shift+D", self.open_docs, "info")
        self.browser_action = self._action(
            "Open in &Browser", "Ctrl+Shift+U", self.open_in_browser, "send"
        )
        self.orphan_title = section_title("From an earlier run")
        self.orphan_list = QListWidget()
        self.orphan_list.setObjectName("OrphansList")
        self.orphan_list.setMaximumHeight(110)
        self.orphan_stop = QToolButton()
        self.orphan_stop.setText("Stop")
        self.orphan_stop.clicked.connect(self.stop_orphan)
        self.orphan_adopt = QToolButton()
        self.orphan_adopt.setText("Adopt")
        self.orphan_adopt.setToolTip(
            "Track it here (stop it later); its earlier logs are not available"
        )
        self.orphan_adopt.clicked.connect(self.adopt_orphan)
        self.orphan_note = muted("")
        self.state_banner = Banner()
        self.state_banner.setObjectName("StateBanner")
        self._state_lines: list[str] = []

        buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.restart_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.edit_button, self.add_button, self.remove_button):
            buttons.addWidget(button)
        orphan_buttons = QHBoxLayout()
        orphan_buttons.addWidget(self.orphan_stop)
        orphan_buttons.addWidget(self.orphan_adopt)
        orphan_buttons.addStretch(1)
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addWidget(section_title("Servers"))
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._section_at = layout.count()  # where ``add_section`` puts a section
        layout.addWidget(self.orphan_title)
        layout.addWidget(self.orphan_list)
        layout.addLayout(orphan_buttons)
        layout.addWidget(self.orphan_note)
        layout.addWidget(self.state_banner)

        self.rebuild()
        self.refresh_orphans()
        self.orphan_timer = QTimer(self)
        self.orphan_timer.setInterval(2000)
        self.orphan_timer.timeout.connect(self._prune_adopted)
        self.orphan_timer.start()

    def warn(self, title: str, text: str) -> None:
        """How the panel shows an expected error (a seam tests replace: dialogs are modal)."""
        QMessageBox.warning(self, title, text)

    def _warn_on(self, title: str) -> Callable[[Exception], None]:
        """A job's ``failed``: asgideck's own errors are warned about, anything else is a bug."""

        def failed(exc: Exception) -> None:
            if isinstance(exc, AsgideckError):
                self.warn(title, str(exc))
            else:
                present_error(exc)

        return failed

    def _action(self, text: str, shortcut: str, slot: Callable[[], object], icon: str) -> QAction:
        return shortcut_action(
            self, text, shortcut, slot, icon=icon, context=Qt.ShortcutContext.WindowShortcut
        )

    def actions(self) -> list[QAction]:
        """The panel's own actions (Start/Stop/Restart of one server are the window's)."""
        return [self.docs_action, self.browser_action]

    def add_section(self, widget: QWidget) -> None:
        """Put ``widget`` under the servers' buttons, above the orphans (SERVICES)."""
        self._layout.insertWidget(self._section_at, widget)
        self._section_at += 1

    def focus_main(self) -> None:
        self.list.setFocus()

    def _tool(self, icon: str, tip: str, slot: Callable[[], object]) -> QToolButton:
        button = QToolButton()
        button.setIcon(theme.icon(icon))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # ----------------------------------------------------------------- the list
    def rebuild(self) -> None:
        current, group = self.selected_name(), self.scaled.selected()
        self.list.blockSignals(True)
        self.list.clear()
        for server in self.manager.servers:
            item = QListWidgetItem()
            item.setData(NAME_ROLE, server.name)
            self.list.addItem(item)
            self._paint_item(item, server.name)
        self.scaled.refresh()
        self.list.blockSignals(False)
        names = [s.name for s in self.manager.servers]
        if group:
            self.scaled.select()
        elif current in names:
            self.select(current)
        elif names and not self._none_selected:
            self.select(names[0])
        self._update_buttons()

    def _paint_item(self, item: QListWidgetItem, name: str) -> None:
        server = self.manager.server(name)
        status = self.status.get(name)
        state = status.state if status else server.state
        where = f"{server.config.host}:{server.config.port}"
        item.setText(f"{server.name}   :{server.config.port}\n{server.config.kind} · {state}")
        item.setIcon(state_icon(state))
        tip = f"{server.config.describe()}\nhttp://{where}"
        if status and status.error:
            tip += f"\n\n{status.error}"
        item.setToolTip(tip)

    def _item(self, name: str) -> QListWidgetItem | None:
        return item_with(self.list, NAME_ROLE, name)

    def select(self, name: str) -> None:
        item = self._item(name)
        if item is not None:
            self.list.setCurrentItem(item)

    def clear_selection(self) -> None:
        """Select no server (the profile shown is used by none)."""
        self._none_selected = True
        self.list.setCurrentRow(-1)

    def selected_name(self) -> str:
        item = self.list.currentItem()
        name = item.data(NAME_ROLE) if item is not None else None
        return str(name) if name is not None else ""  # none on the scaled group's row

    def _on_current_changed(self, *_args: object) -> None:
        if self.list.currentItem() is not None:
            self._none_selected = False
        self._update_buttons()
        self.selection_changed.emit(self.selected_name())

    def _update_buttons(self) -> None:
        name = self.selected_name()
        # "alive": a process tree exists — also a --reload server whose app crashed while
        # the reloader waits for a fix; it can be restarted or stopped, not started again.
        alive = bool(name) and self.manager.server(name).running
        status = self.status.get(name)
        restart_pending = status is not None and status.next_restart_in is not None
        self.start_button.setEnabled(bool(name) and not alive)
        self.stop_button.setEnabled(alive or restart_pending)
        self.restart_button.setEnabled(alive)
        self.edit_button.setEnabled(bool(name))
        self.remove_button.setEnabled(bool(name) and not alive)
        if self.scaled.selected():  # Stop ends the group; nothing else acts on it
            self.stop_button.setEnabled(True)
        url = self.selected_url()
        self.docs_action.setEnabled(url is not None)
        self.browser_action.setEnabled(url is not None)

    def url_of(self, name: str) -> str | None:
        """The base URL of server ``name`` while it runs (None otherwise)."""
        status = self.status.get(name) if name else None
        if status is None or status.state != "running" or not status.url:
            return None
        return status.url.rstrip("/")

    def refresh_scaled(self) -> None:
        """The scaled group changed: its row and the buttons follow."""
        self.scaled.refresh()
        self._update_buttons()

    def selected_url(self) -> str | None:
        """The selected row's URL while it runs: a server's, or nginx's for the group."""
        return self.scaled.url() if self.scaled.selected() else self.url_of(self.selected_name())

    def state_of(self, name: str) -> str:
        status = self.status.get(name)
        return status.state if status else self.manager.server(name).state

    # ----------------------------------------------------------------- events
    def on_event(self, name: str, event: object) -> None:
        """A supervisor event, already on the GUI thread."""
        if not isinstance(event, StateChanged):
            return
        self.status[name] = event.status
        item = self._item(name)
        if item is not None:
            self._paint_item(item, name)
        self._update_buttons()
        state = event.status.state
        if state in ("crashed", "crash-loop") and name != self.selected_name():
            code = event.status.exit_code
            self.notice.emit(
                f"Server {name} crashed" + (f" (exit {code})" if code is not None else "")
            )

    # ----------------------------------------------------------------- context menu
    def context_menu(self, name: str) -> QMenu:
        """The right-click menu of server ``name`` (it acts on the selected server)."""
        self.select(name)
        menu = QMenu(self)
        running = self.manager.server(name).running
        if running:
            menu.addAction(theme.icon("stop"), "Stop", self.stop_selected)
            menu.addAction(theme.icon("restart"), "Restart", self.restart_selected)
        else:
            menu.addAction(theme.icon("play"), "Start", self.start_selected)
        menu.addSeparator()
        menu.addAction(self.docs_action)
        menu.addAction(self.browser_action)
        menu.addSeparator()
        menu.addAction(theme.icon("edit"), "Edit…", self.edit_selected)
        remove = menu.addAction(theme.icon("minus"), "Remove…", self.remove_selected)
        remove.setEnabled(not running)
        return menu

    def _show_context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is not None and item.data(NAME_ROLE) is None:
            self.list.setCurrentItem(item)
            self.scaled.context_menu(self).exec(self.list.mapToGlobal(pos))
        elif item is not None:
            self.context_menu(str(item.data(NAME_ROLE))).exec(self.list.mapToGlobal(pos))

    def open_docs(self) -> None:
        """The selected server's Swagger UI (``/docs``) in the desktop's browser."""
        url = self.selected_url()
        if url is not None:
            QDesktopServices.openUrl(QUrl(url + "/docs"))

    def open_in_browser(self) -> None:
        url = self.selected_url()
        if url is not None:
            QDesktopServices.openUrl(QUrl(url + "/"))

    # ----------------------------------------------------------------- actions
    def start_selected(self) -> None:
        name = self.selected_name()
        if name:
            self.start(name)

    def confirm_start(self, name: str, problems: list[str]) -> bool:
        """Ask before starting a server whose profile has error-level findings."""
        profile = self.manager.server(name).config.profile
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(f"Start {name}?")
        box.setText(
            f"Profile {profile} has {len(problems)} error-level finding(s); "
            f"{name} may fail to start or run misconfigured."
        )
        shown = problems[:8] + ([f"… and {len(problems) - 8} more"] if len(problems) > 8 else [])
        box.setInformativeText("\n".join(shown) + "\n\nSee the Overview tab for fixes.")
        anyway = box.addButton("Start anyway", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is anyway

    def start(self, name: str) -> None:
        problems = self.start_blockers(name)
        if problems and not self.confirm_start(name, problems):
            self.notice.emit(f"Did not start {name}")
            return
        server, op = self.manager.server(name), self.start_op
        self.tasks.run(
            lambda: op(server),
            lambda _none: None,
            failed=lambda exc: self.start_failed(name, exc),
        )

    def start_failed(self, name: str, exc: Exception) -> None:
        """Answer a failed start of ``name``: a port in use asks; a service's error is the
        page's (it may retry the start); anything else is said."""
        if isinstance(exc, PortInUse):
            self._port_in_use(name, exc)
        elif not self.start_problem(name, exc, lambda: self.start(name)):
            self._warn_on(f"Cannot start {name}")(exc)

    def _port_in_use(self, name: str, exc: PortInUse) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(f"Port {exc.port} is in use")
        box.setText(str(exc))
        use_next = stop_it = None
        if exc.suggestion is not None:
            use_next = box.addButton(
                f"Use port {exc.suggestion}", QMessageBox.ButtonRole.AcceptRole
            )
        if exc.entry is not None:
            stop_it = box.addButton("Stop it and start", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        if use_next is not None and clicked is use_next and exc.suggestion is not None:
            self.manager.update(name, with_port(self.manager.server(name).config, exc.suggestion))
            self.rebuild()
            self.start(name)
        elif stop_it is not None and clicked is stop_it and exc.entry is not None:
            entry = exc.entry

            def stopped(_result: object) -> None:
                self.refresh_orphans()
                self.start(name)

            self.tasks.run(
                lambda: stop_orphan(entry), stopped, failed=self._warn_on("Could not stop it")
            )

    def stop_all(self) -> None:
        """Stop every server of the project (each on its own job, so they end together);
        the services' Stop all stops the servers and then the services."""
        for server in self.manager.servers:
            status = self.status.get(server.name)
            pending = status is not None and status.next_restart_in is not None
            if server.running or pending:
                self.stop(server.name)
        self.scaled.stop()

    def stop(self, name: str) -> None:
        """Stop server ``name``, selected or not (the tray's per-server Stop)."""
        self.tasks.run(
            self.manager.server(name).stop,
            lambda _result: None,
            failed=self._warn_on("Stop failed"),
        )

    def stop_selected(self) -> None:
        if self.scaled.selected():
            self.scaled.stop()
            return
        name = self.selected_name()
        if name:
            self.stop(name)

    def restart_selected(self) -> None:
        name = self.selected_name()
        if name:
            self.tasks.run(
                self.manager.server(name).restart,
                lambda _none: None,
                failed=lambda exc: self.start_failed(name, exc),
            )

    def toggle_selected(self) -> None:
        name = self.selected_name()
        if not name:
            return
        if self.manager.server(name).running:
            self.stop_selected()
        else:
            self.start(name)

    def edit_selected(self) -> None:
        name = self.selected_name()
        if not name:
            return
        dialog = ServerDialog(self.manager.server(name).config, self._profiles(), self)
        if dialog.exec() and dialog.result_config is not None:
            self.apply_config(name, dialog.result_config)

    def apply_config(self, name: str, config: LaunchConfig) -> bool:
        """Save an edited config (it applies at the next start); a rename keeps the state."""
        try:
            self.manager.update(name, config)
        except (ConfigError, StateError) as exc:
            self.warn("Cannot save the server", str(exc))
            return False
        if config.name != name:
            if name in self.status:
                self.status[config.name] = self.status.pop(name)
            self.renamed.emit(name, config.name)
        self.rebuild()
        self.select(config.name)
        return True

    def add_server(self) -> None:
        name, port = self.manager.next_free_name_and_port()
        profiles = self._profiles()
        if not profiles:
            QMessageBox.information(self, "No profile", "Add a .env file to the project first.")
            return
        dialog = ServerDialog(LaunchConfig(name, profiles[0], port=port), profiles, self)
        if dialog.exec() and dialog.result_config is not None:
            try:
                self.manager.add(dialog.result_config)
            except (ValueError, StateError) as exc:
                self.warn("Cannot add server", str(exc))
                return
            self.rebuild()
            self.select(dialog.result_config.name)

    def remove_selected(self) -> None:
        name = self.selected_name()
        if not name:
            return
        answer = QMessageBox.question(self, "Remove server", f"Remove the server {name}?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.manager.remove(name)
        except (ConfigError, StateError) as exc:
            self.warn("Cannot remove the server", str(exc))
            return
        self.status.pop(name, None)
        self.removed.emit(name)
        self.rebuild()

    def _profiles(self) -> list[str]:
        from asgideck.runtime.profiles import list_profiles

        return list_profiles(self.manager.project.root)

    # ----------------------------------------------------------------- orphans
    def show_state_notices(self, extra: str = "") -> None:
        """Say what happened to a state file (restored from a backup, set aside, unusable):
        in the banner (the last few lines) and once in the status bar."""
        lines = take_notices() + ([extra] if extra else [])
        fresh = [line for line in lines if line not in self._state_lines]
        if not fresh:
            return
        self._state_lines = (self._state_lines + fresh)[-4:]
        self.state_banner.show_message("\n".join(self._state_lines), "warning")
        for line in fresh:
            self.notice.emit(line)

    def refresh_orphans(self) -> None:
        try:
            entries = self.manager.orphans()
        except AsgideckError as exc:  # e.g. servers.json is a folder: say so, list none
            entries = []
            self.show_state_notices(str(exc))
        else:
            self.show_state_notices()
        self.orphan_list.clear()
        for entry in entries:
            item = QListWidgetItem(state_icon("orphan"), entry.describe())
            item.setData(NAME_ROLE, entry.id)
            self.orphan_list.addItem(item)
        for entry_id, handle in self.adopted.items():
            item = QListWidgetItem(state_icon("running"), f"adopted: {handle.entry.describe()}")
            item.setData(NAME_ROLE, entry_id)
            self.orphan_list.addItem(item)
        shown = self.orphan_list.count() > 0
        for widget in (self.orphan_title, self.orphan_list, self.orphan_stop, self.orphan_adopt):
            widget.setVisible(shown)
        self.orphan_note.setText(
            "Still running after asgideck last quit: stop them, or adopt them to stop later."
            if entries
            else ""
        )
        if shown:
            self.orphan_list.setCurrentRow(0)

    def _selected_orphan(self) -> Entry | None:
        item = self.orphan_list.currentItem()
        if item is None:
            return None
        entry_id = str(item.data(NAME_ROLE))
        if entry_id in self.adopted:
            return self.adopted[entry_id].entry
        return next((e for e in self.manager.orphans() if e.id == entry_id), None)

    def stop_orphan(self) -> None:
        entry = self._selected_orphan()
        if entry is None:
            return
        handle = self.adopted.pop(entry.id, None)
        stop = handle.stop if handle is not None else (lambda: stop_orphan(entry))

        def stopped(_result: object) -> None:
            self.refresh_orphans()
            self.notice.emit(f"Stopped {entry.describe()}")

        self.tasks.run(stop, stopped, failed=self._warn_on("Could not stop it"))

    def adopt_orphan(self) -> None:
        entry = self._selected_orphan()
        if entry is not None and entry.id not in self.adopted:
            self.adopted[entry.id] = adopt(entry)
            self.refresh_orphans()

    def _prune_adopted(self) -> None:
        gone = [i for i, handle in self.adopted.items() if not handle.alive()]
        for entry_id in gone:
            del self.adopted[entry_id]
        if gone:
            self.refresh_orphans()
