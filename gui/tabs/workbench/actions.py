"""The Try tab's actions: every command has a shortcut, a tooltip naming it, and a menu entry.

The page-specific actions (send, cancel, save, …) belong to the HTTP page, so
their shortcuts only fire there; the others work anywhere in the Try tab. The
window lists them all in its Request menu.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from asgideck.gui.core import theme
from asgideck.gui.tabs.workbench.composer import Composer

if TYPE_CHECKING:
    from asgideck.gui.tabs.workbench.view import TryView

HTTP_PAGE, WS_PAGE, LOAD_PAGE = range(3)  # the mode tabs, in order (Alt+1, Alt+2, Alt+3)

# name, text, shortcuts, slot, owner (the widget whose focus enables it), icon
_Spec = tuple[str, str, tuple[str, ...], Callable[[], object], QWidget, str | None]


def _focus_body_kind(composer: Composer) -> None:
    composer.tabs.setCurrentIndex(3)
    composer.body_kind.setFocus()


def _specs(view: TryView) -> list[_Spec]:
    page, composer = view.http_page, view.composer
    return [
        ("send", "Send request", ("Ctrl+Return", "Ctrl+Enter"), view.send, page, "send"),
        ("cancel", "Cancel request", ("Esc",), view.cancel, page, "stop"),
        ("focus_url", "Edit URL", ("Ctrl+L",), composer.focus_url, page, None),
        ("focus_method", "Choose method", ("Ctrl+M",), composer.method.setFocus, page, None),
        ("body_kind", "Choose body kind", ("Ctrl+Shift+B",), lambda: _focus_body_kind(composer),
         page, None),
        ("toggle_pretty", "Pretty / raw body", ("Ctrl+Shift+P",),
         view.response.pretty_button.toggle, page, None),
        ("save_body", "Save response body…", ("Ctrl+S",), view.save_body, page, None),
        ("search_history", "Search history", ("Ctrl+Shift+F",), view.history.focus_search,
         page, "search"),
        ("authorize", "Authorize…", ("Ctrl+Shift+A",), view.authorize, view, "shield"),
        ("copy_curl", "Copy as curl", ("Ctrl+Shift+C",), view.copy_curl, view, "copy"),
        ("copy_httpx", "Copy as httpx", ("Ctrl+Alt+C",), view.copy_httpx, view, "copy"),
        ("paste_curl", "Paste curl", ("Ctrl+Alt+V",), view.paste_curl, view, "terminal"),
        ("mode_http", "HTTP requests", ("Alt+1",), lambda: view.show_mode(HTTP_PAGE), view,
         None),
        ("mode_ws", "WebSocket", ("Alt+2",), lambda: view.show_mode(WS_PAGE), view, None),
        ("mode_load", "Load test", ("Alt+3",), lambda: view.show_mode(LOAD_PAGE), view, None),
    ]  # fmt: skip


def build_actions(view: TryView) -> dict[str, QAction]:
    """The view's actions by name, each added to the widget it belongs to (cancel starts off)."""
    actions: dict[str, QAction] = {}
    for name, text, keys, slot, owner, icon in _specs(view):
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
