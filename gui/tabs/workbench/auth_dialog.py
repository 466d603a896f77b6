"""The Authorize dialog: the document's security schemes, plus bearer, basic and API key.

The dialog collects credentials and says what the user chose; the Try view
runs the OAuth2 login off the GUI thread and stores the result for the server.
Secrets are typed into password fields and never shown again.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core.widgets import Banner, combo_box, muted
from asgideck.runtime.client import ApiKeyAuth, ApiKeyLocation, Auth, BasicAuth, BearerAuth
from asgideck.runtime.workbench import Scheme

PAGES = ("oauth2-password", "bearer", "basic", "apikey", "unsupported")


@dataclass(frozen=True)
class LoginRequest:
    """An OAuth2 password-flow login to run against the current server."""

    token_url: str
    username: str
    password: str
    scopes: tuple[str, ...]
    scheme: str


def describe_auth(auth: Auth | None) -> str:
    """What is in use, without the secret."""
    if auth is None:
        return "No authorization for this server."
    if isinstance(auth, BearerAuth):
        return f"Authorized: bearer token ({len(auth.token)} characters)."
    if isinstance(auth, BasicAuth):
        return f"Authorized: HTTP basic as {auth.user!r}."
    return f"Authorized: API key {auth.name!r} in the {auth.location}."


def _secret_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class AuthorizeDialog(QDialog):
    """Choose a scheme, fill it in, Authorize. ``login_requested`` / ``auth_ready`` /
    ``logout_requested`` tell the view what to do; it reports back with :meth:`show_error`."""

    login_requested = Signal(object)  # LoginRequest
    auth_ready = Signal(object)  # Auth
    logout_requested = Signal()

    def __init__(
        self,
        schemes: list[Scheme],
        current: Auth | None,
        server: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Authorize — {server}")
        self.setMinimumWidth(460)
        self.schemes = [*schemes, Scheme("Bearer token", "bearer"), Scheme("HTTP basic", "basic")]
        self.schemes.append(Scheme("API key", "apikey", key_name="X-API-Key"))
        self.banner = Banner()
        self.current = QLabel(describe_auth(current))
        self.current.setWordWrap(True)
        self.choice = combo_box()
        for scheme in self.schemes:
            self.choice.addItem(scheme.label, scheme.name)
        self.description = muted("")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._oauth_page())
        self.pages.addWidget(self._bearer_page())
        self.pages.addWidget(self._basic_page())
        self.pages.addWidget(self._apikey_page())
        self.unsupported = muted("")
        self.pages.addWidget(self.unsupported)
        self.reveal = QCheckBox("Show secrets while typing")
        self.reveal.toggled.connect(self._reveal)

        buttons = QDialogButtonBox()
        self.authorize_button = QPushButton("Authorize")
        self.authorize_button.setDefault(True)
        self.logout_button = QPushButton("Log out")
        self.logout_button.setEnabled(current is not None)
        self.logout_button.setToolTip("Forget this server's credentials")
        buttons.addButton(self.authorize_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.logout_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.authorize_button.clicked.connect(self.submit)
        self.logout_button.clicked.connect(self.logout_requested)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.current)
        layout.addWidget(self.choice)
        layout.addWidget(self.description)
        layout.addWidget(self.pages)
        layout.addWidget(self.reveal)
        layout.addWidget(
            muted("Credentials are kept for this server until asgideck quits; never on disk.")
        )
        layout.addWidget(buttons)
        self.choice.currentIndexChanged.connect(self._on_choice)
        self._on_choice()

    # ------------------------------------------------------------------ pages
    def _oauth_page(self) -> QWidget:
        page = QWidget()
        self.token_url = QLineEdit()
        self.username = QLineEdit()
        self.password = _secret_field()
        self.scopes = QListWidget()
        self.scopes.setMaximumHeight(90)
        form = QFormLayout(page)
        form.addRow("Token URL", self.token_url)
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        form.addRow("Scopes", self.scopes)
        self.password.returnPressed.connect(self.submit)
        return page

    def _bearer_page(self) -> QWidget:
        page = QWidget()
        self.bearer_token = _secret_field()
        form = QFormLayout(page)
        form.addRow("Token", self.bearer_token)
        return page

    def _basic_page(self) -> QWidget:
        page = QWidget()
        self.basic_user = QLineEdit()
        self.basic_password = _secret_field()
        form = QFormLayout(page)
        form.addRow("Username", self.basic_user)
        form.addRow("Password", self.basic_password)
        return page

    def _apikey_page(self) -> QWidget:
        page = QWidget()
        self.key_name = QLineEdit()
        self.key_location = combo_box()
        self.key_location.addItems(["header", "query", "cookie"])
        self.key_value = _secret_field()
        form = QFormLayout(page)
        form.addRow("Name", self.key_name)
        form.addRow("Sent in", self.key_location)
        form.addRow("Value", self.key_value)
        return page

    # ------------------------------------------------------------------ behaviour
    @property
    def scheme(self) -> Scheme:
        return self.schemes[max(0, self.choice.currentIndex())]

    def select_scheme(self, name: str) -> None:
        index = self.choice.findData(name)
        if index >= 0:
            self.choice.setCurrentIndex(index)

    def _on_choice(self, *_args: object) -> None:
        scheme = self.scheme
        self.pages.setCurrentIndex(PAGES.index(scheme.kind))
        self.description.setText(scheme.description)
        self.description.setVisible(bool(scheme.description))
        self.authorize_button.setEnabled(scheme.kind != "unsupported")
        self.banner.clear_message()
        if scheme.kind == "oauth2-password":
            self.token_url.setText(scheme.token_url)
            self.scopes.clear()
            for name, text in scheme.scopes.items():
                item = QListWidgetItem(f"{name} — {text}" if text else name)
                item.setData(Qt.ItemDataRole.UserRole, name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
                self.scopes.addItem(item)
            self.scopes.setVisible(bool(scheme.scopes))
            self.username.setFocus()
        elif scheme.kind == "apikey":
            self.key_name.setText(scheme.key_name)
            self.key_location.setCurrentText(scheme.location)
        elif scheme.kind == "unsupported":
            self.unsupported.setText(scheme.reason)

    def _reveal(self, on: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
        for field in (self.password, self.bearer_token, self.basic_password, self.key_value):
            field.setEchoMode(mode)

    def submit(self) -> None:
        """Validate the page; emit a login request or ready credentials."""
        scheme = self.scheme
        self.banner.clear_message()
        if scheme.kind == "oauth2-password":
            if not self.token_url.text().strip():
                self.show_error("The token URL is empty.")
                return
            if not self.username.text():
                self.show_error("Enter a username.")
                return
            scopes = tuple(
                str(self.scopes.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.scopes.count())
                if self.scopes.item(i).checkState() == Qt.CheckState.Checked
            )
            self.login_requested.emit(
                LoginRequest(
                    self.token_url.text().strip(),
                    self.username.text(),
                    self.password.text(),
                    scopes,
                    scheme.name,
                )
            )
        elif scheme.kind == "bearer":
            token = self.bearer_token.text().strip().removeprefix("Bearer ").strip()
            if not token:
                self.show_error("Paste a token.")
                return
            self.auth_ready.emit(BearerAuth(token))
        elif scheme.kind == "basic":
            if not self.basic_user.text():
                self.show_error("Enter a username.")
                return
            self.auth_ready.emit(BasicAuth(self.basic_user.text(), self.basic_password.text()))
        elif scheme.kind == "apikey":
            name, value = self.key_name.text().strip(), self.key_value.text()
            if not name or not value:
                self.show_error("An API key needs a name and a value.")
                return
            location: ApiKeyLocation = self.key_location.currentText()  # type: ignore[assignment]
            self.auth_ready.emit(ApiKeyAuth(name, value, location))

    def set_busy(self, busy: bool) -> None:
        self.authorize_button.setEnabled(not busy and self.scheme.kind != "unsupported")
        self.authorize_button.setText("Logging in…" if busy else "Authorize")

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.banner.show_message(message, "error")
