"""Middleware that writes down that it ran: each appends its label to ``x-trail``."""

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TRAIL = "x-trail"


class Recorder:
    """Pure ASGI middleware; ``api_key`` is only there to be masked in the report."""

    def __init__(self, app: ASGIApp, label: str, api_key: str = "", **extra: Any) -> None:
        self.app = app
        self.label = label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_labelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(TRAIL, self.label)
            await send(message)

        await self.app(scope, receive, send_labelled)


class ShyRecorder:
    """Keeps the app it wraps under ``downstream``, not ``app``: the stack walk must cope."""

    def __init__(self, app: ASGIApp, label: str) -> None:
        self.downstream = app
        self.label = label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_labelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(TRAIL, self.label)
            await send(message)

        await self.downstream(scope, receive, send_labelled if scope["type"] == "http" else send)
