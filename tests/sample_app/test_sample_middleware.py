"""The sample app's middleware: timing, request ids, the admin gate, CORS, and their order."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.middleware.cors import CORSMiddleware

from sample_app_harness import build_app, login, sample_module, serve

pytestmark = pytest.mark.anyio

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}


async def test_every_response_carries_its_process_time(client: httpx.AsyncClient) -> None:
    for response in (await client.get("/health"), await client.get("/api/v1/items/999")):
        assert float(response.headers["x-process-time"]) >= 0


async def test_incoming_request_id_is_echoed_back(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "trace-42"})

    assert response.headers["x-request-id"] == "trace-42"


async def test_missing_request_id_gets_a_fresh_uuid(client: httpx.AsyncClient) -> None:
    first = (await client.get("/health")).headers["x-request-id"]
    second = (await client.get("/health")).headers["x-request-id"]

    assert uuid.UUID(first).version == 4
    assert first != second


async def test_admin_without_bearer_token_is_a_401_json_not_a_500(
    client: httpx.AsyncClient,
) -> None:
    for headers in ({}, {"Authorization": "Basic YWxpY2U6eA=="}, {"Authorization": "Bearer"}):
        response = await client.get("/api/v1/admin/stats", headers=headers)

        assert response.status_code == 401, headers
        assert response.json() == {"detail": "Not authenticated"}
        assert response.headers["www-authenticate"] == "Bearer"
        assert "x-request-id" in response.headers  # outer middleware still ran


async def test_admin_gate_lets_the_route_check_the_token(client: httpx.AsyncClient) -> None:
    forged = await client.get("/api/v1/admin/stats", headers={"Authorization": "Bearer nope"})
    genuine = await client.get("/api/v1/admin/stats", headers=await login(client))

    assert forged.status_code == 401
    assert forged.json() == {"detail": "Could not validate credentials"}
    assert genuine.status_code == 200


async def test_gate_only_covers_the_admin_prefix(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/administrators")

    assert response.status_code == 404


async def test_cors_preflight_from_an_allowed_origin(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/v1/items", headers={"Origin": "http://localhost:5173", **PREFLIGHT}
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


async def test_cors_preflight_from_an_unknown_origin_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/v1/items", headers={"Origin": "https://evil.example", **PREFLIGHT}
    )

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_cors_headers_reach_admin_401s(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/admin/stats", headers={"Origin": "http://localhost:3000"})

    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"


async def test_production_cors_allows_credentials_for_its_origin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async with serve(build_app(monkeypatch, tmp_path, "production")) as client:
        response = await client.options(
            "/api/v1/items", headers={"Origin": "https://app.example.com", **PREFLIGHT}
        )

    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert response.headers["access-control-allow-credentials"] == "true"


def test_middleware_runs_in_the_order_main_py_describes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    middleware = sample_module("app.core.middleware")
    layer = build_app(monkeypatch, tmp_path).build_middleware_stack()
    ours = {
        middleware.RequestIDMiddleware: "request id",
        middleware.TimingMiddleware: "timing",
        CORSMiddleware: "cors",
    }

    order = []
    while layer is not None:
        dispatch = getattr(layer, "dispatch_func", None)
        if dispatch is middleware.require_bearer_for_admin:
            order.append("admin gate")
        elif type(layer) in ours:
            order.append(ours[type(layer)])
        layer = getattr(layer, "app", None)

    assert order == ["request id", "timing", "cors", "admin gate"]
