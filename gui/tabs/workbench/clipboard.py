"""The Try tab's clipboard: the composer's request out as curl or httpx, a curl command in.

Copying renders exactly what Send would send (credentials included, and the
status line says so); pasting fills the composer, relative to the current
server when the URL points at it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication

from asgideck.gui.tabs.workbench.actions import HTTP_PAGE
from asgideck.runtime.client import CurlError, RequestFailed, RequestSpec, from_curl
from asgideck.runtime.workbench import draft_from_spec

if TYPE_CHECKING:
    from asgideck.gui.tabs.workbench.view import TryView


def copy_request(view: TryView, what: str, render: Callable[[RequestSpec], str]) -> str | None:
    """Put ``render(spec)`` of the composer's request on the clipboard; None (and a banner)
    when the request cannot be built or rendered."""
    try:
        text = render(view.build_spec())
    except (RequestFailed, CurlError) as exc:
        view.banner.show_message(f"Cannot copy as {what}: {exc}", "warning")
        return None
    QGuiApplication.clipboard().setText(text)
    secret = (
        " It includes this server's credentials."
        if view.composer.use_auth.isChecked() and view.workbench.auth
        else ""
    )
    view.status.setText(f"Copied the {what} to the clipboard.{secret}")
    return str(text)


def paste_curl(view: TryView, text: str | None) -> bool:
    """Fill the composer from a curl command (the clipboard's when ``text`` is None)."""
    command = text if text is not None else QGuiApplication.clipboard().text()
    try:
        spec = from_curl(command)
    except CurlError as exc:
        shown = command.strip().splitlines()[0][:60] if command.strip() else "nothing"
        view.banner.show_message(f"Not a curl command I can read ({shown!r}): {exc}", "warning")
        return False
    target = view.workbench.target
    draft, notes = draft_from_spec(
        spec,
        base_url=target.base_url if target else "",
        root_path=target.root_path if target else "",
    )
    view.set_draft(draft)
    view.show_mode(HTTP_PAGE)
    message = "Filled the composer from the curl command."
    view.status.setText(message + (" " + " ".join(notes) if notes else ""))
    view.banner.clear_message()
    return True
