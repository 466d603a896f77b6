"""Compare tab: two profiles side by side, plus what .env.example expects."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.widgets import Banner, combo_box, muted
from asgideck.gui.tabs.profile.models import DiffModel
from asgideck.gui.tabs.profile.reveal import reveal_state
from asgideck.runtime.inspect import ProjectSession
from asgideck.runtime.profiles import EnvFileError, diff_profiles, missing_from_example


class DiffView(QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = DiffModel()
        self.a_combo = combo_box()
        self.b_combo = combo_box()
        self.swap_button = QToolButton()
        self.swap_button.setIcon(theme.icon("compare"))
        self.swap_button.setToolTip("Swap A and B")
        self.swap_button.clicked.connect(self.swap)
        self.show_same = QCheckBox("Show identical")
        self.show_same.toggled.connect(lambda _checked: self.refresh())

        self.table = QTableView()
        self.table.setObjectName("DiffTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)

        self.banner = Banner()
        self.summary = muted()
        self.missing = muted()

        bar = QHBoxLayout()
        bar.addWidget(QLabel("A:"))
        bar.addWidget(self.a_combo, 1)
        bar.addWidget(self.swap_button)
        bar.addWidget(QLabel("B:"))
        bar.addWidget(self.b_combo, 1)
        bar.addWidget(self.show_same)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.missing)

        self._fill_combos()
        self.a_combo.currentTextChanged.connect(lambda _name: self.refresh())
        self.b_combo.currentTextChanged.connect(lambda _name: self.refresh())
        session.profile_changed.connect(self._on_profile_changed)
        # Shown as the Profile tab shows them: the window's Reveal Secrets reaches both.
        self._reveal = reveal_state(session)
        self._reveal.changed.connect(self.model.set_revealed)
        self.model.set_revealed(self._reveal.revealed)
        self.refresh()

    def detach(self) -> None:
        """Stop listening to the session (the page is closing)."""
        self.session.profile_changed.disconnect(self._on_profile_changed)
        self._reveal.changed.disconnect(self.model.set_revealed)

    def set_revealed(self, revealed: bool) -> None:
        """Show secret values (View → Reveal Secrets) or mask them."""
        self._reveal.set(revealed)
        self.model.set_revealed(revealed)

    def focus_main(self) -> None:
        """The comparison table takes the keyboard."""
        if not self.table.currentIndex().isValid() and self.model.rowCount() > 0:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fill_combos(self) -> None:
        names = self.session.profile_names
        for combo in (self.a_combo, self.b_combo):
            combo.blockSignals(True)
            current = combo.currentText()
            combo.clear()
            combo.addItems(names)
            if current in names:
                combo.setCurrentText(current)
            combo.blockSignals(False)
        if self.a_combo.currentText() == self.b_combo.currentText() and len(names) > 1:
            self.b_combo.setCurrentIndex(1 if self.a_combo.currentIndex() == 0 else 0)

    def _on_profile_changed(self, _profile: object) -> None:
        self._fill_combos()
        self.refresh()

    def compare(self, a: str, b: str) -> None:
        self.a_combo.setCurrentText(a)
        self.b_combo.setCurrentText(b)
        self.refresh()

    def swap(self) -> None:
        self.compare(self.b_combo.currentText(), self.a_combo.currentText())

    def refresh(self) -> None:
        a_name, b_name = self.a_combo.currentText(), self.b_combo.currentText()
        if not a_name or not b_name:
            self.model.set_diff(None, None, None, show_same=False)
            self.summary.setText("Add a second .env.NAME file to compare profiles.")
            return
        try:
            a, b = self.session.load(a_name), self.session.load(b_name)
        except EnvFileError as exc:
            self.banner.show_message(str(exc))
            self.model.set_diff(None, None, None, show_same=False)
            return
        self.banner.clear_message()
        diff = diff_profiles(a, b)
        self.model.set_diff(diff, a, b, show_same=self.show_same.isChecked())
        self.summary.setText(
            f"{len(diff.different)} different · {len(diff.only_a)} only in {a_name} · "
            f"{len(diff.only_b)} only in {b_name} · {len(diff.same)} identical"
        )
        gaps = []
        for profile in (a, b):
            missing = missing_from_example(self.session.root, profile)
            if missing:
                gaps.append(f"{profile.name} lacks {', '.join(missing)} (listed in .env.example)")
        self.missing.setText("; ".join(gaps))
