"""The Try tab's Authorize flow: one dialog at a time, for the server running now.

The dialog only collects credentials. The OAuth2 password login runs on the
task runner, and what the user chose is stored for the server the dialog was
opened for, even if the target changed meanwhile. A login result that arrives
after the dialog was closed (Esc, Close) or the view was detached is dropped:
the user cancelled, so no token is stored and the deleted dialog is not touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgideck.gui.tabs.workbench.auth_dialog import AuthorizeDialog, LoginRequest, describe_auth
from asgideck.runtime.client import Auth
from asgideck.runtime.workbench import Target, security_schemes

if TYPE_CHECKING:
    from asgideck.gui.tabs.workbench.view import TryView


def open_authorize(view: TryView) -> AuthorizeDialog | None:
    """Open (or raise) the view's Authorize dialog; None and a banner when no server runs."""
    target = view.workbench.target
    if target is None:
        view.banner.show_message("Start a server first: credentials belong to a server.", "warning")
        return None
    if view.auth_dialog is not None:
        view.auth_dialog.raise_()
        return view.auth_dialog
    dialog = AuthorizeDialog(
        security_schemes(view.workbench.document), view.workbench.auth, target.name, view
    )
    wanted = view.composer.draft().security
    if wanted:
        dialog.select_scheme(wanted[0])
    dialog.login_requested.connect(lambda request: _login(view, dialog, target, request))
    dialog.auth_ready.connect(lambda auth: _authorized(view, dialog, target, auth))
    dialog.logout_requested.connect(lambda: _logout(view, dialog, target))
    dialog.finished.connect(lambda _code: _dialog_closed(view, dialog))
    view.auth_dialog = dialog
    dialog.open()
    return dialog


def _dialog_closed(view: TryView, dialog: AuthorizeDialog) -> None:
    if view.auth_dialog is dialog:
        view.auth_dialog = None
    dialog.deleteLater()


def _login(view: TryView, dialog: AuthorizeDialog, target: Target, request: LoginRequest) -> None:
    dialog.set_busy(True)
    workbench = view.workbench
    view.runner.run(
        lambda: workbench.login(
            request.token_url, request.username, request.password, request.scopes
        ),
        lambda auth: _login_succeeded(view, dialog, target, auth),
        lambda exc: _login_failed(view, dialog, exc),
    )


def _still_open(view: TryView, dialog: AuthorizeDialog) -> bool:
    """True while ``dialog`` is the view's open Authorize dialog (closing clears it first)."""
    return not view.detached and view.auth_dialog is dialog


def _login_succeeded(view: TryView, dialog: AuthorizeDialog, target: Target, auth: Auth) -> None:
    if _still_open(view, dialog):
        _authorized(view, dialog, target, auth)


def _login_failed(view: TryView, dialog: AuthorizeDialog, exc: Exception) -> None:
    if _still_open(view, dialog):
        dialog.show_error(str(exc))


def _authorized(view: TryView, dialog: AuthorizeDialog, target: Target, auth: Auth) -> None:
    if view.detached:
        return
    view.workbench.set_auth(auth, target.name)
    view.status.setText(f"{describe_auth(auth)} (server {target.name})")
    dialog.accept()


def _logout(view: TryView, dialog: AuthorizeDialog, target: Target) -> None:
    view.workbench.set_auth(None, target.name)
    view.status.setText(f"Logged out of {target.name}.")
    dialog.accept()
