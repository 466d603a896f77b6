"""A tiny FastAPI app the request-client tests talk to over real loopback sockets.

Run by ``support.loopback.serve`` as ``uvicorn client_echo_app:app`` in a child
process. It echoes what it received (so curl, httpx snippets and the Sender can
be compared), streams large and slow bodies, and has an OAuth2 password login.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

app = FastAPI()
USERS = {"alice": "wonderland-pass"}
TOKENS: dict[str, str] = {}
oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token")
# Headers every client adds on its own; the echo leaves them out so curl and httpx compare.
NOISE = {"host", "user-agent", "accept", "accept-encoding", "connection", "content-length"}
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256))


@app.api_route("/echo/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def echo(request: Request, rest: str) -> dict[str, Any]:
    headers = {k: v for k, v in request.headers.items() if k not in NOISE}
    result: dict[str, Any] = {
        "method": request.method,
        "path": request.url.path,
        "raw_path": request.scope["raw_path"].decode("latin-1"),
        "query": [list(pair) for pair in request.query_params.multi_items()],
    }
    content_type = headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        headers["content-type"] = "multipart/form-data"  # the boundary differs per client
        form = await request.form()
        parts: list[list[Any]] = []
        for name, value in form.multi_items():
            if isinstance(value, str):
                parts.append([name, value])
            else:
                data = await value.read()
                digest = hashlib.sha256(data).hexdigest()
                parts.append([name, value.filename, value.content_type, len(data), digest])
        result["form"] = parts
    else:
        body = await request.body()
        result["body_b64"] = base64.b64encode(body).decode("ascii")
    result["headers"] = headers
    return result


@app.post("/auth/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
    if USERS.get(form.username) != form.password:
        raise HTTPException(401, "Incorrect username or password")
    token = "tok-" + secrets.token_hex(16)
    TOKENS[token] = form.username
    return {"access_token": token, "token_type": "bearer"}


@app.get("/me")
async def me(token: Annotated[str, Depends(oauth2)]) -> dict[str, str]:
    if token not in TOKENS:
        raise HTTPException(401, "Could not validate credentials")
    return {"username": TOKENS[token]}


@app.get("/big")
async def big(size: int, chunk: int = 65536) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        block = b"0123456789abcdef" * (chunk // 16)
        sent = 0
        while sent < size:
            piece = block[: min(len(block), size - sent)]
            sent += len(piece)
            yield piece

    return StreamingResponse(body(), media_type="application/octet-stream")


@app.get("/slow-body")
async def slow_body() -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        yield b"first chunk\n"
        await asyncio.sleep(30)
        yield b"never\n"

    return StreamingResponse(body(), media_type="text/plain")


@app.get("/slow-headers")
async def slow_headers(request: Request) -> dict[str, str]:
    """Answers after 30 s, unless the client goes away first."""
    for _ in range(300):
        if await request.is_disconnected():
            break
        await asyncio.sleep(0.1)
    return {"late": "yes"}


@app.api_route("/png", methods=["GET", "POST"])
async def png() -> Response:
    return Response(PNG, media_type="image/png")


@app.get("/redirect")
async def redirect() -> RedirectResponse:
    return RedirectResponse("/echo/after-redirect", status_code=307)


@app.api_route("/set-cookie", methods=["GET", "POST"])
async def set_cookie(response: Response) -> dict[str, str]:
    response.set_cookie("session", "cookie-secret-value")
    return {"ok": "yes"}
