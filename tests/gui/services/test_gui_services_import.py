"""The window's modules do not import the services runtime (its engines, compose reader
and log followers): the section's first job does, off the GUI thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys

CHILD = """
import json, sys
import asgideck.gui.main_window, asgideck.gui.tray
print(json.dumps(sorted(m for m in sys.modules if m.startswith("asgideck.runtime.services"))))
"""


def test_importing_the_window_leaves_the_services_runtime_for_later() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
