"""Every shortcut of the window, found by walking its widgets, and where each one is live.

The Help → Keyboard Shortcuts list and the "no key bound twice on any desktop" check
both read the window as built, never a hand-written list, so neither can drift. A
``QKeySequence.StandardKey`` means different keys per desktop (GNOME's Refresh is
Ctrl+R, which once swallowed Start), so ``STANDARD_KEYS`` holds Qt's per-platform table
(QPlatformThemePrivate::keyBindings, qplatformtheme.cpp) for the standard keys a
check must expand on every desktop, not only on the one it runs on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QMenuBar, QTabWidget, QWidget

__all__ = [
    "SCHEMES",
    "STANDARD_KEYS",
    "Binding",
    "bindings",
    "clashes",
    "key_text",
    "menu_path",
    "standard_keys",
    "tab_of",
]

#: Qt's keyboard schemes (QPlatformTheme::KeyboardSchemes). KDE, GNOME and CDE also take
#: the X11 entries (QPlatformThemePrivate::currentKeyPlatforms).
SCHEMES = ("windows", "mac", "x11", "kde", "gnome", "cde")
_X11_FAMILY = frozenset({"x11", "kde", "gnome", "cde"})

_ALL = frozenset(SCHEMES)
_WIN, _MAC, _X11 = frozenset({"windows"}), frozenset({"mac"}), frozenset({"x11"})
_KDE, _GNOME = frozenset({"kde"}), frozenset({"gnome"})

#: standard key -> (key, schemes it is bound on). Qt 6 adds the dedicated keyboard keys
#: (Open, Save, Copy, Refresh… keys) on every scheme. "Ctrl" is Command on a Mac. Where
#: unsure, a key is listed on more desktops, never fewer: a false clash is only a rename.
STANDARD_KEYS: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {
    "HelpContents": (("Ctrl+?", _MAC), ("F1", _WIN | _X11), ("Help", _ALL)),
    "Open": (("Ctrl+O", _ALL), ("Open", _ALL)),
    "Close": (("Ctrl+F4", _MAC | _WIN), ("Ctrl+W", _MAC | _WIN | _X11), ("Close", _ALL)),
    "Save": (("Ctrl+S", _ALL), ("Save", _ALL)),
    "SaveAs": (("Ctrl+Shift+S", _ALL), ("Shift+Save", _ALL)),  # Qt 6: every desktop
    "New": (("Ctrl+N", _ALL), ("New", _ALL)),
    "Delete": (("Ctrl+D", _X11), ("Del", _ALL), ("Meta+D", _MAC)),
    "Cut": (("Ctrl+X", _ALL), ("Shift+Del", _WIN | _X11), ("F20", _X11), ("Meta+K", _MAC),
            ("Cut", _ALL)),
    "Copy": (("Ctrl+Ins", _X11 | _WIN), ("Ctrl+C", _ALL), ("F16", _X11), ("Copy", _ALL)),
    "Paste": (("Ctrl+Shift+Ins", _X11), ("Ctrl+V", _ALL), ("Shift+Ins", _WIN | _X11),
              ("F18", _X11), ("Meta+Y", _MAC), ("Paste", _ALL)),
    "Undo": (("Alt+Backspace", _WIN), ("Ctrl+Z", _ALL), ("F14", _X11), ("Undo", _ALL)),
    "Redo": (("Alt+Shift+Backspace", _WIN), ("Ctrl+Shift+Z", _MAC | _WIN | _X11),
             ("Ctrl+Y", _WIN), ("Redo", _ALL)),
    "Refresh": (("Ctrl+R", _GNOME | _MAC), ("F5", _WIN | _X11), ("Refresh", _ALL)),
    "Print": (("Ctrl+P", _ALL),),
    "Find": (("Ctrl+F", _ALL), ("Find", _ALL)),
    "FindNext": (("Ctrl+G", _WIN | _GNOME | _MAC), ("F3", _WIN | _X11)),
    "FindPrevious": (("Ctrl+Shift+G", _WIN | _GNOME | _MAC), ("Shift+F3", _WIN | _X11)),
    "Replace": (("Ctrl+R", _KDE), ("Ctrl+H", _GNOME | _WIN)),
    "SelectAll": (("Ctrl+A", _ALL),),
    "Preferences": (("Ctrl+,", _MAC),),
    "Quit": (("Ctrl+Q", _GNOME | _KDE | _MAC),),
    "FullScreen": (("Meta+Ctrl+F", _MAC), ("Alt+Enter", _WIN), ("Ctrl+Shift+F", _KDE),
                   ("Ctrl+F11", _GNOME), ("F11", _WIN | _KDE)),
    "Deselect": (("Ctrl+Shift+A", _X11),),
    "ZoomIn": (("Ctrl++", _ALL), ("Zoom In", _ALL)),
    "ZoomOut": (("Ctrl+-", _ALL), ("Zoom Out", _ALL)),
}  # fmt: skip


def key_text(sequence: QKeySequence | str) -> str:
    """One spelling per key (``Ctrl+Del`` and ``Ctrl+Delete`` are the same key)."""
    return QKeySequence(sequence).toString(QKeySequence.SequenceFormat.PortableText)


def standard_keys(name: str, scheme: str) -> list[str]:
    """The keys Qt binds ``QKeySequence.StandardKey.<name>`` to on desktop ``scheme``."""
    wanted = {scheme} | ({"x11"} if scheme in _X11_FAMILY else set())
    return [key_text(k) for k, on in STANDARD_KEYS.get(name, ()) if on & wanted]


def _here(name: str) -> set[str]:
    """What the standard key means on the desktop this runs on (as Qt says)."""
    standard = getattr(QKeySequence.StandardKey, name)
    return {key_text(k) for k in QKeySequence.keyBindings(standard)}


@dataclass(frozen=True, eq=False)
class Binding:
    """The keys of one action or shortcut, and the widgets whose focus makes them live."""

    label: str
    keys: tuple[str, ...]
    source: QAction | QShortcut
    scopes: tuple[QWidget, ...]
    with_children: bool  # live in each scope's whole subtree, not just on the widget

    def keys_on(self, scheme: str, standard: Iterable[str]) -> set[str]:
        """Its keys on desktop ``scheme``: a key that is a standard key here (it may have
        been made from one) brings that standard key's bindings on ``scheme``."""
        keys = set(self.keys)
        for name in standard:
            if keys & _here(name):
                keys |= set(standard_keys(name, scheme))
        return keys

    def overlaps(self, other: Binding) -> bool:
        """Could both be live for one focus widget (Qt's condition for an ambiguous key)?"""
        for mine in self.scopes:
            for theirs in other.scopes:
                if mine is theirs:
                    return True
                if self.with_children and mine.isAncestorOf(theirs):
                    return True
                if other.with_children and theirs.isAncestorOf(mine):
                    return True
        return False


def _label(action: QAction) -> str:
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")


def _action_scopes(action: QAction, window: QWidget) -> tuple[tuple[QWidget, ...], bool]:
    context = action.shortcutContext()
    widgets = [w for w in action.associatedObjects() if isinstance(w, QWidget)]
    if context in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
        return ((window,) if widgets else ()), True
    # A menu never widens a widget-local action: Qt checks the menu's own menu bar focus.
    widgets = [w for w in widgets if not isinstance(w, QMenu | QMenuBar)]
    return tuple(widgets), context == Qt.ShortcutContext.WidgetWithChildrenShortcut


def bindings(window: QWidget) -> list[Binding]:
    """Every action and QShortcut with a key inside ``window`` (tabs, panels, menus)."""
    found: list[Binding] = []
    seen: set[int] = set()
    for action in window.findChildren(QAction):
        if id(action) in seen or not action.shortcuts():
            continue
        seen.add(id(action))
        scopes, with_children = _action_scopes(action, window)
        keys = tuple(key_text(k) for k in action.shortcuts())
        found.append(Binding(_label(action), keys, action, scopes, with_children))
    for shortcut in window.findChildren(QShortcut):
        sequences = shortcut.keys()  # a QShortcut, not a dict
        keys = tuple(key_text(k) for k in sequences if not k.isEmpty())
        parent = shortcut.parent()
        if not keys or not isinstance(parent, QWidget):
            continue
        context = shortcut.context()
        window_wide = context in (
            Qt.ShortcutContext.WindowShortcut,
            Qt.ShortcutContext.ApplicationShortcut,
        )
        scope = window if window_wide else parent
        label = shortcut.objectName() or shortcut.whatsThis() or f"{type(parent).__name__} key"
        with_children = context != Qt.ShortcutContext.WidgetShortcut
        found.append(Binding(label, keys, shortcut, (scope,), with_children))
    return found


def clashes(
    found: Sequence[Binding], standard: Iterable[str], schemes: Iterable[str] = SCHEMES
) -> list[str]:
    """One line per key bound twice where both are live, on any desktop ``schemes``."""
    standard = list(standard)
    problems: list[str] = []
    for scheme in schemes:
        keys = [b.keys_on(scheme, standard) for b in found]
        for i, first in enumerate(found):
            for j in range(i + 1, len(found)):
                second = found[j]
                shared = keys[i] & keys[j]
                if shared and first.overlaps(second):
                    problems.append(
                        f"{scheme}: {', '.join(sorted(shared))} is bound to both "
                        f"{first.label!r} and {second.label!r}"
                    )
    return problems


def menu_path(action: QAction, bar: QMenuBar) -> str:
    """``File → Open Project…`` for an action in ``bar``'s menus; "" when in none."""

    def walk(menu: QMenu, trail: list[str]) -> str:
        for item in menu.actions():
            sub = item.menu()
            if isinstance(sub, QMenu):
                path = walk(sub, [*trail, _label(item)])
                if path:
                    return path
            elif item is action:
                return " → ".join([*trail, _label(item)])
        return ""

    for top in bar.actions():
        sub = top.menu()
        if isinstance(sub, QMenu):
            path = walk(sub, [_label(top)])
            if path:
                return path
    return ""


def tab_of(widget: QObject) -> str:
    """The title of the tab ``widget`` lives in ("" when in none)."""
    child: QObject | None = widget
    while child is not None:
        parent = child.parent()
        # a tab page's parent is the tab widget's internal stack
        holder = parent.parent() if parent is not None else None
        if isinstance(holder, QTabWidget) and isinstance(child, QWidget):
            index = holder.indexOf(child)
            if index >= 0:
                return holder.tabText(index).replace("&", "")
        child = parent
    return ""
