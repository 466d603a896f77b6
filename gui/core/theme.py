"""Look and feel: Fusion, a palette that follows the system's light/dark scheme,
the stylesheet and SVG icons from ``asgideck.resources``, a monospaced font for values.

Resources are read with :mod:`importlib.resources`, so an installed wheel needs no
checkout beside it."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

RESOURCES = files("asgideck.resources")
ICONS = RESOURCES / "icons"

ACCENT = "#0f766e"
SEVERITY_COLOURS = {"error": "#dc2626", "warning": "#d97706", "info": "#2563eb", "ok": "#16a34a"}

#: The stylesheet's ``@name`` tokens per scheme: controls need their own borders and
#: fills (a stylesheet border turns Fusion's bevel off), and these must suit each palette.
TOKENS = {
    "light": {
        "accent": ACCENT,
        "accent-hover": "#115e59",
        "on-accent": "#ffffff",
        "focus": "#0d9488",
        "focus-on-accent": "#042f2e",
        "border": "#aeb5bd",
        "border-hover": "#7d8590",
        "button-bg": "#ffffff",
        "button-hover": "#eef2f5",
        "button-pressed": "#d9e0e6",
        "disabled-bg": "#f3f4f6",
        "disabled-border": "#d4d8dd",
        "muted": "#8b8d93",
        "selection-soft": "rgba(15, 118, 110, 0.10)",
        "match": "#fde68a",
        "on-match": "#111827",
        "scheme": "light",
    },
    "dark": {
        "accent": ACCENT,
        "accent-hover": "#14897f",
        "on-accent": "#ffffff",
        "focus": "#2dd4bf",
        "focus-on-accent": "#ccfbf1",
        "border": "#555962",
        "border-hover": "#7a7f8a",
        "button-bg": "#3a3d44",
        "button-hover": "#454951",
        "button-pressed": "#2a2c31",
        "disabled-bg": "#2e3035",
        "disabled-border": "#3d4047",
        "muted": "#6b6d73",
        "selection-soft": "rgba(45, 212, 191, 0.12)",
        "match": "#e9c46a",
        "on-match": "#111827",
        "scheme": "dark",
    },
}
_TOKEN = re.compile(r"@([a-z][a-z-]*)")


def is_dark() -> bool:
    if _forced is not None:
        return _forced
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def _dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d31"), QColor("#e6e6e6")
    for role, colour in {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#25272b"),
        QPalette.ColorRole.ToolTipBase: window,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: window,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Link: QColor("#5eead4"),
        QPalette.ColorRole.Highlight: QColor(ACCENT),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.PlaceholderText: QColor("#8b8d93"),
        QPalette.ColorRole.Mid: QColor("#3a3c42"),
        # Fusion draws frames, tab-bar base lines and bevels with these: left at their
        # light-scheme defaults they show as white lines across the dark window
        QPalette.ColorRole.Light: QColor("#4a4d55"),
        QPalette.ColorRole.Midlight: QColor("#3d4047"),
        QPalette.ColorRole.Dark: QColor("#1a1b1e"),
        QPalette.ColorRole.Shadow: QColor("#111214"),
    }.items():
        p.setColor(role, colour)
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6d73"))
    return p


def _light_palette() -> QPalette:
    p = QApplication.style().standardPalette()
    p.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    p.setColor(QPalette.ColorRole.Link, QColor(ACCENT))
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#f4f6f8"))
    return p


def apply(app: QApplication) -> None:
    """Style the whole application and keep following the system's scheme."""
    app.setStyle("Fusion")
    _apply_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: _apply_scheme(app))
    app.setWindowIcon(_render((ICONS / "app.svg").read_text(encoding="utf-8")))


def _apply_scheme(app: QApplication) -> None:
    apply_scheme(app)


_forced: bool | None = None  # set by apply_scheme(dark=...): screenshots and tests


def apply_scheme(app: QApplication, *, dark: bool | None = None) -> None:
    """Palette and stylesheet for the system's scheme, or for ``dark`` when given (the
    light and dark screenshots and the tests that look at both)."""
    global _forced
    _forced = dark
    dark_now = is_dark()
    app.setPalette(_dark_palette() if dark_now else _light_palette())
    app.setStyleSheet(stylesheet(dark=dark_now))
    icon.cache_clear()


def token(name: str) -> str:
    """One colour of the current scheme (e.g. ``match`` for filter hits)."""
    return TOKENS["dark" if is_dark() else "light"][name]


def stylesheet(*, dark: bool) -> str:
    """style.qss with its ``@name`` tokens filled in; unknown tokens raise KeyError."""
    values = dict(TOKENS["dark" if dark else "light"])
    values["icons"] = _icons_dir()
    qss = (RESOURCES / "style.qss").read_text(encoding="utf-8")
    return _TOKEN.sub(lambda match: values[match.group(1)], qss)


def _icons_dir() -> str:
    """The icons folder as a path the stylesheet's url() can read (resources are files
    on disk for an installed wheel and for a checkout)."""
    return Path(str(ICONS)).as_posix()


@cache
def icon(name: str) -> QIcon:
    """An SVG icon from resources/icons drawn in the palette's text colour."""
    colour = QApplication.palette().color(QPalette.ColorRole.WindowText).name()
    svg = (ICONS / f"{name}.svg").read_text(encoding="utf-8").replace("currentColor", colour)
    return _render(svg)


def _render(svg: str) -> QIcon:
    """An icon with the SVG drawn at the sizes toolbars, menus and the title bar use."""
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    result = QIcon()
    for size in (16, 24, 32, 48):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


def mono_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font
