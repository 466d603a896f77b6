"""Would the project's own pydantic-settings classes accept this profile?

The classes are found by reading the source (AST), then instantiated by the
probe inside the project's interpreter with exactly the profile's environment:
not the user's shell, and not the class's own ``env_file`` (the profile already
layers the env files the way asgideck runs the app). Every error comes back at
once, each with its field and the env var that feeds it.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asgideck.runtime.inspect._runner import ProbeError, run_probe
from asgideck.runtime.profiles import Profile
from asgideck.runtime.project import Project, module_for
from asgideck.runtime.secrets import PLACEHOLDER_PATTERNS

__all__ = [
    "SecretFact",
    "SettingsClass",
    "SettingsIssue",
    "SettingsReport",
    "find_settings_classes",
    "validate_settings",
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
SKIP_DIRS = frozenset(
    {
        "node_modules",
        "site-packages",
        "__pycache__",
        "venv",
        "env",
        "build",
        "dist",
        "tests",
        "test",
    }
)
MAX_FILES = 5000
MAX_FILE_BYTES = 1_000_000


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
class SettingsIssue:
    """One thing a settings class rejects. ``kind`` is pydantic's error type (``missing``,
    ``int_parsing``…), ``parsing`` for an unparsable complex value, or ``import-error`` /
    ``init-error`` when the class could not be imported or instantiated at all."""

    settings_class: str
    field: str
    env_var: str
    message: str
    kind: str
    input: str | None = None  # the offending value, masked when the key is secret
    detail: str = ""  # a traceback for import/init errors


@dataclass(frozen=True)
class SecretFact:
    """What may be known of a secret setting's effective value: never the value."""

    length: int
    placeholder: bool


@dataclass(frozen=True)
class SettingsReport:
    profile: str
    classes: tuple[SettingsClass, ...]
    issues: tuple[SettingsIssue, ...]
    values: dict[str, dict[str, Any]]  # class label -> effective values (masked); only for OK
    error: str | None
    env_vars: dict[str, dict[str, str]] = field(default_factory=dict)  # label -> field -> env
    secret_facts: dict[str, dict[str, SecretFact]] = field(default_factory=dict)
    python: str = ""

    @property
    def ok(self) -> bool:
        return not self.issues and self.error is None


# ------------------------------------------------------------------------------ finding


def find_settings_classes(root: Path) -> list[SettingsClass]:
    """Classes deriving from ``BaseSettings`` (directly or through another one) in ``root``."""
    return _scan(root)[0]


def _scan(root: Path) -> tuple[list[SettingsClass], list[SettingsIssue]]:
    """The settings classes, and an issue for each unparsable file that mentions BaseSettings."""
    modules: dict[str, _Module] = {}
    problems: list[SettingsIssue] = []
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
                problems.append(SettingsIssue(names[0], "", "", message, "syntax-error"))
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
    return sorted(found.values(), key=lambda c: (c.module, c.line)), problems


def _python_files(root: Path) -> Iterator[Path]:
    count = 0
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in SKIP_DIRS
            and not (here / d / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            if not name.endswith(".py") or name == "conftest.py":
                continue
            if name.startswith("test_") or name.endswith("_test.py"):
                continue
            path = here / name
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    continue
            except OSError:
                continue
            count += 1
            if count > MAX_FILES:
                return
            yield path


class _Module:
    """One source file's import aliases and top-level classes."""

    def __init__(self, name: str, app_dir: str, file: Path, is_package: bool) -> None:
        self.name, self.app_dir, self.file = name, app_dir, file
        self.package = name if is_package else name.rpartition(".")[0]
        self.aliases: dict[str, str] = {}
        self.classes: dict[str, tuple[int, list[str]]] = {}

    def index(self, tree: ast.Module) -> None:
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


# --------------------------------------------------------------------------- validating


def validate_settings(project: Project, profile: Profile, timeout: float = 30.0) -> SettingsReport:
    """Instantiate every settings class of ``project`` with ``profile``'s environment."""
    found, problems = _scan(project.root)
    classes = tuple(found)
    if not classes:
        return SettingsReport(profile.name, (), tuple(problems), {}, None)
    task = {
        "kind": "settings",
        "classes": [{"module": c.module, "qualname": c.qualname} for c in classes],
        "placeholders": list(PLACEHOLDER_PATTERNS),
    }
    sys_path = tuple(sorted({c.app_dir for c in classes if c.app_dir}))
    try:
        result = run_probe(
            project.interpreter.path,
            project.root,
            profile.environ(),
            [task],
            timeout,
            sys_path=sys_path,
        )
    except ProbeError as exc:
        return SettingsReport(profile.name, classes, (), {}, str(exc))
    answer = result["results"][0]
    python = str(result.get("python", ""))
    if not answer.get("ok"):
        error = answer.get("error") or {}
        message = f"the settings check failed: {error.get('type')}: {error.get('message')}"
        return SettingsReport(profile.name, classes, (), {}, message, python=python)
    issues: list[SettingsIssue] = list(problems)
    values: dict[str, dict[str, Any]] = {}
    env_vars: dict[str, dict[str, str]] = {}
    facts: dict[str, dict[str, SecretFact]] = {}
    for entry in answer.get("classes", []):
        label = f"{entry['module']}.{entry['qualname']}"
        issues.extend(_issues(label, entry))
        if entry.get("values") is not None:
            values[label] = entry["values"]
        env_vars[label] = dict(entry.get("fields") or {})
        facts[label] = {
            name: SecretFact(int(fact["length"]), bool(fact["placeholder"]))
            for name, fact in (entry.get("secrets") or {}).items()
        }
    return SettingsReport(
        profile.name, classes, tuple(issues), values, None, env_vars, facts, python
    )


def _issues(label: str, entry: dict[str, Any]) -> Iterator[SettingsIssue]:
    errors = entry.get("errors") or []
    for error in errors:
        shown = error.get("input")
        yield SettingsIssue(
            label,
            str(error.get("field", "")),
            str(error.get("env_var", "")),
            str(error.get("message", "")),
            str(error.get("type", "")),
            None if shown is None else str(shown),
        )
    failure = entry.get("error")
    if failure:
        yield _failure_issue(label, failure)
        return
    imported = entry.get("import_error")
    # A module that instantiates its settings at import time fails with the same
    # ValidationError the errors above describe; anything else is news.
    if imported and not (errors and imported.get("type") == "ValidationError"):
        yield _failure_issue(label, imported)


def _failure_issue(label: str, failure: dict[str, Any]) -> SettingsIssue:
    stage = str(failure.get("stage", ""))
    kind = "import-error" if stage in ("import", "lookup") else "init-error"
    where = f" ({failure['where']})" if failure.get("where") else ""
    verb = "importing" if kind == "import-error" else "instantiating"
    message = f"{verb} failed{where}: {failure.get('type')}: {failure.get('message')}"
    return SettingsIssue(label, "", "", message, kind, None, str(failure.get("traceback", "")))
