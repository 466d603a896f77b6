"""The wrapped app: times each layer of the built middleware stack and notes the response.

On its first call (any scope type, as Starlette builds its own stack on its first
call) the agent walks the app with the probe's middleware reader, the Middleware
tab's truth, builds the stack the way the reader does and sets it as the app's
``middleware_stack``, with a timing shim between each layer and the one it wraps
(the layer's inner-app attribute replaced). A shim only reads the clock: a layer's
span is enter..leave of its call. Anything that cannot be wrapped safely is left as it
is; nothing here may change what the app answers.
"""

from __future__ import annotations

import contextlib
import inspect
import time
from typing import Any

from ._context import CURRENT, State, clock
from ._frames import unlink_agent_frames
from ._recorder import Recorder


class Timed:
    """A shim in front of one layer: notes when the request entered and left it.

    The request path does the least it can per layer: one context-variable read, two
    clock readings stored into the request's preallocated ``times`` list (no tuple,
    no formatting); the writer thread turns them into spans."""

    __slots__ = ("app", "at", "index", "router")

    def __init__(self, app: Any, index: int, router: bool = False) -> None:
        self.app = app
        self.index = index
        self.at = 2 * index  # where this layer's enter reading goes in ``State.times``
        self.router = router

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        state = CURRENT.get()
        if state is None:
            await self.app(scope, receive, send)
            return
        times = state.times
        at = self.at
        try:
            times[at] = clock()
        except IndexError:  # a request of another agent app (a shorter stack): not timed
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            times[at + 1] = clock()
            if self.router:
                try:
                    fastapi = scope.get("fastapi")
                    effective = fastapi.get("effective_route_context") if fastapi else None
                    state.route = (scope.get("route"), effective)
                except Exception:
                    pass

    def __getattr__(self, name: str) -> Any:  # code that inspects the stack sees the layer
        if name in _OWN or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.app, name)


_OWN = frozenset(Timed.__slots__)


class AgentApp:
    """The app the server runs: records each http/websocket request, passes the rest."""

    def __init__(self, app: Any, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder
        self.entry: Any = app
        self.layer_count = 0
        self.installed = False

    # ------------------------------------------------------------------ install

    def install(self) -> None:
        self.installed = True
        recorder = self.recorder
        names: list[str] = []
        try:
            names = self._wrap_layers()
        except Exception:
            recorder.error()
            self.entry = self.app  # shims already placed keep finding their slots
        try:
            from ._deps import wrap_routes

            starlette = self._starlette()
            if starlette is not None:
                wrap_routes(starlette, recorder)
        except Exception:
            recorder.error()
        recorder.hooks.install()
        recorder.started(names)

    def _starlette(self) -> Any:
        reader = self.recorder.reader()
        return reader.find_starlette(self.app)[0] if reader is not None else None

    def _wrap_layers(self) -> list[str]:
        """Shims between the layers (outermost first); the names the Middleware tab shows."""
        reader = self.recorder.reader()
        if reader is None:
            return []
        starlette, wrappers = reader.find_starlette(self.app)
        if starlette is None:
            return []
        built = getattr(starlette, "middleware_stack", None)
        layers, stack = reader.walk(starlette, wrappers, built)
        if not layers:
            return []
        objects = [layer for layer, _info in layers]
        names = [str(info.get("name") or type(layer).__name__) for layer, info in layers]
        count = len(objects)
        last = count - 1 if layers[-1][1].get("kind") == "router" else -1
        first_stack = len(wrappers)  # index of the stack's outermost layer (if built)
        self.layer_count = count  # before any shim is placed: each one's slot exists

        def shim(index: int) -> Timed:
            return Timed(objects[index], index, index == last)

        # wrappers around the app: each one's inner attribute gets the next one's shim
        for index in range(1, min(first_stack, count)):
            _replace_inner(objects[index - 1], objects[index], shim(index))
        # the stack: reached through starlette.middleware_stack, then layer by layer
        if stack is not None and first_stack < count:
            for index in range(count - 1, first_stack, -1):
                _replace_inner(objects[index - 1], objects[index], shim(index))
            starlette.middleware_stack = shim(first_stack)
        self.entry = shim(0) if wrappers else self.app
        return names

    # ------------------------------------------------------------------ requests

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.installed:
            try:
                self.install()
            except Exception:
                self.recorder.error()
        kind = scope.get("type") if isinstance(scope, dict) else None
        if kind not in ("http", "websocket") or not self.recorder.on:
            await self.entry(scope, receive, send)
            return
        try:
            state = State(scope, self.layer_count, time.time(), clock())
            token = CURRENT.set(state)
            self.recorder.per_request()
            limit = self.recorder.body_limit
        except Exception:
            self.recorder.error()
            await self.entry(scope, receive, send)
            return

        async def receive_recorded() -> Any:
            message = await receive()
            try:
                body = message.get("body")
                if body:
                    state.request_size += len(body)
                    kept = state.request_size - len(body)
                    if kept < limit:
                        state.request_body.append(body[: limit - kept])
            except Exception:
                pass
            return message

        async def send_recorded(message: Any) -> None:
            try:
                kind = message.get("type")
                if kind == "http.response.start":
                    state.status = message.get("status")
                    state.response_headers = message.get("headers")
                elif kind == "http.response.body":
                    body = message.get("body")
                    if body:
                        state.response_size += len(body)
                        kept = state.response_size - len(body)
                        if kept < limit:
                            state.response_body.append(body[: limit - kept])
                elif kind == "websocket.accept":
                    state.status = 101
                elif kind == "websocket.close" and state.status is None:
                    state.status = 403
            except Exception:
                pass
            await send(message)

        try:
            await self.entry(scope, receive_recorded, send_recorded)
        except BaseException as exc:
            state.exception = exc
            with contextlib.suppress(Exception):
                unlink_agent_frames(exc)  # the server logs the user's stack
            raise
        finally:
            state.t1 = clock()
            try:  # noqa: SIM105 (no suppress object made on every request)
                CURRENT.reset(token)
            except Exception:  # reset from another context: nothing to undo here
                pass
            self.recorder.submit(state)


def _replace_inner(layer: Any, inner: Any, shim: Any) -> bool:
    """Point ``layer``'s inner-app attribute at ``shim``; False when it cannot be found."""
    if shim is inner:
        return True
    names: list[str] = ["app", "_app", "application", "other_asgi_app", "wrapped_app", "asgi_app"]
    with contextlib.suppress(TypeError):
        names += [n for n in vars(layer) if n not in names]
    for name in names:
        try:
            value = getattr(layer, name, None)
        except Exception:
            continue
        if value is inner or (inspect.ismethod(value) and value.__self__ is inner):
            try:
                setattr(layer, name, _shim_for(value, shim, inner))
                return True
            except Exception:
                return False
    return False


def _shim_for(value: Any, shim: Any, inner: Any) -> Any:
    """The shim, calling what the attribute held (a bound method of the router, say)."""
    if value is not inner and isinstance(shim, Timed):
        return Timed(value, shim.index, shim.router)
    return shim


__all__ = ["AgentApp", "Timed"]
