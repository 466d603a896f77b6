"""A plain Starlette app: no FastAPI, no OpenAPI, routes in a Mount."""

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket


async def home(request: Request) -> Response:
    return PlainTextResponse("home")


async def users(request: Request) -> Response:
    return PlainTextResponse("users")


class Ping(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse("pong")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


app = Starlette(
    routes=[
        Route("/", home),
        Route("/ping", Ping),
        WebSocketRoute("/ws", socket),
        Mount("/api", routes=[Route("/users", users, methods=["GET", "POST"])], name="api"),
    ],
    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"])],
)
