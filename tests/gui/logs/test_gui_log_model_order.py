"""The Logs view's model shows every line the server printed, in order: the reader loop
(``pump`` with the supervisor's secret masker) drains a pipe written at awkward cuts
(multi-byte characters split, ``\\r`` progress, CRLF, no last newline) while the model
refreshes as its timer would; its rows are then exactly ``expected_lines``."""

from __future__ import annotations

import os
import threading

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPalette

from asgideck.gui.tabs.logs.model import LogModel
from asgideck.gui.tabs.logs.view import LogsView
from asgideck.runtime.logs import LogBuffer, pump
from asgideck.runtime.servers import secret_masker
from support.gui import log_texts
from support.log_flood import SECRET, cut_points, expected_lines, flood_bytes

LINES = 5_000


def _write_all(fd: int, data: bytes) -> None:
    start = 0
    try:
        for end in [*cut_points(data, every=1021), len(data)]:
            view = memoryview(data)[start:end]
            while view:
                view = view[os.write(fd, view) :]
            start = end
    finally:
        os.close(fd)


def test_model_rows_are_every_line_in_order(qapp) -> None:  # type: ignore[no-untyped-def]
    buffer = LogBuffer(capacity=LINES + 10)
    model = LogModel(buffer)
    masker = secret_masker({"SECRET_KEY": SECRET})
    assert masker is not None
    read_fd, write_fd = os.pipe()
    writer = threading.Thread(target=_write_all, args=(write_fd, flood_bytes(LINES)))
    reader = threading.Thread(
        target=pump, args=(read_fd, "stdout", buffer), kwargs={"transform": masker}
    )
    try:
        reader.start()
        writer.start()
        while reader.is_alive():  # the view's timer: take in whatever has arrived
            model.refresh()
            reader.join(0.02)
        writer.join()
    finally:
        os.close(read_fd)
    model.refresh()
    rows = log_texts(model)
    assert len(rows) == LINES + 1
    assert rows == expected_lines(LINES)
    assert not any(SECRET in row for row in rows)


def _pixels_of(image: QImage, rect: QRect, colour: QColor) -> int:
    wanted = colour.rgb()
    return sum(
        1
        for y in range(rect.top(), rect.bottom() + 1)
        for x in range(rect.left(), min(rect.right(), 400))
        if image.pixel(x, y) == wanted
    )


def test_rows_are_painted_in_their_line_colours(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The delegate takes each row's colour from the model's ForegroundRole (through the
    style option), as it did when it asked the model again."""
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
        buffer.append_many("stdout", [
            'INFO:     127.0.0.1:5000 - "GET /a HTTP/1.1" 200 OK',
            'INFO:     127.0.0.1:5000 - "GET /b HTTP/1.1" 503 Service Unavailable',
            "WARNING:  disk almost full",
            "plain line with no colour of its own",
        ])  # fmt: skip
        view.refresh()
        view.list.scrollToTop()
        image = view.list.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        model = view.model
        for row in range(3):
            brush = model.data(model.index(row), Qt.ItemDataRole.ForegroundRole)
            rect = view.list.visualRect(model.index(row))
            assert _pixels_of(image, rect, brush.color()) > 0, row
        assert model.data(model.index(3), Qt.ItemDataRole.ForegroundRole) is None
        text = view.palette().color(QPalette.ColorRole.Text)
        assert _pixels_of(image, view.list.visualRect(model.index(3)), text) > 0
    finally:
        view.detach()


class _Shown:
    """What the view needs of a ManagedServer: a name and the log buffer."""

    def __init__(self, buffer: LogBuffer) -> None:
        self.name, self.buffer = "flood", buffer
