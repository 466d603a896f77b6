"""Discovery tier 3: any module with a module-level FastAPI/Starlette app or app factory
(a bounded scan). An app or factory that another candidate's module imports (a
mounted sub-app, the factory ``main.py`` calls) is part of that one, not a candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asgideck.runtime.project._ast_scan import AppScanner
from asgideck.runtime.project._declared import MAX_SCANNED_BYTES
from asgideck.runtime.project._module_names import parse_source
from asgideck.runtime.project._targets import app_in_file, workdir_for
from asgideck.runtime.project._types import AppTarget
from asgideck.runtime.sourcetree import walk_files

__all__ = ["any_module_apps"]

# Files worth parsing: a module-level `name = something_app(...)` /
# `FastAPI(...)`, or a function next to a FastAPI/Starlette call.
_APP_ASSIGN = re.compile(
    rb"^[A-Za-z_]\w*\s*(?::[^=\n]+)?=\s*[\w.]*(?:FastAPI|Starlette|[Aa]pp\w*|application)\(",
    re.MULTILINE,
)
_APP_FACTORY = re.compile(rb"^(?:async\s+)?def\s", re.MULTILINE)
_APP_CALL = re.compile(rb"\b(?:FastAPI|Starlette)\(")


def any_module_apps(tops: Iterable[Path], ws_root: Path) -> list[AppTarget]:
    """Every app or factory defined at module level below ``tops``, subordinates left out."""
    return _drop_subordinates([s for top in tops for s in _scan_modules(top, ws_root)])


@dataclass(frozen=True)
class _Scanned:
    target: AppTarget
    imports: frozenset[str]
    verified: bool


def _scan_modules(top: Path, ws_root: Path) -> list[_Scanned]:
    found: list[_Scanned] = []
    for file in walk_files(top):
        if file.suffix != ".py":
            continue
        try:
            data = file.read_bytes()
        except OSError:
            continue
        if len(data) > MAX_SCANNED_BYTES or not _may_define_an_app(data):
            continue
        workdir = workdir_for(file, ws_root if top.is_relative_to(ws_root) else top)
        target = app_in_file(file, workdir, ws_root, None, "")
        if target is None:
            continue
        tree = parse_source(file)
        imports: frozenset[str] = frozenset()
        if not isinstance(tree, str):
            scanner = AppScanner(workdir, target.module, is_package=file.name == "__init__.py")
            scanner.find(tree)
            imports = frozenset(scanner.aliases.values())
        found.append(_Scanned(target, imports, "not verified" not in target.reason))
    return found


def _may_define_an_app(data: bytes) -> bool:
    """Cheap substring checks first; the regexes only on files that pass them."""
    if not any(name in data for name in (b"FastAPI", b"Starlette", b"pp(", b"application")):
        return False
    if _APP_ASSIGN.search(data) is not None:
        return True
    return _APP_FACTORY.search(data) is not None and _APP_CALL.search(data) is not None


def _drop_subordinates(scanned: list[_Scanned]) -> list[AppTarget]:
    """Leave out apps and factories another candidate imports (sub-apps, the factory a
    ``main.py`` calls), and unverified guesses when a verified app exists."""
    if any(s.verified for s in scanned):
        scanned = [s for s in scanned if s.verified]
    imported = set().union(*(s.imports for s in scanned)) if scanned else set()
    kept = [s.target for s in scanned if f"{s.target.module}.{s.target.attr}" not in imported]
    return kept or [s.target for s in scanned]
