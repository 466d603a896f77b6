"""Operational endpoints at the root: health check and a WebSocket echo."""

import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from app.api.deps import SettingsDep
from app.schemas.system import Health

router = APIRouter(tags=["system"])


@router.get("/health")
async def health(settings: SettingsDep) -> Health:
    return Health(
        status="ok",
        app=settings.app_name,
        environment=settings.environment,
        version=settings.app_version,
    )


@router.websocket("/ws/echo")
async def echo(websocket: WebSocket) -> None:
    """Echo text frames: valid JSON comes back as `{"echo": value}`, other text verbatim."""
    await websocket.accept()
    try:
        async for message in websocket.iter_text():
            try:
                payload = json.loads(message)
            except ValueError:
                await websocket.send_text(message)
            else:
                await websocket.send_json({"echo": payload})
    except WebSocketDisconnect:
        pass
