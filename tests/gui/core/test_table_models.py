"""TableModel: rows in, cells out; data() answers None (never raises) outside the table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from asgideck.gui.core.table_models import TableModel

DISPLAY = Qt.ItemDataRole.DisplayRole


class PairModel(TableModel[tuple[str, int]]):
    COLUMNS = ("Name", "Count")

    def cell(self, row: tuple[str, int], column: int, role: int) -> Any:
        if role == DISPLAY:
            return row[0] if column == 0 else str(row[1])
        return None


def texts(model: PairModel) -> list[list[str]]:
    return [
        [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_rows_and_columns_come_from_the_list_and_the_titles(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = PairModel([("a", 1)])
    model.set_rows([("b", 2), ("c", 3)])
    model.append_rows([("d", 4)])
    assert model.remove_row(1)
    assert texts(model) == [["b", "2"], ["d", "4"]]
    assert model.rows() == [("b", 2), ("d", 4)]
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(2)] == ["Name", "Count"]
    qtmodeltester.check(model)


def test_data_outside_the_table_is_none_not_an_exception() -> None:
    model = PairModel([("a", 1)])
    assert model.data(QModelIndex()) is None
    assert model.data(model.createIndex(5, 0)) is None  # a row past the end
    assert model.data(model.createIndex(0, 7)) is None  # a column past the titles
    assert model.row(-1) is None and model.row(1) is None
    assert not model.remove_row(3)
    assert model.headerData(9, Qt.Orientation.Horizontal) is None


def test_new_titles_rename_or_reshape_the_columns(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = PairModel([("a", 1)])
    with qtbot.waitSignal(model.headerDataChanged, timeout=1000):
        model.set_columns(("Key", "Value"))
    assert model.columns == ("Key", "Value") and PairModel.COLUMNS == ("Name", "Count")
    with qtbot.waitSignal(model.modelReset, timeout=1000):
        model.set_columns(("Key",))
    assert model.columnCount() == 1 and texts(model) == [["a"]]
