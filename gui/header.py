"""The strip above the tabs: the project's name and folder, the app and interpreter
chips (what runs, and why that one), what the tabs show ("Showing: server · profile")
and the profile box.

The window holds one and tells it what to show; a profile picked here is only
reported (``profile_picked``), the window asks the session to switch (and the page
then selects the first server using that profile).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from asgideck.gui.core.paths import shown_path
from asgideck.gui.core.widgets import combo_box
from asgideck.gui.tabs import app_picker
from asgideck.runtime.project import Interpreter, Project

__all__ = ["PathLabel", "ProjectHeader"]


class PathLabel(QLabel):
    """A folder that does not fit loses its start ("…/walk/app"), never its end: a path cut
    at the right looks like another, real path. ``text()`` stays the whole path."""

    def shown_text(self) -> str:
        """What is painted at the current width."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideLeft, self.contentsRect().width()
        )

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(self.contentsRect(), int(align), self.shown_text())
        painter.end()


class ProjectHeader(QWidget):
    #: The user picked a profile in the combo (never emitted when the window sets it).
    profile_picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ProjectHeader")
        self.name_label = QLabel("asgideck")
        self.name_label.setObjectName("ProjectName")
        self.path_label = PathLabel("")
        self.path_label.setObjectName("ProjectPath")
        self.app_chip = QLabel("")
        self.app_chip.setObjectName("Chip")
        self.python_chip = QLabel("")
        self.python_chip.setObjectName("Chip")
        self.profile_combo = combo_box()
        self.profile_combo.setMinimumWidth(150)
        self.profile_combo.setToolTip(
            "The selected server's profile. Picking another selects the first server using it;"
            "\nwith none, the tabs show what the probe sees for that profile. (Ctrl+P)"
        )
        self.profile_combo.currentTextChanged.connect(self.profile_picked)
        self.showing_label = QLabel("")  # two lines: which server and profile; where from
        self.showing_label.setObjectName("Showing")
        self.showing_label.setTextFormat(Qt.TextFormat.PlainText)
        self.showing_label.setToolTip(
            "What Logs, Routes, Middleware and Try show: the server selected in the sidebar"
            " and its profile"
        )
        # In a narrow window the chips and the path give way (their tooltips say it all);
        # the "Showing" lines and the profile box never do.
        for label in (self.path_label, self.app_chip, self.python_chip):
            label.setMinimumWidth(48)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.name_label)
        titles.addWidget(self.path_label)
        row = QHBoxLayout(self)
        row.addLayout(titles, 1)
        row.addWidget(self.app_chip)
        row.addWidget(self.python_chip)
        row.addSpacing(12)
        row.addWidget(self.showing_label)
        row.addWidget(QLabel("Profile:"))
        row.addWidget(self.profile_combo)

    def show_project(self, project: Project) -> None:
        self.name_label.setText(project.name)
        self.path_label.setText(shown_path(project.root))
        self.path_label.setToolTip(str(project.root))
        self.show_app(project)
        self.show_interpreter(project.interpreter)

    def show_app(self, project: Project) -> None:
        """The app chip: the app, and where it was found when it was one of several."""
        several = app_picker.chooses_app(project)
        change = f"\nFile → Choose App… ({app_picker.SHORTCUT})" if several else ""
        app = project.app
        if app is None:
            count = len(project.candidates)
            self.app_chip.setText(f"choose an app ({count} found)" if several else "no app found")
            self.app_chip.setToolTip((project.app_error or "") + change)
            return
        text = app.import_string + (" (factory)" if app.factory else "")
        self.app_chip.setText(f"{text} · {app_picker.app_place(app)}" if several else text)
        self.app_chip.setToolTip("\n".join((app.reason, *app.found)) + change)

    def show_interpreter(self, interp: Interpreter) -> None:
        """The interpreter chip: which one and why; a warning when it is asgideck's own."""
        text = interp.label or interp.path.name
        self.python_chip.setText(f"⚠ {text}" if interp.fallback else text)
        self.python_chip.setToolTip(
            f"{interp.path}\n{interp.reason}\nFile → Choose Interpreter… (Ctrl+I)"
        )
        self.python_chip.setProperty("severity", "warning" if interp.fallback else "")
        self.python_chip.setStyleSheet(
            "color: #b45309; border-color: #d97706; background: rgba(217, 119, 6, 0.12);"
            if interp.fallback
            else ""
        )

    def show_showing(self, text: str) -> None:
        """The one line saying what the tabs show (the page keeps it current)."""
        self.showing_label.setText(text)

    # ----------------------------------------------------------------- profiles
    def fill_profiles(self, names: Sequence[str], current: str | None) -> None:
        """The project's profiles, ``current`` selected (without reporting a pick)."""
        self.profile_combo.blockSignals(True)
        self.profile_combo.clear()
        self.profile_combo.addItems(list(names))
        if current is not None:
            self.profile_combo.setCurrentText(current)
        self.profile_combo.blockSignals(False)
        self.profile_combo.setEnabled(self.profile_combo.count() > 0)

    def show_profile(self, name: str) -> None:
        """Follow a profile chosen elsewhere (without reporting a pick)."""
        if self.profile_combo.currentText() != name:
            self.profile_combo.blockSignals(True)
            self.profile_combo.setCurrentText(name)
            self.profile_combo.blockSignals(False)

    def pick_profile(self, name: str) -> None:
        """Pick ``name`` as the user would (reported through ``profile_picked``)."""
        self.profile_combo.setCurrentText(name)

    def step_profile(self, step: int) -> None:
        count = self.profile_combo.count()
        if count:
            self.profile_combo.setCurrentIndex((self.profile_combo.currentIndex() + step) % count)

    def focus_profiles(self) -> None:
        self.profile_combo.setFocus()
        self.profile_combo.showPopup()

    def disable_profiles(self) -> None:
        self.profile_combo.setEnabled(False)
        self.showing_label.setText("")
