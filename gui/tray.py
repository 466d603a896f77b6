"""The system tray icon: the project's servers with their state, start/stop per server,
the shown profile's services (● postgres) with start/stop, Open Window and Quit — the
sidebar, reachable while the window is hidden.

It holds the main window and reads the open project's page and servers panel through
it (composition: no server logic of its own). The menu is built whether or not the
desktop has a tray (so it can be checked anywhere); the icon is shown only where
``QSystemTrayIcon.isSystemTrayAvailable()``.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QSystemTrayIcon

from asgideck.gui.project_page import ProjectPage
from asgideck.gui.tabs.servers.panel import state_icon
from asgideck.gui.tabs.services.section import LIGHTS

__all__ = ["Tray", "tray_available"]


def tray_available() -> bool:
    """Whether this desktop shows tray icons (a seam tests replace)."""
    return QSystemTrayIcon.isSystemTrayAvailable()


class TrayWindow(Protocol):
    """What the tray needs of the main window (a protocol, so the window may import the
    tray without the tray importing the window back)."""

    @property
    def page(self) -> ProjectPage | None: ...

    def request_quit(self) -> object: ...
    def isVisible(self) -> bool: ...
    def isMinimized(self) -> bool: ...
    def hide(self) -> None: ...
    def showNormal(self) -> None: ...
    def raise_(self) -> None: ...
    def activateWindow(self) -> None: ...


class Tray(QObject):
    """The tray icon and its menu, rebuilt each time it opens (state is read, not cached)."""

    def __init__(self, window: QMainWindow, host: TrayWindow) -> None:
        super().__init__(window)
        self.window = host
        self.menu = QMenu(window)  # a popup of its own; goes when the window does
        self.menu.setObjectName("TrayMenu")
        self.menu.aboutToShow.connect(self.rebuild)
        self.icon = QSystemTrayIcon(QApplication.windowIcon(), self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.rebuild()
        if tray_available():
            self.icon.show()

    @property
    def shown(self) -> bool:
        """The icon is in the desktop's tray (so hiding the window to it is safe)."""
        return self.icon.isVisible()

    def rebuild(self) -> None:
        """Project title, one state line and one Start/Stop entry per server, then the window."""
        self.menu.clear()
        page = self.window.page
        title = page.session.project.name if page is not None else "asgideck"
        heading = self.menu.addAction(title)
        heading.setEnabled(False)
        running = 0
        if page is not None:
            self.menu.addSeparator()
            panel = page.servers_panel
            for server in page.manager.servers:
                name = server.name
                state = panel.state_of(name)
                alive = server.running
                running += alive
                line = self.menu.addAction(
                    state_icon(state), f"{name}  :{server.config.port} — {state}"
                )
                line.setToolTip(f"Show {name} in the window")
                line.triggered.connect(lambda _checked=False, n=name: self._show_server(n))
                toggle = self.menu.addAction(f"    Stop {name}" if alive else f"    Start {name}")
                toggle.setObjectName(f"tray-{'stop' if alive else 'start'}-{name}")
                toggle.triggered.connect(
                    lambda _checked=False, n=name, stop=alive: self._toggle(n, stop)
                )
            self._add_services(page)
        self.menu.addSeparator()
        self.open_action: QAction = self.menu.addAction("Open Window")
        self.open_action.triggered.connect(lambda _checked=False: self.show_window())
        self.quit_action: QAction = self.menu.addAction("Quit")
        self.quit_action.triggered.connect(lambda _checked=False: self.window.request_quit())
        tip = title if not running else f"{title} — {running} server(s) running"
        self.icon.setToolTip(tip)

    def _add_services(self, page: ProjectPage) -> None:
        """The SERVICES section's rows: a state line each, Start/Stop for local ones."""
        section = page.services
        if not section.needs:
            return
        self.menu.addSeparator()
        for need in section.needs:
            name = need.name
            state = section.state_of(name)
            line = self.menu.addAction(
                state_icon(LIGHTS.get(state, "stopped")), f"{name}  :{need.port} — {state}"
            )
            line.setToolTip(need.why_not_local or f"Show {name}'s log in the window")
            line.triggered.connect(lambda _checked=False, n=name: self._show_service(n))
            if not need.local:
                continue
            alive = state in ("ready", "starting")
            toggle = self.menu.addAction(f"    Stop {name}" if alive else f"    Start {name}")
            toggle.setObjectName(f"tray-service-{'stop' if alive else 'start'}-{name}")
            toggle.triggered.connect(
                lambda _checked=False, n=name, stop=alive: self._toggle_service(n, stop)
            )

    def _show_service(self, name: str) -> None:
        page = self.window.page
        if page is not None and page.services.need(name) is not None:
            page.services.select(name)
            page.show_service_log(name)
        self.show_window()

    def _toggle_service(self, name: str, stop: bool) -> None:
        page = self.window.page
        if page is None or page.services.need(name) is None:
            return
        if stop:
            page.services.stop(name)
        else:
            page.services.start(name)

    def entries(self) -> list[str]:
        """The menu's lines as shown (separators as "—")."""
        return [a.text().strip() if not a.isSeparator() else "—" for a in self.menu.actions()]

    def action(self, text: str) -> QAction | None:
        """The menu entry whose text is ``text`` (stripped), for tests and scripts."""
        for action in self.menu.actions():
            if action.text().strip() == text:
                return action
        return None

    def _show_server(self, name: str) -> None:
        """A server's state line: the window, with that server selected (as XAMPP does)."""
        page = self.window.page
        if page is not None and name in (s.name for s in page.manager.servers):
            page.servers_panel.select(name)
        self.show_window()

    def show_window(self) -> None:
        window = self.window
        window.showNormal()
        window.raise_()
        window.activateWindow()

    def _toggle(self, name: str, stop: bool) -> None:
        page = self.window.page
        if page is None or name not in (s.name for s in page.manager.servers):
            return
        panel = page.servers_panel
        if not stop:
            panel.start(name)
        elif hasattr(panel, "stop"):  # the panel's own stop-by-name (see patch11-h-keys)
            panel.stop(name)
        else:
            server = page.manager.server(name)
            panel.tasks.run(server.stop, lambda _result: None)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            if self.window.isVisible() and not self.window.isMinimized():
                self.window.hide()
            else:
                self.show_window()

    def close(self) -> None:
        """Take the icon out of the tray (the window closed; safe to call twice)."""
        self.icon.hide()
