"""One base for flat table models: rows as a list, columns with titles.

``data()`` never raises (Anki's rule): Qt calls it for whatever it paints, also
while a view catches up with a reset, and an exception there cannot be shown to
anyone. So the base checks the index (valid, row and column in range) before a
subclass sees it, and a subclass answers one cell of one real row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
R = TypeVar("R")

_NO_INDEX = QModelIndex()


def column_title(
    columns: Sequence[str], section: int, orientation: Qt.Orientation, role: int
) -> str | None:
    """``headerData`` for models whose horizontal headers are a list of titles."""
    if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
        return columns[section] if 0 <= section < len(columns) else None
    return None


class TableModel(QAbstractTableModel, Generic[R]):
    """A table over a list of rows of type ``R``; subclasses answer :meth:`cell`.

    Example::

        class PeopleModel(TableModel[Person]):
            COLUMNS = ("Name", "Age")
            NAME, AGE = range(2)

            def cell(self, row: Person, column: int, role: int) -> Any:
                if role == Qt.ItemDataRole.DisplayRole:
                    return row.name if column == self.NAME else str(row.age)
                return None

        model = PeopleModel()
        model.set_rows(people)      # one reset
        model.row(0)                # a Person, or None past the end

    ``COLUMNS`` are the titles; :meth:`set_columns` changes them on one instance
    (e.g. headers named after what is shown). Editable models add ``flags`` and
    ``setData`` and use :meth:`row` to find what was edited.
    """

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, rows: Iterable[R] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[R] = list(rows)
        self._columns: tuple[str, ...] = self.COLUMNS

    # -- the rows
    def rows(self) -> list[R]:
        """A copy of the rows, in order."""
        return list(self._rows)

    def row(self, row: int) -> R | None:
        """The row at ``row``, or None outside the table."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def set_rows(self, rows: Iterable[R]) -> None:
        """Replace every row in one reset (cheaper than moves when most rows change)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: Sequence[R]) -> None:
        """Add ``rows`` at the end in one insert."""
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(_NO_INDEX, first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def remove_row(self, row: int) -> bool:
        """Remove the row at ``row``; False outside the table."""
        if not 0 <= row < len(self._rows):
            return False
        self.beginRemoveRows(_NO_INDEX, row, row)
        del self._rows[row]
        self.endRemoveRows()
        return True

    # -- the columns
    @property
    def columns(self) -> tuple[str, ...]:
        return self._columns

    def set_columns(self, titles: Sequence[str]) -> None:
        """New column titles; a different number of columns resets the model."""
        titles = tuple(titles)
        if titles == self._columns:
            return
        if len(titles) != len(self._columns):
            self.beginResetModel()
            self._columns = titles
            self.endResetModel()
            return
        self._columns = titles
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(titles) - 1)

    def column_changed(self, column: int) -> None:
        """Repaint every cell of ``column`` (what it shows changed, e.g. masking)."""
        if self._rows and 0 <= column < len(self._columns):
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    # -- Qt's side
    def cell(self, row: R, column: int, role: int) -> Any:
        """What ``role`` shows for ``column`` of ``row`` (``column`` is in range)."""
        return None

    def rowCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(self._columns, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self._columns):
            return None
        row = self.row(index.row())
        return None if row is None else self.cell(row, index.column(), role)
