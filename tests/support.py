"""Paths shared by tests (importable as ``support``: pytest puts tests/ on sys.path)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_APP = REPO / "sample_app"
