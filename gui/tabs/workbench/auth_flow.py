"""The Try tab's Authorize flow: one dialog at a time, for the server running now.

The dialog only collects credentials. The OAuth2 password login runs on a task
scope owned by the dialog, and what the user chose is stored for the server the
dialog was opened for, even if the target changed meanwhile. Closing the dialog
(Esc, Close, the view going away) closes its scope, so a login that finishes
afterwards is dropped: the user cancelled, no token is stored and the deleted
dialog is never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QWidget

from asgideck.gui.core.tasks import Scope, TaskRunner
from asgideck.gui.tabs.workbench.auth_dialog import AuthorizeDialog, LoginRequest, describe_auth
from asgideck.gui.tabs.workbench.failures import report
from asgideck.runtime.client import Auth
from asgideck.runtime.workbench import Target, Workbench, security_schemes


class AuthFlow:
    """Opens the Authorize dialog over ``parent``; ``say`` reports what was stored and
    ``warn`` why no dialog opened (the view's status line and banner)."""

    def __init__(
        self,
        workbench: Workbench,
        runner: TaskRunner,
        parent: QWidget,
        *,
        say: Callable[[str], None],
        warn: Callable[[str], None],
    ) -> None:
        self.workbench = workbench
        self.runner = runner
        self.parent = parent
        self.say = say
        self.warn = warn
        self.dialog: AuthorizeDialog | None = None

    def open(self, wanted: Sequence[str] = ()) -> AuthorizeDialog | None:
        """Open (or raise) the dialog, ``wanted[0]`` preselected; None when no server runs."""
        target = self.workbench.target
        if target is None:
            self.warn("Start a server first: credentials belong to a server.")
            return None
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        dialog = AuthorizeDialog(
            security_schemes(self.workbench.document), self.workbench.auth, target.name, self.parent
        )
        if wanted:
            dialog.select_scheme(wanted[0])
        scope = self.runner.scope(dialog)
        dialog.login_requested.connect(lambda request: self._login(scope, dialog, target, request))
        dialog.auth_ready.connect(lambda auth: self._store(dialog, target, auth))
        dialog.logout_requested.connect(lambda: self._store(dialog, target, None))
        dialog.finished.connect(lambda _code: self._closed(scope, dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def close(self) -> None:
        """Close the dialog if it is open (its login in flight is dropped)."""
        if self.dialog is not None:
            self.dialog.reject()

    def _closed(self, scope: Scope, dialog: AuthorizeDialog) -> None:
        scope.close()  # before the deferred delete: nothing lands on a dialog on its way out
        self.dialog = None
        dialog.deleteLater()

    def _login(
        self, scope: Scope, dialog: AuthorizeDialog, target: Target, request: LoginRequest
    ) -> None:
        dialog.set_busy(True)
        workbench = self.workbench

        def failed(exc: Exception) -> None:
            dialog.set_busy(False)
            report(exc, dialog.show_error)

        scope.run(
            lambda: workbench.login(
                request.token_url, request.username, request.password, request.scopes
            ),
            lambda auth: self._store(dialog, target, auth),
            failed=failed,
        )

    def _store(self, dialog: AuthorizeDialog, target: Target, auth: Auth | None) -> None:
        self.workbench.set_auth(auth, target.name)
        if auth is None:
            self.say(f"Logged out of {target.name}.")
        else:
            self.say(f"{describe_auth(auth)} (server {target.name})")
        dialog.accept()
