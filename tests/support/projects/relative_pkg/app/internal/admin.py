from fastapi import APIRouter

router = APIRouter()


@router.post("/")
async def update_admin() -> dict[str, str]:
    return {"message": "Admin getting schwifty"}
