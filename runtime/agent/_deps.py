"""Timing FastAPI's dependencies and endpoints without changing what FastAPI sees.

Each ``Dependant.call`` is replaced by a wrapper of the *same kind* (plain, async,
generator, async generator, as FastAPI's own classifiers judge the original) that
keeps the original under ``__wrapped__`` (signature, security detection), hashes and
compares equal to it (``dependency_overrides`` lookups and the per-request cache
still find it) and is made once per original callable (``use_cache`` keeps working).
Security schemes are never wrapped (they shape the OpenAPI document); whatever cannot
be classified is left alone.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from typing import Any

from ._context import CURRENT, MAX_DEPENDENCIES, clock

_MAX_DEPTH = 50


def _note(state: Any, exc: BaseException) -> None:
    """Remember an error an endpoint or dependency raised (not an HTTP answer like a 404)."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and status < 500:
        return
    if state.inner_exception is None and not isinstance(exc, (GeneratorExit, StopIteration)):
        state.inner_exception = exc


def _add(state: Any, name: str, source: Any, started: float) -> None:
    if len(state.dependencies) < MAX_DEPENDENCIES:
        state.dependencies.append((name, source, started, clock()))
    else:
        state.drop("dependencies")


class _Dep:
    """Common part of the dependency wrappers: identity of the original."""

    def __init__(self, call: Any, name: str, source: Any) -> None:
        self.__wrapped__ = call
        self._call = call
        self._name = name
        self._source = source
        self.__name__ = name
        self.__qualname__ = str(getattr(call, "__qualname__", name))
        self.__module__ = str(getattr(call, "__module__", __name__))
        self.__doc__ = getattr(call, "__doc__", None)
        try:
            self._hash = hash(call)
        except TypeError:
            self._hash = id(call)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, _Dep):
            return other._call is self._call
        return bool(other is self._call or self._call == other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __repr__(self) -> str:
        return repr(self._call)


class _SyncDep(_Dep):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state = CURRENT.get()
        if state is None:
            return self._call(*args, **kwargs)
        started = clock()
        try:
            return self._call(*args, **kwargs)
        except BaseException as exc:
            _note(state, exc)
            raise
        finally:
            _add(state, self._name, self._source, started)


class _AsyncDep(_Dep):
    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state = CURRENT.get()
        if state is None:
            return await self._call(*args, **kwargs)
        started = clock()
        try:
            return await self._call(*args, **kwargs)
        except BaseException as exc:
            _note(state, exc)
            raise
        finally:
            _add(state, self._name, self._source, started)


class _GenDep(_Dep):
    """A ``yield`` dependency: its span is the setup, up to the value it yields."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state = CURRENT.get()
        started = clock()
        inner = self._call(*args, **kwargs)
        try:
            value = next(inner)
        except StopIteration:
            return
        except BaseException as exc:
            if state is not None:
                _note(state, exc)
            raise
        finally:
            if state is not None:
                _add(state, self._name, self._source, started)
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                inner.close()
                raise
            except BaseException as exc:
                try:
                    value = inner.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    value = inner.send(sent)
                except StopIteration:
                    return


class _AsyncGenDep(_Dep):
    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state = CURRENT.get()
        started = clock()
        inner = self._call(*args, **kwargs)
        try:
            value = await inner.__anext__()
        except StopAsyncIteration:
            return
        except BaseException as exc:
            if state is not None:
                _note(state, exc)
            raise
        finally:
            if state is not None:
                _add(state, self._name, self._source, started)
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                await inner.aclose()
                raise
            except BaseException as exc:
                try:
                    value = await inner.athrow(exc)
                except StopAsyncIteration:
                    return
            else:
                try:
                    value = await inner.asend(sent)
                except StopAsyncIteration:
                    return


class _Classifier:
    """FastAPI's own judgement of a callable's kind (None: cannot tell, do not wrap)."""

    def __init__(self) -> None:
        found: dict[str, Any] = {}
        for module_name in ("fastapi.dependencies.models", "fastapi.dependencies.utils"):
            module = sys.modules.get(module_name)
            for kind in ("coroutine", "gen", "async_gen"):
                for name in (f"_is_{kind}_callable", f"is_{kind}_callable"):
                    function = getattr(module, name, None)
                    if callable(function) and kind not in found:
                        found[kind] = function
        self.functions = found if len(found) == 3 else {}

    def kind(self, call: Any) -> Any:
        if not self.functions:
            return None
        try:
            kinds = [k for k in ("async_gen", "gen", "coroutine") if self.functions[k](call)]
        except Exception:
            return None
        if len(kinds) > 1:
            return None
        return kinds[0] if kinds else "sync"


_DEP_CLASSES = {"sync": _SyncDep, "coroutine": _AsyncDep, "gen": _GenDep, "async_gen": _AsyncGenDep}


class RouteWrapper:
    """Wraps every route's endpoint and dependencies once."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.classifier = _Classifier()
        self.memo: dict[int, Any] = {}  # id(original) -> (original, wrapper)
        self.done: set[int] = set()
        base = getattr(sys.modules.get("fastapi.security.base"), "SecurityBase", None)
        self.security = base if isinstance(base, type) else None
        routing = sys.modules.get("fastapi.routing")
        cache = getattr(routing, "_endpoint_context_cache", None)
        extract = getattr(routing, "_extract_endpoint_context", None)
        self.context_cache = cache if isinstance(cache, dict) and callable(extract) else None
        self.extract: Any = extract
        reader = recorder.reader()
        self.places = getattr(reader, "places", None)

    def source(self, call: Any) -> Any:
        try:
            return self.places.where(call) if self.places is not None else None
        except Exception:
            return None

    def name(self, call: Any) -> str:
        target = call
        while isinstance(target, functools.partial):
            target = target.func
        with contextlib.suppress(Exception):
            target = inspect.unwrap(target)
        name = getattr(target, "__name__", None)
        if not isinstance(name, str):
            name = type(target).__name__
        return name

    def routes(self, routes: Any, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            return
        for route in list(routes or ()):
            try:
                dependant = getattr(route, "dependant", None)
                if dependant is not None:
                    self.endpoint(dependant)
                    self.dependencies(dependant, 0)
                contexts = getattr(route, "effective_route_contexts", None)
                if callable(contexts):  # FastAPI >= 0.16x: included routers resolve lazily
                    for context in contexts():
                        inner = getattr(context, "dependant", None)
                        if inner is not None:
                            self.endpoint(inner)
                            self.dependencies(inner, 0)
                sub = getattr(route, "routes", None)
                if sub and getattr(route, "dependant", None) is None:
                    self.routes(sub, depth + 1)
            except Exception:
                self.recorder.error()

    def endpoint(self, dependant: Any) -> None:
        call = getattr(dependant, "call", None)
        if call is None or isinstance(call, _Dep) or getattr(call, "_asgideck_endpoint", False):
            return
        kind = self.classifier.kind(call)
        if kind not in ("sync", "coroutine"):
            return
        name, source = self.name(call), self.source(call)
        wrapper = _endpoint(call, name, source, kind == "coroutine")
        if self.context_cache is not None and self.extract is not None:
            with contextlib.suppress(Exception):
                self.context_cache[id(wrapper)] = self.extract(call)
        dependant.call = wrapper

    def dependencies(self, dependant: Any, depth: int) -> None:
        if depth > _MAX_DEPTH or id(dependant) in self.done:
            return
        self.done.add(id(dependant))
        for sub in list(getattr(dependant, "dependencies", None) or ()):
            self.dependencies(sub, depth + 1)
            call = getattr(sub, "call", None)
            if call is None or isinstance(call, _Dep):
                continue
            wrapper = self.wrapper(call)
            if wrapper is not None:
                sub.call = wrapper

    def wrapper(self, call: Any) -> Any:
        memo = self.memo.get(id(call))
        if memo is not None and memo[0] is call:
            return memo[1]
        try:
            unwrapped = inspect.unwrap(call)
        except Exception:
            return None
        if self.security is not None and (
            isinstance(call, self.security) or isinstance(unwrapped, self.security)
        ):
            return None
        kind = self.classifier.kind(call)
        if kind is None:
            return None
        wrapper = _DEP_CLASSES[kind](call, self.name(call), self.source(call))
        if self.classifier.kind(wrapper) != kind:  # FastAPI would treat it differently
            return None
        self.memo[id(call)] = (call, wrapper)
        return wrapper


def _endpoint(call: Any, name: str, source: Any, is_coroutine: bool) -> Any:
    if is_coroutine:

        async def endpoint(*args: Any, **kwargs: Any) -> Any:
            state = CURRENT.get()
            if state is None:
                return await call(*args, **kwargs)
            started = clock()
            try:
                return await call(*args, **kwargs)
            except BaseException as exc:
                _note(state, exc)
                raise
            finally:
                state.endpoint = (name, source, started, clock())

        wrapper: Any = endpoint
    else:

        def sync_endpoint(*args: Any, **kwargs: Any) -> Any:
            state = CURRENT.get()
            if state is None:
                return call(*args, **kwargs)
            started = clock()
            try:
                return call(*args, **kwargs)
            except BaseException as exc:
                _note(state, exc)
                raise
            finally:
                state.endpoint = (name, source, started, clock())

        wrapper = sync_endpoint
    try:
        functools.update_wrapper(wrapper, call)
    except Exception:
        wrapper.__wrapped__ = call
    wrapper._asgideck_endpoint = True
    return wrapper


def wrap_routes(app: Any, recorder: Any) -> None:
    """Wrap the endpoints and dependencies of every route of ``app`` (a Starlette app)."""
    wrapper = RouteWrapper(recorder)
    if not wrapper.classifier.functions:
        return
    wrapper.routes(getattr(app, "routes", ()))
