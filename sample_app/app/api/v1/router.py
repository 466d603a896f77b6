"""The /api/v1 router, assembled from one router per resource."""

from fastapi import APIRouter

from app.api.v1.routes import admin, auth, debug, items, users


def build_api_router(*, debug_routes: bool) -> APIRouter:
    """All v1 routes; `debug_routes` adds the development-only ones."""
    api_router = APIRouter(prefix="/api/v1")
    api_router.include_router(auth.router)
    api_router.include_router(users.router)
    api_router.include_router(items.router)
    api_router.include_router(admin.router)
    if debug_routes:
        api_router.include_router(debug.router)
    return api_router
