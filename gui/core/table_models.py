"""Table models over runtime profiles. ``data()`` never raises (Anki's rule)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from asgideck.gui.core import theme
from asgideck.runtime.profiles import Profile, ProfileDiff, Variable

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


def column_title(
    columns: Sequence[str], section: int, orientation: Qt.Orientation, role: int
) -> str | None:
    """``headerData`` for models whose horizontal headers are a fixed list of titles."""
    if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
        return columns[section] if 0 <= section < len(columns) else None
    return None


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class VariablesModel(QAbstractTableModel):
    """Key, value (masked unless revealed), source file:line, what it overrides.

    Editing the value column calls ``on_edit(key, value)``; the runtime writes the file
    and the view reloads the model from the new profile.
    """

    COLUMNS = ("Key", "Value", "Source", "Overrides")
    KEY, VALUE, SOURCE, OVERRIDES = range(4)

    def __init__(self, on_edit: Callable[[str, str], bool] | None = None) -> None:
        super().__init__()
        self._profile: Profile | None = None
        self._rows: list[Variable] = []
        self._revealed = False
        self._on_edit = on_edit

    @property
    def revealed(self) -> bool:
        return self._revealed

    def set_profile(self, profile: Profile | None) -> None:
        self.beginResetModel()
        self._profile = profile
        self._rows = list(profile.variables.values()) if profile else []
        self.endResetModel()

    def set_revealed(self, revealed: bool) -> None:
        self._revealed = revealed
        if self._rows:
            self.dataChanged.emit(
                self.index(0, self.VALUE), self.index(len(self._rows) - 1, self.VALUE)
            )

    def variable(self, row: int) -> Variable | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key: str) -> int:
        return next((i for i, v in enumerate(self._rows) if v.key == key), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(self.COLUMNS, section, orientation, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.VALUE and self._on_edit is not None:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        var = self.variable(index.row()) if index.isValid() else None
        if var is None or self._profile is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.KEY:
                return var.key
            if col == self.VALUE:
                return self._shown_value(var)
            if col == self.SOURCE:
                return f"{_rel(var.origin.file, self._profile.root)}:{var.origin.line}"
            if col == self.OVERRIDES:
                return ", ".join(
                    f"{_rel(e.file, self._profile.root)}:{e.line}" for e in var.overrides
                )
        elif role == Qt.ItemDataRole.EditRole and col == self.VALUE:
            return var.value or ""
        elif role == Qt.ItemDataRole.FontRole and col in (self.KEY, self.VALUE):
            return theme.mono_font()
        elif role == Qt.ItemDataRole.ForegroundRole and col == self.VALUE and var.value is None:
            return QBrush(QColor("#8b8d93"))
        elif role == Qt.ItemDataRole.ToolTipRole:
            if col == self.OVERRIDES and var.overrides:
                return "This value hides the one defined at " + ", ".join(
                    f"{_rel(e.file, self._profile.root)}:{e.line}" for e in var.overrides
                )
            if col == self.VALUE and var.secret and not self._revealed:
                return "Secret: masked. Reveal with View → Reveal secrets (Ctrl+Shift+R)."
        elif role == KEY_ROLE:
            return var.key
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        var = self.variable(index.row()) if index.isValid() else None
        if var is None or role != Qt.ItemDataRole.EditRole or self._on_edit is None:
            return False
        if index.column() != self.VALUE or str(value) == (var.value or ""):
            return False
        return self._on_edit(var.key, str(value))

    def _shown_value(self, var: Variable) -> str:
        if var.value is None:
            return "(no value)"
        return var.value if self._revealed else var.masked


@dataclass(frozen=True)
class DiffRow:
    key: str
    status: str  # "only-a", "only-b", "different", "same"
    a: str
    b: str


DIFF_LABELS = {
    "only-a": "only in A",
    "only-b": "only in B",
    "different": "different",
    "same": "same",
}
DIFF_COLOURS = {"only-a": "#dc2626", "only-b": "#16a34a", "different": "#d97706", "same": ""}


class DiffModel(QAbstractTableModel):
    """Two profiles side by side: key, value in A, value in B, status."""

    COLUMNS = ("Key", "A", "B", "Status")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[DiffRow] = []

    def set_diff(
        self, diff: ProfileDiff | None, a: Profile | None, b: Profile | None, *, show_same: bool
    ) -> None:
        self.beginResetModel()
        self._rows = []
        if diff is not None and a is not None and b is not None:
            self.COLUMNS = ("Key", diff.a, diff.b, "Status")
            groups = [
                ("different", diff.different),
                ("only-a", diff.only_a),
                ("only-b", diff.only_b),
            ]
            if show_same:
                groups.append(("same", diff.same))
            for status, keys in groups:
                for key in keys:
                    va, vb = a.variables.get(key), b.variables.get(key)
                    self._rows.append(
                        DiffRow(key, status, va.masked if va else "", vb.masked if vb else "")
                    )
        self.endResetModel()

    def row(self, row: int) -> DiffRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(self.COLUMNS, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row(index.row()) if index.isValid() else None
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.key, row.a, row.b, DIFF_LABELS[row.status])[col] if 0 <= col < 4 else None
        if role == Qt.ItemDataRole.FontRole and col < 3:
            return theme.mono_font()
        if role == Qt.ItemDataRole.ForegroundRole and col == 3 and DIFF_COLOURS[row.status]:
            return QBrush(QColor(DIFF_COLOURS[row.status]))
        if role == KEY_ROLE:
            return row.key
        return None
