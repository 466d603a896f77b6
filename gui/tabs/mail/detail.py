"""One caught message: who sent it to whom, its text, its HTML and its attachments.

The HTML is the app's own e-mail, shown the way a careful mail program does: no
resource of any kind is loaded (remote images are tracking pixels, ``file:`` ones
would read this machine's disk), and a link opens in the browser only when clicked.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.tabs.mail.model import when
from asgideck.runtime.services import Attachment, CaughtMail

TEXT, HTML, ATTACHMENTS = range(3)
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


class SafeBrowser(QTextBrowser):
    """A QTextBrowser that loads nothing: every image or style sheet the HTML names is
    refused (and remembered in ``blocked``); links open outside only on a click."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.blocked: list[str] = []
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_link)

    def loadResource(self, kind: int, name: QUrl) -> object:  # type: ignore[override]
        self.blocked.append(name.toString())
        return None

    def show_html(self, text: str) -> None:
        self.blocked.clear()
        self.setHtml(text)

    def _on_link(self, url: QUrl) -> None:
        if url.scheme().lower() in _LINK_SCHEMES:
            QDesktopServices.openUrl(url)


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def attachment_line(attachment: Attachment) -> str:
    name = attachment.filename or "(no name)"
    return f"{name} — {attachment.content_type}, {size_text(attachment.size)}"


class MailDetail(QWidget):
    """The selected message (or nothing)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel()
        self.header.setObjectName("MailHeader")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(theme.mono_font())
        self.html = SafeBrowser()
        self.attachments = QListWidget()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.text, "Text")
        self.tabs.addTab(self.html, "HTML")
        self.tabs.addTab(self.attachments, "Attachments")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        self.mail: CaughtMail | None = None
        self.show_mail(None)

    def show_mail(self, mail: CaughtMail | None) -> None:
        if mail is not None and self.mail is not None and mail.id == self.mail.id:
            return  # the same message again (a refresh): keep the scroll position
        self.mail = mail
        self.attachments.clear()
        if mail is None:
            self.header.setText("Select a message to read it.")
            self.text.setPlainText("")
            self.html.show_html("")
            self._titles(0, has_text=True, has_html=True)
            return
        rows = (
            ("From", mail.sender or "<>"),
            ("To", ", ".join(mail.recipients)),
            ("Subject", mail.subject or "(no subject)"),
            ("Received", when(mail.received_at)),
        )
        self.header.setText(
            "<br>".join(f"<b>{name}:</b> {html.escape(value)}" for name, value in rows)
        )
        self.text.setPlainText(mail.text or "(this message has no plain-text part)")
        self.html.show_html(mail.html or "<p><i>This message has no HTML part.</i></p>")
        for attachment in mail.attachments:
            self.attachments.addItem(attachment_line(attachment))
        self._titles(len(mail.attachments), has_text=bool(mail.text), has_html=bool(mail.html))
        if not mail.text and mail.html:
            self.tabs.setCurrentIndex(HTML)
        elif mail.text and not mail.html:
            self.tabs.setCurrentIndex(TEXT)

    def _titles(self, attachments: int, *, has_text: bool, has_html: bool) -> None:
        self.tabs.setTabText(TEXT, "Text" if has_text or not has_html else "Text (none)")
        self.tabs.setTabText(HTML, "HTML" if has_html else "HTML (none)")
        self.tabs.setTabText(ATTACHMENTS, f"Attachments ({attachments})")
        self.tabs.setTabEnabled(ATTACHMENTS, attachments > 0)
        if not attachments and self.tabs.currentIndex() == ATTACHMENTS:
            self.tabs.setCurrentIndex(TEXT)
