"""Saving the Try tab's response body to a file the user picks.

The whole body is written, from its temporary file when it was too large to
keep in memory, on the task runner: a big body never blocks the GUI thread.
A failure (OSError: no such folder, no permission, disk full) is shown in the
view's banner; a result that lands after the view was detached is dropped.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

if TYPE_CHECKING:
    from asgideck.gui.tabs.workbench.view import TryView


def ask_and_save(view: TryView) -> None:
    """Ask where to save the shown response's body (named after the URL), then save it."""
    record = view.response.record
    if record is None:
        return
    name = Path(record.url.split("?", 1)[0]).name or "response"
    path, _ = QFileDialog.getSaveFileName(view, "Save response body", name)
    if path:
        view.save_body_to(Path(path))


def save_to(view: TryView, target: Path) -> None:
    """Write the shown response's whole body to ``target``; the status line says how much."""
    record = view.response.record
    if record is None:
        return

    def op() -> int:
        if record.body_file is not None and record.body_file.exists():
            shutil.copyfile(record.body_file, target)
        else:
            target.write_bytes(record.body)
        return target.stat().st_size

    def saved(size: int) -> None:
        if not view.detached:
            view.status.setText(f"Saved {size:,} bytes to {target}")

    def failed(exc: Exception) -> None:
        if not view.detached:
            view.banner.show_message(f"Could not save the body: {exc}", "error")

    view.runner.run(op, saved, failed)
