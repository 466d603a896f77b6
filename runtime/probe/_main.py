"""The probe: a script the *project's* interpreter runs to look inside the project.

asgideck never imports a project's code into its own process: it runs
``python _main.py`` with the project's interpreter, the working directory, ``sys.path``
and environment the server gets (``root`` is that working directory), writes one JSON
request to stdin and reads one result.

Request (stdin)::

    {"root": "/abs/project", "sys_path": ["src"], "secrets_module": "/…/runtime/secrets.py",
     "tasks": [{"kind": "settings", "classes": [{"module": "app.core.config",
                                                 "qualname": "Settings"}],
                "modules": [{"module": "app.config", "env_files": [".env"]}]}]}

Result (stdout): app code may print anything, so the result is the last line that
starts with :data:`SENTINEL`, followed by JSON::

    {"protocol": 1, "ok": true, "python": "3.12.1", "results": [{"kind": "settings",
     "ok": true, ...}, ...]}

Every task runs in its own ``try``: a failing import comes back as a structured
error (type, message, file:line, traceback), never as a crashed probe. New task
kinds are added to :data:`HANDLERS`; the bigger ones live in sibling files
(``_settings.py``, ``_inspect.py``) loaded with :func:`load_sibling`.

This file is self-contained on purpose (stdlib only, Python >= 3.8 syntax, no
``asgideck`` imports): it runs under interpreters that do not have asgideck.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import importlib.util
import json
import os
import re
import sys
import traceback
from collections.abc import Callable
from typing import Any

SENTINEL = "@@ASGIDECK-PROBE@@"
PROTOCOL = 1
MASK = "****"

# Used only when asgideck's own runtime/secrets.py cannot be loaded: over-masks on purpose.
# The words count anywhere in a name (MONKEY and BYPASS are masked too).
_FALLBACK_SECRET_WORDS = (
    "SECRET",
    "PASS",
    "PWD",
    "TOKEN",
    "KEY",
    "DSN",
    "CREDENTIAL",
    "CREDS",
    "PRIVATE",
    "AUTH",
    "COOKIE",
    "SESSION",
    "SALT",
    "PEPPER",
    "SIGNATURE",
)
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s:@]*:)[^/?#\s@]+@")


class Context:
    """What every task handler gets: the project root and the masking rules."""

    masked = MASK  # what a hidden value shows as (sibling files cannot import this script)

    def __init__(self, root: str, request: dict[str, Any]) -> None:
        self.root = root
        self.is_secret_key: Callable[[str], bool] = _fallback_is_secret
        self.is_secret_value: Callable[[str], bool] = lambda value: False
        self.mask_url_password: Callable[[str], str] = _fallback_mask_url
        self.masking = "fallback"
        secrets_module = request.get("secrets_module")
        if isinstance(secrets_module, str) and secrets_module:
            self._load_masking(secrets_module)

    def _load_masking(self, path: str) -> None:
        try:
            spec = importlib.util.spec_from_file_location("_asgideck_probe_secrets", path)
            if spec is None or spec.loader is None:
                return
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self.is_secret_key = module.is_secret_key
            self.is_secret_value = getattr(module, "is_secret_value", self.is_secret_value)
            self.mask_url_password = module.mask_url_password
            self.masking = "asgideck"
        except Exception:  # an interpreter too old for asgideck's module: keep the fallback
            pass

    def mask(self, key: str, value: Any) -> Any:
        """``value`` made safe to show under ``key`` (strings of secret keys become MASK)."""
        if isinstance(value, str):
            if value and (self.is_secret_key(key) or self.is_secret_value(value)):
                return MASK
            return self.mask_url_password(value)
        if isinstance(value, dict):
            if value and self.is_secret_key(key):
                return MASK
            return {k: self.mask(str(k), v) for k, v in value.items()}
        if isinstance(value, list):
            if self.is_secret_key(key) and value:
                return MASK
            return [self.mask(key, item) for item in value]
        return value


def _fallback_is_secret(key: str) -> bool:
    """A word anywhere in the name, or PAT/SK/PW as a whole part (GITHUB_PAT, stripeSk,
    DB_PW): too short to search for inside words."""
    upper = key.upper()
    if any(word in upper for word in _FALLBACK_SECRET_WORDS):
        return True
    parts = re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", key)
    return any(part.upper() in ("PAT", "PATS", "SK", "SKS", "PW", "PWS") for part in parts)


def _fallback_mask_url(value: str) -> str:
    return _URL_PASSWORD.sub(lambda m: m.group("head") + MASK + "@", value)


# ------------------------------------------------------------------------------ errors


def _safe_message(exc: BaseException) -> str:
    """``str(exc)`` without input values: pydantic's text would echo secrets."""
    errors = getattr(exc, "errors", None)
    if type(exc).__name__ == "ValidationError" and callable(errors):
        try:
            lines = [f"{len(errors())} validation error(s) for {getattr(exc, 'title', '')}"]
            for error in errors():
                loc = ".".join(str(part) for part in error.get("loc", ()))
                lines.append(f"{loc}: {error.get('msg')} [type={error.get('type')}]")
            return "\n".join(lines)
        except Exception:
            return "validation failed"
    return str(exc)


def error_info(exc: BaseException, stage: str, root: str = "") -> dict[str, Any]:
    """A structured, secret-free description of ``exc`` (type, message, where, traceback)."""
    message = _safe_message(exc)
    stack = traceback.extract_tb(exc.__traceback__)
    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{exc.filename}:{exc.lineno}"
    else:
        for frame in reversed(stack):
            if root and frame.filename.startswith(root) and "site-packages" not in frame.filename:
                where = f"{frame.filename}:{frame.lineno}"
                break
    head = "Traceback (most recent call last):\n" + "".join(stack.format())
    if isinstance(exc, SyntaxError):
        tail = "".join(traceback.format_exception_only(type(exc), exc))
    else:
        tail = f"{type(exc).__module__}.{type(exc).__qualname__}: {message}\n"
    return {
        "type": type(exc).__qualname__,
        "module": type(exc).__module__,
        "message": message[:4000],
        "where": where,
        "stage": stage,
        "traceback": (head + tail)[-20000:],
    }


# ------------------------------------------------------------------------------ imports


def load_module(name: str, root: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(namespace, import error) of module ``name``.

    Unlike ``import``, the namespace survives a failing module: a config module
    that instantiates its settings at import time (``settings = Settings()``) still
    yields its class, so the class can be checked against the profile.
    """
    if name in sys.modules:
        return vars(sys.modules[name]), None
    parent, _, child = name.rpartition(".")
    try:
        if parent:
            importlib.import_module(parent)
        if name in sys.modules:  # the parent package imported it
            return vars(sys.modules[name]), None
        spec = importlib.util.find_spec(name)
    except BaseException as exc:
        return None, error_info(exc, "import", root)
    if spec is None or spec.loader is None:
        error = ModuleNotFoundError(f"No module named {name!r}")
        return None, error_info(error, "import", root)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)  # as a failed import would: a later import retries
        return vars(module), error_info(exc, "import", root)
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, module)
    return vars(module), None


SIBLINGS = "_asgideck_probe"  # a package that exists only in sys.modules, mapped onto this folder


def load_sibling(name: str) -> Any:
    """``<this folder>/<name>.py`` as ``_asgideck_probe.<name>``: siblings import each other
    relatively without asgideck installed, and no project module name is ever shadowed."""
    if SIBLINGS not in sys.modules:
        spec = importlib.machinery.ModuleSpec(SIBLINGS, None, is_package=True)
        spec.submodule_search_locations = [os.path.dirname(os.path.abspath(__file__))]
        sys.modules[SIBLINGS] = importlib.util.module_from_spec(spec)
    return importlib.import_module(SIBLINGS + "." + name)


# ------------------------------------------------------------------------------- tasks


def task_settings(task: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Construct each settings class / import each config module as the app does (_settings.py)."""
    result: dict[str, Any] = load_sibling("_settings").run(task, ctx, error_info, load_module)
    return result


def task_inspect(task: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """The app's middleware stack, routes, mounts and OpenAPI (see _inspect.py).

    The logic lives in sibling files loaded by path, like secrets.py: this script
    stays readable and they all run under interpreters that do not have asgideck.
    """
    result: dict[str, Any] = load_sibling("_inspect").run(task, ctx, error_info, load_module)
    return result


def task_ping(task: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Facts about the interpreter: version, paths, library versions, env var names only."""
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for dist in task.get("distributions") or ("fastapi", "starlette", "pydantic", "uvicorn"):
        try:
            versions[dist] = metadata.version(dist)
        except Exception:
            versions[dist] = None
    return {
        "executable": sys.executable,
        "prefix": sys.prefix,
        "cwd": os.getcwd(),
        "sys_path": sys.path[:5],
        "env_keys": sorted(os.environ),
        "versions": versions,
        "masking": ctx.masking,
    }


HANDLERS: dict[str, Callable[[dict[str, Any], Context], dict[str, Any]]] = {
    "inspect": task_inspect,
    "ping": task_ping,
    "settings": task_settings,
}


def run_task(task: dict[str, Any], ctx: Context) -> dict[str, Any]:
    kind = str(task.get("kind", ""))
    handler = HANDLERS.get(kind)
    if handler is None:
        error = {"type": "UnknownTask", "message": f"unknown task kind {kind!r}", "stage": "task"}
        return {"kind": kind, "ok": False, "error": error}
    try:
        payload = handler(task, ctx)
    except BaseException as exc:  # the app may even call sys.exit() at import time
        return {"kind": kind, "ok": False, "error": error_info(exc, kind, ctx.root)}
    return {"kind": kind, "ok": True, **payload}


def _setup_path(root: str, extra: list[str]) -> None:
    """sys.path as the server has it: ``python -m uvicorn`` puts the working directory
    first (where this file's folder is when run as a script) and ``--app-dir`` before it."""
    sys.path[0] = root
    for offset, entry in enumerate(extra):
        sys.path.insert(offset, os.path.join(root, entry))


def _emit(stream: Any, result: dict[str, Any]) -> None:
    for std in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            std.flush()
    line = json.dumps(result, default=str, ensure_ascii=True)
    stream.write("\n" + SENTINEL + line + "\n")
    stream.flush()


def main() -> int:
    # Our own handle on the real stdout, whatever the app does to sys.stdout or fd 1.
    out = os.fdopen(os.dup(1), "w", encoding="ascii")
    python = ".".join(str(part) for part in sys.version_info[:3])
    try:
        request = json.loads(sys.stdin.read())
        root = str(request.get("root") or os.getcwd())
        tasks = list(request.get("tasks") or ())
    except Exception as exc:
        failure = {"protocol": PROTOCOL, "ok": False, "python": python}
        failure["error"] = error_info(exc, "request")
        _emit(out, failure)
        return 2
    _setup_path(root, [str(p) for p in request.get("sys_path") or ()])
    ctx = Context(root, request)
    results = [run_task(task, ctx) for task in tasks]
    _emit(out, {"protocol": PROTOCOL, "ok": True, "python": python, "results": results})
    return 0


if __name__ == "__main__":
    code = main()
    # Skip app threads and atexit hooks: the result is out, nothing may keep us alive.
    os._exit(code)
