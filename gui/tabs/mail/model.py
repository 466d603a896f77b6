"""The caught messages as a table: from, to, subject, when (newest first, as stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt

from asgideck.gui.core.table_models import TableModel
from asgideck.runtime.services import CaughtMail


def when(received: datetime, now: datetime | None = None) -> str:
    """Local time; the date too unless it arrived today."""
    local = received.astimezone()
    today = (now or datetime.now().astimezone()).date()
    return local.strftime("%H:%M:%S" if local.date() == today else "%Y-%m-%d %H:%M")


class MailModel(TableModel[CaughtMail]):
    COLUMNS = ("From", "To", "Subject", "Received")
    FROM, TO, SUBJECT, RECEIVED = range(4)

    def ids(self) -> list[str]:
        return [mail.id for mail in self._rows]

    def row_of(self, mail_id: str) -> int:
        """The row showing ``mail_id``, or -1."""
        for number, mail in enumerate(self._rows):
            if mail.id == mail_id:
                return number
        return -1

    def cell(self, row: CaughtMail, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.FROM:
                return row.sender or "<>"
            if column == self.TO:
                return ", ".join(row.recipients)
            if column == self.SUBJECT:
                return row.subject or "(no subject)"
            return when(row.received_at)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.TO:
                return "\n".join(row.recipients)
            if column == self.RECEIVED:
                return row.received_at.astimezone().isoformat(sep=" ", timespec="seconds")
            return None
        return None
