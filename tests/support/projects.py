"""Real-world project layouts for tests: copied to a temp folder, each with its own venv.

The layouts live in ``tests/support/projects/<name>/`` as plain files (a monorepo
with ``backend/``, a ``src/`` layout, a factory in ``app/server.py``…). A test copies
one with :func:`copy_project` and gives it a venv with :func:`make_venv`: a real
``python -m venv`` whose third-party packages (FastAPI, uvicorn, pydantic-settings…)
come from this suite's venv through a ``.pth`` line — so building one takes about a
second and needs no network — plus modules that exist *only* in that venv
(``only_here``), which the fixture app imports: the app then imports only under the
project's own interpreter, never under asgideck's, as with a real project's
dependencies. asgideck itself is not importable there, as in a real project venv.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

PROJECTS = Path(__file__).resolve().parent / "projects"
SUITE_SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])

__all__ = ["PROJECTS", "copy_project", "make_venv", "venv_python"]


def copy_project(name: str, into: Path) -> Path:
    """A fresh copy of layout ``name`` under ``into``; returns the copy's root."""
    source = PROJECTS / name
    if not source.is_dir():
        raise FileNotFoundError(f"no fixture project {name!r} in {PROJECTS}")
    target = into / name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def make_venv(
    venv: Path,
    *,
    only_here: Sequence[str] = (),
    with_pip: bool = False,
    without: Sequence[str] = (),
) -> Path:
    """Create a venv at ``venv`` (see the module docstring); returns its python.

    ``only_here`` names modules written into this venv alone (``import NAME`` works
    only with this interpreter). ``with_pip`` keeps pip in it, for tests that install.
    ``without`` names suite packages this venv must really lack (see :func:`_lend`).
    """
    argv = [sys.executable, "-m", "venv", str(venv)]
    if not with_pip:
        argv.insert(3, "--without-pip")
    subprocess.run(argv, check=True, timeout=180, capture_output=True)
    site = _site_packages(venv)
    lent = _lend(venv, without) if without else SUITE_SITE_PACKAGES
    (site / "_asgideck_suite_deps.pth").write_text(f"{lent}\n", encoding="utf-8")
    for module in only_here:
        (site / f"{module}.py").write_text(
            f'"""A dependency that only {venv} has."""\n\nVENV = {str(venv)!r}\n', encoding="utf-8"
        )
    return venv_python(venv)


def _lend(venv: Path, without: Sequence[str]) -> Path:
    """A folder of symlinks to every entry of the suite's site-packages except the
    packages ``without`` names (module, package and ``*.dist-info``), inside ``venv``.

    A shadow module that raises would still be *found* (``find_spec`` succeeds), which
    is not the same as "not installed": lending everything but the package is. The
    folder lives in the venv, so scans that skip venvs skip it too.
    """
    hidden = tuple(name.lower().replace("-", "_") for name in without)
    lent = venv / "suite-site-packages"
    lent.mkdir()
    for entry in SUITE_SITE_PACKAGES.iterdir():
        if not entry.name.lower().replace("-", "_").startswith(hidden):
            (lent / entry.name).symlink_to(entry)
    return lent


def _site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if not found:
        raise FileNotFoundError(f"{venv}: no lib/python3*/site-packages after python -m venv")
    return found[0]
