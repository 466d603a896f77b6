"""The Try tab's actions: every command has a shortcut, a tooltip naming it, and a menu entry.

The page-specific actions (send, cancel, save, …) belong to the HTTP page, so
their shortcuts only fire there; the others work anywhere in the Try tab. The
window lists them all in its Request menu.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from asgideck.gui.core import theme
from asgideck.gui.tabs.workbench.composer import Composer
from asgideck.gui.tabs.workbench.history import HistoryPanel
from asgideck.gui.tabs.workbench.response import ResponseViewer

HTTP_PAGE, WS_PAGE, LOAD_PAGE = range(3)  # the mode tabs, in order (Alt+1, Alt+2, Alt+3)

# name, text, shortcuts, slot, owner (the widget whose focus enables it), icon
_Spec = tuple[str, str, tuple[str, ...], Callable[[], object], QWidget, str | None]


class TryTab(Protocol):
    """What the actions drive: the Try view's parts and commands (the view never imported)."""

    @property
    def http_page(self) -> QWidget: ...
    @property
    def composer(self) -> Composer: ...
    @property
    def response(self) -> ResponseViewer: ...
    @property
    def history(self) -> HistoryPanel: ...

    def send(self) -> bool: ...
    def cancel(self) -> None: ...
    def save_body(self) -> None: ...
    def authorize(self) -> object: ...
    def copy_curl(self) -> object: ...
    def copy_httpx(self) -> object: ...
    def paste_curl(self) -> object: ...
    def show_mode(self, page: int) -> None: ...


def _focus_body_kind(composer: Composer) -> None:
    composer.tabs.setCurrentIndex(3)
    composer.body_kind.setFocus()


def _specs(view: QWidget, tab: TryTab) -> list[_Spec]:
    page, composer = tab.http_page, tab.composer
    return [
        ("send", "Send request", ("Ctrl+Return", "Ctrl+Enter"), tab.send, page, "send"),
        ("cancel", "Cancel request", ("Esc",), tab.cancel, page, "stop"),
        ("focus_url", "Edit URL", ("Ctrl+L",), composer.focus_url, page, None),
        ("focus_method", "Choose method", ("Ctrl+M",), composer.method.setFocus, page, None),
        ("body_kind", "Choose body kind", ("Ctrl+Shift+B",), lambda: _focus_body_kind(composer),
         page, None),
        ("toggle_pretty", "Pretty / raw body", ("Ctrl+Shift+P",),
         tab.response.pretty_button.toggle, page, None),
        ("save_body", "Save response body…", ("Ctrl+S",), tab.save_body, page, None),
        ("search_history", "Search history", ("Ctrl+Shift+F",), tab.history.focus_search,
         page, "search"),
        ("authorize", "Authorize…", ("Ctrl+Shift+A",), tab.authorize, view, "shield"),
        ("copy_curl", "Copy as curl", ("Ctrl+Shift+C",), tab.copy_curl, view, "copy"),
        ("copy_httpx", "Copy as httpx", ("Ctrl+Alt+C",), tab.copy_httpx, view, "copy"),
        ("paste_curl", "Paste curl", ("Ctrl+Alt+V",), tab.paste_curl, view, "terminal"),
        ("mode_http", "HTTP requests", ("Alt+1",), lambda: tab.show_mode(HTTP_PAGE), view,
         "send"),
        ("mode_ws", "WebSocket panel", ("Alt+2",), lambda: tab.show_mode(WS_PAGE), view,
         "plug"),
        ("mode_load", "Load test panel", ("Alt+3",), lambda: tab.show_mode(LOAD_PAGE), view,
         "gauge"),
    ]  # fmt: skip


def build_actions(view: QWidget, tab: TryTab) -> dict[str, QAction]:
    """``tab``'s actions by name, each added to the widget it belongs to (``view``: the whole
    tab; the HTTP page) and owned by ``view``; cancel starts disabled."""
    actions: dict[str, QAction] = {}
    for name, text, keys, slot, owner, icon in _specs(view, tab):
        action = QAction(text, view)
        if icon:
            action.setIcon(theme.icon(icon))
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{text} ({keys[0]})")
        # triggered(bool) would hand ``checked`` to a slot with an optional argument.
        action.triggered.connect(lambda _checked=False, slot=slot: slot())
        owner.addAction(action)
        actions[name] = action
    actions["cancel"].setEnabled(False)
    return actions
