"""The request composer: method + URL bar, params/headers/cookies tables, body, auth, options.

It edits a :class:`~asgideck.runtime.workbench.Draft` and nothing else: it sends
nothing and knows no server. :meth:`Composer.draft` reads the widgets back into
a draft; :meth:`Composer.set_draft` fills them (from a route, a curl command, a
history entry).
"""

from __future__ import annotations

import json
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.json_highlighter import JsonHighlighter, worth_colouring
from asgideck.gui.core.widgets import combo_box, muted, section_title
from asgideck.gui.tabs.workbench.elided import ElidedLabel
from asgideck.gui.tabs.workbench.models import ParamsModel
from asgideck.runtime.client import BodyKind
from asgideck.runtime.workbench import Draft, Field, path_placeholders

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
BODY_KINDS: tuple[tuple[str, BodyKind], ...] = (
    ("No body", "none"),
    ("JSON", "json"),
    ("Form (urlencoded)", "form"),
    ("Multipart (files)", "multipart"),
    ("Raw text", "raw"),
)
VALIDATE_MAX = 1024 * 1024
PAGE_MARGINS = (2, 6, 2, 2)  # the composer's pages: tight, for a 900×600 window
VALIDATE_DELAY_MS = 250


class ParamsTable(QWidget):
    """A params table with add/remove buttons (Insert / Delete while the table has focus)."""

    def __init__(self, model: ParamsModel, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = QTableView()
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(ParamsModel.SEND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ParamsModel.NAME, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(ParamsModel.VALUE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ParamsModel.DESCRIPTION, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(ParamsModel.NAME, 130)
        header.resizeSection(ParamsModel.DESCRIPTION, 120)
        # No column narrower than its title (a squeezed "Value" read as "alu").
        header.setMinimumSectionSize(header.sectionSizeHint(ParamsModel.VALUE))
        self.add_button = _tool("plus", f"Add a {what} (Insert)")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button = _tool("minus", f"Remove the selected {what} (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def add_row(self) -> None:
        row = self.model.add_row()
        index = self.model.index(row, ParamsModel.NAME)
        self.view.setCurrentIndex(index)
        self.view.edit(index)

    def remove_selected(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.model.remove_row(index.row())

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Insert:
            self.add_row()
        elif event.key() == Qt.Key.Key_Delete and self.view.state() != self.view.State.EditingState:
            self.remove_selected()
        else:
            super().keyPressEvent(event)


def _button_width(button: QPushButton, text: str, icon: str) -> int:
    """The width ``button`` asks for with ``text`` and ``icon`` (it is left showing them)."""
    button.setText(text)
    button.setIcon(theme.icon(icon))
    return button.sizeHint().width()


def _tool(icon: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(theme.icon(icon))
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


class Composer(QWidget):
    """Edits one request. ``send_clicked`` / ``authorize_clicked`` go to the Try view."""

    send_clicked = Signal()
    authorize_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._meta = Draft()  # what the widgets do not show (security, title, body_required)

        self.method = combo_box()
        self.method.setEditable(True)
        self.method.addItems(METHODS)
        self.method.setToolTip("HTTP method (Ctrl+M)")
        self.method.setMinimumContentsLength(7)
        # The server's address (the header chip says it too): shortened first, gone if need be.
        self.base_label = ElidedLabel("", Qt.TextElideMode.ElideMiddle, min_text="")
        self.base_label.setObjectName("Muted")
        self.base_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url = QLineEdit()
        self.url.setObjectName("UrlBar")
        self.url.setFont(theme.mono_font())
        self.url.setPlaceholderText("/path/{param}  or a full http:// URL   (Ctrl+L)")
        self.url.textEdited.connect(self._sync_path_params)
        self.url.returnPressed.connect(self.send_clicked)
        # The path is what the user edits: it keeps room, the server address shortens first.
        self.url.setMinimumWidth(self.url.fontMetrics().horizontalAdvance("/api/v1/items"))
        self.send_button = QPushButton(theme.icon("play"), "Send")
        self.send_button.setToolTip("Send the request (Ctrl+Enter); while it runs: cancel (Esc)")
        self.send_button.clicked.connect(self.send_clicked)
        # As wide as its widest label: Send <-> Cancel then changes no size in the tab.
        self.send_button.setMinimumWidth(
            max(_button_width(self.send_button, "Cancel", "stop"),
                _button_width(self.send_button, "Send", "play"))  # left showing Send
        )  # fmt: skip
        top = QHBoxLayout()
        top.addWidget(self.method)
        top.addWidget(self.base_label)
        top.addWidget(self.url, 1)
        top.addWidget(self.send_button)

        self.path_model = ParamsModel()
        self.query_model = ParamsModel()
        self.headers_model = ParamsModel()
        self.cookies_model = ParamsModel()
        self.form_model = ParamsModel(value_hint="A value, or @path to send a file (multipart)")
        self.path_table = ParamsTable(self.path_model, "path parameter")
        self.query_table = ParamsTable(self.query_model, "query parameter")
        self.headers_table = ParamsTable(self.headers_model, "header")
        self.cookies_table = ParamsTable(self.cookies_model, "cookie")
        params_page = QWidget()
        params_layout = QVBoxLayout(params_page)
        params_layout.setContentsMargins(*PAGE_MARGINS)
        self.path_title = section_title("Path parameters")
        self.path_table.setMaximumHeight(120)
        params_layout.addWidget(self.path_title)
        params_layout.addWidget(self.path_table)
        params_layout.addWidget(section_title("Query parameters"))
        params_layout.addWidget(self.query_table, 1)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(params_page, "Params")
        self.tabs.addTab(self.headers_table, "Headers")
        self.tabs.addTab(self.cookies_table, "Cookies")
        self.tabs.addTab(self._build_body(), "Body")
        self.tabs.addTab(self._build_auth(), "Auth")
        self.tabs.addTab(self._build_options(), "Options")
        for model in (self.path_model, self.query_model, self.headers_model, self.cookies_model):
            for signal in (
                model.modelReset,
                model.rowsInserted,
                model.rowsRemoved,
                model.dataChanged,
            ):
                signal.connect(self._update_tab_titles)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self.set_draft(Draft())

    # ------------------------------------------------------------------ building
    def _build_body(self) -> QWidget:
        page = QWidget()
        self.body_kind = combo_box()
        for label, kind in BODY_KINDS:
            self.body_kind.addItem(label, kind)
        self.body_kind.setToolTip("How the body is encoded (Ctrl+Shift+B)")
        self.content_type = QLineEdit()
        self.content_type.setPlaceholderText("Content-Type (default: per body kind)")
        self.body_edit = QPlainTextEdit()
        self.body_edit.setObjectName("BodyEditor")
        self.body_edit.setFont(theme.mono_font())
        self.body_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.body_edit.setTabChangesFocus(True)
        self.body_edit.setPlaceholderText('{"name": "value"}')
        self.highlighter = JsonHighlighter(None)
        self.json_status = ElidedLabel("")
        self.json_status.setObjectName("JsonStatus")
        self.form_table = ParamsTable(self.form_model, "form field")
        self.file_button = QPushButton(theme.icon("folder-open"), "Add file…")
        self.file_button.setToolTip("Add a file field to the multipart body")
        self.file_button.clicked.connect(self.add_file)
        self.body_stack = QStackedWidget()
        self.body_stack.addWidget(muted("This request has no body."))
        self.body_stack.addWidget(self.body_edit)
        self.body_stack.addWidget(self.form_table)
        # One row above the body (kind, content type, file, JSON check): the composer stays
        # short enough for a 600 px high window.
        row = QHBoxLayout()
        row.addWidget(self.body_kind)
        row.addWidget(self.content_type, 1)
        row.addWidget(self.file_button)
        row.addWidget(self.json_status, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(*PAGE_MARGINS)
        layout.addLayout(row)
        layout.addWidget(self.body_stack, 1)
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATE_DELAY_MS)
        self._validate_timer.timeout.connect(self.validate_body)
        self.body_edit.textChanged.connect(self._validate_timer.start)
        self.body_kind.currentIndexChanged.connect(self._on_body_kind)
        return page

    def _build_auth(self) -> QWidget:
        page = QWidget()
        self.auth_hint = muted("")
        self.auth_status = QLabel("No authorization for this server.")
        self.auth_status.setWordWrap(True)
        self.use_auth = QCheckBox("Send this server's authorization")
        self.use_auth.setChecked(True)
        self.use_auth.setToolTip(
            "Sent with the request; untick to see what the route answers without credentials"
        )
        self.authorize_button = QPushButton(theme.icon("shield"), "Authorize…")
        self.authorize_button.setToolTip(
            "Log in or enter credentials for this server (Ctrl+Shift+A)"
        )
        self.authorize_button.clicked.connect(self.authorize_clicked)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(*PAGE_MARGINS)
        layout.addWidget(self.auth_hint)
        layout.addWidget(self.auth_status)
        layout.addWidget(self.use_auth)
        layout.addWidget(self.authorize_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        return page

    def _build_options(self) -> QWidget:
        page = QWidget()
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(0.1, 3600)
        self.timeout.setDecimals(1)
        self.timeout.setSuffix(" s")
        self.follow_redirects = QCheckBox("Follow redirects")
        self.verify_tls = QCheckBox("Verify TLS certificates")
        form = QFormLayout(page)
        form.setContentsMargins(*PAGE_MARGINS)
        form.addRow("Timeout", self.timeout)
        form.addRow(self.follow_redirects)
        form.addRow(self.verify_tls)
        return page

    # ------------------------------------------------------------------ draft in/out
    def set_draft(self, draft: Draft) -> None:
        self._meta = replace(draft)
        method = draft.method.upper()
        if self.method.findText(method) < 0:
            self.method.addItem(method)
        self.method.setCurrentText(method)
        self.url.setText(draft.path)
        self.path_model.set_rows(draft.path_params)
        self._sync_path_params()
        self.query_model.set_rows(draft.query)
        self.headers_model.set_rows(draft.headers)
        self.cookies_model.set_rows(draft.cookies)
        self.form_model.set_rows(draft.form)
        self.body_kind.setCurrentIndex(max(0, self.body_kind.findData(draft.body_kind)))
        self.body_edit.setPlainText(draft.body_text)
        self.content_type.setText(draft.content_type)
        self.timeout.setValue(draft.timeout)
        self.follow_redirects.setChecked(draft.follow_redirects)
        self.verify_tls.setChecked(draft.verify)
        self._on_body_kind()
        self.validate_body()
        self._update_tab_titles()

    def draft(self) -> Draft:
        kind: BodyKind = self.body_kind.currentData() or "none"
        return replace(
            self._meta,
            method=self.method.currentText().strip().upper() or "GET",
            path=self.url.text().strip(),
            path_params=self.path_model.rows(),
            query=self.query_model.rows(),
            headers=self.headers_model.rows(),
            cookies=self.cookies_model.rows(),
            body_kind=kind,
            body_text=self.body_edit.toPlainText(),
            form=self.form_model.rows(),
            content_type=self.content_type.text().strip(),
            timeout=self.timeout.value(),
            follow_redirects=self.follow_redirects.isChecked(),
            verify=self.verify_tls.isChecked(),
        )

    def set_base(self, text: str) -> None:
        """The server address the URL bar's path is joined onto (or a note that none runs)."""
        self.base_label.setText(text)  # shortened in the middle when narrow; whole in the tip

    # ------------------------------------------------------------------ behaviour
    def _sync_path_params(self, *_args: object) -> None:
        """Keep one path-parameter row per ``{name}`` in the URL bar, values kept."""
        names = path_placeholders(self.url.text())
        current = {row.name: row for row in self.path_model.rows()}
        if list(current) == names:
            return
        self.path_model.set_rows(current.get(n) or Field(n, required=True) for n in names)

    def _on_body_kind(self, *_args: object) -> None:
        kind = self.body_kind.currentData()
        self.body_stack.setCurrentIndex(
            {"none": 0, "json": 1, "raw": 1, "form": 2, "multipart": 2}.get(kind, 0)
        )
        self.json_status.setVisible(kind == "json")
        self.content_type.setVisible(kind == "raw")
        self.file_button.setVisible(kind == "multipart")
        self.validate_body()

    def validate_body(self) -> bool:
        """Check a JSON body now (the editor also checks 250 ms after typing stops)."""
        kind = self.body_kind.currentData()
        text = self.body_edit.toPlainText()
        colourable = kind == "json" and worth_colouring(text)
        if colourable and self.highlighter.document() is None:
            self.highlighter.setDocument(self.body_edit.document())
        elif not colourable and self.highlighter.document() is not None:
            self.highlighter.setDocument(None)
        if kind != "json":
            self._json_state("", "")
            return True
        if not text.strip():
            self._json_state("Empty: no body is sent.", "info")
            return True
        if len(text) > VALIDATE_MAX:
            self._json_state("Over 1 MB: checked when sending.", "info")
            return True
        try:
            json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", None)
            column = getattr(exc, "colno", None)
            where = f"line {line}, column {column}: " if line is not None else ""
            message = getattr(exc, "msg", str(exc))
            self._json_state(f"Invalid JSON: {where}{message}", "error")
            return False
        self._json_state("Valid JSON.", "ok")
        return True

    def _json_state(self, text: str, severity: str) -> None:
        self.json_status.setText(text)
        self.json_status.setProperty("severity", severity)
        colour = theme.SEVERITY_COLOURS.get(severity)
        self.json_status.setStyleSheet(f"color: {colour};" if colour else "")

    def add_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Attach a file")
        if path:
            row = self.form_model.add_row("file", "@" + path)
            self.form_table.view.setCurrentIndex(self.form_model.index(row, ParamsModel.NAME))

    def _update_tab_titles(self, *_args: object) -> None:
        def count(model: ParamsModel) -> int:
            return sum(1 for row in model.rows() if row.enabled and row.name)

        has_path = self.path_model.rowCount() > 0  # the section shows only when the URL has {x}
        self.path_title.setVisible(has_path)
        self.path_table.setVisible(has_path)
        params = count(self.path_model) + count(self.query_model)
        for index, (title, number) in enumerate(
            (
                ("Params", params),
                ("Headers", count(self.headers_model)),
                ("Cookies", count(self.cookies_model)),
            )
        ):
            self.tabs.setTabText(index, f"{title} ({number})" if number else title)

    def set_auth_text(self, hint: str, status: str) -> None:
        self.auth_hint.setText(hint)
        self.auth_status.setText(status)

    def set_sending(self, sending: bool) -> None:
        """Send or Cancel; nothing to do (no repaint) when it already says so."""
        label = "Cancel" if sending else "Send"
        if self.send_button.text() != label:
            self.send_button.setText(label)
            self.send_button.setIcon(theme.icon("stop" if sending else "play"))

    def focus_url(self) -> None:
        self.url.setFocus()
        self.url.selectAll()
