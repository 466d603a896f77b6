"""The stylesheet (issue 11, #4): buttons look like buttons, toggles show their state,
keyboard focus shows, text chips do not look clickable, spin-box arrows are drawn — in
the light and the dark scheme — and the sheet parses without a Qt warning."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyleOptionSpinBox,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme

SCHEMES = [pytest.param(False, id="light"), pytest.param(True, id="dark")]


class Panel(QWidget):
    """One of each control the issue names, as the tabs use them."""

    def __init__(self) -> None:
        super().__init__()
        self.follow_on = self._toggle(True)
        self.follow_off = self._toggle(False)
        self.export = QToolButton()
        self.export.setText("Export…")
        self.recheck = QPushButton("Re-check")
        self.chip = QLabel("app.main:app")
        self.chip.setObjectName("Chip")
        self.spin = QSpinBox()
        self.spin.setRange(0, 100)
        self.spin.setValue(50)
        self.combo = QComboBox()
        self.combo.addItems(["Any level", "Error+"])
        self.tabs = QTabBar()
        for name in ("Overview", "Profile", "Compare", "Logs", "Routes", "Middleware", "Try"):
            self.tabs.addTab(name)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setFixedWidth(220)
        row = QHBoxLayout()
        for widget in (self.follow_on, self.follow_off, self.export, self.recheck):
            row.addWidget(widget)
        row2 = QHBoxLayout()
        for widget in (self.chip, self.spin, self.combo):
            row2.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(row2)
        layout.addWidget(self.tabs)

    @staticmethod
    def _toggle(on: bool) -> QToolButton:
        button = QToolButton()
        button.setText("Follow")
        button.setCheckable(True)
        button.setChecked(on)
        return button


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    """Qt's warnings while the test runs (a stylesheet that does not parse warns once)."""
    seen: list[str] = []

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        if kind != QtMsgType.QtDebugMsg and "propagateSizeHints" not in message:
            seen.append(message)

    previous = qInstallMessageHandler(handler)
    yield seen
    qInstallMessageHandler(previous)


@pytest.fixture
def panel(qtbot, request: pytest.FixtureRequest, warnings: list[str]) -> Iterator[Panel]:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app

    app = make_app()
    theme.apply_scheme(app, dark=request.param)
    built = Panel()
    qtbot.addWidget(built)
    built.show()
    qtbot.waitExposed(built)
    yield built
    theme.apply_scheme(app)  # back to the system's scheme for the next test


def _rgb(image: QImage, x: int, y: int) -> QColor:
    return QColor(image.convertToFormat(QImage.Format.Format_RGB32).pixel(x, y))


def _far(a: QColor, b: QColor, at_least: int = 24) -> bool:
    return sum(abs(p - q) for p, q in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True)) >= at_least


def _contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 = the same, 21 = black on white)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _window_colour() -> QColor:
    return QApplication.palette().window().color()


def test_every_token_is_filled_and_every_image_exists() -> None:
    for dark in (False, True):
        qss = theme.stylesheet(dark=dark)
        assert not re.search(r"@[a-z]", qss), "an unfilled @token"
        for url in re.findall(r'url\("([^"]+)"\)', qss):
            assert Path(url).is_file(), url


@pytest.mark.parametrize("panel", SCHEMES, indirect=True)
def test_the_stylesheet_parses_without_a_warning(panel: Panel, warnings: list[str]) -> None:
    panel.grab()  # polishes and paints every control
    assert QApplication.instance().styleSheet()  # type: ignore[union-attr]
    assert warnings == []


@pytest.mark.parametrize("panel", SCHEMES, indirect=True)
def test_buttons_have_a_border_and_a_fill(panel: Panel) -> None:
    for button in (panel.recheck, panel.export, panel.follow_off):
        image = button.grab().toImage()
        middle = image.height() // 2
        border, fill = _rgb(image, 0, middle), _rgb(image, 3, 3)
        assert _far(border, fill) or _far(fill, _window_colour()), button.text()
        assert _far(border, _window_colour(), 16), f"{button.text()}: no visible edge"


@pytest.mark.parametrize("panel", SCHEMES, indirect=True)
def test_a_checked_toggle_looks_different_from_an_unchecked_one(panel: Panel) -> None:
    on, off = panel.follow_on.grab().toImage(), panel.follow_off.grab().toImage()
    assert on.size() == off.size()
    assert _far(_rgb(on, 4, 4), _rgb(off, 4, 4), 60)  # the fill itself, not a hairline
    assert _rgb(on, 4, 4) == QColor(theme.ACCENT)


@pytest.mark.parametrize("panel", SCHEMES, indirect=True)
def test_keyboard_focus_shows_on_tool_and_push_buttons(qtbot, panel: Panel) -> None:  # type: ignore[no-untyped-def]
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel, timeout=2000)
    for button in (panel.export, panel.recheck):
        panel.combo.setFocus()
        QCoreApplication.processEvents()
        before = button.grab().toImage()
        button.setFocus()
        qtbot.waitUntil(button.hasFocus, timeout=2000)
        after = button.grab().toImage()
        assert _far(_rgb(before, 1, before.height() // 2), _rgb(after, 1, after.height() // 2))


@pytest.mark.parametrize("panel", SCHEMES, indirect=True)
def test_a_chip_is_text_without_a_frame(panel: Panel) -> None:
    image = panel.grab(panel.chip.geometry()).toImage()  # with what is behind it
    window = _window_colour()
    edges = [(0, image.height() // 2), (image.width() - 1, image.height() // 2),
             (image.width() // 2, 0), (image.width() // 2, image.height() - 1), (1, 1)]  # fmt: skip
    for x, y in edges:
        assert not _far(_rgb(image, x, y), window, 6), (x, y)


@pytest.mark.parametrize("panel", SCHEMES, indirect=True)
def test_spin_box_arrows_are_drawn(panel: Panel) -> None:
    spin = panel.spin
    image = spin.grab().toImage()
    option = QStyleOptionSpinBox()
    spin.initStyleOption(option)  # type: ignore[attr-defined]
    for name, part in (
        ("up", QStyle.SubControl.SC_SpinBoxUp),
        ("down", QStyle.SubControl.SC_SpinBoxDown),
    ):
        rect = spin.style().subControlRect(QStyle.ComplexControl.CC_SpinBox, option, part, spin)
        inner = rect.adjusted(3, 2, -3, -2)  # the arrow, not the button's own edges
        fill = _rgb(image, inner.left(), inner.top())
        centre = [
            _rgb(image, x, y)
            for x in range(inner.left(), inner.right() + 1)
            for y in range(inner.top(), inner.bottom() + 1)
        ]
        assert any(_far(c, fill, 120) for c in centre), f"a blank {name} button"


@pytest.mark.parametrize("panel", SCHEMES, indirect=True)
def test_the_tab_bar_shows_scroll_arrows_when_tabs_do_not_fit(panel: Panel) -> None:
    arrows = [b for b in panel.tabs.findChildren(QToolButton) if b.isVisible()]
    assert len(arrows) == 2
    for arrow in arrows:
        if not arrow.isEnabled():
            continue
        image = arrow.grab().toImage()
        fill = _rgb(image, image.width() // 2, 2)
        centre = [
            _rgb(image, x, y)
            for x in range(image.width() // 4, 3 * image.width() // 4)
            for y in range(image.height() // 4, 3 * image.height() // 4)
        ]
        assert any(_far(c, fill, 120) for c in centre), "a blank scroll arrow"


@pytest.mark.parametrize("panel", SCHEMES, indirect=True)
def test_the_selected_server_row_keeps_its_status_light_visible(qtbot, panel: Panel) -> None:  # type: ignore[no-untyped-def]
    servers = QListWidget(panel)
    servers.setObjectName("ServersList")  # the sidebar's list
    servers.addItems(["development  :8000", "production  :8001"])
    servers.resize(220, 80)
    servers.show()
    servers.setFocus()
    servers.setCurrentRow(0)
    qtbot.waitUntil(lambda: servers.currentRow() == 0, timeout=1000)
    image = servers.viewport().grab().toImage()
    rect = servers.visualItemRect(servers.item(0))
    selected = _rgb(image, rect.right() - 3, rect.center().y())
    running = QColor(theme.SEVERITY_COLOURS["ok"])  # the green light
    # was 1.6 on the teal highlight ("nearly invisible"); the light on plain white is 3.3
    assert _contrast(selected, running) >= 2.5, selected.name()


@pytest.mark.parametrize("panel", SCHEMES, indirect=True)
def test_no_white_fusion_lines_in_the_dark_scheme(panel: Panel) -> None:
    palette = QApplication.palette()
    roles = (QPalette.ColorRole.Light, QPalette.ColorRole.Midlight, QPalette.ColorRole.Mid)
    window = palette.window().color().lightness()
    for role in roles:  # Fusion's frames and tab-bar base lines use these
        if theme.is_dark():
            assert palette.color(role).lightness() < window + 60, role.name
