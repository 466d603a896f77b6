"""The probe: STDLIB ONLY, run inside the *project's* interpreter (Python >= 3.8).

asgideck starts it by path (``python _main.py``); ``_main`` loads its siblings by
path as a private package, so nothing in this folder imports asgideck. asgideck
itself needs only the script's path and the marker its result line starts with.
"""

from __future__ import annotations

from pathlib import Path

from asgideck.runtime.probe._main import SENTINEL

PROBE_SCRIPT = Path(__file__).resolve().with_name("_main.py")

__all__ = ["PROBE_SCRIPT", "SENTINEL"]
