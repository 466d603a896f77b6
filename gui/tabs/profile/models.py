"""The Profile and Compare tabs' tables: a profile's variables, two profiles side by side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from asgideck.gui.core import theme
from asgideck.gui.core.table_models import Index, TableModel
from asgideck.runtime.profiles import Profile, ProfileDiff, Variable

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
_DISPLAY, _EDIT = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole
_REVEAL_HINT = "Reveal with View → Reveal Secrets (Ctrl+Shift+R)."


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class VariablesModel(TableModel[Variable]):
    """Key, value (masked unless revealed), source file:line, what it overrides.

    Editing the value column calls ``on_edit(key, value)``; the runtime writes the file
    and the view reloads the model from the new profile.
    """

    COLUMNS = ("Key", "Value", "Source", "Overrides")
    KEY, VALUE, SOURCE, OVERRIDES = range(4)

    def __init__(self, on_edit: Callable[[str, str], bool] | None = None) -> None:
        super().__init__()
        self._root = Path()
        self._revealed = False
        self._on_edit = on_edit

    @property
    def revealed(self) -> bool:
        return self._revealed

    def set_profile(self, profile: Profile | None) -> None:
        self._root = profile.root if profile is not None else Path()
        self.set_rows(profile.variables.values() if profile is not None else ())

    def set_revealed(self, revealed: bool) -> None:
        self._revealed = revealed
        self.column_changed(self.VALUE)

    def variable(self, row: int) -> Variable | None:
        return self.row(row)

    def row_of(self, key: str) -> int:
        return next((i for i, v in enumerate(self._rows) if v.key == key), -1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.VALUE and self._on_edit is not None:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def cell(self, row: Variable, column: int, role: int) -> Any:
        if role == _DISPLAY:
            return self._display(row, column)
        if role == _EDIT and column == self.VALUE:
            return row.value or ""
        if role == Qt.ItemDataRole.FontRole and column in (self.KEY, self.VALUE):
            return theme.mono_font()
        if role == Qt.ItemDataRole.ForegroundRole and column == self.VALUE and row.value is None:
            return QBrush(QColor("#8b8d93"))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.OVERRIDES and row.overrides:
                return "This value hides the one defined at " + self._overrides(row)
            if column == self.VALUE and row.secret and not self._revealed:
                return "Secret: masked. " + _REVEAL_HINT
        if role == KEY_ROLE:
            return row.key
        return None

    def _display(self, var: Variable, column: int) -> str:
        if column == self.KEY:
            return var.key
        if column == self.VALUE:
            if var.value is None:
                return "(no value)"
            return var.value if self._revealed else var.masked
        if column == self.SOURCE:
            return f"{_rel(var.origin.file, self._root)}:{var.origin.line}"
        return self._overrides(var)

    def _overrides(self, var: Variable) -> str:
        return ", ".join(f"{_rel(e.file, self._root)}:{e.line}" for e in var.overrides)

    def setData(self, index: Index, value: Any, role: int = _EDIT) -> bool:
        var = self.row(index.row()) if index.isValid() else None
        if var is None or role != _EDIT or self._on_edit is None:
            return False
        if index.column() != self.VALUE or str(value) == (var.value or ""):
            return False
        return self._on_edit(var.key, str(value))


@dataclass(frozen=True)
class DiffRow:
    """One key of a diff: ``a``/``b`` as shown masked, ``a_value``/``b_value`` as they are."""

    key: str
    status: str  # "only-a", "only-b", "different", "same"
    a: str
    b: str
    a_value: str = ""
    b_value: str = ""

    @property
    def hidden(self) -> bool:
        """Masking hides what the status is about: both sides show the same mask."""
        return self.status in ("different", "same") and self.a == self.b != self.a_value


DIFF_LABELS = {
    "only-a": "only in A",
    "only-b": "only in B",
    "different": "different",
    "same": "same",
}
HIDDEN_LABELS = {"different": "differs (hidden)", "same": "same (hidden)"}
DIFF_COLOURS = {"only-a": "#dc2626", "only-b": "#16a34a", "different": "#d97706", "same": ""}


class DiffModel(TableModel[DiffRow]):
    """Two profiles side by side: key, value in A, value in B, status.

    The value columns are titled with the two profiles' names. Values are masked unless
    revealed; a masked pair still says whether the values underneath differ.
    """

    COLUMNS = ("Key", "A", "B", "Status")
    KEY, A, B, STATUS = range(4)

    def __init__(self) -> None:
        super().__init__()
        self._revealed = False

    @property
    def revealed(self) -> bool:
        return self._revealed

    def set_revealed(self, revealed: bool) -> None:
        self._revealed = revealed
        for column in (self.A, self.B, self.STATUS):
            self.column_changed(column)

    def set_diff(
        self, diff: ProfileDiff | None, a: Profile | None, b: Profile | None, *, show_same: bool
    ) -> None:
        if diff is None or a is None or b is None:
            self.set_rows(())
            return
        self.set_columns(("Key", diff.a, diff.b, "Status"))
        groups = [("different", diff.different), ("only-a", diff.only_a), ("only-b", diff.only_b)]
        if show_same:
            groups.append(("same", diff.same))
        rows = []
        for status, keys in groups:
            for key in keys:
                va, vb = a.variables.get(key), b.variables.get(key)
                rows.append(
                    DiffRow(
                        key,
                        status,
                        va.masked if va else "",
                        vb.masked if vb else "",
                        (va.value or "") if va else "",
                        (vb.value or "") if vb else "",
                    )
                )
        self.set_rows(rows)

    def status_text(self, row: DiffRow) -> str:
        if not self._revealed and row.hidden:
            return HIDDEN_LABELS[row.status]
        return DIFF_LABELS[row.status]

    def cell(self, row: DiffRow, column: int, role: int) -> Any:
        if role == _DISPLAY:
            if column == self.A:
                return row.a_value if self._revealed else row.a
            if column == self.B:
                return row.b_value if self._revealed else row.b
            return row.key if column == self.KEY else self.status_text(row)
        if role == Qt.ItemDataRole.FontRole and column != self.STATUS:
            return theme.mono_font()
        colour = DIFF_COLOURS[row.status]
        if role == Qt.ItemDataRole.ForegroundRole and column == self.STATUS and colour:
            return QBrush(QColor(colour))
        if role == Qt.ItemDataRole.ToolTipRole and not self._revealed and row.hidden:
            verdict = "differ" if row.status == "different" else "are the same"
            return f"Both values are masked; underneath they {verdict}. {_REVEAL_HINT}"
        if role == KEY_ROLE:
            return row.key
        return None
