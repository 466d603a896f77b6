"""The delegate paints a log row from the line itself (no initStyleOption, no data()
calls): every pixel must equal what the style-option path paints, for coloured,
plain, selected and filter-marked rows."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QImage

from asgideck.gui.tabs.logs import delegate as delegate_module
from asgideck.gui.tabs.logs.model import LogFilter
from asgideck.gui.tabs.logs.view import LogsView
from asgideck.runtime.logs import LogBuffer

LINES = [
    'INFO:     127.0.0.1:5000 - "GET /a HTTP/1.1" 200 OK',
    'INFO:     127.0.0.1:5000 - "GET /b HTTP/1.1" 503 Service Unavailable',
    'INFO:     127.0.0.1:5000 - "GET /c HTTP/1.1" 302 Found',
    "WARNING:  disk almost full",
    "ERROR:    it broke",
    "DEBUG:    quiet detail",
    "plain line with no colour of its own",
    "a long line " + "x" * 300,
]


class _NotTheModel:
    """Stands in for LogModel in the delegate's isinstance check: the reference path."""


def _grab(view: LogsView) -> QImage:
    view.list.viewport().repaint()
    return view.list.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def _both(view: LogsView, monkeypatch) -> tuple[QImage, QImage]:  # type: ignore[no-untyped-def]
    fast = _grab(view)
    with monkeypatch.context() as patch:
        patch.setattr(delegate_module, "LogModel", _NotTheModel)
        reference = _grab(view)
    return fast, reference


def test_direct_paint_equals_the_style_option_paint(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app

    make_app()
    buffer = LogBuffer(capacity=100)
    view = LogsView(_Shown(buffer))  # type: ignore[arg-type]
    qtbot.addWidget(view)
    view.resize(800, 300)
    view.show()
    qtbot.waitExposed(view)
    try:
        view.follow.setChecked(False)
        buffer.append_many("stdout", LINES)
        buffer.append("event", "asgideck: started")
        view.refresh()
        view.list.scrollToTop()
        fast, reference = _both(view, monkeypatch)
        assert fast == reference
        # selected rows (highlight and highlighted text)
        model = view.model
        selection = view.list.selectionModel()
        for row in (1, 3, 6):
            selection.select(
                model.index(row),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )
        fast, reference = _both(view, monkeypatch)
        assert fast == reference
        # the filter's matches marked
        view.search.setText("o")
        assert model.pattern is not None
        view.list.scrollToTop()
        fast, reference = _both(view, monkeypatch)
        assert fast == reference
        # the marks show: the image differs from the unmarked one
        model.set_filter(LogFilter())
        view.delegate.pattern = None
        view.list.scrollToTop()
        plain, _ = _both(view, monkeypatch)
        assert plain != fast
    finally:
        view.detach()


class _Shown:
    def __init__(self, buffer: LogBuffer) -> None:
        self.name, self.buffer = "paint", buffer
