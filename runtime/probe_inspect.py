"""The probe's ``inspect`` task: an app's real middleware stack, routes, mounts and OpenAPI.

``probe.py`` loads this file by path and calls :func:`run`; like the probe it runs
inside the *project's* interpreter, so it is stdlib-only, parses as Python 3.8 and
touches nothing of the project but the app it was asked about (plus the app's own
fastapi/starlette).

Truth over assumptions: the middleware order is read from the stack the app itself
builds (``app.build_middleware_stack()``), walked from the outermost layer to the
router; which layer came from which ``user_middleware`` entry is known exactly
because each entry is built through a recording factory, never guessed from
Starlette's wrapping. Routes of ``include_router`` come from
``fastapi.routing.iter_route_contexts`` where FastAPI has it (>= 0.137 keeps private
entries in ``app.routes``) and from ``app.routes`` before that.
"""

from __future__ import annotations

import copy
import functools
import importlib
import inspect
import os
import sys
import types
from collections.abc import Callable
from typing import Any

MAX_LAYERS = 200  # a middleware chain longer than this is a cycle
MAX_MOUNT_DEPTH = 16
MAX_DEPENDENCY_DEPTH = 32
MAX_DEPENDENCY_NODES = 20000
INNER_APP_ATTRIBUTES = ("app", "_app", "application", "other_asgi_app", "wrapped_app", "asgi_app")
PARAM_LOCATIONS = (
    ("path", "path_params"),
    ("query", "query_params"),
    ("header", "header_params"),
    ("cookie", "cookie_params"),
    ("body", "body_params"),
)


def _module(name: str) -> Any:
    """An already imported module, or None (the app decides what gets imported)."""
    return sys.modules.get(name)


def _class(module: str, name: str) -> Any:
    found = getattr(_module(module), name, None)
    return found if isinstance(found, type) else None


def _is(obj: Any, module: str, name: str) -> bool:
    cls = _class(module, name)
    return cls is not None and isinstance(obj, cls)


def _type_path(obj: Any) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _unwrap(obj: Any) -> Any:
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
    target = _unwrap(obj)
    if not (inspect.isroutine(target) or inspect.isclass(target)):
        target = type(target)
    module = getattr(target, "__module__", None) or "?"
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or "?"
    return f"{module}:{name}"


def short_name(obj: Any) -> str:
    target = _unwrap(obj)
    if not (inspect.isroutine(target) or inspect.isclass(target)):
        target = type(target)
    return str(getattr(target, "__name__", None) or type(target).__name__)


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


class Inspector:
    """One inspection: collects errors instead of raising, so a bad route never hides the rest."""

    def __init__(
        self,
        ctx: Any,
        error_info: Callable[..., dict[str, Any]],
        load_module: Callable[[str, str], Any],
    ) -> None:
        self.ctx = ctx
        self.root = os.path.abspath(ctx.root)
        self.error_info = error_info
        self.load_module = load_module
        self.errors: list[dict[str, Any]] = []
        self.mounts: list[dict[str, Any]] = []
        # id(Middleware entry) -> (sequence, call site, the entry itself to pin its id)
        self.added: dict[int, tuple[int, str | None, Any]] = {}
        self.hooked = False
        self._unhook: Callable[[], None] | None = None
        self._locations: dict[int, tuple[Any, str | None, int | None]] = {}
        self._nodes = 0

    # ------------------------------------------------------------------ errors, places

    def error(self, exc: BaseException, stage: str, note: str = "") -> None:
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
        found = _find_location(obj)
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

    def call_site(self) -> str | None:
        """The innermost frame of the project's own code on the stack (where it called us)."""
        here = os.path.abspath(__file__)
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if os.path.abspath(filename) != here:
                rel = self.relative(filename)
                if rel is not None:
                    return f"{rel}:{frame.f_lineno}"
            frame = frame.f_back
        return None

    def options(self, values: dict[str, Any]) -> dict[str, Any]:
        """Middleware kwargs made JSON-safe and masked: only plain data is ever shown."""
        return {str(k): self.ctx.mask(str(k), _plain(v)) for k, v in values.items()}

    # ------------------------------------------------------------------ add_middleware hook

    def hook_add_middleware(self) -> None:
        """Record every ``add_middleware`` call (order and call site) while the app imports."""
        try:
            applications = importlib.import_module("starlette.applications")
        except Exception:
            return
        starlette_cls: Any = applications.Starlette
        original = starlette_cls.__dict__.get("add_middleware")
        if original is None:
            return
        inspector = self

        @functools.wraps(original)
        def add_middleware(app: Any, *args: Any, **kwargs: Any) -> Any:
            before = {id(entry) for entry in getattr(app, "user_middleware", None) or ()}
            result = original(app, *args, **kwargs)
            for entry in getattr(app, "user_middleware", None) or ():
                if id(entry) not in before:
                    inspector.added[id(entry)] = (
                        len(inspector.added),
                        inspector.call_site(),
                        entry,
                    )
            return result

        starlette_cls.add_middleware = add_middleware

        def unhook() -> None:
            starlette_cls.add_middleware = original

        self._unhook = unhook
        self.hooked = True

    def unhook(self) -> None:
        if self._unhook is not None:
            self._unhook()
            self._unhook = None

    # ------------------------------------------------------------------ the app object

    def load_target(self, module: str, attr: str, factory: bool) -> Any:
        namespace, import_error = self.load_module(module, self.root)
        if import_error is not None:
            self.errors.append(import_error)
            return None
        obj: Any = namespace
        for index, part in enumerate(attr.split(".")):
            found = obj.get(part) if index == 0 else getattr(obj, part, None)
            if found is None:
                message = f"module {module!r} has no attribute {attr!r}"
                self.error(AttributeError(message), "lookup")
                return None
            obj = found
        if factory:
            if not callable(obj):
                self.error(TypeError(f"{module}:{attr} is not callable"), "factory")
                return None
            try:
                obj = obj()
            except BaseException as exc:
                self.error(exc, "factory", f"calling the factory {module}:{attr}() failed")
                return None
        return obj

    def find_starlette(self, obj: Any) -> tuple[Any, list[Any]]:
        """(the Starlette app inside ``obj``, the ASGI wrappers around it, outermost first)."""
        wrappers: list[Any] = []
        current = obj
        for _ in range(MAX_LAYERS):
            if _is(current, "starlette.applications", "Starlette"):
                return current, wrappers
            if inspect.isroutine(current) or inspect.isclass(current):
                return None, wrappers
            inner = self.inner_app(current, set())
            if inner is None:
                return None, wrappers
            wrappers.append(current)
            current = inner
        return None, wrappers

    def inner_app(self, layer: Any, known: set[int]) -> Any:
        """The app ``layer`` wraps: a usual attribute, else any attribute holding a known layer."""
        for name in INNER_APP_ATTRIBUTES:
            try:
                value = getattr(layer, name, None)
            except Exception:
                continue
            if value is None or value is layer:
                continue
            if inspect.ismethod(value):
                owner = value.__self__
                if owner is not layer and _is(owner, "starlette.routing", "Router"):
                    return owner
                continue
            if callable(value) and not inspect.isclass(value):
                return value
        try:
            attributes = list(vars(layer).values())
        except TypeError:
            return None
        for value in attributes:
            if id(value) in known or _is(value, "starlette.routing", "Router"):
                return value
        return None

    # ------------------------------------------------------------------ middleware

    def middleware(self, app: Any, wrappers: list[Any]) -> list[dict[str, Any]]:
        """Every layer a request passes, outermost first, ending with the router."""
        layers = [self.wrapper_layer(w) for w in wrappers]
        entries = list(getattr(app, "user_middleware", None) or ())
        tracked: dict[int, tuple[int, Any]] = {}
        try:
            stack = self.build_stack(app, entries, tracked)
        except BaseException as exc:
            self.error(exc, "middleware", "app.build_middleware_stack() failed")
            return layers
        ranks = self.add_ranks(app, entries)
        known = {key for key in tracked}
        router = getattr(app, "router", None)
        if router is not None:
            known.add(id(router))
        current = stack
        for _ in range(MAX_LAYERS):
            if current is router or _is(current, "starlette.routing", "Router"):
                layers.append(self.router_layer(current))
                return layers
            info = tracked.get(id(current))
            if info is not None:
                index, inner = info
                layers.append(self.user_layer(current, entries[index], ranks.get(index)))
            else:
                layers.append(self.builtin_layer(current))
                inner = self.inner_app(current, known)
            if inner is None:
                layers[-1]["note"] = (
                    f"the next layer is not known: {_type_path(current)} keeps the app it "
                    "wraps under an attribute asgideck does not recognise"
                )
                return layers
            current = inner
        layers[-1]["note"] = f"stopped after {MAX_LAYERS} layers (a cycle?)"
        return layers

    def build_stack(self, app: Any, entries: list[Any], tracked: dict[int, tuple[int, Any]]) -> Any:
        """``app.build_middleware_stack()`` with each user entry built by a recording factory."""
        clones: list[Any] = []
        for index, entry in enumerate(entries):
            cls = getattr(entry, "cls", None)
            if cls is None:
                return app.build_middleware_stack()  # an unknown entry shape: no tracking
            clone = copy.copy(entry)
            clone.cls = _recording_factory(cls, index, tracked)
            clones.append(clone)
        app.user_middleware = clones
        try:
            return app.build_middleware_stack()
        except BaseException:
            tracked.clear()
            app.user_middleware = entries
            return app.build_middleware_stack()
        finally:
            app.user_middleware = entries

    def add_ranks(
        self, app: Any, entries: list[Any]
    ) -> dict[int, tuple[int | None, str | None, str]]:
        """{entry index: (added_index, added_at, added_by)}; added_index 0 = added first.

        An entry the hook did not see came from ``FastAPI(middleware=[...])``, unless the
        hook could not see this app's calls at all (an ``add_middleware`` override that
        never reaches Starlette's): then add order is assumed to be the reverse of run
        order, which is what ``add_middleware`` (it inserts at the front) produces.
        """
        recorded = [(self.added[id(e)][0], i) for i, e in enumerate(entries) if id(e) in self.added]
        ranks: dict[int, tuple[int | None, str | None, str]] = {}
        for rank, (_, index) in enumerate(sorted(recorded)):
            ranks[index] = (rank, self.added[id(entries[index])][1], "add_middleware")
        seen = bool(recorded) or (self.hooked and not _overrides_add_middleware(app))
        for index in range(len(entries)):
            if index in ranks:
                continue
            if seen:
                ranks[index] = (None, None, "constructor")
            else:
                ranks[index] = (len(entries) - 1 - index, None, "unknown")
        return ranks

    def user_layer(
        self, layer: Any, entry: Any, rank: tuple[int | None, str | None, str] | None
    ) -> dict[str, Any]:
        cls = getattr(entry, "cls", None)
        args, kwargs = _entry_arguments(entry)
        function = kwargs.get("dispatch")
        if not (inspect.isroutine(function) or isinstance(function, functools.partial)):
            function = None
        options = self.options(kwargs)
        if args:
            options["args"] = [self.ctx.mask("", _plain(a)) for a in args]
        described = cls if isinstance(cls, type) else type(layer)
        layer_info = _layer_base(layer, kind="middleware", user=True)
        layer_info["class"] = short_name(described)
        layer_info["name"] = short_name(described)
        layer_info["options"] = options
        defined = function if function is not None else described
        layer_info["defined_at"] = self.where(defined, project_only=False)
        if function is not None:
            layer_info["name"] = f"{short_name(function)} (http middleware)"
            layer_info["function"] = dotted(function)
        if not isinstance(cls, type) and cls is not None:
            layer_info["factory"] = dotted(cls)
        added_index, added_at, added_by = rank or (None, None, "unknown")
        layer_info["added_index"] = added_index
        layer_info["added_at"] = added_at
        layer_info["added_by"] = added_by
        layer_info["source"] = self.where(defined) or added_at or layer_info["defined_at"]
        return layer_info

    def builtin_layer(self, layer: Any) -> dict[str, Any]:
        info = _layer_base(layer, kind="middleware", user=False)
        info["defined_at"] = self.where(type(layer), project_only=False)
        return info

    def wrapper_layer(self, layer: Any) -> dict[str, Any]:
        info = _layer_base(layer, kind="middleware", user=True)
        info["defined_at"] = self.where(type(layer), project_only=False)
        info["source"] = self.where(type(layer))
        info["added_by"] = "wraps the app"
        return info

    def router_layer(self, router: Any) -> dict[str, Any]:
        info = _layer_base(router, kind="router", user=False)
        info["defined_at"] = self.where(type(router), project_only=False)
        return info

    # ------------------------------------------------------------------ routes

    def route_entries(self, routes: Any) -> list[Any]:
        contexts = getattr(_module("fastapi.routing"), "iter_route_contexts", None)
        if contexts is not None:
            return list(contexts(list(routes)))
        return list(routes)

    def routes(
        self, routes: Any, prefix: str, mount: str | None, depth: int
    ) -> list[dict[str, Any]]:
        try:
            entries = self.route_entries(routes)
        except BaseException as exc:
            self.error(exc, "routes", "listing the routes failed")
            return []
        out: list[dict[str, Any]] = []
        for item in entries:
            try:
                out.append(self.route(item, prefix, mount, depth))
            except BaseException as exc:
                shown = getattr(item, "path", None) or repr(item)[:80]
                self.error(exc, "routes", f"reading the route {shown} failed")
        return out

    def route(self, item: Any, prefix: str, mount: str | None, depth: int) -> dict[str, Any]:
        original = getattr(item, "original_route", None) or item
        path = str(getattr(item, "path", "") or "")
        path_format = str(getattr(item, "path_format", None) or path)
        endpoint = getattr(item, "endpoint", None)
        tags = [getattr(t, "value", t) for t in getattr(item, "tags", None) or ()]
        info: dict[str, Any] = {
            "kind": _route_kind(original),
            "path": prefix + path,
            "path_format": prefix + path_format,
            "methods": sorted(getattr(item, "methods", None) or ()),
            "name": getattr(item, "name", None),
            "endpoint": dotted(endpoint),
            "source": self.where(endpoint, project_only=False) if endpoint is not None else None,
            "tags": [str(t) for t in tags],
            "summary": getattr(item, "summary", None),
            "deprecated": getattr(item, "deprecated", None),
            "include_in_schema": bool(getattr(item, "include_in_schema", True)),
            "response_model": type_name(getattr(item, "response_model", None)),
            "status_code": getattr(item, "status_code", None),
            "operation_id": getattr(item, "operation_id", None),
            "dependencies": [],
            "params": {},
            "mount": mount,
            "class": _type_path(original),
        }
        dependant = getattr(item, "dependant", None)
        if dependant is not None:
            info["params"] = _params(dependant)
            info["dependencies"] = [
                self.dependency(d, 1) for d in getattr(dependant, "dependencies", None) or ()
            ]
        if info["kind"] in ("mount", "host"):
            info["path_format"] = info["path"]
            info["host"] = getattr(original, "host", None)
            self.mount(item, original, prefix + path, mount, depth, info)
        return info

    def mount(
        self, item: Any, original: Any, path: str, parent: str | None, depth: int, route: Any
    ) -> None:
        sub = getattr(item, "app", None)
        if sub is None:
            sub = getattr(original, "app", None)
        record: dict[str, Any] = {
            "path": path,
            "name": getattr(item, "name", None),
            "app": _app_name(sub),
            "opaque": False,
            "detail": None,
            "middleware": [],
            "routes": [],
            "mount": parent,
            "host": getattr(original, "host", None),
        }
        self.mounts.append(record)
        route["app"] = record["app"]
        if depth >= MAX_MOUNT_DEPTH:
            record["detail"] = f"not read: mounts nested deeper than {MAX_MOUNT_DEPTH}"
            return
        app, wrappers = self.find_starlette(sub)
        if app is not None:
            record["app"] = _type_path(app)
            record["middleware"] = self.middleware(app, wrappers)
            record["routes"] = self.routes(getattr(app, "routes", ()), path, path, depth + 1)
        elif _is(sub, "starlette.routing", "Router"):
            record["routes"] = self.routes(getattr(sub, "routes", ()), path, path, depth + 1)
        else:
            record["opaque"] = True
            record["detail"] = self.opaque_detail(sub)
        route["app"] = record["app"]

    def opaque_detail(self, app: Any) -> str:
        directory = getattr(app, "directory", None)
        if directory is not None:
            shown = self.relative(str(directory)) or str(directory)
            return f"static files from {shown}"
        if (
            _is(app, "starlette.middleware.wsgi", "WSGIMiddleware")
            or "wsgi" in _type_path(app).lower()
        ):
            inner = getattr(app, "app", None)
            return "WSGI app {}".format(dotted(inner) if inner is not None else "?")
        return f"ASGI app {dotted(app)}"

    # ------------------------------------------------------------------ dependencies

    def dependency(self, dependant: Any, depth: int) -> dict[str, Any]:
        self._nodes += 1
        call = getattr(dependant, "call", None)
        node: dict[str, Any] = {
            "name": getattr(dependant, "name", None),
            "call": dotted(call),
            "callable": short_name(call) if call is not None else None,
            "source": self.where(call, project_only=False) if call is not None else None,
            "use_cache": bool(getattr(dependant, "use_cache", True)),
            "yield": _is_generator(call),
            "async": _is_async(call),
            "scope": getattr(dependant, "scope", None),
            "security": self.security(call),
            "scopes": _scopes(dependant),
            "params": _params(dependant),
            "dependencies": [],
        }
        children = list(getattr(dependant, "dependencies", None) or ())
        if children and (depth >= MAX_DEPENDENCY_DEPTH or self._nodes > MAX_DEPENDENCY_NODES):
            node["truncated"] = True
            return node
        node["dependencies"] = [self.dependency(child, depth + 1) for child in children]
        return node

    def security(self, call: Any) -> dict[str, Any] | None:
        if not _is(call, "fastapi.security.base", "SecurityBase"):
            return None
        model = getattr(call, "model", None)
        kind = getattr(model, "type_", None)
        return {
            "scheme": type(call).__name__,
            "scheme_name": getattr(call, "scheme_name", None),
            "type": str(getattr(kind, "value", kind)) if kind is not None else None,
        }

    # ------------------------------------------------------------------ openapi

    def openapi(self, app: Any, wanted: bool) -> tuple[Any, str | None, str]:
        """(document or None, openapi_url, note)."""
        if not callable(getattr(app, "openapi", None)):
            return None, None, "a Starlette app has no OpenAPI document"
        url = getattr(app, "openapi_url", None)
        if not url:
            return None, None, "the app serves no OpenAPI document (openapi_url=None)"
        if not wanted:
            return None, url, "not requested"
        try:
            document = app.openapi()
        except BaseException as exc:
            self.error(exc, "openapi", "app.openapi() failed")
            return None, url, "app.openapi() failed: {}".format(self.errors[-1]["message"])
        root_path = getattr(app, "root_path", "") or ""
        return (
            document,
            url,
            f"generated by app.openapi() in the probe (served at {root_path}{url})",
        )


# ---------------------------------------------------------------------- helpers


def _recording_factory(cls: Any, index: int, tracked: dict[int, tuple[int, Any]]) -> Any:
    """A stand-in for a middleware class that notes which layer it built and what it wraps."""

    def build(*args: Any, **kwargs: Any) -> Any:
        inner = kwargs["app"] if "app" in kwargs else (args[0] if args else None)
        layer = cls(*args, **kwargs)
        if layer is not inner:
            tracked[id(layer)] = (index, inner)
        return layer

    return build


def _overrides_add_middleware(app: Any) -> bool:
    """Whether ``app``'s class defines its own ``add_middleware`` above Starlette's."""
    for klass in type(app).__mro__:
        if "add_middleware" in vars(klass):
            return not (
                klass.__module__ == "starlette.applications" and klass.__name__ == "Starlette"
            )
    return True


def _app_name(app: Any) -> str:
    if inspect.isroutine(app) or isinstance(app, functools.partial):
        return dotted(app) or "?"
    return _type_path(app)


def _entry_arguments(entry: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """(args, kwargs) of a ``Middleware`` entry (``.kwargs`` now, ``.options`` before)."""
    kwargs = getattr(entry, "kwargs", None)
    if kwargs is None:
        kwargs = getattr(entry, "options", None)
    args = getattr(entry, "args", None) or ()
    return tuple(args), dict(kwargs or {})


def _layer_base(layer: Any, kind: str, user: bool) -> dict[str, Any]:
    cls = type(layer)
    return {
        "name": cls.__name__,
        "class": cls.__name__,
        "module": cls.__module__,
        "qualname": cls.__qualname__,
        "kind": kind,
        "user": user,
        "options": {},
        "source": None,
        "defined_at": None,
        "added_index": None,
        "added_at": None,
        "added_by": None,
        "function": None,
        "factory": None,
        "note": None,
    }


def _plain(value: Any, depth: int = 0) -> Any:
    """Plain JSON data from an option value; objects become their type name (never repr:
    a settings object's repr would print its secrets)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth > 6:
        return "…"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in list(value.items())[:100]}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_plain(v, depth + 1) for v in list(items)[:100]]
    enum_value = getattr(value, "value", None)
    if enum_value is not None and type(value).__module__ != "builtins" and hasattr(value, "name"):
        return _plain(enum_value, depth + 1)
    if inspect.isroutine(value) or inspect.isclass(value) or isinstance(value, functools.partial):
        return dotted(value)
    if hasattr(value, "pattern") and hasattr(value, "flags"):  # a compiled regex
        return str(value.pattern)
    return f"<{_type_path(value)}>"


def _find_location(obj: Any) -> tuple[str | None, int | None]:
    target = _unwrap(obj)
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
            method = _unwrap(target.__dict__.get(name))
            code = getattr(method, "__code__", None)
            if code is not None:
                return code.co_filename, code.co_firstlineno
        module = sys.modules.get(getattr(target, "__module__", ""))
        return getattr(module, "__file__", None), None
    return None, None


def _route_kind(route: Any) -> str:
    if _is(route, "starlette.routing", "Mount"):
        return "mount"
    if _is(route, "starlette.routing", "Host"):
        return "host"
    if _is(route, "starlette.routing", "WebSocketRoute"):
        return "websocket"
    if _is(route, "starlette.routing", "Route"):
        return "http"
    if type(route).__name__.lower().find("websocket") >= 0:
        return "websocket"
    return "other"


def _params(dependant: Any) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for location, attribute in PARAM_LOCATIONS:
        names = []
        for field in getattr(dependant, attribute, None) or ():
            names.append(str(getattr(field, "alias", None) or getattr(field, "name", "?")))
        if names:
            params[location] = names
    return params


def _scopes(dependant: Any) -> list[str]:
    """The OAuth2 scopes in effect at this dependency (its parents' plus its own)."""
    if hasattr(dependant, "own_oauth_scopes"):  # FastAPI >= 0.12x keeps them apart
        scopes = list(getattr(dependant, "parent_oauth_scopes", None) or ())
        scopes += list(getattr(dependant, "own_oauth_scopes", None) or ())
    else:
        scopes = list(getattr(dependant, "security_scopes", None) or ())
    unique: list[str] = []
    for scope in scopes:
        if scope not in unique:
            unique.append(str(scope))
    return unique


def _call_targets(call: Any) -> list[Any]:
    if call is None:
        return []
    targets = [_unwrap(call)]
    if not (inspect.isroutine(targets[0]) or inspect.isclass(targets[0])):
        for klass in type(targets[0]).__mro__[:-1]:  # not object's
            if "__call__" in klass.__dict__:
                targets.append(_unwrap(klass.__dict__["__call__"]))
                break
    return targets


def _is_generator(call: Any) -> bool:
    return any(
        inspect.isgeneratorfunction(t) or inspect.isasyncgenfunction(t) for t in _call_targets(call)
    )


def _is_async(call: Any) -> bool:
    return any(
        inspect.iscoroutinefunction(t) or inspect.isasyncgenfunction(t) for t in _call_targets(call)
    )


def _version(distribution: str) -> str | None:
    try:
        from importlib import metadata

        return str(metadata.version(distribution))
    except Exception:
        version = getattr(sys.modules.get(distribution), "__version__", None)
        return str(version) if version else None


# ---------------------------------------------------------------------- the task


def run(
    task: dict[str, Any],
    ctx: Any,
    error_info: Callable[..., dict[str, Any]],
    load_module: Callable[[str, str], Any],
) -> dict[str, Any]:
    """The ``inspect`` task: ``{"module", "attr", "factory", "openapi"}`` -> the app's anatomy."""
    module = str(task.get("module") or "")
    attr = str(task.get("attr") or "app")
    inspector = Inspector(ctx, error_info, load_module)
    result: dict[str, Any] = {
        "app": f"{module}:{attr}",
        "app_class": None,
        "fastapi": None,
        "starlette": None,
        "middleware": [],
        "routes": [],
        "mounts": [],
        "openapi": None,
        "openapi_url": None,
        "openapi_note": "",
        "root_path": "",
        "errors": inspector.errors,
    }
    inspector.hook_add_middleware()
    try:
        target = inspector.load_target(module, attr, bool(task.get("factory")))
    finally:
        inspector.unhook()
    result["fastapi"], result["starlette"] = _version("fastapi"), _version("starlette")
    if target is None:
        result["openapi_note"] = "the app could not be loaded"
        return result
    app, wrappers = inspector.find_starlette(target)
    if app is None:
        hint = " (a function: is it a factory? use --factory)" if inspect.isroutine(target) else ""
        message = f"{module}:{attr} is {_type_path(target)}, not a Starlette or FastAPI app{hint}"
        inspector.error(TypeError(message), "lookup")
        result["openapi_note"] = "the app could not be loaded"
        return result
    result["app_class"] = _type_path(app)
    result["root_path"] = str(getattr(app, "root_path", "") or "")
    result["middleware"] = inspector.middleware(app, wrappers)
    result["routes"] = inspector.routes(getattr(app, "routes", ()), "", None, 0)
    result["mounts"] = inspector.mounts
    document, url, note = inspector.openapi(app, bool(task.get("openapi", True)))
    result["openapi"], result["openapi_url"], result["openapi_note"] = document, url, note
    return result
