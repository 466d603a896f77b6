"""Only a factory (no module-level app); no OpenAPI document; served under /proxy."""

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware


def create_app() -> FastAPI:
    app = FastAPI(title="factory", openapi_url=None, root_path="/proxy")
    app.add_middleware(GZipMiddleware, minimum_size=512)

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app
