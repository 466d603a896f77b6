"""Starting and stopping sample_app's servers from a real MainWindow (GUI tests only)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import QApplication

from asgideck.runtime.servers import free_port


def free_ports(window: Any) -> None:
    """Give every server of the open project a free port and no --reload (fast, no clash)."""
    manager = window.manager
    for server in list(manager.servers):
        manager.update(server.name, replace(server.config, port=free_port(), reload=False))
    window.servers_panel.rebuild()


def start(window: Any, qtbot: Any, name: str) -> None:
    """Start server ``name`` the way the user does (select it, Start) and wait until it runs."""
    panel = window.servers_panel
    panel.select(name)
    panel.start_selected()
    qtbot.waitUntil(lambda: panel.state_of(name) == "running", timeout=30_000)


def activate(window: Any, qtbot: Any) -> None:
    """Make ``window`` the active window, so its shortcuts take keys."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
