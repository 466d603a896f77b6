"""Where a project's app is, from whichever folder was opened, read and never run.

Candidates come in tiers; the first tier that yields any wins:

1. **Declared**: what the project's own files say it is launched with -- ``[tool.fastapi]
   entrypoint`` in a pyproject.toml, server commands in Makefile / Procfile / shell
   scripts / Dockerfile / docker-compose, ``wsgi_app`` in gunicorn.conf.py,
   ``uvicorn.run(...)`` in source (see ``_launch``). Places naming the same module
   file and attribute are one candidate that lists every place.
2. **fastapi-cli's default paths** (``main.py``, ``app.py``, ``api.py``, ``app/main.py``,
   …, the same under ``src/`` and ``src/<package>/``) in the focus folder, else in each
   workspace member (``backend/``, ``api/``, ``server/``, uv workspace members).
3. **Any module** with a module-level FastAPI/Starlette app or app factory (bounded
   scan). An app or factory that another candidate's module imports (a mounted
   sub-app, the factory ``main.py`` calls) is part of that one, not a candidate.

One candidate is the app; several are listed for the user to choose (the choice is
remembered per project, see ``_choice``). Files are read with :mod:`ast`: opening a
folder must never run its code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from asgideck.runtime.project._ast_scan import AppScanner, definition_of
from asgideck.runtime.project._launch import (
    SPEC,
    Launch,
    is_launch_file,
    launches_in_file,
    launches_in_python,
)
from asgideck.runtime.project._module_names import (
    module_file,
    module_for,
    package_base,
    parse_source,
)
from asgideck.runtime.project._types import AppNotFound, AppTarget, ProjectError
from asgideck.runtime.project._workspace import (
    Workspace,
    find_workspace,
    is_project_folder,
    read_toml,
)
from asgideck.runtime.sourcetree import walk_files

__all__ = [
    "CANDIDATE_FILES",
    "Discovery",
    "SeveralApps",
    "discover",
    "explicit_target",
    "find_app",
    "read_pyproject",
]

# fastapi-cli's default paths, then the same under src/ (src/<package>/… is added per folder).
CANDIDATE_FILES = (
    "main.py",
    "app.py",
    "api.py",
    "app/main.py",
    "app/app.py",
    "app/api.py",
    "src/main.py",
    "src/app.py",
    "src/api.py",
    "src/app/main.py",
    "src/app/app.py",
    "src/app/api.py",
)
# Files worth parsing for tier 3: a module-level `name = something_app(...)` /
# `FastAPI(...)`, or a function next to a FastAPI/Starlette call.
_APP_ASSIGN = re.compile(
    rb"^[A-Za-z_]\w*\s*(?::[^=\n]+)?=\s*[\w.]*(?:FastAPI|Starlette|[Aa]pp\w*|application)\(",
    re.MULTILINE,
)
_APP_FACTORY = re.compile(rb"^(?:async\s+)?def\s", re.MULTILINE)
_APP_CALL = re.compile(rb"\b(?:FastAPI|Starlette)\(")
_UVICORN_CALL = re.compile(rb"uvicorn\.(?:run|Config)\(")
_MAX_SCANNED_BYTES = 300_000


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
    lines = []
    for target in candidates:
        where = "; ".join(target.found) or target.reason
        workdir = target.workdir or top
        run_in = os.path.relpath(workdir, top)
        lines.append(f"  - {target.import_string} (runs in {run_in}): {where}")
    return "several apps found; choose one (--app MODULE:ATTR, or the picker):\n" + "\n".join(lines)


def read_pyproject(root: Path) -> dict[str, Any] | str | None:
    """The parsed pyproject.toml, None when absent, or an error message."""
    return read_toml(root / "pyproject.toml")


def find_app(root: Path) -> AppTarget:
    """The one app of the project opened at ``root``; raises :class:`AppNotFound` listing
    what was looked at, or :class:`SeveralApps` listing the candidates."""
    found = discover(root)
    if len(found.candidates) == 1:
        return found.candidates[0]
    raise found.error()


def _shown(path: Path, top: Path) -> str:
    try:
        return path.relative_to(top).as_posix()
    except ValueError:
        return os.path.relpath(path, top)


# ------------------------------------------------------------------------------ discover


def discover(opened: Path) -> Discovery:
    """Every app candidate for the folder ``opened`` (see the module docstring)."""
    ws = find_workspace(opened)
    found = Discovery(ws)
    tops = [ws.focus]
    declared = _declared(ws, ws.focus, found.looked)
    if not declared and ws.focus != ws.root:
        declared = _declared_at(ws, ws.root, found.looked, recursive=False)
    if declared:
        found.candidates, found.tier = _merge(declared), "declared"
        return found
    defaults = _default_paths(ws.focus, found.looked, ws.root)
    if not defaults:
        for member in ws.members:
            if member != ws.focus and not ws.focus.is_relative_to(member):
                defaults.extend(_default_paths(member, found.looked, ws.root, first_only=True))
                tops.append(member)
    if defaults:
        found.candidates, found.tier = _merge(defaults), "default"
        return found
    scanned = [t for top in tops for t in _scan_modules(top, ws.root)]
    if not scanned:
        found.looked.append(
            f"{_shown(ws.focus, ws.root) or '.'}: no module-level app in any module"
        )
    found.candidates, found.tier = _merge(_drop_subordinates(scanned)), "scan"
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


# ------------------------------------------------------------------------ tier 1: declared


def _declared(ws: Workspace, top: Path, looked: list[str]) -> list[AppTarget]:
    return _declared_at(ws, top, looked, recursive=True)


def _declared_at(
    ws: Workspace, top: Path, looked: list[str], *, recursive: bool
) -> list[AppTarget]:
    launches: list[Launch] = []
    launches.extend(_entrypoints(top, ws.root, looked))
    files: Iterable[Path] = walk_files(top) if recursive else _children(top)
    for file in files:
        if file.suffix == ".py" and file.name not in ("gunicorn.conf.py", "gunicorn_conf.py"):
            launches.extend(_python_launches(file, ws.root))
        elif file.name == "pyproject.toml" and file.parent != top:
            launches.extend(_entrypoints(file.parent, ws.root, looked))
        elif is_launch_file(file) or file.name.startswith("gunicorn"):
            if file.suffix == ".sh" and len(file.relative_to(top).parts) > 3:
                continue
            launches.extend(launches_in_file(file, _shown(file, ws.root)))
    targets: list[AppTarget] = []
    for launch in launches:
        target = _resolve(launch, ws, looked)
        if target is not None:
            targets.append(target)
    return targets


def _children(top: Path) -> Iterator[Path]:
    try:
        yield from sorted(p for p in top.iterdir() if p.is_file())
    except OSError:
        return


def _entrypoints(folder: Path, top: Path, looked: list[str]) -> list[Launch]:
    pyproject = read_pyproject(folder)
    shown = _shown(folder / "pyproject.toml", top)
    if isinstance(pyproject, str):
        looked.append(f"{shown}: {pyproject.partition(': ')[2]}")
        return []
    if pyproject is None:
        looked.append(f"{shown}: not present")
        return []
    tool = pyproject.get("tool")
    table = tool.get("fastapi") if isinstance(tool, dict) else None
    entry = table.get("entrypoint", table.get("entryPoint")) if isinstance(table, dict) else None
    if isinstance(entry, str) and entry.strip():
        what = f"[tool.fastapi] entrypoint in {shown}"
        spec = entry.strip()
        if SPEC.match(spec) is None:
            raise ProjectError(f"{what}: expected MODULE:ATTR (e.g. app.main:app), got {spec!r}")
        return [Launch(folder, shown, what, spec=spec)]
    looked.append(f"{shown}: no [tool.fastapi] entrypoint")
    return []


def _python_launches(file: Path, top: Path) -> list[Launch]:
    try:
        data = file.read_bytes()
    except OSError:
        return []
    if len(data) > _MAX_SCANNED_BYTES or b"uvicorn." not in data:
        return []
    if _UVICORN_CALL.search(data) is None:
        return []
    tree = parse_source(file)
    if isinstance(tree, str):
        return []
    return launches_in_python(tree, file, _shown(file, top), _workdir_for(file, top))


def _workdir_for(file: Path, top: Path) -> Path:
    """Where a module runs from when nothing says: the nearest project folder at or above
    its import base (the first folder above its ``__init__.py`` chain), not above ``top``."""
    folder = file.parent
    while (folder / "__init__.py").is_file() and folder != top:
        folder = folder.parent
    start = folder
    while True:
        if is_project_folder(folder):
            return folder
        if folder == top or folder.parent == folder:
            return start if not top.is_relative_to(start) else top
        folder = folder.parent


def _resolve(launch: Launch, ws: Workspace, looked: list[str]) -> AppTarget | None:
    """The target a launch names, looked up in its workdir, else in the focus and members."""
    places = [launch.workdir, ws.focus, *ws.members, ws.root]
    for workdir in dict.fromkeys(p.resolve() for p in places if p.is_dir()):
        target = _resolve_in(launch, workdir, ws)
        if target is not None:
            return target
    named = launch.spec or launch.path or "fastapi-cli's default paths"
    looked.append(f"{launch.where}: {launch.what} names {named}, not found in the project")
    return None


def _resolve_in(launch: Launch, workdir: Path, ws: Workspace) -> AppTarget | None:
    moved = "" if workdir == launch.workdir.resolve() else f" (run in {_shown(workdir, ws.root)})"
    if launch.spec is not None:
        module, _, attr = launch.spec.partition(":")
        located = module_file(workdir, module, launch.app_dir or "")
        if located is None:
            return None
        file, app_dir = located
        return _target_at(module, attr, launch.factory, file, app_dir, workdir, launch, moved)
    if launch.path is None:
        # `fastapi run` without a path: its default search in the workdir.
        defaults = _default_paths(workdir, [], ws.root)
        said = f"{launch.where}: {launch.what}{moved}"
        return replace(defaults[0], found=(said,), reason=said) if defaults else None
    path = Path(launch.path)
    path = path if path.is_absolute() else workdir / path
    if path.is_dir():
        path = path / "__init__.py"
    if not path.is_file() or path.suffix != ".py":
        return None
    names = package_base(ws.root, path) if ws.root in path.parents else None
    if names is not None:
        dotted, base = names
        rel_dir = os.path.relpath(ws.root / base, workdir)
    else:
        dotted, rel_dir = path.stem, os.path.relpath(path.parent, workdir)
    import_dir = "" if rel_dir == "." else Path(rel_dir).as_posix()
    factory = launch.factory
    name = launch.attr
    if name is None:
        tree = parse_source(path)
        if isinstance(tree, str):
            return None
        hit = AppScanner(ws.root, dotted, is_package=path.name == "__init__.py").find(tree)
        if hit is None:
            return None
        name = hit.attr
        factory = hit.factory if launch.factory is None else launch.factory
    return _target_at(dotted, name, factory, path, import_dir, workdir, launch, moved)


def _target_at(
    module: str,
    attr: str,
    factory: bool | None,
    file: Path,
    app_dir: str,
    workdir: Path,
    launch: Launch,
    moved: str,
) -> AppTarget:
    line, is_function = 0, False
    tree = parse_source(file)
    if not isinstance(tree, str):
        line, is_function = definition_of(tree, attr)
    said = launch.what if launch.where in launch.what else f"{launch.where}: {launch.what}"
    return AppTarget(
        module=module,
        attr=attr,
        factory=is_function if factory is None else factory,
        file=file,
        line=line,
        reason=said + moved,
        app_dir=app_dir,
        workdir=workdir,
        found=(said + moved,),
    )


# ----------------------------------------------------------------- tier 2: default paths


def _default_paths(
    folder: Path, looked: list[str], top: Path, *, first_only: bool = True
) -> list[AppTarget]:
    """fastapi-cli's default files in ``folder``: the first one holding an app."""
    shown_folder = _shown(folder, top)
    prefix = "" if shown_folder in ("", ".") else shown_folder + "/"
    for file in _candidate_files(folder):
        rel = prefix + file.relative_to(folder).as_posix()
        if not file.is_file():
            looked.append(f"{rel}: not present")
            continue
        hit = _scan_file(file, folder, top, looked, rel)
        if hit is not None:
            return [hit]
    return []


def _candidate_files(root: Path) -> Iterator[Path]:
    yield from (root / rel for rel in CANDIDATE_FILES)
    src = root / "src"
    if src.is_dir():
        for package in sorted(p for p in src.iterdir() if p.is_dir() and p.name != "app"):
            if package.name.isidentifier():
                for name in ("main.py", "app.py", "api.py"):
                    yield package / name


def _scan_file(
    file: Path, workdir: Path, top: Path, looked: list[str] | None, rel: str
) -> AppTarget | None:
    tree = parse_source(file)
    if isinstance(tree, str):
        if looked is not None:
            looked.append(tree if "/" not in rel else f"{rel}{tree[len(file.name) :]}")
        return None
    names = module_for(workdir, file)
    if names is None:
        if looked is not None:
            looked.append(f"{rel}: not an importable module name")
        return None
    module, app_dir = names
    hit = AppScanner(workdir, module, is_package=file.name == "__init__.py", app_dir=app_dir).find(
        tree
    )
    if hit is None:
        if looked is not None:
            looked.append(f"{rel}: no module-level FastAPI/Starlette app or app factory")
        return None
    kind = "factory " if hit.factory else ""
    unsure = "" if hit.verified else " (not verified to return a FastAPI/Starlette app)"
    where = _shown(file, workdir)
    reason = f"found {kind}`{hit.snippet}` in {where}:{hit.line}{unsure}"
    return AppTarget(
        module=module,
        attr=hit.attr,
        factory=hit.factory,
        file=file,
        line=hit.line,
        reason=reason,
        app_dir=app_dir,
        workdir=workdir,
        found=(f"{_shown(file, top)}:{hit.line}: {kind}`{hit.snippet}`{unsure}",),
    )


# ------------------------------------------------------------------- tier 3: any module


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
        if len(data) > _MAX_SCANNED_BYTES or not _may_define_an_app(data):
            continue
        workdir = _workdir_for(file, ws_root if top.is_relative_to(ws_root) else top)
        target = _scan_file(file, workdir, ws_root, None, "")
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


# --------------------------------------------------------------------------- explicit


def explicit_target(root: Path, spec: str, factory: bool | None, reason: str) -> AppTarget:
    module, colon, attr = spec.partition(":")
    if not colon or not attr.isidentifier() or not all(p.isidentifier() for p in module.split(".")):
        raise ProjectError(f"{reason}: expected MODULE:ATTR (e.g. app.main:app), got {spec!r}")
    located = module_file(root, module)
    if located is None:
        return AppTarget(
            module,
            attr,
            bool(factory),
            root,
            0,
            f"{reason} ({module} is not a file in the project: it must be importable)",
            workdir=root,
            found=(reason,),
        )
    file, app_dir = located
    line, is_function = 0, False
    tree = parse_source(file)
    if not isinstance(tree, str):
        line, is_function = definition_of(tree, attr)
    return AppTarget(
        module=module,
        attr=attr,
        factory=is_function if factory is None else factory,
        file=file,
        line=line,
        reason=reason,
        app_dir=app_dir,
        workdir=root,
        found=(reason,),
    )
