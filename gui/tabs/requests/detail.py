"""One request's detail: a summary line over pages for the waterfall, SQL, logs,
outgoing calls, the exception, and headers with bodies.

Page titles carry their counts ("SQL (12 ⚠)"), so what is inside shows before a click.
Links to source (a project frame, a dependency's or the endpoint's bar) come out as
``source_requested``; the view opens the editor.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from asgideck.gui.core.widgets import muted
from asgideck.gui.tabs.requests.render import (
    calls_html,
    exception_html,
    headers_html,
    logs_html,
    sql_html,
    summary_html,
)
from asgideck.gui.tabs.requests.waterfall import Waterfall
from asgideck.runtime.recording import RequestRecord

PAGES = ("timeline", "sql", "logs", "calls", "exception", "headers")
NO_SELECTION = "Select a request to see where its time went (Enter on a row opens it here)."


class RequestDetail(QWidget):
    #: a source location was clicked ("relative/path.py:LINE")
    source_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: RequestRecord | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty = muted(NO_SELECTION)
        self.waterfall = Waterfall()
        self.waterfall.source_clicked.connect(self.source_requested)
        timeline = QScrollArea()
        timeline.setWidgetResizable(True)
        timeline.setWidget(self.waterfall)
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.browsers: dict[str, QTextBrowser] = {}
        self.pages.addTab(timeline, "Timeline")
        for name in PAGES[1:]:
            browser = QTextBrowser()
            browser.setOpenLinks(False)
            browser.anchorClicked.connect(self._on_link)
            self.browsers[name] = browser
            self.pages.addTab(browser, name.capitalize())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.summary)
        layout.addWidget(self.pages, 1)
        self.show_record(None)

    def show_record(self, record: RequestRecord | None, hint: str = NO_SELECTION) -> None:
        """Show ``record`` (None: ``hint``, to select one)."""
        self.record = record
        self.empty.setText(hint)
        self.empty.setVisible(record is None)
        self.summary.setVisible(record is not None)
        self.pages.setVisible(record is not None)
        self.waterfall.set_record(record)
        if record is None:
            return
        self.summary.setText(summary_html(record))
        for name, html in (
            ("sql", sql_html(record)),
            ("logs", logs_html(record)),
            ("calls", calls_html(record)),
            ("exception", exception_html(record)),
            ("headers", headers_html(record)),
        ):
            self.browsers[name].setHtml(html)
        for index, title in enumerate(page_titles(record)):
            self.pages.setTabText(index, title)

    def show_page(self, name: str) -> None:
        self.pages.setCurrentIndex(PAGES.index(name))

    def text(self, name: str) -> str:
        """What page ``name`` says, as plain text (tests and screen readers)."""
        return self.browsers[name].toPlainText()

    def _on_link(self, url: QUrl) -> None:
        if url.scheme() == "source":
            self.source_requested.emit(url.path())


def page_titles(record: RequestRecord) -> list[str]:
    sql = len(record.sql) + record.dropped.get("sql", 0)
    return [
        "Timeline",
        f"SQL ({sql}{' ⚠' if record.has_n_plus_one else ''})" if sql else "SQL",
        f"Logs ({len(record.logs)})" if record.logs else "Logs",
        f"Calls ({len(record.http_calls)})" if record.http_calls else "Calls",
        "Exception ⚠" if record.exception is not None else "Exception",
        "Headers and bodies",
    ]
