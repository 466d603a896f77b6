from fastapi import APIRouter

api_router = APIRouter()


@api_router.get("/utils/health-check/")
async def health_check() -> bool:
    return True
