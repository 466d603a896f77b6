from fastapi import APIRouter, WebSocket, WebSocketDisconnect

router = APIRouter(tags=["chat"])


@router.get("/rooms")
async def rooms() -> list[str]:
    return ["general"]


@router.websocket("/ws/rooms/{room}")
async def room(websocket: WebSocket, room: str) -> None:
    await websocket.accept()
    try:
        async for message in websocket.iter_text():
            await websocket.send_text(f"{room}: {message}")
    except WebSocketDisconnect:
        pass
