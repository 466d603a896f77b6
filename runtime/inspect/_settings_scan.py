"""Finding a project's settings in its source (AST, never imported): classes deriving
from ``BaseSettings`` (pydantic-settings, pydantic v1), directly, through another one
or a re-export, and config modules without one that construct another loader at
import time (starlette ``Config``, python-decouple, environs, ``os.getenv`` in a
module named like configuration). Tests and files over ``MAX_FILE_BYTES`` are skipped.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from asgideck.runtime.project import module_for
from asgideck.runtime.sourcetree import python_files

__all__ = [
    "ConfigModule",
    "SettingsClass",
    "SettingsSource",
    "Unparsable",
    "find_config_modules",
    "find_settings_classes",
    "scan_settings",
]

BASE_SETTINGS = frozenset(
    {
        "pydantic_settings.BaseSettings",
        "pydantic_settings.main.BaseSettings",
        "pydantic.BaseSettings",
        "pydantic.env_settings.BaseSettings",
        "pydantic.v1.BaseSettings",
        "pydantic.v1.env_settings.BaseSettings",
    }
)
MAX_FILE_BYTES = 1_000_000
#: Calls that construct a settings loader other than a settings class, by loader.
LOADER_CALLS = {
    "starlette.config.Config": "starlette Config",
    "decouple.config": "python-decouple",
    "decouple.AutoConfig": "python-decouple",
    "decouple.Config": "python-decouple",
    "environs.Env": "environs",
    "os.getenv": "os.getenv",
    "os.environ.get": "os.getenv",
    "os.environ.__getitem__": "os.getenv",
}
#: Module names whose plain ``os.getenv`` at import is configuration (not a script's).
CONFIG_MODULE_NAMES = frozenset({"config", "settings", "conf", "configuration", "env", "core"})


@dataclass(frozen=True)
class SettingsClass:
    module: str
    qualname: str
    file: Path
    line: int
    app_dir: str = ""  # folder (relative to the root) to import ``module`` from; "" = root

    @property
    def label(self) -> str:
        return f"{self.module}.{self.qualname}"


@dataclass(frozen=True)
class ConfigModule:
    """A module that reads its configuration with another loader, at import time."""

    module: str
    loader: str  # "starlette Config", "python-decouple", "environs", "os.getenv"
    file: Path
    line: int
    app_dir: str = ""
    env_files: tuple[str, ...] = ()  # what the loader call names (starlette ``Config(".env")``)

    @property
    def label(self) -> str:
        return self.module


class Unparsable(NamedTuple):
    """A file that mentions ``BaseSettings`` but does not parse: ``message`` says where and why."""

    module: str
    message: str


class SettingsSource(NamedTuple):
    """What the source says: settings classes, unparsable settings files, config modules."""

    classes: list[SettingsClass]
    unparsable: list[Unparsable]
    config_modules: list[ConfigModule]


def find_settings_classes(root: Path) -> list[SettingsClass]:
    """Classes deriving from ``BaseSettings`` (directly or through another one) in ``root``."""
    return scan_settings(root).classes


def find_config_modules(root: Path) -> list[ConfigModule]:
    """Modules without a settings class that construct another loader at import time."""
    return scan_settings(root).config_modules


def scan_settings(root: Path) -> SettingsSource:
    """The settings classes, each unparsable file that mentions BaseSettings, and the
    config modules of other loaders (those in a module with a settings class are left out)."""
    modules: dict[str, _Module] = {}
    problems: list[Unparsable] = []
    for file in _python_files(root):
        names = module_for(root, file)
        if names is None:
            continue
        try:
            source = file.read_bytes()
            tree = ast.parse(source, filename=str(file))
        except OSError:
            continue
        except (SyntaxError, ValueError) as exc:
            if b"BaseSettings" in source:
                line = getattr(exc, "lineno", None) or 0
                where = f"{file.relative_to(root).as_posix()}:{line}"
                message = f"{where}: cannot parse this file: {getattr(exc, 'msg', exc)}"
                problems.append(Unparsable(names[0], message))
            continue
        module = _Module(names[0], names[1], file, file.name == "__init__.py")
        module.index(tree)
        modules.setdefault(module.name, module)
    found: dict[str, SettingsClass] = {}
    changed = True
    while changed:
        changed = False
        for module in modules.values():
            for name, (line, bases) in module.classes.items():
                qualified = f"{module.name}.{name}"
                if qualified in found:
                    continue
                if any(_canonical(base, modules) in BASE_SETTINGS | found.keys() for base in bases):
                    found[qualified] = SettingsClass(
                        module.name, name, module.file, line, module.app_dir
                    )
                    changed = True
    with_classes = {c.module for c in found.values()}
    loaders = [
        ConfigModule(m.name, m.loader[0], m.file, m.loader[1], m.app_dir, m.loader[2])
        for m in modules.values()
        if m.loader is not None and m.name not in with_classes
    ]
    classes = sorted(found.values(), key=lambda c: (c.module, c.line))
    return SettingsSource(classes, problems, sorted(loaders, key=lambda m: m.module))


def _python_files(root: Path) -> Iterator[Path]:
    """The project's source files that may define settings: no tests, none too big."""
    for path in python_files(root):
        name = path.name
        if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
        except OSError:
            continue
        yield path


class _Module:
    """One source file's import aliases and top-level classes."""

    def __init__(self, name: str, app_dir: str, file: Path, is_package: bool) -> None:
        self.name, self.app_dir, self.file = name, app_dir, file
        self.package = name if is_package else name.rpartition(".")[0]
        self.aliases: dict[str, str] = {}
        self.classes: dict[str, tuple[int, list[str]]] = {}
        self.loader: tuple[str, int, tuple[str, ...]] | None = None  # (loader, line, files)

    def index(self, tree: ast.Module) -> None:
        self._index_names(tree)
        self.loader = self._find_loader(tree)

    def _find_loader(self, tree: ast.Module) -> tuple[str, int, tuple[str, ...]] | None:
        """The first loader this module calls at import time (not inside a def or class)."""
        words = set(self.name.lower().split("."))
        getenv_counts = bool(words & CONFIG_MODULE_NAMES)
        skip = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        for statement in tree.body:
            if isinstance(statement, skip):
                continue
            for node in ast.walk(statement):
                loader = None
                if isinstance(node, ast.Call):
                    loader = LOADER_CALLS.get(self._qualified(node.func) or "")
                elif isinstance(node, ast.Subscript):
                    base = self._qualified(node.value)
                    loader = LOADER_CALLS.get(f"{base}.__getitem__") if base else None
                if loader is None or (loader == "os.getenv" and not getenv_counts):
                    continue
                files: tuple[str, ...] = ()
                if isinstance(node, ast.Call) and loader == "starlette Config":
                    named = [k.value for k in node.keywords if k.arg == "env_file"]
                    first = [*node.args[:1], *named]
                    files = tuple(
                        a.value
                        for a in first
                        if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    )
                return loader, getattr(node, "lineno", statement.lineno), files
        return None

    def _index_names(self, tree: ast.Module) -> None:
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.aliases[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom):
                source = self._absolute(node.module or "", node.level)
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
            elif isinstance(node, ast.ClassDef):
                bases = [q for q in (self._qualified(b) for b in node.bases) if q]
                self.classes[node.name] = (node.lineno, bases)

    def _absolute(self, module: str, level: int) -> str:
        if not level:
            return module
        parts = self.package.split(".") if self.package else []
        parts = parts[: len(parts) - (level - 1)]
        return ".".join([*parts, *([module] if module else [])])

    def _qualified(self, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return self.aliases.get(expr.id, f"{self.name}.{expr.id}")
        if isinstance(expr, ast.Attribute):
            base = self._qualified(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None


def _canonical(qualified: str, modules: dict[str, _Module]) -> str:
    """Follow re-exports (``from .config import Settings`` in a package) to the definition."""
    for _ in range(5):
        module, _, name = qualified.rpartition(".")
        source = modules.get(module)
        if source is None or name in source.classes or name not in source.aliases:
            return qualified
        qualified = source.aliases[name]
    return qualified
