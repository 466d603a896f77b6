"""Shared by the probe's ``inspect`` files: how an object is named, located and shown.

Loaded with its siblings through ``_main.py``'s private package (see
``_main.load_sibling``), so like the probe it is stdlib-only, parses as Python 3.8
and runs inside the *project's* interpreter. Nothing here imports fastapi or
starlette: their classes are looked up in ``sys.modules``, because the app decides
what gets imported.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable
from typing import Any


def loaded_module(name: str) -> Any:
    """An already imported module, or None (the app decides what gets imported)."""
    return sys.modules.get(name)


def _class(module: str, name: str) -> Any:
    found = getattr(loaded_module(module), name, None)
    return found if isinstance(found, type) else None


def isinstance_of(obj: Any, module: str, name: str) -> bool:
    """``isinstance(obj, module.name)`` without importing ``module``."""
    cls = _class(module, name)
    return cls is not None and isinstance(obj, cls)


def type_path(obj: Any) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def unwrap(obj: Any) -> Any:
    """The function behind partials, bound methods and ``functools.wraps`` decorators."""
    for _ in range(20):
        if isinstance(obj, functools.partial):
            obj = obj.func
        elif inspect.ismethod(obj):
            obj = obj.__func__
        else:
            break
    try:
        return inspect.unwrap(obj)
    except Exception:
        return obj


def dotted(obj: Any) -> str | None:
    """``module:qualname`` of a function, class, method or (by its class) an instance."""
    if obj is None:
        return None
    target = unwrap(obj)
    if not (inspect.isroutine(target) or inspect.isclass(target)):
        target = type(target)
    module = getattr(target, "__module__", None) or "?"
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or "?"
    return f"{module}:{name}"


def short_name(obj: Any) -> str:
    target = unwrap(obj)
    if not (inspect.isroutine(target) or inspect.isclass(target)):
        target = type(target)
    return str(getattr(target, "__name__", None) or type(target).__name__)


def app_name(app: Any) -> str:
    if inspect.isroutine(app) or isinstance(app, functools.partial):
        return dotted(app) or "?"
    return type_path(app)


def type_name(value: Any) -> str | None:
    """A readable name for a response model: ``Item``, ``list[Item]``, ``None``."""
    if value is None:
        return None
    if isinstance(value, type) and not getattr(value, "__args__", None):
        return value.__qualname__
    text = repr(value).replace("typing.", "")
    for module in sorted({getattr(a, "__module__", "") for a in _type_args(value)}, key=len)[::-1]:
        if module and module != "builtins":
            text = text.replace(module + ".", "")
    return text


def _type_args(value: Any) -> list[Any]:
    found: list[Any] = []
    stack = [value]
    while stack and len(found) < 100:
        item = stack.pop()
        for arg in getattr(item, "__args__", None) or ():
            found.append(arg)
            stack.append(arg)
    return found


def plain(value: Any, depth: int = 0) -> Any:
    """Plain JSON data from an option value; objects become their type name (never repr:
    a settings object's repr would print its secrets)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth > 6:
        return "…"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in list(value.items())[:100]}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [plain(v, depth + 1) for v in list(items)[:100]]
    enum_value = getattr(value, "value", None)
    if enum_value is not None and type(value).__module__ != "builtins" and hasattr(value, "name"):
        return plain(enum_value, depth + 1)
    if inspect.isroutine(value) or inspect.isclass(value) or isinstance(value, functools.partial):
        return dotted(value)
    if hasattr(value, "pattern") and hasattr(value, "flags"):  # a compiled regex
        return str(value.pattern)
    return f"<{type_path(value)}>"


def find_location(obj: Any) -> tuple[str | None, int | None]:
    """(file, first line) of ``obj``'s definition; an instance is found by its class."""
    target = unwrap(obj)
    if not (inspect.isroutine(target) or inspect.isclass(target)):
        target = type(target)
    code = getattr(target, "__code__", None)
    if code is not None:
        return code.co_filename, code.co_firstlineno
    if inspect.isclass(target):
        try:
            filename = inspect.getsourcefile(target)
            line = inspect.getsourcelines(target)[1]
            return filename, line
        except Exception:
            pass
        for name in ("__init__", "__call__", "dispatch"):
            method = unwrap(target.__dict__.get(name))
            code = getattr(method, "__code__", None)
            if code is not None:
                return code.co_filename, code.co_firstlineno
        module = sys.modules.get(getattr(target, "__module__", ""))
        return getattr(module, "__file__", None), None
    return None, None


class Places:
    """One inspection's shared state: the project root, its collected errors, and where
    things are defined (cached: the same endpoint or class is asked about many times)."""

    def __init__(self, ctx: Any, error_info: Callable[..., dict[str, Any]]) -> None:
        self.ctx = ctx
        self.root = os.path.abspath(ctx.root)
        self.error_info = error_info
        self.errors: list[dict[str, Any]] = []
        self._locations: dict[int, tuple[Any, str | None, int | None]] = {}

    def error(self, exc: BaseException, stage: str, note: str = "") -> None:
        """Collect ``exc`` instead of raising it, so one bad part never hides the rest."""
        info = self.error_info(exc, stage, self.root)
        if note:
            info["message"] = "{}: {}".format(note, info["message"])
        self.errors.append(info)

    def relative(self, filename: str | None) -> str | None:
        """``filename`` relative to the project root, or None when it is not the project's."""
        if not filename:
            return None
        path = os.path.abspath(filename)
        if not path.startswith(self.root + os.sep) or "site-packages" in path:
            return None
        return os.path.relpath(path, self.root).replace(os.sep, "/")

    def location(self, obj: Any) -> tuple[str | None, int | None]:
        """(file, first line) where ``obj`` (function, class, method, instance) is defined."""
        key = id(obj)
        cached = self._locations.get(key)
        if cached is not None and cached[0] is obj:
            return cached[1], cached[2]
        found = find_location(obj)
        self._locations[key] = (obj, found[0], found[1])
        return found

    def where(self, obj: Any, project_only: bool = True) -> str | None:
        """``file:line`` of ``obj``: relative inside the project; None (or absolute) outside."""
        filename, line = self.location(obj)
        if filename is None:
            return None
        rel = self.relative(filename)
        if rel is None and project_only:
            return None
        shown = rel if rel is not None else filename
        return f"{shown}:{line}" if line else shown

    def options(self, values: dict[str, Any]) -> dict[str, Any]:
        """Middleware kwargs made JSON-safe and masked: only plain data is ever shown."""
        return {str(k): self.ctx.mask(str(k), plain(v)) for k, v in values.items()}
