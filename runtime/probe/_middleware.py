"""The probe's middleware reader: the real stack an app builds, outermost layer first.

Truth over assumptions: the order is read from the stack the app itself builds
(``app.build_middleware_stack()``), walked from the outermost layer to the router;
which layer came from which ``user_middleware`` entry is known exactly because each
entry is built through a recording factory, never guessed from Starlette's wrapping.
Add order and call sites come from a hook on ``Starlette.add_middleware`` installed
while the app imports.

Stdlib-only and Python 3.8 syntax, like ``_main.py``: it runs in the project's interpreter.
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

from ._describe import Places, dotted, isinstance_of, plain, short_name, type_path

MAX_LAYERS = 200  # a middleware chain longer than this is a cycle
INNER_APP_ATTRIBUTES = ("app", "_app", "application", "other_asgi_app", "wrapped_app", "asgi_app")


class MiddlewareReader:
    """Finds the Starlette app inside an ASGI object and lists every layer around it."""

    def __init__(self, places: Places) -> None:
        self.places = places
        # id(Middleware entry) -> (sequence, call site, the entry itself to pin its id)
        self.added: dict[int, tuple[int, str | None, Any]] = {}
        self.hooked = False
        self._unhook: Callable[[], None] | None = None

    # ------------------------------------------------------------------ add_middleware hook

    def call_site(self) -> str | None:
        """The innermost frame of the project's own code on the stack (where it called us)."""
        here = os.path.abspath(__file__)
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if os.path.abspath(filename) != here:
                rel = self.places.relative(filename)
                if rel is not None:
                    return f"{rel}:{frame.f_lineno}"
            frame = frame.f_back
        return None

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
        reader = self

        @functools.wraps(original)
        def add_middleware(app: Any, *args: Any, **kwargs: Any) -> Any:
            before = {id(entry) for entry in getattr(app, "user_middleware", None) or ()}
            result = original(app, *args, **kwargs)
            for entry in getattr(app, "user_middleware", None) or ():
                if id(entry) not in before:
                    reader.added[id(entry)] = (len(reader.added), reader.call_site(), entry)
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

    # ------------------------------------------------------------------ the app inside

    def find_starlette(self, obj: Any) -> tuple[Any, list[Any]]:
        """(the Starlette app inside ``obj``, the ASGI wrappers around it, outermost first)."""
        wrappers: list[Any] = []
        current = obj
        for _ in range(MAX_LAYERS):
            if isinstance_of(current, "starlette.applications", "Starlette"):
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
                if owner is not layer and isinstance_of(owner, "starlette.routing", "Router"):
                    return owner
                continue
            if callable(value) and not inspect.isclass(value):
                return value
        try:
            attributes = list(vars(layer).values())
        except TypeError:
            return None
        for value in attributes:
            if id(value) in known or isinstance_of(value, "starlette.routing", "Router"):
                return value
        return None

    # ------------------------------------------------------------------ the stack

    def middleware(self, app: Any, wrappers: list[Any]) -> list[dict[str, Any]]:
        """Every layer a request passes, outermost first, ending with the router."""
        return [info for _layer, info in self.walk(app, wrappers)[0]]

    def walk(
        self, app: Any, wrappers: list[Any], stack: Any = None
    ) -> tuple[list[tuple[Any, dict[str, Any]]], Any]:
        """([(layer object, its info)] outermost first, the built stack).

        The objects are the layers of the stack this call built (``stack``: a stack
        already built, walked as it is): the recording agent wraps exactly these, so
        its layer names are the ones the Middleware tab shows. The stack is None when
        building it failed (then only the wrappers around the app are listed).
        """
        layers: list[tuple[Any, dict[str, Any]]] = [(w, self.wrapper_layer(w)) for w in wrappers]
        entries = list(getattr(app, "user_middleware", None) or ())
        tracked: dict[int, tuple[int, Any]] = {}
        if stack is None:
            try:
                stack = self.build_stack(app, entries, tracked)
            except BaseException as exc:
                self.places.error(exc, "middleware", "app.build_middleware_stack() failed")
                return layers, None
        ranks = self.add_ranks(app, entries)
        known = {key for key in tracked}
        router = getattr(app, "router", None)
        if router is not None:
            known.add(id(router))
        current = stack
        for _ in range(MAX_LAYERS):
            if current is router or isinstance_of(current, "starlette.routing", "Router"):
                layers.append((current, self.router_layer(current)))
                return layers, stack
            info = tracked.get(id(current))
            if info is not None:
                index, inner = info
                layers.append((current, self.user_layer(current, entries[index], ranks.get(index))))
            else:
                layers.append((current, self.builtin_layer(current)))
                inner = self.inner_app(current, known)
            if inner is None:
                layers[-1][1]["note"] = (
                    f"the next layer is not known: {type_path(current)} keeps the app it "
                    "wraps under an attribute asgideck does not recognise"
                )
                return layers, stack
            current = inner
        layers[-1][1]["note"] = f"stopped after {MAX_LAYERS} layers (a cycle?)"
        return layers, stack

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

    # ------------------------------------------------------------------ one layer each

    def user_layer(
        self, layer: Any, entry: Any, rank: tuple[int | None, str | None, str] | None
    ) -> dict[str, Any]:
        where = self.places.where
        cls = getattr(entry, "cls", None)
        args, kwargs = _entry_arguments(entry)
        function = kwargs.get("dispatch")
        if not (inspect.isroutine(function) or isinstance(function, functools.partial)):
            function = None
        options = self.places.options(kwargs)
        if args:
            options["args"] = [self.places.ctx.mask("", plain(a)) for a in args]
        described = cls if isinstance(cls, type) else type(layer)
        layer_info = _layer_base(layer, kind="middleware", user=True)
        layer_info["class"] = short_name(described)
        layer_info["name"] = short_name(described)
        layer_info["options"] = options
        defined = function if function is not None else described
        layer_info["defined_at"] = where(defined, project_only=False)
        if function is not None:
            layer_info["name"] = f"{short_name(function)} (http middleware)"
            layer_info["function"] = dotted(function)
        if not isinstance(cls, type) and cls is not None:
            layer_info["factory"] = dotted(cls)
        added_index, added_at, added_by = rank or (None, None, "unknown")
        layer_info["added_index"] = added_index
        layer_info["added_at"] = added_at
        layer_info["added_by"] = added_by
        layer_info["source"] = where(defined) or added_at or layer_info["defined_at"]
        return layer_info

    def builtin_layer(self, layer: Any) -> dict[str, Any]:
        info = _layer_base(layer, kind="middleware", user=False)
        info["defined_at"] = self.places.where(type(layer), project_only=False)
        return info

    def wrapper_layer(self, layer: Any) -> dict[str, Any]:
        info = _layer_base(layer, kind="middleware", user=True)
        info["defined_at"] = self.places.where(type(layer), project_only=False)
        info["source"] = self.places.where(type(layer))
        info["added_by"] = "wraps the app"
        return info

    def router_layer(self, router: Any) -> dict[str, Any]:
        info = _layer_base(router, kind="router", user=False)
        info["defined_at"] = self.places.where(type(router), project_only=False)
        return info


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
