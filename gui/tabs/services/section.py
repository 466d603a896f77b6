"""The SERVICES section of the sidebar: what the shown profile needs, each with its
light, port and start/stop; Open shell; Start all / Stop all; the per-project choice
to stop the services when the project closes.

Everything that may block (opening a profile's set, start, stop, the states) runs on
the section's task scope; results and the sets' ``changed`` events land on the GUI
thread only while the section is open. The states are refreshed on a timer (one job
in flight at most). The section keeps the rows and the actions; it holds the
collaborators that do the rest: ``ServiceRuns`` (start/stop, Start all/Stop all),
``StartProblems`` (what a failed start asks, then the retry) and ``ShellOpener``.
"""

from __future__ import annotations

import concurrent.futures
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
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
from asgideck.gui.core.tasks import TaskRunner, present_error
from asgideck.gui.core.widgets import item_with, muted, section_title, shortcut_action
from asgideck.gui.tabs.servers.panel import ServersPanel, state_icon
from asgideck.gui.tabs.services.backend import ServiceSetLike, Sets
from asgideck.gui.tabs.services.prefs import STOP_ON_CLOSE, load_choice, save_choice
from asgideck.gui.tabs.services.problems import StartProblems
from asgideck.gui.tabs.services.runs import ServiceRuns
from asgideck.gui.tabs.services.shell import ShellOpener, launch_terminal
from asgideck.gui.tabs.services.shell_dialog import ShellDialog
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.servers import ManagedServer

if TYPE_CHECKING:  # the runtime is imported by the first job (off the GUI thread), not here
    from asgideck.runtime.services import (
        ServiceNeed,
        ServiceState,
    )

__all__ = ["LIGHTS", "NAME_ROLE", "REFRESH_MS", "ServicesSection"]

NAME_ROLE = Qt.ItemDataRole.UserRole + 2
REFRESH_MS = 2500
#: a service state -> the servers' light colour it shows as
LIGHTS = {
    "ready": "running",
    "starting": "starting",
    "stopping": "stopping",
    "failed": "crashed",
    "stopped": "stopped",
    "remote": "stopped",
    "unsupported": "stopped",
}


class ServicesSection(QWidget):
    #: a line for the status bar
    notice = Signal(str)
    #: the user chose a service (its name): the page shows its log
    service_chosen = Signal(str)
    #: the shown profile's needs were read (the page shows the Mail tab when one is mail)
    needs_changed = Signal(list)
    #: a profile file was written (a new port): the page reloads the profiles
    profile_written = Signal(str)

    def __init__(
        self,
        sets: Sets,
        panel: ServersPanel,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ServicesSection")
        self.sets = sets
        self.panel = panel
        self.root = sets.root
        self.tasks = runner.scope(self)
        self.profile: str | None = None
        self.needs: list[ServiceNeed] = []
        #: the profile whose needs were last read (``reading`` until it is the shown one)
        self._read: str | None = None
        self.states: dict[str, ServiceState] = {}
        #: name -> "starting"/"stopping" while a job runs
        self.busy: dict[str, str] = {}
        #: the sets whose ``changed`` the section follows (weak: a forgotten set goes)
        self._connected: weakref.WeakSet[ServiceSetLike] = weakref.WeakSet()
        self.shell_dialog: ShellDialog | None = None  # the open one, if any
        self.runs = ServiceRuns(self)
        self.problems = StartProblems(self)
        self.shells = ShellOpener(self)
        sets.opened.connect(self.tasks.wrap(self._on_set_opened))

        self.list = QListWidget()
        self.list.setObjectName("ServicesList")
        self.list.currentItemChanged.connect(lambda *_: self._update_actions())
        self.list.itemClicked.connect(self._on_clicked)
        self.list.itemActivated.connect(self._on_clicked)
        self.list.itemDoubleClicked.connect(lambda _item: self.toggle_selected())
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._show_context_menu)
        self.empty = muted("")
        self.stop_on_close = QCheckBox("Stop them when the project closes")
        self.stop_on_close.setObjectName("StopServicesOnClose")
        self.stop_on_close.setToolTip(
            "Stop services when the project closes (remembered for this project); "
            "otherwise they keep running until you stop them"
        )
        self.stop_on_close.setChecked(load_choice(self.root, STOP_ON_CLOSE))
        self.stop_on_close.toggled.connect(lambda on: save_choice(self.root, STOP_ON_CLOSE, on))

        self.start_action = self._action(
            "Start &Service", "Ctrl+Alt+S", self.start_selected, "play"
        )
        self.stop_action = self._action("Stop S&ervice", "Ctrl+Alt+X", self.stop_selected, "stop")
        self.shell_action = self._action(
            "Open S&hell…", "Ctrl+Shift+T", self.open_shell, "terminal"
        )
        self.start_all_action = self._action("Start &All", "Ctrl+Alt+R", self.start_all, "play")
        self.start_all_action.setToolTip(
            "Start all: the services, then each server (its tasks first) (Ctrl+Alt+R)"
        )
        self.start_all_action.setIconText("All")  # the sidebar is narrow: ▶ All
        self.stop_all_action = self._action("Stop A&ll", "Ctrl+Alt+.", self.stop_all, "stop")
        self.stop_all_action.setToolTip("Stop all: every server, then the services (Ctrl+Alt+.)")
        self.stop_all_action.setIconText("All")  # ■ All
        # short labels (the actions' icon texts): the tooltips and the menu say it in full
        self.start_all_button = self._button(self.start_all_action, "StartAll")
        self.stop_all_button = self._button(self.stop_all_action, "StopAll")
        self.shell_button = QToolButton()
        self.shell_button.setDefaultAction(self.shell_action)
        self.shell_button.setAutoRaise(True)
        self.shell_action.setIconText("Shell")
        self.shell_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

        all_buttons = QHBoxLayout()
        all_buttons.addWidget(self.start_all_button)
        all_buttons.addWidget(self.stop_all_button)
        all_buttons.addStretch(1)
        all_buttons.addWidget(self.shell_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(section_title("Services"))
        layout.addWidget(self.list)
        layout.addWidget(self.empty)
        layout.addWidget(self.stop_on_close)
        layout.addLayout(all_buttons)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh_states)
        self.timer.start()
        self._show_rows()

    # ----------------------------------------------------------------- building
    def _action(self, text: str, shortcut: str, slot: Callable[[], object], icon: str) -> QAction:
        return shortcut_action(
            self, text, shortcut, slot, icon=icon, context=Qt.ShortcutContext.WindowShortcut
        )

    def _button(self, action: QAction, name: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        return button

    def actions(self) -> list[QAction]:
        """For the Services menu and Help's list."""
        return [
            self.start_action,
            self.stop_action,
            self.shell_action,
            self.start_all_action,
            self.stop_all_action,
        ]

    def warn(self, title: str, text: str) -> None:
        """How an expected error is shown (a seam tests replace: dialogs are modal)."""
        QMessageBox.warning(self, title, text)

    def ask(self, box: QMessageBox) -> QAbstractButton | None:
        """Show a question and return the button pressed (a seam tests replace)."""
        box.exec()
        return box.clickedButton()

    # ----------------------------------------------------------------- the profile
    def show_profile(self, profile: str | None, *, reread: bool = False) -> None:
        """List what ``profile`` needs (read off the GUI thread); ``reread``: its files
        changed, open its set again."""
        changed = profile != self.profile
        self.profile = profile
        if changed:
            self.needs, self.states = [], {}
            self._show_rows()
            self.needs_changed.emit([])  # the last profile's Mail tab goes at once
        if profile is None:
            return
        self._read = None
        sets = self.sets

        def open_set() -> ServiceSetLike:
            if reread:
                sets.forget(profile)
            return sets.get(profile)

        self.tasks.run(
            open_set,
            lambda services: self._on_opened(profile, services),
            key="open",
            failed=self._failed_to_read,
        )

    @property
    def reading(self) -> bool:
        """The shown profile's needs are being read (``needs_changed`` will follow)."""
        return self.profile is not None and self._read != self.profile

    def _failed_to_read(self, exc: Exception) -> None:
        self._read = self.profile
        if not isinstance(exc, AsgideckError):
            present_error(exc)
            return
        self.needs, self.states = [], {}
        self._show_rows(f"Could not read the services: {exc}")
        self.needs_changed.emit([])

    def _on_opened(self, profile: str, services: ServiceSetLike) -> None:
        if profile != self.profile:
            return
        self._follow(services)
        self._read = profile
        self.needs = list(services.needs)
        self._show_rows()
        self.needs_changed.emit(list(self.needs))
        self.refresh_states()

    def _on_set_opened(self, profile: str) -> None:
        services = self.sets.peek(profile)
        if services is not None:
            self._follow(services)

    def _follow(self, services: ServiceSetLike) -> None:
        if services not in self._connected:
            self._connected.add(services)
            services.changed.connect(self.tasks.wrap(self._on_changed))

    def current_set(self) -> ServiceSetLike | None:
        return self.sets.peek(self.profile) if self.profile else None

    # ----------------------------------------------------------------- states
    def refresh_states(self) -> None:
        """Ask the shown profile's services how they are (off the GUI thread; one at a time)."""
        services = self.current_set()
        profile = self.profile
        key = f"states:{profile}"  # one check in flight per profile
        if services is None or not self.needs or self.tasks.pending(key):
            return
        self.tasks.run(
            services.states,
            lambda states: self._on_states(profile, states),
            key=key,
            failed=lambda exc: None if isinstance(exc, AsgideckError) else present_error(exc),
        )

    def _on_states(self, profile: str | None, states: list[ServiceState]) -> None:
        if profile != self.profile:
            return
        for state in states:
            self.states[state.need.name] = state
        self.paint_all()

    def _on_changed(self, state: ServiceState) -> None:
        """A set said a service changed (moved here from the thread that changed it)."""
        if any(n.name == state.need.name and n == state.need for n in self.needs):
            self.states[state.need.name] = state
            self.paint_all()

    def state_of(self, name: str) -> str:
        """What the row shows: a job's starting/stopping, else the last state known."""
        if name in self.busy:
            return self.busy[name]
        state = self.states.get(name)
        if state is not None:
            return state.state
        need = self.need(name)
        if need is not None and not need.local:
            return "unsupported" if need.kind not in ("postgres", "redis", "mail") else "remote"
        return "stopped"

    def need(self, name: str) -> ServiceNeed | None:
        return next((n for n in self.needs if n.name == name), None)

    # ----------------------------------------------------------------- the rows
    def _show_rows(self, message: str = "") -> None:
        current = self.selected_name()
        self.list.blockSignals(True)
        self.list.clear()
        for need in self.needs:
            item = QListWidgetItem()
            item.setData(NAME_ROLE, need.name)
            self.list.addItem(item)
            self.list.setItemWidget(item, self._row_widget(need))
        self.list.blockSignals(False)
        if current and self.need(current) is not None:
            self.select(current)
        if message:
            self.empty.setText(message)
        elif self.profile is None:
            self.empty.setText("No profile chosen.")
        elif not self.needs:
            self.empty.setText(f"Profile {self.profile} needs no database, cache or mail.")
        self.empty.setVisible(bool(message) or not self.needs)
        self.list.setVisible(bool(self.needs))
        self.paint_all()
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as its rows (up to five): the servers' list takes the rest."""
        rows = min(max(self.list.count(), 1), 5)
        row = self.list.sizeHintForRow(0) if self.list.count() else 36
        self.list.setFixedHeight(rows * row + 2 * self.list.frameWidth() + 2)

    def _row_widget(self, need: ServiceNeed) -> QWidget:
        """The row's start/stop button, right-aligned over the item's light and text."""
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.addStretch(1)
        button = QToolButton()
        button.setObjectName(f"service-toggle-{need.name}")
        button.setAutoRaise(True)
        button.clicked.connect(lambda _checked=False, n=need.name: self.toggle(n))
        button.setEnabled(need.local)
        layout.addWidget(button)
        return row

    def row_button(self, name: str) -> QToolButton | None:
        item = self._item(name)
        row = self.list.itemWidget(item) if item is not None else None
        return row.findChild(QToolButton) if row is not None else None

    def paint_all(self) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            need = self.need(str(item.data(NAME_ROLE)))
            if need is not None:
                self._paint(item, need)
        self._update_actions()

    def _paint(self, item: QListWidgetItem, need: ServiceNeed) -> None:
        state = self.state_of(need.name)
        item.setText(f"{need.name}   :{need.port}\n{need.kind} · {state}")
        item.setIcon(state_icon(LIGHTS.get(state, "stopped")))
        known = self.states.get(need.name)
        if not need.local:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(f"{need.describe()}\n\n{need.why_not_local}")
        else:
            tip = need.describe()
            if known is not None and known.message:
                tip += f"\n\n{known.message}"
            if known is not None and known.data_dir is not None:
                tip += f"\n\ndata: {known.data_dir}"
            item.setToolTip(tip)
        button = self.row_button(need.name)
        if button is not None:
            alive = state in ("ready", "starting")
            button.setIcon(theme.icon("stop" if alive else "play"))
            button.setToolTip(f"{'Stop' if alive else 'Start'} {need.name}")
            button.setEnabled(need.local and need.name not in self.busy)

    def _item(self, name: str) -> QListWidgetItem | None:
        return item_with(self.list, NAME_ROLE, name)

    def select(self, name: str) -> None:
        item = self._item(name)
        if item is not None:
            self.list.setCurrentItem(item)

    def selected_name(self) -> str:
        item = self.list.currentItem()
        return str(item.data(NAME_ROLE)) if item is not None else ""

    def _selected_need(self) -> ServiceNeed | None:
        name = self.selected_name()
        return self.need(name) if name else None

    def _on_clicked(self, item: QListWidgetItem) -> None:
        need = self.need(str(item.data(NAME_ROLE)))
        if need is not None and need.local:
            self.service_chosen.emit(need.name)

    def _update_actions(self) -> None:
        need = self._selected_need()
        local = need is not None and need.local and need.name not in self.busy
        state = self.state_of(need.name) if need is not None else ""
        self.start_action.setEnabled(local and state not in ("ready", "starting"))
        self.stop_action.setEnabled(local and state in ("ready", "starting", "failed"))
        self.shell_action.setEnabled(
            need is not None and need.local and need.kind in ("postgres", "redis")
        )
        self.update_all_actions()

    def update_all_actions(self) -> None:
        """Stop all is there while something runs: a server (or one about to restart),
        or a service of the shown profile (the page calls this on each server event)."""
        panel = self.panel
        servers = any(s.running for s in panel.manager.servers) or any(
            st.next_restart_in is not None for st in panel.status.values()
        )
        services = any(self.state_of(n.name) in ("ready", "starting") for n in self.needs)
        self.stop_all_action.setEnabled(servers or services or bool(self.busy))

    def _show_context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        self.select(str(item.data(NAME_ROLE)))
        menu = QMenu(self)
        for action in (self.start_action, self.stop_action, self.shell_action):
            menu.addAction(action)
        menu.exec(self.list.mapToGlobal(pos))

    # ----------------------------------------------------------------- one service
    def toggle(self, name: str) -> None:
        if self.state_of(name) in ("ready", "starting"):
            self.stop(name)
        else:
            self.start(name)

    def toggle_selected(self) -> None:
        name = self.selected_name()
        if name:
            self.toggle(name)

    def start_selected(self) -> None:
        name = self.selected_name()
        if name:
            self.start(name)

    def stop_selected(self) -> None:
        name = self.selected_name()
        if name:
            self.stop(name)

    def start(self, name: str) -> None:
        """Start service ``name`` of the shown profile (waits for it off the GUI thread)."""
        self.runs.start(name)

    def stop(self, name: str) -> None:
        """Stop service ``name``; one that would not stop is said, not "Stopped"."""
        self.runs.stop(name)

    def set_busy(self, name: str, state: str | None) -> None:
        """Mark ``name`` starting/stopping while a job runs (None: the job is done)."""
        if state is None:
            self.busy.pop(name, None)
        else:
            self.busy[name] = state
        self.paint_all()

    # ----------------------------------------------------------------- servers and all
    def start_server_op(self, server: ManagedServer) -> None:
        """Blocking (a job's op): the server's profile's services first, then the server
        (its before-start tasks, then the app) — what the sidebar's Start runs."""
        self.runs.start_server_op(server)

    def server_start_failed(self, name: str, exc: Exception, retry: Callable[[], None]) -> bool:
        """The panel's hook: a service error of server ``name``'s start, answered here
        (True), or not a service's (False: the panel shows it)."""
        from asgideck.runtime.services import ServiceError

        if not isinstance(exc, ServiceError):
            return False
        self.start_failed(self.panel.manager.server(name).config.profile, exc, retry)
        return True

    def start_all(self) -> None:
        """Every profile's services, then its servers (see ``ServiceRuns.start_all``)."""
        self.runs.start_all()

    def stop_all(self) -> None:
        """Every server, then every service this project has opened."""
        self.runs.stop_all()

    # ----------------------------------------------------------------- what a start needs
    def start_failed(self, profile: str, exc: Exception, retry: Callable[[], None]) -> None:
        """Answer a failed start (a question, then ``retry``; see ``StartProblems``)."""
        self.problems.start_failed(profile, exc, retry)

    def port_target(self, profile: str, need: ServiceNeed) -> Path | None:
        """The profile file a new port of ``need`` goes into (None: nothing to write it in)."""
        return self.problems.port_target(profile, need)

    # ----------------------------------------------------------------- shell
    def open_shell(self) -> None:
        """psql / redis-cli on the selected service (see ``ShellOpener``)."""
        need = self._selected_need()
        if need is not None and need.local:
            self.shells.open(need)

    def launch_terminal(self, argv: list[str], env: dict[str, str]) -> None:
        """Open the terminal (a seam tests replace)."""
        launch_terminal(argv, env)

    # ----------------------------------------------------------------- closing
    def close_section(self, profiles: Sequence[str]) -> None:
        """The project closes: stop its services when the user chose so (blocking, bounded
        by each service's grace), then close the sets (never stopping a service)."""
        self.timer.stop()
        self.tasks.close()
        if self.stop_on_close.isChecked():
            sets = self.sets

            def stop(profile: str) -> object:
                return sets.get(profile).stop()

            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                jobs = [pool.submit(stop, p) for p in profiles]
                for job in jobs:
                    try:
                        job.result()
                    except AsgideckError as exc:
                        self.notice.emit(str(exc))
        self.sets.close()
