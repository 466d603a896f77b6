"""The virtual log list over a ring buffer: batching, eviction, filters."""

from __future__ import annotations

import re

import pytest

from asgideck.gui.tabs.logs.model import LogFilter, LogModel
from asgideck.runtime.logs import LogBuffer
from support.gui import log_texts

ACCESS_200 = '127.0.0.1:5000 - "GET /items HTTP/1.1" 200 OK'
ACCESS_404 = '127.0.0.1:5000 - "GET /nope HTTP/1.1" 404 Not Found'
ACCESS_500 = '127.0.0.1:5000 - "POST /boom HTTP/1.1" 500 Internal Server Error'


@pytest.fixture
def model(qapp) -> LogModel:  # type: ignore[no-untyped-def]
    return LogModel(LogBuffer(capacity=10))


def test_new_lines_arrive_in_one_batch(model: LogModel, qtmodeltester) -> None:
    model.buffer.append_many("stderr", ["INFO:     one", "INFO:     two", "INFO:     three"])
    assert model.rowCount() == 0  # nothing until the timer's refresh
    assert model.refresh() == 3
    assert log_texts(model) == ["INFO:     one", "INFO:     two", "INFO:     three"]
    assert model.refresh() == 0
    qtmodeltester.check(model)


def test_evicted_lines_leave_the_model(model: LogModel) -> None:
    model.buffer.append_many("stdout", [f"line {i}" for i in range(8)])
    model.refresh()
    model.buffer.append_many("stdout", [f"line {i}" for i in range(8, 12)])
    model.refresh()
    assert log_texts(model) == [f"line {i}" for i in range(2, 12)]
    model.buffer.append_many("stdout", [f"line {i}" for i in range(12, 40)])
    model.refresh()
    assert log_texts(model) == [f"line {i}" for i in range(30, 40)]


def test_level_status_and_text_filters(model: LogModel, qtmodeltester) -> None:
    model.buffer.append_many(
        "stderr", ["INFO:     started", "WARNING:  slow", "ERROR:    broke", ACCESS_200]
    )
    model.buffer.append_many("stdout", [ACCESS_404, ACCESS_500])
    model.refresh()
    model.set_filter(LogFilter(min_level="WARNING"))
    assert log_texts(model) == ["WARNING:  slow", "ERROR:    broke"]
    model.set_filter(LogFilter(status="errors"))
    assert log_texts(model) == [ACCESS_404, ACCESS_500]
    model.set_filter(LogFilter(status="2xx"))
    assert log_texts(model) == [ACCESS_200]
    model.set_filter(LogFilter(text="/NOPE"))
    assert log_texts(model) == [ACCESS_404]
    model.set_filter(LogFilter(text=r"\d{3} Not", regex=True))
    assert log_texts(model) == [ACCESS_404]
    qtmodeltester.check(model)
    model.buffer.append("stdout", '127.0.0.1:1 - "GET /x HTTP/1.1" 404 Not Found')
    assert model.refresh() == 1  # a filtered view keeps following
    with pytest.raises(re.error):
        model.set_filter(LogFilter(text="(", regex=True))


def test_clear_empties_buffer_and_view(model: LogModel) -> None:
    model.buffer.append_many("stdout", ["a", "b"])
    model.refresh()
    model.clear()
    assert model.rowCount() == 0
    model.buffer.append("stdout", "c")
    model.refresh()
    assert log_texts(model) == ["c"]


def test_trace_lines_and_unknown_levels_do_not_break_the_level_filter(model: LogModel) -> None:
    model.buffer.append_many("stderr", ["TRACE:    asgi send", "INFO:     ok", "ERROR:    bad"])
    model.refresh()
    model.set_filter(LogFilter(min_level="INFO"))
    assert log_texts(model) == ["INFO:     ok", "ERROR:    bad"]
    model.set_filter(LogFilter(min_level="TRACE"))
    assert len(log_texts(model)) == 3
    model.buffer.append("stderr", "TRACE:    more")
    assert model.refresh() == 1
