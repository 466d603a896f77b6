"""Saving the Try tab's response body to a file the user picks.

The whole body is written, from its temporary file when it was too large to
keep in memory. :func:`write_body` blocks on the disk, so the view runs it on
its task scope: a big body never blocks the GUI thread.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from asgideck.runtime.client import ResponseRecord


def ask_target(parent: QWidget, record: ResponseRecord) -> Path | None:
    """Ask where to save ``record``'s body (offering the URL's last segment); None if cancelled."""
    name = Path(record.url.split("?", 1)[0]).name or "response"
    path, _ = QFileDialog.getSaveFileName(parent, "Save response body", name)
    return Path(path) if path else None


def write_body(record: ResponseRecord, target: Path) -> int:
    """Write the whole body to ``target`` (raises OSError); returns the bytes written."""
    if record.body_file is not None and record.body_file.exists():
        shutil.copyfile(record.body_file, target)
    else:
        target.write_bytes(record.body)
    return target.stat().st_size
