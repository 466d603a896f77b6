"""Included routers under /api, plus a WebSocket route on the app itself."""

from fastapi import FastAPI, WebSocket

from app.api import v1

app = FastAPI(title="routers")
app.include_router(v1, prefix="/api")


@app.websocket("/ws/root")
async def root_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()
