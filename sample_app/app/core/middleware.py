"""Custom middleware: response timing, request ids, and a bearer check for admin paths.

Timing and request id are pure ASGI middleware: they only touch the response headers,
so they wrap `send` instead of paying for BaseHTTPMiddleware's extra task and streams.
"""

import time
import uuid

from fastapi import Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security.utils import get_authorization_scheme_param
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.base import RequestResponseEndpoint
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN_PREFIX = "/api/v1/admin"


class TimingMiddleware:
    """Adds `X-Process-Time`: seconds from the request's arrival to the response's start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = time.perf_counter() - started
                MutableHeaders(scope=message)["X-Process-Time"] = f"{elapsed:.6f}"
            await send(message)

        await self.app(scope, receive, send_with_timing)


class RequestIDMiddleware:
    """Tags each request with an id: the caller's `X-Request-ID`, or a fresh uuid4.

    The id is available to handlers as `request.state.request_id` and is echoed back
    in the response's `X-Request-ID` header.
    """

    header = "X-Request-ID"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = Headers(scope=scope).get(self.header) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[self.header] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


async def require_bearer_for_admin(
    request: Request, call_next: RequestResponseEndpoint
) -> Response:
    """Turn away admin requests that carry no bearer token, before any route runs.

    It *returns* the 401: an HTTPException raised inside middleware is not handled by
    FastAPI's exception handlers and would surface as a 500. The route still validates
    the token itself; this is only a cheap first gate.
    """
    path = request.url.path
    if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "bearer" or not token:
            return JSONResponse(
                {"detail": "Not authenticated"},
                status_code=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": "Bearer"},
            )
    return await call_next(request)
