"""`asgideck --screenshot FILE` opens, waits until loaded, writes a PNG and exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support import REPO, SAMPLE_APP
from support.files import png_size


def test_screenshot_of_the_sample_app(tmp_path: Path) -> None:
    target = tmp_path / "shot.png"
    home = tmp_path / "home"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ASGIDECK_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "asgideck", "--screenshot", str(target), str(SAMPLE_APP)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert png_size(target) == (1100, 720)
    assert not (home / "config" / "window.ini").exists()  # the user's layout is left alone


def test_screenshot_of_a_missing_folder_still_exits(tmp_path: Path) -> None:
    target = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "asgideck", "--screenshot", str(target), str(tmp_path / "missing")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert target.exists()
