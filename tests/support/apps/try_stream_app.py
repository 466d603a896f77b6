"""A tiny loopback app for the Try tab's large-response tests: streams N bytes in chunks.

Run by ``support.try_view.serve_stream`` as ``uvicorn try_stream_app:app`` in a child process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()
CHUNK = 256 * 1024


@app.get("/text")
async def text(size: int) -> StreamingResponse:
    """``size`` bytes of text in 100-character lines."""
    line = b"0123456789" * 9 + b"012345678\n"
    block = line * (CHUNK // len(line))
    return StreamingResponse(_stream(block, size), media_type="text/plain; charset=utf-8")


@app.get("/json")
async def json_array(size: int) -> StreamingResponse:
    """``size`` bytes of minified JSON on one line (cut off mid-array: only the size matters)."""
    item = b'{"id":1,"name":"item","tags":["a","b"],"price":1.5,"ok":true},'
    block = item * (CHUNK // len(item))
    return StreamingResponse(_stream(b"[" + block, size), media_type="application/json")


async def _stream(block: bytes, size: int) -> AsyncIterator[bytes]:
    sent = 0
    first = True
    while sent < size:
        piece = block if first else block.lstrip(b"[")
        first = False
        piece = piece[: size - sent]
        sent += len(piece)
        yield piece
