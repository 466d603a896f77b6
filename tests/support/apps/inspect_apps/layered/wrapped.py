"""An app object that is ASGI middleware around the FastAPI app (as Sentry/Socket.IO do)."""

from fastapi import FastAPI
from recorders import Recorder

app = Recorder(
    FastAPI(),
    label="wrapper",
)
inner: FastAPI = app.app  # type: ignore[assignment]
inner.add_middleware(Recorder, label="inside")


@inner.get("/ping")
def ping() -> str:
    return "pong"
