"""Look and feel: Fusion, a palette that follows the system's light/dark scheme,
the stylesheet and SVG icons from ``asgideck.resources``, a monospaced font for values.

Resources are read with :mod:`importlib.resources`, so an installed wheel needs no
checkout beside it."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

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


def is_dark() -> bool:
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
    app.setPalette(_dark_palette() if is_dark() else _light_palette())
    qss = (RESOURCES / "style.qss").read_text(encoding="utf-8")
    app.setStyleSheet(qss.replace("@accent", ACCENT))
    icon.cache_clear()


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
