"""GUI fixtures: a copy of sample_app to edit, and a window that is always closed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.files import copy_sample_app


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """sample_app copied to tmp, so edits never touch the repository's files."""
    return copy_sample_app(tmp_path / "sample_app")


@pytest.fixture
def make_window(qtbot) -> Iterator:  # type: ignore[no-untyped-def]
    """Build a MainWindow on a path, wait until it has loaded, close it afterwards."""
    from asgideck.gui.app import make_app
    from asgideck.gui.main_window import MainWindow

    make_app()
    windows: list[MainWindow] = []

    def build(path: Path | str, *, wait: bool = True) -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        windows.append(window)
        if wait:
            with qtbot.waitSignal(window.loaded, timeout=30_000):
                window.open_path(path)
        else:
            window.open_path(path)
        window.show()
        return window

    yield build
    for window in windows:
        window.close()
        assert window.drain(), "a background job outlived the test"  # e.g. a probe still running


@pytest.fixture
def views(qtbot, tmp_path: Path) -> Iterator:  # type: ignore[no-untyped-def]
    """Try-tab views on their own (no window), each with its own history file."""
    from support.try_view import Views

    built = Views(qtbot, tmp_path / "history.sqlite3")
    yield built
    built.close()
