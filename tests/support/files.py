"""Files the tests write and read: small projects from strings, sample_app copies, PNG sizes."""

from __future__ import annotations

import shutil
import struct
import textwrap
from pathlib import Path

from support import SAMPLE_APP


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: dedented text}`` under ``root`` (folders made as needed)."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def copy_sample_app(target: Path) -> Path:
    """sample_app copied to ``target``, so a test may edit it (or run it) without touching
    the repository: no database, bytecode or local venv comes along."""
    shutil.copytree(
        SAMPLE_APP, target, ignore=shutil.ignore_patterns("data", "__pycache__", ".venv")
    )
    return target


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's header; fails when ``path`` is not a PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height
