"""Application entry point: `uvicorn app.main:app` or `gunicorn -c gunicorn.conf.py`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from app.api.v1.router import build_api_router
from app.api.v1.routes import system
from app.core import database
from app.core.config import get_settings
from app.core.logs import configure_logging
from app.core.middleware import RequestIDMiddleware, TimingMiddleware, require_bearer_for_admin
from app.core.redis_client import connect_redis
from app.services.users import seed_demo_data


def prepare_database(engine: Engine) -> None:
    """Create the tables and the demo user if they are missing."""
    database.create_schema(engine)
    with database.session_factory(engine)() as session:
        seed_demo_data(session)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the database (and Redis, when configured) for this app; close them on shutdown.

    They live on `app.state`, not in module globals, so two apps in one process (tests,
    or `--factory`) never share an engine. The blocking setup (DDL, password hashing,
    connecting) runs in a thread so the event loop stays free.
    """
    settings = get_settings()
    engine = database.create_db_engine(settings.database_url)
    try:
        try:
            await run_in_threadpool(prepare_database, engine)
        except OperationalError as exc:
            # One line that says which database and why, instead of a driver traceback.
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise RuntimeError(
                f"cannot open the database {database.describe(engine)} (DATABASE_URL): {reason}"
            ) from None
        app.state.sessions = database.session_factory(engine)
        app.state.redis = await run_in_threadpool(connect_redis, settings.redis_url)
        try:
            yield
        finally:
            if app.state.redis is not None:
                app.state.redis.close()
    finally:
        engine.dispose()


def create_app() -> FastAPI:
    """Build the app from the current settings (`uvicorn --factory app.main:create_app`)."""
    settings = get_settings()
    configure_logging(debug=settings.debug)

    app = FastAPI(
        title=settings.app_name,
        version=settings.app_version,
        description=settings.app_description,
        debug=settings.debug,
        lifespan=lifespan,
        # The OpenAPI document stays available (tools and clients read it);
        # DOCS_ENABLED=false only hides the interactive pages.
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
    )

    # Middleware order: every add_middleware() wraps the app built so far, so the
    # LAST one added is the OUTERMOST and runs FIRST on the way in (last on the way out).
    # Requests therefore pass: RequestID -> Timing -> CORS -> admin bearer check -> routes.
    # CORS sits outside the admin check so preflights and 401s still carry CORS headers.
    app.middleware("http")(require_bearer_for_admin)  # same as decorating with @app.middleware
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Request-ID", "X-Process-Time", "X-Cache", "Retry-After"],
    )
    app.add_middleware(TimingMiddleware)
    app.add_middleware(RequestIDMiddleware)

    app.include_router(system.router)
    app.include_router(build_api_router(debug_routes=settings.debug))
    return app


app = create_app()
