"""Helpers shared by tests (importable as ``support``: pytest puts tests/ on sys.path).

``servers`` (supervised servers, ``wait_until``), ``inspecting`` (probe apps), ``loopback``
(uvicorn on a free loopback port), ``try_view`` (the Try tab against real servers),
``fastapi_versions`` (cached venvs with other FastAPI versions), ``files`` (projects written
or copied to tmp, PNG sizes), ``cli`` (the CLI in-process) and ``gui`` (Qt helpers, for GUI
tests only); the apps they serve live in ``apps/``. Shared fixtures live in the conftest.py
of the folder whose tests use them.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"
SAMPLE_APP = REPO / "sample_app"
