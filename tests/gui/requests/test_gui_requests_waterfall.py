"""The waterfall: layers outermost first, nested bars inside their parents, ms labels."""

from __future__ import annotations

import itertools

from asgideck.gui.tabs.requests.waterfall import SQL_ROWS, Waterfall, bars, ms_text, total_ms


def test_rows_are_layers_then_dependencies_endpoint_and_sql(make_record) -> None:  # type: ignore[no-untyped-def]
    record = make_record(sql=2, duration=20)
    rows = bars(record)
    assert [r.label for r in rows[:4]] == [
        "ServerErrorMiddleware", "TimingMiddleware", "ExceptionMiddleware", "Router",
    ]  # fmt: skip
    assert [r.depth for r in rows] == [0, 1, 2, 3, 4, 4, 5, 5]
    assert [r.kind for r in rows[3:]] == ["router", "dependency", "endpoint", "sql", "sql"]
    assert rows[5].source == "app/api/items.py:20" and rows[4].source == "app/db.py:10"
    assert total_ms(record) == 20


def test_many_statements_share_one_row_of_ticks(make_record) -> None:  # type: ignore[no-untyped-def]
    rows = bars(make_record(sql=SQL_ROWS + 1))
    sql = [r for r in rows if r.kind == "sql"]
    assert len(sql) == 1 and len(sql[0].ticks) == SQL_ROWS + 1
    assert sql[0].label == f"SQL × {SQL_ROWS + 1}"


def test_nested_bars_lie_inside_their_parents_at_any_width(qtbot, make_record) -> None:  # type: ignore[no-untyped-def]
    widget = Waterfall()
    qtbot.addWidget(widget)
    widget.set_record(make_record(duration=40, sql=3))
    for width in (420, 900):
        widget.resize(width, widget.sizeHint().height())
        placed = widget.bar_rects()
        layers = [rect for bar, rect in placed if bar.kind in ("layer", "router")]
        for outer, inner in itertools.pairwise(layers):
            assert outer.left() <= inner.left() and inner.right() <= outer.right()
            assert outer.width() > inner.width()
        innermost = layers[-1]
        for bar, rect in placed[len(layers) :]:
            assert innermost.left() <= rect.left() and rect.right() <= innermost.right(), bar
        left, area = widget.bar_area()
        assert layers[0].left() == left and abs(layers[0].right() - (left + area)) < 0.01
        assert all(rect.top() >= 18 for _bar, rect in placed)  # under the axis
        tops = [rect.top() for _bar, rect in placed]
        assert tops == sorted(tops) and len(set(tops)) == len(tops)  # one row each


def test_it_paints_labels_and_a_zero_time_bar_still_shows(qtbot, make_record) -> None:  # type: ignore[no-untyped-def]
    widget = Waterfall()
    qtbot.addWidget(widget)
    record = make_record(duration=0.0, layers=("Router",))
    widget.set_record(record)
    widget.resize(600, widget.sizeHint().height())
    assert all(rect.width() >= 2 for _bar, rect in widget.bar_rects())
    image = widget.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 3) for y in range(image.height())}
    assert len(colours) > 3  # an axis, text and a bar were drawn, not a blank
    assert ms_text(0.123) == "0.12 ms" and ms_text(12.34) == "12.3 ms"
    assert ms_text(1234) == "1,234 ms"
    widget.set_record(None)
    assert widget.rows == []
