"""Helpers shared by tests (importable as ``support``: pytest puts tests/ on sys.path).

``servers`` (supervised servers), ``inspecting`` (probe apps), ``loopback`` (uvicorn on a
free loopback port), ``try_view`` (the Try tab against real servers), ``fastapi_versions``
(cached venvs with other FastAPI versions); the apps they serve live in ``apps/``.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"
SAMPLE_APP = REPO / "sample_app"
