"""The smallest ASGI app: a few bytes per request, for load and memory tests
(``uvicorn tiny:app``): as fast as uvicorn serves, so the recorder is what is stressed.
``/page`` answers a 64 KB JSON document instead: bodies as big as the agent keeps."""

import json

BODY = b'{"ok":true}'
PAGE = json.dumps({"rows": [f"row {n:04d} " + "x" * 50 for n in range(1000)]}).encode()


def _headers(body):
    return [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    # a fresh page per response, as a real app's serializer makes one
    body = PAGE[:-1] + b"}" if scope["path"] == "/page" else BODY
    await send({"type": "http.response.start", "status": 200, "headers": _headers(body)})
    await send({"type": "http.response.body", "body": body})
