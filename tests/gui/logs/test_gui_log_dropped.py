"""The Logs tab says how many lines the bounded ring buffer pushed out of view (issue 10, #9)."""

from __future__ import annotations

from asgideck.gui.tabs.logs.view import LogsView
from asgideck.runtime.logs import LogBuffer


class Shown:
    """What the view needs of a ManagedServer: a name and the log buffer."""

    def __init__(self, name: str, buffer: LogBuffer) -> None:
        self.name, self.buffer = name, buffer


def test_the_view_says_how_many_earlier_lines_were_dropped(qtbot) -> None:  # type: ignore[no-untyped-def]
    buffer = LogBuffer(capacity=100)
    view = LogsView(Shown("dev", buffer))  # type: ignore[arg-type]
    qtbot.addWidget(view)
    buffer.append_many("stdout", [f"line {i}" for i in range(100)])
    view.refresh()
    assert not view.dropped_label.isVisibleTo(view)
    buffer.append_many("stdout", [f"line {i}" for i in range(100, 1_337)])
    view.refresh()
    assert view.dropped_label.isVisibleTo(view)
    text = view.dropped_label.text()
    assert text == "1,237 earlier lines dropped from view; the run log file has them"
    assert view.model.rowCount() == 100
