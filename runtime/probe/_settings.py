"""The probe's ``settings`` task: construct the settings as the app does, every error at once.

``_main.py`` loads this file (through ``_main.load_sibling``, by path) and calls
:func:`run`. Like the probe it runs inside the *project's* interpreter, so it is
stdlib-only and parses as Python 3.8. The probe runs where the server runs (same
working directory, ``sys.path`` and environment), and each class is constructed
the way the app constructs it: ``cls()``, so it reads the environment *and* its own
``env_file`` relative to the working directory, exactly as pydantic-settings does at
start. Config modules without a settings class (starlette ``Config``, decouple,
environs, ``os.getenv``) are imported, which is their construction; their exception
is the problem. Values, error inputs and messages come back masked by the context's
rules, and a secret's value is cut out of any message that would echo it.

Before that, the app's module is imported (its factory called) with
``BaseSettings.__init__`` wrapped to record which classes starting constructs and how
that went (:class:`_Recorder`, removed afterwards): that construction is their verdict,
and the classes it never builds are left alone (``built: false``). An app that builds
none at import (lazily, or failing first) has every class constructed as above.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import json
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_SETTINGS_ERRORS = 50  # pydantic-settings parse failures are reported one per retry


def _lookup(namespace: dict[str, Any], qualname: str) -> Any:
    """``Outer.Inner`` inside a module's namespace, or None."""
    head, *rest = qualname.split(".")
    obj = namespace.get(head)
    for part in rest:
        obj = getattr(obj, part, None)
    return obj


def _env_names(cls: Any) -> tuple[dict[str, str], dict[str, str], str]:
    """({field: env var}, {loc name: field}, nested delimiter) for a settings class."""
    env: dict[str, str] = {}
    by_loc: dict[str, str] = {}
    if hasattr(cls, "model_fields"):  # pydantic-settings 2
        config = getattr(cls, "model_config", {}) or {}
        prefix = config.get("env_prefix") or ""
        sensitive = bool(config.get("case_sensitive", False))
        delimiter = config.get("env_nested_delimiter") or ""
        for name, info in cls.model_fields.items():
            alias = info.validation_alias if info.validation_alias is not None else info.alias
            choice = _first_alias(alias)
            env_name = choice if choice is not None else prefix + name
            env[name] = env_name if sensitive else env_name.upper()
            by_loc[name] = name
            if info.alias:
                by_loc[str(info.alias)] = name
            if choice is not None:
                by_loc[choice] = name
        return env, by_loc, delimiter
    config = getattr(cls, "__config__", None)  # pydantic 1 BaseSettings
    sensitive = bool(getattr(config, "case_sensitive", False))
    for name, field in getattr(cls, "__fields__", {}).items():
        names = sorted(field.field_info.extra.get("env_names") or {name})
        env[name] = names[0] if sensitive else names[0].upper()
        by_loc[name] = name
        by_loc[str(getattr(field, "alias", name))] = name
    return env, by_loc, str(getattr(config, "env_nested_delimiter", "") or "")


def _first_alias(alias: Any) -> str | None:
    if isinstance(alias, str):
        return alias
    for choice in getattr(alias, "choices", None) or ():
        if isinstance(choice, str):
            return choice
    path = getattr(alias, "path", None)
    if path and isinstance(path[0], str):
        return str(path[0])
    return None


def _parse_failure_field(exc: BaseException) -> str | None:
    """The field named by pydantic-settings' ``error parsing value for field "x"``."""
    match = re.search(r'field "([^"]+)"', str(exc))
    return match.group(1) if match else None


def _environ_keys(env_var: str, delimiter: str) -> list[str]:
    wanted = env_var.upper()
    nested = wanted + delimiter.upper() if delimiter else None
    return [
        key
        for key in os.environ
        if key.upper() == wanted or (nested is not None and key.upper().startswith(nested))
    ]


def _env_files(cls: Any) -> list[str]:
    """The env files ``cls`` loads, as pydantic-settings resolves them: relative to the
    working directory (then up to ``env_file_depth`` parents), later files winning."""
    if hasattr(cls, "model_fields"):
        config = getattr(cls, "model_config", {}) or {}
        files, depth = config.get("env_file"), int(config.get("env_file_depth") or 0)
    else:
        files, depth = getattr(getattr(cls, "__config__", None), "env_file", None), 0
    if files is None:
        return []
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    found = []
    for entry in files:
        path = Path(entry).expanduser()
        candidates = [path]
        if depth > 0 and not path.is_absolute():
            candidates += [parent / path for parent in list(Path.cwd().parents)[:depth]]
        for candidate in candidates:
            if candidate.is_file() or candidate.is_fifo():
                found.append(str(candidate.absolute()))
                break
    return found


def _config_of(cls: Any) -> dict[str, Any]:
    """The naming rules the class reads variables with (for the parent to find origins)."""
    if hasattr(cls, "model_fields"):
        config = getattr(cls, "model_config", {}) or {}
        get = config.get
    else:
        legacy = getattr(cls, "__config__", None)

        def get(key: str) -> Any:
            return getattr(legacy, key, None)

    return {
        "env_prefix": str(get("env_prefix") or ""),
        "env_nested_delimiter": str(get("env_nested_delimiter") or ""),
        "case_sensitive": bool(get("case_sensitive") or False),
    }


_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(.*?)\s*$")


def secret_values(ctx: Any, files: Any = ()) -> list[str]:
    """Values of secret keys in the environment and in ``files`` (raw lines, so a loader that
    keeps inline comments is covered too): never to appear in a message we send back."""
    found = {value for key, value in os.environ.items() if ctx.is_secret_key(key)}
    for name in files:
        try:
            with open(name, encoding="utf-8", errors="replace") as handle:
                lines = handle.read().splitlines()
        except OSError:
            continue
        for line in lines:
            match = _DOTENV_LINE.match(line)
            if match and ctx.is_secret_key(match.group(1)):
                raw = match.group(2)
                found.update({raw, raw.strip("\"'"), raw.split(" #", 1)[0].strip().strip("\"'")})
    return sorted((v for v in found if len(v) >= 3), key=len, reverse=True)


def scrub(info: Any, values: list[str], mask: str, mask_url: Any = None) -> Any:
    """``info`` (an error_info dict) with every secret value replaced by ``mask`` and, with
    ``mask_url``, the password of every URL in it masked too (``postgresql://u:****@h``)."""
    if not isinstance(info, dict):
        return info
    clean = dict(info)
    for key in ("message", "traceback"):
        text = clean.get(key)
        if isinstance(text, str):
            for value in values:
                text = text.replace(value, mask)
            clean[key] = mask_url(text) if mask_url is not None else text
    return clean


class _SettingsCheck:
    """Construct one settings class as the app does: ``cls()`` in the app's cwd and env."""

    def __init__(
        self, cls: Any, ctx: Any, task: dict[str, Any], error_info: Callable[..., dict[str, Any]]
    ) -> None:
        self.cls, self.ctx, self.error_info = cls, ctx, error_info
        self.env, self.by_loc, self.delimiter = _env_names(cls)
        self.patterns = [re.compile(p, re.IGNORECASE) for p in task.get("placeholders") or ()]
        self.errors: list[dict[str, Any]] = []

    def run(self, built: tuple[Any, BaseException | None] | None = None) -> dict[str, Any]:
        """Construct the class; ``built`` is a construction the app already made (instance,
        exception): its outcome is the verdict, and only an unparsable variable is taken
        away to construct again, looking for the next error."""
        saved = dict(os.environ)
        removed: set[str] = set()
        try:
            for _ in range(MAX_SETTINGS_ERRORS):
                try:
                    if built is None:
                        instance = self.cls()
                    else:
                        (instance, failure), built = built, None
                        if failure is not None:
                            raise failure
                except BaseException as exc:
                    if type(exc).__name__ == "ValidationError" and hasattr(exc, "errors"):
                        self._validation_errors(exc, removed)
                        return self._result(None, None)
                    field = _parse_failure_field(exc)
                    field = self.by_loc.get(field or "", field)
                    if field is None or field in removed or field not in self.env:
                        info = self.error_info(exc, "init", self.ctx.root)
                        return self._result(
                            None,
                            scrub(
                                info, self._secrets(), self.ctx.masked, self.ctx.mask_url_password
                            ),
                        )
                    removed.add(field)
                    if not self._parse_failure(exc, field):
                        return self._result(None, None)  # from an env file: cannot retry
                    continue
                return self._result(instance, None)
            return self._result(None, None)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def _secrets(self) -> list[str]:
        return secret_values(self.ctx, _env_files(self.cls))

    def _parse_failure(self, exc: BaseException, field: str) -> bool:
        """Record it; True when its variable could be taken away to look for more errors."""
        env_var = self.env[field]
        keys = _environ_keys(env_var, self.delimiter)
        cause = f": {exc.__cause__}" if exc.__cause__ is not None else ""
        entry: dict[str, Any] = {
            "field": field,
            "env_var": env_var,
            "message": f"cannot parse the value (complex types need JSON){cause}",
            "type": "parsing",
        }
        if keys:
            entry["input"] = self._input(env_var, os.environ[keys[0]])
        self.errors.append(entry)
        for key in keys:
            del os.environ[key]
        return bool(keys)

    def _validation_errors(self, exc: Any, removed: set[str]) -> None:
        try:
            errors = exc.errors(include_url=False)
        except TypeError:  # pydantic 1
            errors = exc.errors()
        for error in errors:
            loc = [str(part) for part in error.get("loc", ())]
            field = self.by_loc.get(loc[0], loc[0]) if loc else ""
            if field in removed:
                continue  # already reported as unparsable; its value was taken away
            env_var = self.env.get(field, "")
            if env_var and len(loc) > 1 and self.delimiter:
                env_var = self.delimiter.join([env_var, *(part.upper() for part in loc[1:])])
            entry: dict[str, Any] = {
                "field": ".".join([field, *loc[1:]]) if field else "",
                "env_var": env_var,
                "message": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
            value = error.get("input")
            if entry["type"] not in ("missing", "value_error.missing") and _is_scalar(value):
                entry["input"] = self._input(env_var or field, value)
            self.errors.append(entry)

    def _input(self, key: str, value: Any) -> Any:
        shown = self.ctx.mask(key, value)
        return shown[:200] if isinstance(shown, str) else shown

    def _result(self, instance: Any, error: dict[str, Any] | None) -> dict[str, Any]:
        values, facts = self._values(instance) if instance is not None else (None, {})
        return {
            "ok": instance is not None and not self.errors and error is None,
            "env_files": _env_files(self.cls),
            "config": _config_of(self.cls),
            "fields": self.env,
            "errors": self.errors,
            "error": error,
            "values": values,
            "secrets": facts,
        }

    def _values(self, instance: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """Effective values (class defaults included), masked; facts about masked secrets."""
        try:
            dumped = instance.model_dump(mode="json")
        except AttributeError:
            dumped = instance.dict()
        except Exception:
            dumped = instance.model_dump()
        dumped = json.loads(json.dumps(dumped, default=str))
        values: dict[str, Any] = {}
        facts: dict[str, Any] = {}
        for field, value in dumped.items():
            raw = getattr(instance, field, value)
            secret_type = hasattr(raw, "get_secret_value")
            if secret_type:
                raw = raw.get_secret_value()
            env_var = self.env.get(field, field)
            secret = secret_type or self.ctx.is_secret_key(field) or self.ctx.is_secret_key(env_var)
            if not secret:
                values[field] = self.ctx.mask(field, value)
                continue
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8", "replace")
            if isinstance(raw, str):
                values[field] = self.ctx.masked if raw else ""
                facts[field] = {
                    "length": len(raw),
                    "placeholder": any(p.search(raw.strip()) for p in self.patterns),
                }
            elif raw is None or isinstance(raw, (bool, int, float)):
                values[field] = raw  # a flag or a number under a secret-looking name
            else:
                values[field] = self.ctx.masked
        return values, facts


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, int, float))


class _Recorder:
    """Every settings object constructed while the hook is on: ``BaseSettings.__init__``
    (pydantic-settings, pydantic v1) wrapped to note the class and how it went."""

    def __init__(self) -> None:
        self.built: list[tuple[type, Any, BaseException | None]] = []  # (class, instance, error)
        self._patched: list[tuple[type, Any]] = []

    def install(self, legacy: bool) -> None:
        for base in _settings_bases(legacy):
            original = base.__dict__.get("__init__")
            if original is not None and all(b is not base for b, _ in self._patched):
                type.__setattr__(base, "__init__", self._wrap(original))
                self._patched.append((base, original))

    def remove(self) -> None:
        while self._patched:
            base, original = self._patched.pop()
            type.__setattr__(base, "__init__", original)

    def _wrap(self, original: Any) -> Any:
        built = self.built

        @functools.wraps(original)
        def recording(self: Any, *args: Any, **kwargs: Any) -> None:
            try:
                original(self, *args, **kwargs)
            except BaseException as exc:
                built.append((type(self), None, exc))
                raise
            built.append((type(self), self, None))

        return recording

    def outcome(self, module: str, qualname: str) -> tuple[Any, Any, BaseException | None] | None:
        """(class, instance, error) of the class's construction (its first failure, when
        one failed: starting stops there), or None when it was never constructed."""
        mine = [
            entry
            for entry in self.built
            if entry[0].__module__ == module and entry[0].__qualname__ == qualname
        ]
        failed = [entry for entry in mine if entry[2] is not None]
        chosen = failed or mine
        return chosen[0] if chosen else None


def _settings_bases(legacy: bool) -> list[type]:
    """The ``BaseSettings`` classes installed here; pydantic 2's bundled v1 only when the
    project uses it (``legacy``): importing it costs time and warns on new Pythons."""
    bases = []
    names = ["pydantic_settings", "pydantic.env_settings"]
    if legacy:
        names.append("pydantic.v1.env_settings")
    for name in names:
        try:
            if importlib.util.find_spec(name.partition(".")[0]) is None:
                continue
            if name == "pydantic.env_settings" and not _pydantic_1():
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except Exception:
            continue
        base = getattr(module, "BaseSettings", None)
        if isinstance(base, type):
            bases.append(base)
    return bases


def _pydantic_1() -> bool:
    pydantic = importlib.import_module("pydantic")  # the project's, never asgideck's
    return str(getattr(pydantic, "VERSION", "")).startswith("1.")


def _start_app(
    app: dict[str, Any], ctx: Any, recorder: _Recorder, load_module: Callable[[str, str], Any]
) -> None:
    """Import the app's module (and call its factory) as the server does at start, with the
    hook on. Its failure is not ours to report: a settings error shows in the recording,
    anything else is the app's (``inspect`` says it)."""
    recorder.install(bool(app.get("legacy")))
    try:
        namespace, import_error = load_module(str(app.get("module", "")), ctx.root)
        target = namespace.get(str(app.get("attr", ""))) if namespace is not None else None
        if import_error is None and app.get("factory") and callable(target):
            with contextlib.suppress(BaseException):
                target()
    finally:
        recorder.remove()


def run(
    task: dict[str, Any],
    ctx: Any,
    error_info: Callable[..., dict[str, Any]],
    load_module: Callable[[str, str], Any],
) -> dict[str, Any]:
    """Judge each named settings class and import each config module, as the app does.

    With an ``app`` in the task, it is imported first: the classes it constructs are
    judged by that construction, and the others are not built at start (not checked). An
    app that constructs none (it builds its settings lazily, or fails to import first)
    has each class constructed here, ``cls()``.
    """
    recorder = _Recorder()
    if task.get("app"):
        _start_app(task["app"], ctx, recorder, load_module)
    specs = [
        (str(spec.get("module", "")), str(spec.get("qualname", "")))
        for spec in task.get("classes") or ()
    ]
    outcomes = {spec: recorder.outcome(*spec) for spec in specs}
    started = any(outcome is not None for outcome in outcomes.values())
    results = []
    for module, qualname in specs:
        entry: dict[str, Any] = {"module": module, "qualname": qualname, "built": True}
        outcome = outcomes[(module, qualname)]
        if outcome is not None:
            cls, instance, failure = outcome
            entry["import_error"] = None
            entry.update(_SettingsCheck(cls, ctx, task, error_info).run((instance, failure)))
            results.append(entry)
            continue
        if started:
            entry.update(built=False, ok=True, fields={}, errors=[], error=None, values=None)
            entry.update(import_error=None, secrets={})
            results.append(entry)
            continue
        namespace, import_error = load_module(module, ctx.root)
        cls = _lookup(namespace, qualname) if namespace is not None else None
        entry["import_error"] = import_error
        if not isinstance(cls, type):
            missing = import_error or error_info(
                AttributeError(f"module {module!r} has no class {qualname!r}"), "lookup"
            )
            entry.update(ok=False, fields={}, errors=[], error=missing, values=None, secrets={})
        else:
            entry.update(_SettingsCheck(cls, ctx, task, error_info).run())
        secrets = secret_values(ctx, _env_files(cls) if isinstance(cls, type) else ())
        for key in ("import_error", "error"):  # an import error is reported under both
            if isinstance(entry.get(key), dict):
                entry[key] = scrub(entry[key], secrets, ctx.masked, ctx.mask_url_password)
        results.append(entry)
    modules = []
    for spec in task.get("modules") or ():
        module = str(spec.get("module", ""))
        _namespace, import_error = load_module(module, ctx.root)
        files = [str(f) for f in spec.get("env_files") or ()]
        modules.append(
            {
                "module": module,
                "error": scrub(
                    import_error, secret_values(ctx, files), ctx.masked, ctx.mask_url_password
                ),
            }
        )
    return {"classes": results, "modules": modules}
