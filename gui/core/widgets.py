"""Small shared widgets: a banner for errors and notices (also one with buttons), a
section title, muted text."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QMargins,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme


class Banner(QLabel):
    """A coloured box for an error, warning or notice; hidden while empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_message(self, text: str, severity: str = "error") -> None:
        self.setProperty("severity", severity)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()


def section_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("SectionTitle")
    return label


def muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("Muted")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ActionBanner(QFrame):
    """A banner with buttons beside its text (e.g. a crash: Restart, Dismiss).

    Looks like :class:`Banner` (same object name and ``severity`` property) and answers
    the same calls; the buttons show only for messages given ``actions=True``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QWidget()
        self._button_row = QHBoxLayout(self.buttons)
        self._button_row.setContentsMargins(0, 0, 0, 0)
        self._button_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)  # the stylesheet pads #Banner
        layout.addWidget(self.label)
        layout.addWidget(self.buttons)
        self.buttons.hide()
        self.hide()

    def add_button(self, text: str, tip: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        self._button_row.addWidget(button)
        return button

    def show_message(self, text: str, severity: str = "error", *, actions: bool = False) -> None:
        self.setProperty("severity", severity)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.buttons.setVisible(actions)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.label.setText("")
        self.hide()

    def text(self) -> str:
        return self.label.text()


def item_with(items: QListWidget, role: int, value: object) -> QListWidgetItem | None:
    """The row of ``items`` whose ``role`` data is ``value`` (a sidebar row by its name)."""
    for row in range(items.count()):
        item = items.item(row)
        if item.data(role) == value:
            return item
    return None


def shortcut_action(
    owner: QWidget,
    text: str,
    shortcut: str,
    slot: Callable[[], object],
    *,
    icon: str | None = None,
    context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut,
    on: QWidget | None = None,
) -> QAction:
    """A view's action with its key, live within ``context`` of the widget it is added to
    (``on``, else ``owner``): every tab and panel makes its actions this one way."""
    action = QAction(text, owner)
    if icon is not None:
        action.setIcon(theme.icon(icon))
    action.setShortcut(QKeySequence(shortcut))
    action.setShortcutContext(context)
    action.triggered.connect(lambda _checked=False: slot())
    (on if on is not None else owner).addAction(action)
    return action


class ComboRows(QStyledItemDelegate):
    """A combo popup's rows drawn as list items (selection colours, text readable) with
    room around the text: under the app's stylesheet the default popup delegate paints the
    current entry with the QComboBox rule, a blank input box."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return super().sizeHint(option, index).grownBy(QMargins(0, 3, 0, 3))


def combo_box() -> QComboBox:
    """A QComboBox whose open popup shows its current entry (see ComboRows)."""
    combo = QComboBox()
    combo.setItemDelegate(ComboRows(combo))
    return combo


def record_table(model: QAbstractItemModel, name: str) -> QTableView:
    """A read-only table of records (requests, messages): one row selected at a time,
    Tab leaves it, no word wrap, no row numbers."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    return table
