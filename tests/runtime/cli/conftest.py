"""CLI fixtures: a project folder the commands may edit and run."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.files import copy_sample_app


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of sample_app for each test."""
    return copy_sample_app(tmp_path / "proj")
