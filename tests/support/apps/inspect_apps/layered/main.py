"""Middleware added every way there is, plus mounts: the order test's app.

Expected run order of the user's layers, outermost first:
last-added, shy, CORSMiddleware, stamp_http, first-added, constructor.
"""

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI, Request, Response, WebSocket
from recorders import TRAIL, Recorder, ShyRecorder
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.wsgi import WSGIMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

HERE = Path(__file__).resolve().parent

app = FastAPI(title="layered", middleware=[Middleware(Recorder, label="constructor")])
app.add_middleware(
    Recorder,
    label="first-added",
    api_key="hunter2-do-not-show",
    upstream="https://bot:pa55word@upstream.test/x",
    config=SimpleNamespace(password="pa55word"),
)


@app.middleware("http")
async def stamp_http(request: Request, call_next: Any) -> Response:
    response: Response = await call_next(request)
    response.headers.append(TRAIL, "stamp_http")
    return response


app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://example.test"],
    allow_credentials=True,
    allow_methods=["GET"],
)
app.add_middleware(ShyRecorder, label="shy")
app.add_middleware(Recorder, label="last-added")


@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"pong": True}


@app.websocket("/ws")
async def chat(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hi")
    await websocket.close()


sub = FastAPI(title="sub")
sub.add_middleware(Recorder, label="sub-inner")
sub.add_middleware(Recorder, label="sub-outer")


@sub.get("/ping")
def sub_ping() -> dict[str, str]:
    return {"where": "sub"}


def wsgi_hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"wsgi"]


async def raw_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"raw"})


app.mount("/sub", sub, name="sub")
app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
app.mount("/wsgi", WSGIMiddleware(wsgi_hello), name="wsgi")
app.mount("/raw", raw_asgi, name="raw")
