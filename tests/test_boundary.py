"""runtime/ stays headless: it never imports PySide6 or gui (DESIGN.md)."""

from __future__ import annotations

import ast
import subprocess
import sys

from support import REPO

FORBIDDEN = ("PySide6", "shiboken6", "gui")


def _imported_roots(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def test_runtime_sources_never_import_qt_or_gui() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in sorted((REPO / "runtime").rglob("*.py"))
        for line, name in _imported_roots(path)
        if name in FORBIDDEN
    ]
    assert offenders == []


def test_importing_every_runtime_module_loads_no_qt() -> None:
    code = (
        "import importlib, pkgutil, sys, runtime\n"
        "for m in pkgutil.walk_packages(runtime.__path__, 'runtime.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_scan_would_catch_an_offender(tmp_path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport gui.app\n")
    assert [n for _, n in _imported_roots(bad)] == ["PySide6", "gui"]
