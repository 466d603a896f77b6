"""Would the project's settings accept this profile? Asked the way starting the app asks.

Settings classes (pydantic-settings, pydantic v1) and config modules without one
(starlette ``Config``, python-decouple, environs, ``os.getenv`` in a config module)
are found by reading the source (``_settings_scan``). The probe then constructs them
inside the project's interpreter exactly as the server will at start: the same working
directory, ``sys.path`` and environment (:mod:`._runner` takes all three from the
launch), and each class reads its own ``env_file`` (relative to that directory,
later files winning, the environment over every file) because it is simply
constructed, ``cls()``: nothing is pre-injected or left out. A config module is
imported, which is its construction; its exception is the problem.

First the probe imports the app as the server does (calling its factory), watching
which settings classes that constructs: those are judged by what that construction
did, and a class it never builds (``ProdSettings`` under the dev profile, chosen by
``get_settings()`` from ``APP_ENV``) is "not built when the app starts", not an error.
Only when the app builds none at start (lazily, in a dependency) is every class
constructed on its own.

Each distinct problem is reported once (a field that fails the same way in a base
class and its three subclasses is one issue naming all four), with its field, the
variable (with prefix and nested delimiter) and the file:line its value came from;
never a secret's value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from asgideck.runtime.inspect._runner import ProbeError, launch_sys_path, run_probe, working_dir
from asgideck.runtime.inspect._settings_scan import ConfigModule, SettingsClass, scan_settings
from asgideck.runtime.profiles import EnvFileError, Profile, read_env_file
from asgideck.runtime.project import Project
from asgideck.runtime.secrets import PLACEHOLDER_PATTERNS

__all__ = ["SecretFact", "SettingsIssue", "SettingsReport", "validate_settings"]


@dataclass(frozen=True)
class SettingsIssue:
    """One distinct thing the settings reject. ``kind`` is pydantic's error type
    (``missing``, ``int_parsing``…), ``parsing`` for an unparsable complex value, or
    ``import-error`` / ``init-error`` when a class or config module could not be imported
    or constructed at all. ``message`` already says where the value came from."""

    settings_class: str  # the first of ``classes``
    field: str
    env_var: str
    message: str
    kind: str
    input: str | None = None  # the offending value, masked when the key is secret
    detail: str = ""  # a traceback for import/init errors
    source: str = ""  # "file:line" of the value (relative to the working dir); "" = unset
    classes: tuple[str, ...] = ()  # every class / config module with this same problem


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
    config_modules: tuple[ConfigModule, ...] = ()
    working_dir: Path | None = None
    #: classes (labels) the source has but the app does not construct when it starts, while
    #: it constructs others: not checked, since starting never builds them
    unused: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues and self.error is None


def validate_settings(project: Project, profile: Profile, timeout: float = 30.0) -> SettingsReport:
    """Construct ``project``'s settings as its server would at start under ``profile``."""
    found, unparsable, loaders = scan_settings(project.root)
    problems = [SettingsIssue(u.module, "", "", u.message, "syntax-error") for u in unparsable]
    classes = tuple(found)
    cwd = working_dir(project)
    if not classes and not loaders:
        return SettingsReport(profile.name, (), tuple(problems), {}, None, working_dir=cwd)
    task: dict[str, Any] = {
        "kind": "settings",
        "classes": [{"module": c.module, "qualname": c.qualname} for c in classes],
        "modules": [{"module": m.module, "env_files": list(m.env_files)} for m in loaders],
        "placeholders": list(PLACEHOLDER_PATTERNS),
    }
    if project.app is not None and classes:  # which classes does starting construct?
        target = project.app
        legacy = any(_mentions(c.file, b"pydantic.v1") for c in classes)
        task["app"] = {
            "module": target.module,
            "attr": target.attr,
            "factory": target.factory,
            "legacy": legacy,
        }
    launch = launch_sys_path(project)
    dirs = {c.app_dir for c in classes} | {m.app_dir for m in loaders}
    extra = sorted(d for d in dirs if d and d not in launch)
    report = SettingsReport(
        profile.name, classes, (), {}, None, config_modules=tuple(loaders), working_dir=cwd
    )
    try:
        result = run_probe(
            project.interpreter.path,
            cwd,
            profile.environ(),
            [task],
            timeout,
            sys_path=(*launch, *extra),
        )
    except ProbeError as exc:
        return replace(report, error=str(exc))
    answer = result["results"][0]
    report = replace(report, python=str(result.get("python", "")))
    if not answer.get("ok"):
        error = answer.get("error") or {}
        message = f"the settings check failed: {error.get('type')}: {error.get('message')}"
        return replace(report, error=message)
    origins = _Origins(cwd, profile)
    issues: list[SettingsIssue] = list(problems)
    values: dict[str, dict[str, Any]] = {}
    env_vars: dict[str, dict[str, str]] = {}
    facts: dict[str, dict[str, SecretFact]] = {}
    unused: list[str] = []
    for entry in answer.get("classes", []):
        label = f"{entry['module']}.{entry['qualname']}"
        if entry.get("built") is False:
            unused.append(label)
            continue
        issues.extend(_issues(label, entry, origins))
        if entry.get("values") is not None:
            values[label] = entry["values"]
        env_vars[label] = dict(entry.get("fields") or {})
        facts[label] = {
            name: SecretFact(int(fact["length"]), bool(fact["placeholder"]))
            for name, fact in (entry.get("secrets") or {}).items()
        }
    by_module = {m.module: m for m in loaders}
    for entry in answer.get("modules", []):
        loader = by_module.get(str(entry.get("module")))
        if loader is not None and entry.get("error"):
            issues.append(_module_issue(loader, entry["error"], origins))
    return replace(
        report,
        issues=tuple(_merge(issues)),
        values=values,
        env_vars=env_vars,
        secret_facts=facts,
        unused=tuple(unused),
    )


def _mentions(file: Path, text: bytes) -> bool:
    try:
        return text in file.read_bytes()
    except OSError:
        return False


class _Origins:
    """Where a variable's value comes from at start: the environment the server gets (the
    profile's files) wins over every env file a loader reads; among those, the last."""

    def __init__(self, cwd: Path, profile: Profile) -> None:
        self.cwd, self.profile = cwd, profile
        self.files: dict[Path, list[tuple[str, str | None, int]]] = {}

    def find(self, names: Iterable[str], files: Iterable[str], case_sensitive: bool) -> str:
        """``file:line`` of the first of ``names`` that has a value, or ""."""

        def same(a: str, b: str) -> bool:
            return a == b if case_sensitive else a.upper() == b.upper()

        loader_files = list(files)
        for name in names:
            for variable in self.profile.variables.values():
                if variable.value is not None and same(variable.key, name):
                    return self._where(variable.origin.file, variable.origin.line)
            for file in reversed(loader_files):
                path = self.cwd / file
                for key, value, line in reversed(self._entries(path)):
                    if value is not None and same(key, name):
                        return self._where(path, line)
        return ""

    def looked_in(self, files: Iterable[str]) -> str:
        """The files a missing variable could have come from, as the user knows them."""
        shown = [self._show(path) for path in self.profile.files]
        for file in files:
            name = self._show(self.cwd / file)
            if name not in shown:
                shown.append(name)
        return ", ".join(shown) if shown else "no env file"

    def _entries(self, path: Path) -> list[tuple[str, str | None, int]]:
        if path not in self.files:
            try:
                entries = read_env_file(path).entries
            except EnvFileError:
                entries = ()
            self.files[path] = [(e.key, e.value, e.line) for e in entries]
        return self.files[path]

    def _where(self, path: Path, line: int) -> str:
        return f"{self._show(path)}:{line}"

    def _show(self, path: Path) -> str:
        try:
            return os.path.relpath(path, self.cwd)
        except ValueError:  # another drive
            return str(path)


#: pydantic's error type for an input the class forbids (2, then 1).
_EXTRA = ("extra_forbidden", "value_error.extra")


def _issues(label: str, entry: dict[str, Any], origins: _Origins) -> Iterator[SettingsIssue]:
    errors = entry.get("errors") or []
    files = [str(f) for f in entry.get("env_files") or ()]
    config = entry.get("config") or {}
    sensitive = bool(config.get("case_sensitive", False))
    fields = entry.get("fields") or {}
    for error in errors:
        shown = error.get("input")
        env_var = str(error.get("env_var", ""))
        name = str(error.get("field", ""))
        kind = str(error.get("type", ""))
        if kind in _EXTRA and not env_var and "." not in name:
            # an env file key the class does not know (extra="forbid"): the loc is the key
            env_var = name if sensitive else name.upper()
        base = fields.get(name.split(".", 1)[0], "")
        names = [n for n in dict.fromkeys((env_var, base)) if n]
        source = origins.find(names, files, sensitive) if names else ""
        message = str(error.get("message", ""))
        if source:
            message += f" ({env_var or name} from {source})"
        elif kind in ("missing", "value_error.missing"):
            message += f" ({env_var or name} is set in none of: {origins.looked_in(files)})"
        yield SettingsIssue(
            label,
            name,
            env_var,
            message,
            kind,
            None if shown is None else str(shown),
            source=source,
            classes=(label,),
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
    return SettingsIssue(
        label, "", "", message, kind, None, str(failure.get("traceback", "")), classes=(label,)
    )


#: How loaders name the variable in their errors (starlette, decouple, environs, os.environ).
_VARIABLE_IN_MESSAGE = (
    re.compile(r"Config '([^']+)' (?:has value|is missing)"),
    re.compile(r"^([A-Za-z_][A-Za-z0-9_]*) not found\. Declare it"),
    re.compile(r'Environment variable "([^"]+)"'),
    re.compile(r"^'([A-Za-z_][A-Za-z0-9_]*)'$"),  # KeyError from os.environ[...]
)


def _module_issue(
    module: ConfigModule, failure: dict[str, Any], origins: _Origins
) -> SettingsIssue:
    """A config module's import failed: that exception is what starting would say."""
    issue = _failure_issue(module.label, failure)
    text = str(failure.get("message", ""))
    env_var = next((m.group(1) for p in _VARIABLE_IN_MESSAGE if (m := p.search(text))), "")
    source = origins.find([env_var], module.env_files, True) if env_var else ""
    message = f"{issue.message} [{module.loader}]"
    if source:
        message += f" ({env_var} from {source})"
    return replace(issue, env_var=env_var, message=message, source=source)


def _merge(issues: Iterable[SettingsIssue]) -> list[SettingsIssue]:
    """Each distinct problem once, naming every class that has it (subclasses repeat their
    base's fields, and a module constructing its settings fails once per class in it)."""
    merged: dict[tuple[str, ...], SettingsIssue] = {}
    for issue in issues:
        key = (issue.field, issue.env_var, issue.kind, issue.message, str(issue.input))
        earlier = merged.get(key)
        if earlier is None:
            merged[key] = issue
        elif issue.settings_class not in earlier.classes:
            merged[key] = replace(earlier, classes=(*earlier.classes, *issue.classes))
    return list(merged.values())
