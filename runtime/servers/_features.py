"""What the project's interpreter has installed, as far as argv cares (``Features``).

``interpreter_features`` finds out, cached per interpreter and the mtime of its
site-packages: a file-system look plus one bounded run of that interpreter
(``importlib.util.find_spec`` of the server modules, never an import of the app),
whose answer is also kept across processes for a virtualenv (``_probe_cache``).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from asgideck.runtime.servers import _probe_cache
from asgideck.runtime.servers._launch import PARENT_ENV_KEYS

__all__ = ["SERVER_MODULES", "Features", "interpreter_features"]

#: The module each server kind runs as ``python -m``; what ``Features.modules`` looks for.
SERVER_MODULES: Mapping[str, str] = MappingProxyType(
    {kind: kind for kind in ("uvicorn", "gunicorn", "hypercorn", "granian", "daphne")}
)
_PROBED_MODULES = (*SERVER_MODULES.values(), "uvicorn_worker", "uvicorn.workers")


@dataclass(frozen=True)
class Features:
    """What the project's interpreter has installed, as far as argv cares.

    ``modules`` holds the server modules it can import (see ``SERVER_MODULES``, plus
    ``uvicorn_worker`` and ``uvicorn.workers``); None when that is unknown (not asked,
    or the interpreter did not answer): argv then assumes the usual ones.
    """

    gunicorn_flags: frozenset[str] = frozenset()
    has_watchfiles: bool = False
    modules: frozenset[str] | None = None

    @classmethod
    def all(cls) -> Features:
        """Everything current servers support (for tests and previews)."""
        return cls(
            frozenset({"--no-control-socket", "--root-path"}),
            has_watchfiles=True,
            modules=frozenset(_PROBED_MODULES),
        )

    def lacks(self, module: str) -> bool:
        """Known not to be importable (False when unknown)."""
        return self.modules is not None and module not in self.modules


_GUNICORN_FLAGS = ("--no-control-socket", "--root-path")


def interpreter_features(python: Path) -> Features:
    """What ``python`` has, cached per interpreter and the mtime of its site-packages.

    The first call for an interpreter runs it once (a few hundred ms, 15 s at most):
    call it off the GUI thread.
    """
    dirs = _site_dirs(Path(python))
    stamp = tuple(_mtime(d) for d in dirs)
    found = _features_for(tuple(dirs), stamp)
    modules = _modules_of(str(python), tuple(dirs), stamp)
    return Features(found.gunicorn_flags, found.has_watchfiles, modules)


@functools.lru_cache(maxsize=32)
def _features_for(dirs: tuple[Path, ...], _stamp: tuple[float, ...]) -> Features:
    flags: set[str] = set()
    watchfiles = False
    for site in dirs:
        config = site / "gunicorn" / "config.py"
        if not flags and config.is_file():
            try:
                text = config.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            flags.update(flag for flag in _GUNICORN_FLAGS if f'"{flag}"' in text)
        watchfiles = watchfiles or (site / "watchfiles").is_dir()
    return Features(frozenset(flags), watchfiles)


#: ``uvicorn.workers`` counts only when ``uvicorn_worker`` is missing (argv and deploy
#: fall back to it then): with ``uvicorn_worker`` found it is located without importing
#: ``uvicorn`` (the import is 0.2-0.7 s of every start's probe); without, ``find_spec``
#: imports ``uvicorn`` as gunicorn would, so a broken uvicorn still counts as missing.
_FIND_SPECS = """\
import importlib.machinery, importlib.util, sys
found = set()
for name in sys.argv[1:]:
    parent = name.rpartition(".")[0]
    try:
        if parent and "uvicorn_worker" in found:
            spec = importlib.util.find_spec(parent)
            where = spec.submodule_search_locations if spec is not None else None
            ok = bool(where) and importlib.machinery.PathFinder.find_spec(name, where) is not None
        else:
            ok = importlib.util.find_spec(name) is not None
    except Exception:
        ok = False
    if ok:
        found.add(name)
        print(name)
"""


#: what the probe runs: a new asgideck that asks otherwise never reuses an older answer
_PROBE_TEXT = "\0".join((_FIND_SPECS, *_PROBED_MODULES))


@functools.lru_cache(maxsize=32)
def _modules_of(
    python: str, dirs: tuple[Path, ...], _stamp: tuple[float, ...]
) -> frozenset[str] | None:
    """Which of the server modules ``python`` can import (None: it did not answer): the
    answer kept from an earlier process when nothing it depends on changed since (see
    ``_probe_cache``), else asked (and kept)."""
    key = _probe_cache.probe_key(Path(python), dirs, _PROBE_TEXT, _PROBED_MODULES)
    if key is not None:
        kept = _probe_cache.load(Path(python), key)
        if kept is not None:
            return kept
    modules = _probe(python)
    if key is not None and modules is not None:
        _probe_cache.store(Path(python), key, modules)
    return modules


def _probe(python: str) -> frozenset[str] | None:
    """Run ``python`` once to find which of the server modules it can import.

    ``find_spec`` locates a module without running it (for ``uvicorn.workers`` it
    imports the ``uvicorn`` package, as gunicorn would, when that answer matters: see
    ``_FIND_SPECS``). ``-I`` is not used: the
    project's interpreter must see what it sees at start (its ``.pth`` files).
    """
    try:
        done = subprocess.run(
            [python, "-c", _FIND_SPECS, *_PROBED_MODULES],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
            env={k: v for k, v in os.environ.items() if k in PARENT_ENV_KEYS},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return frozenset(line.strip() for line in done.stdout.splitlines() if line.strip())


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _site_dirs(python: Path) -> list[Path]:
    """site-packages of ``python``: from its venv layout, else (once) by asking it."""
    venv = python.parent.parent
    if (venv / "pyvenv.cfg").is_file():
        if sys.platform == "win32":
            found = [venv / "Lib" / "site-packages"]
        else:
            found = sorted(venv.glob("lib/python3*/site-packages"))
        try:
            cfg = (venv / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cfg = ""
        if "include-system-site-packages = true" not in cfg.lower():
            return found
        return found + list(_ask_interpreter(str(python)))
    if _same_file(python, Path(sys.executable)):
        import site

        return [Path(p) for p in site.getsitepackages()]
    return list(_ask_interpreter(str(python)))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@functools.lru_cache(maxsize=16)
def _ask_interpreter(python: str) -> tuple[Path, ...]:
    code = "import site,sys;print('\\n'.join(site.getsitepackages()))"
    try:
        out = subprocess.run(
            [python, "-c", code], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(Path(line) for line in out.splitlines() if line.strip())
