"""Where a project's app is, from whichever folder was opened, read and never run.

Candidates come in tiers; the first tier that yields any wins:

1. **Declared** (``_declared``): what the project's own files say it is launched with --
   ``[tool.fastapi] entrypoint`` in a pyproject.toml, server commands in Makefile /
   Procfile / shell scripts / Dockerfile / docker-compose, ``wsgi_app`` in
   gunicorn.conf.py, ``uvicorn.run(...)`` in source. Places naming the same module
   file and attribute are one candidate that lists every place.
2. **fastapi-cli's default paths** (``_default_paths``: ``main.py``, ``app.py``,
   ``api.py``, ``app/main.py``, …, the same under ``src/`` and ``src/<package>/``) in
   the focus folder, else in each workspace member (``backend/``, ``api/``,
   ``server/``, uv workspace members).
3. **Any module** (``_any_module``) with a module-level FastAPI/Starlette app or app
   factory (bounded scan). An app or factory that another candidate's module imports
   (a mounted sub-app, the factory ``main.py`` calls) is part of that one, not a
   candidate.

One candidate is the app; several are listed for the user to choose (the choice is
remembered per project, see ``_choice``). This module runs the tiers in order and
merges what they find; ``_targets`` holds what they share. Files are read with
:mod:`ast`: opening a folder must never run its code.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from asgideck.runtime.project._any_module import any_module_apps
from asgideck.runtime.project._declared import declared
from asgideck.runtime.project._default_paths import default_paths
from asgideck.runtime.project._targets import shown
from asgideck.runtime.project._types import AppNotFound, AppTarget
from asgideck.runtime.project._workspace import Workspace, find_workspace

__all__ = ["Discovery", "SeveralApps", "discover", "find_app", "several_message"]


class SeveralApps(AppNotFound):
    """More than one app candidate and no remembered choice; the message lists them."""

    def __init__(self, message: str, candidates: tuple[AppTarget, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


@dataclass
class Discovery:
    """What discovery saw: the workspace, the candidates (best first), what was looked at."""

    workspace: Workspace
    candidates: list[AppTarget] = field(default_factory=list)
    looked: list[str] = field(default_factory=list)
    tier: str = ""

    def error(self) -> AppNotFound:
        if not self.candidates:
            listing = "\n".join(f"  - {entry}" for entry in self.looked)
            return AppNotFound(
                f"no FastAPI/Starlette app found in {self.workspace.focus}. Looked at:\n"
                f"{listing}\n"
                'Set [tool.fastapi] entrypoint = "module:attr" in pyproject.toml or pass --app.'
            )
        return SeveralApps(
            several_message(self.candidates, self.workspace.root), tuple(self.candidates)
        )


def several_message(candidates: Iterable[AppTarget], top: Path) -> str:
    """The error naming every candidate, where it was found and where it runs."""
    lines = []
    for target in candidates:
        where = "; ".join(target.found) or target.reason
        workdir = target.workdir or top
        run_in = os.path.relpath(workdir, top)
        lines.append(f"  - {target.import_string} (runs in {run_in}): {where}")
    return "several apps found; choose one (--app MODULE:ATTR, or the picker):\n" + "\n".join(lines)


def find_app(root: Path) -> AppTarget:
    """The one app of the project opened at ``root``; raises :class:`AppNotFound` listing
    what was looked at, or :class:`SeveralApps` listing the candidates."""
    found = discover(root)
    if len(found.candidates) == 1:
        return found.candidates[0]
    raise found.error()


def discover(opened: Path) -> Discovery:
    """Every app candidate for the folder ``opened`` (see the module docstring)."""
    ws = find_workspace(opened)
    found = Discovery(ws)
    tops = [ws.focus]
    named = declared(ws, ws.focus, found.looked, recursive=True)
    if not named and ws.focus != ws.root:
        named = declared(ws, ws.root, found.looked, recursive=False)
    if named:
        found.candidates, found.tier = _merge(named), "declared"
        return found
    defaults = default_paths(ws.focus, found.looked, ws.root)
    if not defaults:
        for member in ws.members:
            if member != ws.focus and not ws.focus.is_relative_to(member):
                defaults.extend(default_paths(member, found.looked, ws.root, first_only=True))
                tops.append(member)
    if defaults:
        found.candidates, found.tier = _merge(defaults), "default"
        return found
    scanned = any_module_apps(tops, ws.root)
    if not scanned:
        found.looked.append(f"{shown(ws.focus, ws.root) or '.'}: no module-level app in any module")
    found.candidates, found.tier = _merge(scanned), "scan"
    return found


def _merge(targets: Iterable[AppTarget]) -> list[AppTarget]:
    merged: dict[tuple[Path, str], AppTarget] = {}
    for target in targets:
        key = (target.file.resolve(), target.attr)
        if key in merged:
            first = merged[key]
            extra = tuple(f for f in target.found if f not in first.found)
            merged[key] = replace(first, found=first.found + extra)
        else:
            merged[key] = target
    return list(merged.values())
