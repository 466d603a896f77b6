"""The window writes the user's home folder as ``~``."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.gui.core.paths import shown_path


def test_home_is_shown_as_tilde(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert shown_path(tmp_path / "projects" / "sample_app") == "~/projects/sample_app"
    assert shown_path(tmp_path) == "~"
    assert shown_path("/srv/app") == "/srv/app"
    assert shown_path(str(tmp_path) + "-other/app") == str(tmp_path) + "-other/app"
