"""The two questions a service start may need answered: use a free port (and write it
into the profile), or set the role's password to the profile's.

Each builds the box and names the button that means yes; the section shows it through
its ``ask`` seam (tests answer without a modal loop) and acts only on that button.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

if TYPE_CHECKING:
    from asgideck.runtime.services import CredentialsRejected, ServicePortTaken

__all__ = ["password_box", "port_taken_box"]


def port_taken_box(
    parent: QWidget | None, exc: ServicePortTaken, label: str, target: Path | None
) -> tuple[QMessageBox, QAbstractButton | None]:
    """ "port N is taken by <holder>; use free port M and write it into <file>?" — with
    Yes only when there is a free port and a file to write it into."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"Port {exc.port} is taken")
    holder = exc.holder or "another program"
    taken = f"{label}: port {exc.port} is taken by {holder}"
    yes: QAbstractButton | None = None
    if exc.free_port and target is not None:
        box.setText(f"{taken}; use free port {exc.free_port} and write it into {target}?")
        box.setInformativeText(
            "Only that port changes in the file; the app then connects to the new port too."
        )
        yes = box.addButton(QMessageBox.StandardButton.Yes)
        no = box.addButton(QMessageBox.StandardButton.No)
        box.setDefaultButton(no)
    else:
        box.setText(f"{taken}.")
        box.setInformativeText(
            "Stop that program, or give the service another port where the project sets it."
        )
        box.addButton(QMessageBox.StandardButton.Close)
    return box, yes


def password_box(
    parent: QWidget | None, exc: CredentialsRejected
) -> tuple[QMessageBox, QAbstractButton]:
    """The service refuses the profile's password: say so, offer to set the role's
    password to the profile's (an explicit choice: it changes the stored data)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Password rejected")
    box.setText(str(exc))
    box.setInformativeText(
        "Set the old password back in the profile, or let asgideck change the stored "
        "password to the profile's."
    )
    use = box.addButton("Use the profile's password", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    return box, use
