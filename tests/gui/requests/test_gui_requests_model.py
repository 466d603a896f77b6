"""The requests table: qtmodeltester over hand-written records, batches, the keep bound."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt

from asgideck.gui.tabs.requests.model import RequestsModel
from asgideck.runtime.recording import RequestFilter, RequestRecord


def texts(model: RequestsModel, row: int) -> list[str]:
    return [model.index(row, c).data() for c in range(model.columnCount())]


def test_the_model_passes_qt_model_tester(qtmodeltester, make_record) -> None:  # type: ignore[no-untyped-def]
    model = RequestsModel()
    model.set_records([make_record(f"/items/{i}", sql=i % 3) for i in range(5)])
    qtmodeltester.check(model, force_py=True)
    model.add_records([make_record("/late", repeats=5)])
    model.set_filter(RequestFilter(path="items"))
    qtmodeltester.check(model, force_py=True)


def test_a_row_shows_time_method_path_status_duration_sql_and_size(
    make_record: Callable[..., RequestRecord],
) -> None:
    model = RequestsModel()
    record = make_record("/items/7", method="POST", status=201, duration=8.25, sql=3, query="a=1")
    model.set_records([record])
    time, method, path, status, duration, sql, size = texts(model, 0)
    assert len(time) == len("12:34:56.789") and time.count(":") == 2
    assert (method, path, status, duration, sql, size) == (
        "POST", "/items/7?a=1", "201", "8.2 ms", "3", "27 B",
    )  # fmt: skip
    assert model.index(0, RequestsModel.PATH).data(Qt.ItemDataRole.ToolTipRole) == (
        "route /items/{item_id}"
    )
    assert model.index(0, RequestsModel.DURATION).data(Qt.ItemDataRole.TextAlignmentRole)


def test_an_n_plus_one_and_a_failure_stand_out(make_record) -> None:  # type: ignore[no-untyped-def]
    model = RequestsModel()
    model.set_records([make_record(repeats=5), make_record(exception=True)])
    assert model.index(0, RequestsModel.SQL).data() == "5 ⚠"
    tip = model.index(0, RequestsModel.SQL).data(Qt.ItemDataRole.ToolTipRole)
    assert "same statement × 5 — likely N+1" in tip
    assert model.index(1, RequestsModel.STATUS).data() == "500"
    assert "ZeroDivisionError" in model.index(1, RequestsModel.STATUS).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert model.index(1, RequestsModel.STATUS).data(Qt.ItemDataRole.ForegroundRole) is not None


def test_a_batch_is_one_insert_and_the_oldest_leave_beyond_keep(make_record, qtbot) -> None:  # type: ignore[no-untyped-def]
    model = RequestsModel(keep=5)
    model.set_records([make_record(f"/a/{i}") for i in range(4)])
    inserts: list[tuple[int, int]] = []
    removes: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    model.rowsRemoved.connect(lambda _p, first, last: removes.append((first, last)))
    model.add_records([make_record(f"/b/{i}") for i in range(3)])
    assert removes == [(0, 1)] and inserts == [(2, 4)]
    assert [r.path for r in model.rows()] == ["/a/2", "/a/3", "/b/0", "/b/1", "/b/2"]
    assert model.total == 5
    model.add_records([make_record(f"/c/{i}") for i in range(9)])  # more than keep at once
    assert [r.path for r in model.rows()] == [f"/c/{i}" for i in range(4, 9)]


def test_a_filter_hides_rows_and_new_ones_are_filtered_too(make_record) -> None:  # type: ignore[no-untyped-def]
    model = RequestsModel()
    model.set_records([make_record("/users"), make_record("/items/1", status=404)])
    model.set_filter(RequestFilter(status_classes=frozenset({"4xx"})))
    assert [r.path for r in model.rows()] == ["/items/1"]
    model.add_records([make_record("/items/2"), make_record("/items/3", status=422)])
    assert [r.path for r in model.rows()] == ["/items/1", "/items/3"]
    assert model.total == 4
    assert model.row_of(model.rows()[1].id) == 1
    model.set_filter(RequestFilter())
    assert model.rowCount() == 4
