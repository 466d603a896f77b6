"""A project folder: its app target, its interpreter and its env files.

The app is found the way fastapi-cli finds it (``[tool.fastapi] entrypoint`` in
pyproject.toml, then ``main.py``, ``app.py``, ``api.py``, ``app/main.py``, …) but
by reading the source with :mod:`ast`: opening a folder must never run its code.
Every decision carries a ``reason`` so the UI can say *why* it chose what it shows.
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from runtime import profiles

__all__ = [
    "CANDIDATE_FILES",
    "AppNotFound",
    "AppTarget",
    "Interpreter",
    "Project",
    "ProjectError",
    "find_app",
    "find_interpreter",
    "module_for",
    "open_project",
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
APP_CLASSES = frozenset(
    {"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"}
)
PREFERRED_NAMES = ("app", "api")
FACTORY_NAMES = ("create_app", "get_app", "make_app", "build_app", "get_application")


class ProjectError(Exception):
    """The folder cannot be used as a project (the message names the path or option)."""


class AppNotFound(ProjectError):
    """No app target found; the message lists every place that was looked at."""


@dataclass(frozen=True)
class AppTarget:
    """What uvicorn is told to run: ``module:attr`` (a factory when ``factory``).

    ``app_dir`` is the folder (relative to the project root, "" = the root) that
    must be on ``sys.path`` for ``module`` to import, i.e. uvicorn's ``--app-dir``.
    """

    module: str
    attr: str
    factory: bool
    file: Path
    line: int
    reason: str
    app_dir: str = ""

    @property
    def import_string(self) -> str:
        return f"{self.module}:{self.attr}"


@dataclass(frozen=True)
class Interpreter:
    path: Path
    reason: str


@dataclass(frozen=True)
class Project:
    root: Path
    name: str
    app: AppTarget | None
    app_error: str | None
    interpreter: Interpreter
    env_files: tuple[Path, ...]
    profiles: tuple[str, ...]


# --------------------------------------------------------------------------- project


def open_project(
    path: Path | str,
    *,
    python: str | None = None,
    app: str | None = None,
    factory: bool | None = None,
) -> Project:
    """Open ``path``; a missing app is reported in ``app_error``, bad options raise."""
    root = Path(path).expanduser()
    if not root.exists():
        raise ProjectError(f"project folder does not exist: {root}")
    if not root.is_dir():
        raise ProjectError(f"not a folder: {root}")
    root = root.resolve()
    interpreter = find_interpreter(root, python)
    target: AppTarget | None
    error: str | None = None
    if app is not None:
        target = _explicit_target(root, app, factory, "--app given")
    else:
        try:
            target = find_app(root)
        except AppNotFound as exc:
            target, error = None, str(exc)
        if target is not None and factory is not None:
            target = replace(target, factory=factory)
    return Project(
        root=root,
        name=_project_name(root),
        app=target,
        app_error=error,
        interpreter=interpreter,
        env_files=env_files(root),
        profiles=tuple(profiles.list_profiles(root)),
    )


def env_files(root: Path) -> tuple[Path, ...]:
    """``.env`` and every ``.env.NAME`` (including the ``.env.example`` template)."""
    found = [
        p
        for p in root.iterdir()
        if p.is_file() and (p.name == ".env" or p.name.startswith(".env."))
    ]
    return tuple(sorted(found, key=lambda p: (p.name != ".env", p.name)))


def _project_name(root: Path) -> str:
    data = _read_pyproject(root)
    if isinstance(data, dict):
        for table in (data.get("project"), data.get("tool", {}).get("poetry")):
            if isinstance(table, dict) and isinstance(table.get("name"), str):
                return str(table["name"])
    return root.name


def _read_pyproject(root: Path) -> dict[str, Any] | str | None:
    """The parsed pyproject.toml, None when absent, or an error message."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"pyproject.toml: cannot read it ({exc})"


# ----------------------------------------------------------------------- interpreter


def _venv_python(venv: Path) -> Path | None:
    for rel in ("bin/python", "Scripts/python.exe"):
        candidate = venv / rel
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def find_interpreter(root: Path, python: str | None = None) -> Interpreter:
    """``--python`` > ``root/.venv`` > ``root/venv`` > the interpreter running asgideck."""
    if python is not None:
        return Interpreter(_explicit_python(python), "--python given")
    notes = []
    for name in (".venv", "venv"):
        venv = root / name
        if not venv.is_dir():
            continue
        found = _venv_python(venv)
        if found is not None:
            return Interpreter(found, f"{found.relative_to(root).as_posix()} in the project")
        notes.append(f"{name}/ has no bin/python or Scripts/python.exe")
    why = f" ({'; '.join(notes)})" if notes else ""
    return Interpreter(
        Path(sys.executable),
        f"no project venv{why}: using asgideck's own interpreter ({sys.executable})",
    )


def _explicit_python(python: str) -> Path:
    path = Path(python).expanduser()
    if not path.exists() and os.sep not in python and "/" not in python:
        located = shutil.which(python)
        path = Path(located) if located else path
    if not path.exists():
        raise ProjectError(f"--python {python}: no such file")
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ProjectError(f"--python {python}: not an executable file")
    # absolute but not resolved: a venv's python is a symlink and must stay one.
    return Path(os.path.abspath(path))


# ----------------------------------------------------------------------- module names


def module_for(root: Path, file: Path) -> tuple[str, str] | None:
    """``(module, app_dir)`` to import ``file`` with, or None when it is not importable.

    Modules are named from the project root (``app/main.py`` -> ``app.main``), or
    from ``src/`` in a src layout. A file in a folder without ``__init__.py`` that
    imports its siblings as top-level modules (``from routers import x``) is
    imported from its own folder, as fastapi-cli would.
    """
    base, app_dir = root, ""
    rel = file.relative_to(root)
    if rel.parts[0] == "src" and len(rel.parts) > 1 and not (root / "src/__init__.py").exists():
        base, app_dir = root / "src", "src"
        rel = file.relative_to(base)
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    namespace = len(rel.parts) > 1 and not (file.parent / "__init__.py").exists()
    if namespace and _imports_siblings(file):
        app_dir = file.parent.relative_to(root).as_posix()
        parts = [] if file.stem == "__init__" else [file.stem]
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts), app_dir


def _imports_siblings(file: Path) -> bool:
    """True when ``file`` imports modules that only exist next to it, never its own package."""
    tree = _parse(file)
    if isinstance(tree, str):
        return False
    top = file.parent.name
    siblings = False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            return False
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            first = name.split(".")[0]
            if first == top:
                return False
            sibling = file.parent / first
            siblings = siblings or sibling.with_suffix(".py").is_file() or sibling.is_dir()
    return siblings


def _module_file(root: Path, module: str, app_dir: str = "") -> tuple[Path, str] | None:
    """The source file of ``module`` inside the project (root, src/ or app_dir)."""
    rel = Path(*module.split("."))
    bases = [(root, ""), (root / "src", "src")]
    if app_dir not in ("", "src"):
        bases.insert(0, (root / app_dir, app_dir))
    for base, app_dir in bases:
        for candidate in (base / rel.with_suffix(".py"), base / rel / "__init__.py"):
            if candidate.is_file():
                return candidate, app_dir
    return None


# ---------------------------------------------------------------------- app discovery


def find_app(root: Path) -> AppTarget:
    """The app target of ``root``; raises :class:`AppNotFound` listing what was looked at."""
    looked: list[str] = []
    pyproject = _read_pyproject(root)
    if isinstance(pyproject, str):
        looked.append(pyproject)
    elif pyproject is None:
        looked.append("pyproject.toml: not present")
    else:
        tool = pyproject.get("tool")
        table = tool.get("fastapi") if isinstance(tool, dict) else None
        entry = None
        if isinstance(table, dict):
            entry = table.get("entrypoint", table.get("entryPoint"))
        if isinstance(entry, str) and entry.strip():
            reason = "[tool.fastapi] entrypoint in pyproject.toml"
            return _explicit_target(root, entry.strip(), None, reason)
        looked.append("pyproject.toml: no [tool.fastapi] entrypoint")
    for file in _candidate_files(root):
        rel = file.relative_to(root).as_posix()
        if not file.is_file():
            looked.append(f"{rel}: not present")
            continue
        tree = _parse(file)
        if isinstance(tree, str):
            looked.append(tree)
            continue
        names = module_for(root, file)
        if names is None:
            looked.append(f"{rel}: not an importable module name")
            continue
        module, app_dir = names
        found = _App(root, module, is_package=file.name == "__init__.py", app_dir=app_dir).find(
            tree
        )
        if found is None:
            looked.append(f"{rel}: no module-level FastAPI/Starlette app or app factory")
            continue
        kind = "factory " if found.factory else ""
        unsure = "" if found.verified else " (not verified to return a FastAPI/Starlette app)"
        return AppTarget(
            module=module,
            attr=found.attr,
            factory=found.factory,
            file=file,
            line=found.line,
            reason=f"found {kind}`{found.snippet}` in {rel}:{found.line}{unsure}",
            app_dir=app_dir,
        )
    listing = "\n".join(f"  - {entry}" for entry in looked)
    raise AppNotFound(
        f"no FastAPI/Starlette app found in {root}. Looked at:\n{listing}\n"
        'Set [tool.fastapi] entrypoint = "module:attr" in pyproject.toml or pass --app.'
    )


def _candidate_files(root: Path) -> Iterator[Path]:
    yield from (root / rel for rel in CANDIDATE_FILES)
    src = root / "src"
    if src.is_dir():
        for package in sorted(p for p in src.iterdir() if p.is_dir() and p.name != "app"):
            if package.name.isidentifier():
                for name in ("main.py", "app.py", "api.py"):
                    yield package / name


def _explicit_target(root: Path, spec: str, factory: bool | None, reason: str) -> AppTarget:
    module, colon, attr = spec.partition(":")
    if not colon or not attr.isidentifier() or not all(p.isidentifier() for p in module.split(".")):
        raise ProjectError(f"{reason}: expected MODULE:ATTR (e.g. app.main:app), got {spec!r}")
    located = _module_file(root, module)
    if located is None:
        return AppTarget(
            module,
            attr,
            bool(factory),
            root,
            0,
            f"{reason} ({module} is not a file in the project: it must be importable)",
        )
    file, app_dir = located
    line, is_function = 0, False
    tree = _parse(file)
    if not isinstance(tree, str):
        line, is_function = _definition(tree, attr)
    return AppTarget(
        module=module,
        attr=attr,
        factory=is_function if factory is None else factory,
        file=file,
        line=line,
        reason=reason,
        app_dir=app_dir,
    )


def _definition(tree: ast.Module, name: str) -> tuple[int, bool]:
    """(line, is a function) of the module-level binding of ``name``; (0, False) if none."""
    for node in _module_statements(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node.lineno, True
        if name in _assigned_names(node):
            return node.lineno, False
    return 0, False


def _parse(file: Path) -> ast.Module | str:
    """The module's AST, or a one-line message naming file and line."""
    try:
        source = file.read_bytes()
        return ast.parse(source, filename=str(file))
    except SyntaxError as exc:
        return f"{file.name}:{exc.lineno}: syntax error: {exc.msg}"
    except (OSError, ValueError) as exc:
        return f"{file.name}: cannot read it ({exc})"


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those nested in if/try/with blocks."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.With):
            yield from _module_statements(node.body)
            yield from _module_statements(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_statements(block)
            for handler in node.handlers:
                yield from _module_statements(handler.body)


def _assigned_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return [node.target.id] if isinstance(node.target, ast.Name) else []
    return []


class _Found(NamedTuple):
    attr: str
    line: int
    factory: bool
    snippet: str
    verified: bool


class _App:
    """Finds the app in one module's AST, following factories imported from the project."""

    def __init__(
        self, root: Path, module: str, *, is_package: bool, app_dir: str = "", depth: int = 0
    ) -> None:
        self.root, self.module, self.depth, self.app_dir = root, module, depth, app_dir
        self.package = module if is_package else module.rpartition(".")[0]
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        self.app_classes: set[str] = set()

    def _index(self, tree: ast.Module) -> None:
        package = self.package
        for node in _module_statements(tree.body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.aliases[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:
                    parts = package.split(".") if package else []
                    parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                    source = ".".join([*parts, *([source] if source else [])])
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
            elif isinstance(node, ast.FunctionDef):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef) and any(
                self._is_app_class(base) for base in node.bases
            ):
                self.app_classes.add(node.name)

    def _qualified(self, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return self.aliases.get(expr.id, f"{self.module}.{expr.id}")
        if isinstance(expr, ast.Attribute):
            base = self._qualified(expr.value)
            return f"{base}.{expr.attr}" if base else None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return self._qualified(ast.Name(id=expr.value.strip()))
        return None

    def _is_app_class(self, expr: ast.expr) -> bool:
        if isinstance(expr, ast.Name) and expr.id in self.app_classes:
            return True
        return self._qualified(expr) in APP_CLASSES

    def _returns_app(self, func: ast.FunctionDef) -> bool:
        """True for a callable-without-arguments function annotated or returning an app."""
        args = func.args
        if len(args.defaults) < len(args.posonlyargs) + len(args.args):
            return False
        if any(default is None for default in args.kw_defaults):
            return False
        if func.returns is not None and self._is_app_class(func.returns):
            return True
        built: set[str] = set()
        for node in ast.walk(func):
            if isinstance(node, ast.Assign) and self._is_app_call(node.value):
                built.update(t.id for t in node.targets if isinstance(t, ast.Name))
            if isinstance(node, ast.Return) and node.value is not None:
                if self._is_app_call(node.value):
                    return True
                if isinstance(node.value, ast.Name) and node.value.id in built:
                    return True
        return False

    def _is_app_call(self, expr: ast.expr) -> bool:
        return isinstance(expr, ast.Call) and self._is_app_class(expr.func)

    def _is_factory(self, expr: ast.expr) -> bool:
        """``expr`` names a function (here or imported from the project) returning an app."""
        if isinstance(expr, ast.Name) and expr.id in self.functions:
            return self._returns_app(self.functions[expr.id])
        qualified = self._qualified(expr)
        if qualified is None or "." not in qualified or self.depth >= 3:
            return False
        module, _, name = qualified.rpartition(".")
        located = _module_file(self.root, module, self.app_dir)
        if located is None or module == self.module:
            return False
        tree = _parse(located[0])
        if isinstance(tree, str):
            return False
        other = _App(
            self.root,
            module,
            is_package=located[0].name == "__init__.py",
            app_dir=located[1],
            depth=self.depth + 1,
        )
        other._index(tree)
        if name in other.functions:
            return other._returns_app(other.functions[name])
        return name in other.aliases and other._is_factory(ast.Name(id=name))

    def find(self, tree: ast.Module) -> _Found | None:
        """The best candidate in the module, preferring instances over factories."""
        self._index(tree)
        strong: list[tuple[str, int, str]] = []
        weak: list[tuple[str, int, str]] = []
        for node in _module_statements(tree.body):
            value = getattr(node, "value", None)
            if not isinstance(value, ast.Call):
                continue
            callee = ast.unparse(value.func)
            snippet_call = f"{callee}({'...' if value.args or value.keywords else ''})"
            for name in _assigned_names(node):
                candidate = (name, node.lineno, f"{name} = {snippet_call}")
                if self._is_app_call(value) or self._is_factory(value.func):
                    strong.append(candidate)
                elif name in PREFERRED_NAMES and "app" in callee.lower():
                    weak.append(candidate)
        best = _prefer(strong)
        if best is not None:
            return _Found(best[0], best[1], False, best[2], verified=True)
        factories = sorted(
            (name not in FACTORY_NAMES, func.lineno, name)
            for name, func in self.functions.items()
            if self._returns_app(func)
        )
        if factories:
            _, line, name = factories[0]
            return _Found(name, line, True, f"def {name}()", verified=True)
        best = _prefer(weak)
        if best is not None:
            return _Found(best[0], best[1], False, best[2], verified=False)
        return None


def _prefer(candidates: list[tuple[str, int, str]]) -> tuple[str, int, str] | None:
    """``app`` first, then ``api``, then the first in the file (fastapi-cli's order)."""
    for preferred in PREFERRED_NAMES:
        for candidate in candidates:
            if candidate[0] == preferred:
                return candidate
    return candidates[0] if candidates else None
