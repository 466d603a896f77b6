"""Mail tab: what the profile's mail catcher caught, newest first, and the selected
message beside the list.

The store is a folder the catcher process writes; reading it is file I/O, so every
read, delete and clear runs on the view's task scope, never on the GUI thread. A
timer polls while the tab is shown (the Mailbox caches parsed messages, so a poll is
one directory listing); an unchanged list leaves the table alone.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtGui import QAction, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core.tasks import TaskRunner
from asgideck.gui.core.widgets import Banner, muted, record_table, shortcut_action
from asgideck.gui.tabs.mail.detail import MailDetail
from asgideck.gui.tabs.mail.model import MailModel
from asgideck.runtime.services import CaughtMail, Mailbox

POLL_MS = 1000
REFRESH = "refresh"
CHANGE = "change"
EMPTY_HINT = (
    "No mail caught yet. Mail the app sends through this profile's SMTP server "
    "(the mail catcher asgideck runs) shows up here."
)


class MailTab(QWidget):
    """The caught messages of one profile's mail catcher; built with the page's runner."""

    def __init__(
        self, mailbox: Mailbox, runner: TaskRunner | None = None, parent: QWidget | None = None
    ) -> None:
        """``runner``: the page's task runner (the window waits for its jobs on exit);
        without one the tab keeps a one-thread runner of its own."""
        super().__init__(parent)
        self.mailbox = mailbox
        self.scope = (runner if runner is not None else TaskRunner(self, threads=1)).scope(self)
        self.model = MailModel()
        self.banner = Banner()
        self.table = record_table(self.model, "MailTable")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(MailModel.FROM, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(MailModel.TO, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(MailModel.SUBJECT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(MailModel.RECEIVED, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(MailModel.FROM, 200)
        header.resizeSection(MailModel.TO, 200)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.detail = MailDetail()
        self.status = muted(EMPTY_HINT)

        self.delete_action = self._action(
            "&Delete Message", "Del", "minus", self.delete_selected, on=self.table
        )
        self.clear_action = self._action("C&lear Mailbox", "Ctrl+L", None, self.clear_all)
        delete_button = self._tool_for(self.delete_action, "Delete the selected message")
        clear_button = self._tool_for(self.clear_action, "Delete every caught message")
        clear_button.setText("Clear")
        clear_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)

        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(delete_button)
        bar.addWidget(clear_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(bar)
        left_layout.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(left)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        self._update_actions()

    # ------------------------------------------------------------------ window conventions
    def _action(
        self,
        text: str,
        shortcut: str,
        icon: str | None,
        slot: Callable[[], object],
        *,
        on: QWidget | None = None,
    ) -> QAction:
        """An action live while focus is in the tab (``on``: only on that widget; Del in
        the detail's text must not delete the message)."""
        if on is None:
            return shortcut_action(self, text, shortcut, slot, icon=icon)
        widget_only = Qt.ShortcutContext.WidgetShortcut
        return shortcut_action(self, text, shortcut, slot, icon=icon, context=widget_only, on=on)

    def _tool_for(self, action: QAction, tip: str) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shortcut})")
        return button

    def actions(self) -> list[QAction]:
        """Delete Message (Del, in the list) and Clear Mailbox (Ctrl+L)."""
        return [self.delete_action, self.clear_action]

    def focus_main(self) -> None:
        """The message list takes the keyboard, on a row so arrows and Del work at once."""
        if not self.table.currentIndex().isValid() and self.model.rowCount() > 0:
            self.table.selectRow(0)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def detach(self) -> None:
        """The page closes: stop polling and drop whatever is in flight."""
        self.timer.stop()
        self.scope.close()

    # ------------------------------------------------------------------ polling
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def refresh(self) -> None:
        """Read the store again (off the GUI thread); a delete in flight goes first."""
        if self.scope.pending(REFRESH) or self.scope.pending(CHANGE):
            return
        self.scope.run(self.mailbox.messages, self._on_messages, key=REFRESH, failed=self._failed)

    def _on_messages(self, mails: list[CaughtMail]) -> None:
        self.banner.clear_message()
        if [mail.id for mail in mails] == self.model.ids():
            return
        self._show_rows(mails)

    def _show_rows(self, mails: list[CaughtMail]) -> None:
        current = self.selected()
        self.model.set_rows(mails)
        row = self.model.row_of(current.id) if current is not None else -1
        if row >= 0:
            self.table.selectRow(row)
        else:
            self.detail.show_mail(None)
        self._update_actions()

    def _failed(self, exc: Exception) -> None:
        self.banner.show_message(f"Mail: could not read {self.mailbox.store}: {exc}", "error")

    # ------------------------------------------------------------------ selection
    def selected(self) -> CaughtMail | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.detail.show_mail(self.selected())
        self._update_actions()

    def _update_actions(self) -> None:
        count = self.model.rowCount()
        self.delete_action.setEnabled(self.selected() is not None)
        self.clear_action.setEnabled(count > 0)
        self.status.setText(
            EMPTY_HINT if count == 0 else f"{count:,} message{'s' if count != 1 else ''}"
        )

    # ------------------------------------------------------------------ changes
    def delete_selected(self) -> None:
        """Delete the selected message; the next one down is selected."""
        mail = self.selected()
        if mail is None:
            return
        row = self.model.row_of(mail.id)
        self.model.remove_row(row)  # at once; the store follows off the GUI thread
        if self.model.rowCount() > 0:
            self.table.selectRow(min(row, self.model.rowCount() - 1))
        else:
            self.detail.show_mail(None)
        self._update_actions()
        self._change(lambda: self.mailbox.delete(mail.id))

    def clear_all(self) -> None:
        """Delete every caught message."""
        self._show_rows([])
        self._change(self.mailbox.clear)

    def _change(self, op: Callable[[], object]) -> None:
        self.scope.forget(REFRESH)  # a read started before the change would bring it back
        self.scope.run(op, lambda _result: self._changed(), key=CHANGE, failed=self._change_failed)

    def _changed(self) -> None:
        self.refresh()

    def _change_failed(self, exc: Exception) -> None:
        self.banner.show_message(f"Mail: could not change {self.mailbox.store}: {exc}", "error")
        self.refresh()
