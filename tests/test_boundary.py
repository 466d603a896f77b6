"""runtime stays headless: importing any of it loads no Qt and no gui (DESIGN.md).

import-linter checks the source's import statements (``make lint``); this imports
every module for real, in a fresh interpreter outside the checkout, so a dependency
that drags Qt in, or an import hidden from static analysis, is caught as well.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("PySide6", "shiboken6", "asgideck.gui")

LOADED_AFTER_IMPORTING_ALL = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def forbidden_modules_loaded(package: str, cwd: Path) -> list[str]:
    """Import ``package`` and every module under it; return the forbidden ones that got loaded."""
    # -I: no PYTHONPATH, no cwd on sys.path, so only the installed asgideck can be found.
    out = subprocess.run(
        [sys.executable, "-I", "-c", LOADED_AFTER_IMPORTING_ALL, package],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    loaded: list[str] = json.loads(out.stdout)
    return [
        name
        for name in loaded
        if any(name == root or name.startswith(root + ".") for root in FORBIDDEN)
    ]


def test_importing_every_runtime_module_loads_no_qt_or_gui(tmp_path: Path) -> None:
    assert forbidden_modules_loaded("asgideck.runtime", tmp_path) == []


def test_the_check_would_catch_a_module_that_loads_qt(tmp_path: Path) -> None:
    loaded = forbidden_modules_loaded("asgideck.gui.core", tmp_path)
    assert "PySide6" in loaded
    assert "asgideck.gui.core.theme" in loaded


def test_a_bare_runtime_or_gui_package_is_not_importable(tmp_path: Path) -> None:
    """Outside the checkout only ``asgideck.*`` exists: a stray bare import would fail there."""
    code = "import importlib.util as u; print(u.find_spec('runtime'), u.find_spec('gui'))"
    out = subprocess.run(
        [sys.executable, "-I", "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None", "None"]
