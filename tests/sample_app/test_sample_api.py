"""The sample app's HTTP API, exercised in-process with httpx against the ASGI app."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from sample_app_harness import build_app, login, sample_module, serve
from support import SAMPLE_APP

pytestmark = pytest.mark.anyio


async def test_health_reports_app_environment_and_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "app": "Sample Items API",
        "environment": "development",
        "version": "0.1.0",
    }


async def test_demo_user_gets_a_token_that_opens_protected_routes(
    client: httpx.AsyncClient,
) -> None:
    headers = await login(client)

    me = await client.get("/api/v1/users/me", headers=headers)

    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert "hashed_password" not in me.json()


async def test_protected_route_without_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/users/me")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "credentials",
    [{"username": "alice", "password": "wrong-password"}, {"username": "nobody", "password": "x"}],
)
async def test_bad_credentials_get_no_token(
    client: httpx.AsyncClient, credentials: dict[str, str]
) -> None:
    response = await client.post("/api/v1/auth/token", data=credentials)

    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect username or password"}


async def test_forged_and_expired_tokens_are_rejected(client: httpx.AsyncClient) -> None:
    security = sample_module("app.core.security")
    settings = sample_module("app.core.config").get_settings()
    expired = security.create_access_token("alice", settings, timedelta(minutes=-1))
    forged = security.create_access_token(
        "alice", settings.model_copy(update={"secret_key": SecretStr("another-key-entirely-" * 2)})
    )

    for token in (expired, forged, "not-a-jwt"):
        response = await client.get(
            "/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, token


async def test_signup_runs_the_audit_background_task(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    user = {"username": "bob", "email": "bob@example.com", "password": "builder-demo"}

    with caplog.at_level(logging.INFO, logger="app.audit"):
        created = await client.post("/api/v1/users", json=user)

    assert created.status_code == 201
    assert created.json()["username"] == "bob"
    assert "password" not in created.json()
    assert [r.getMessage() for r in caplog.records if r.name == "app.audit"] == [
        "welcome bob: account created"
    ]
    assert (await client.post("/api/v1/users", json=user)).status_code == 409
    headers = await login(client, username="bob", password="builder-demo")
    assert (await client.get("/api/v1/users/me", headers=headers)).json()["username"] == "bob"


async def test_user_list_uses_the_common_parameters(client: httpx.AsyncClient) -> None:
    headers = await login(client)
    for name in ("carol", "caroline", "dave"):
        user = {"username": name, "email": f"{name}@example.com", "password": "password-123"}
        assert (await client.post("/api/v1/users", json=user)).status_code == 201

    response = await client.get(
        "/api/v1/users", params={"q": "CAROL", "skip": 1, "limit": 5}, headers=headers
    )

    assert response.status_code == 200
    assert [u["username"] for u in response.json()] == ["caroline"]


async def test_disabled_user_is_refused_by_the_active_user_dependency(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    headers = await login(client)
    with closing(sqlite3.connect(tmp_path / "development.db")) as db, db:
        db.execute("UPDATE users SET disabled = 1 WHERE username = 'alice'")

    response = await client.get("/api/v1/users/me", headers=headers)

    assert response.status_code == 400
    assert response.json() == {"detail": "Inactive user"}


async def test_items_create_read_list_delete(client: httpx.AsyncClient) -> None:
    headers = await login(client)
    new_item = {"name": "Brass lamp", "description": "Rub gently.", "price": 12.5}

    assert (await client.post("/api/v1/items", json=new_item)).status_code == 401
    created = await client.post("/api/v1/items", json=new_item, headers=headers)
    assert created.status_code == 201
    item = created.json()
    assert item == {**new_item, "id": item["id"], "owner_id": 1}

    assert (await client.get(f"/api/v1/items/{item['id']}")).json() == item
    assert item in (await client.get("/api/v1/items")).json()

    deleted = await client.delete(f"/api/v1/items/{item['id']}", headers=headers)
    assert deleted.status_code == 204
    missing = await client.get(f"/api/v1/items/{item['id']}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Item not found"}


async def test_only_the_owner_may_delete_an_item(client: httpx.AsyncClient) -> None:
    user = {"username": "mallory", "email": "m@example.com", "password": "password-123"}
    assert (await client.post("/api/v1/users", json=user)).status_code == 201
    mallory = await login(client, username="mallory", password="password-123")

    response = await client.delete("/api/v1/items/1", headers=mallory)  # alice's seeded item

    assert response.status_code == 403
    assert (await client.get("/api/v1/items/1")).status_code == 200


async def test_item_list_reads_the_class_dependency_parameters(client: httpx.AsyncClient) -> None:
    headers = await login(client)
    for name in ("Red kite", "Blue kite", "Green kite"):
        item = {"name": name, "price": 3}
        assert (await client.post("/api/v1/items", json=item, headers=headers)).status_code == 201

    page = await client.get("/api/v1/items", params={"q": "KITE", "skip": 1, "limit": 1})

    assert page.status_code == 200
    assert [item["name"] for item in page.json()] == ["Blue kite"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"skip": -1}])
async def test_item_list_rejects_out_of_range_paging(
    client: httpx.AsyncClient, params: dict[str, int]
) -> None:
    response = await client.get("/api/v1/items", params=params)

    assert response.status_code == 422


async def test_item_validation_errors_name_the_field(client: httpx.AsyncClient) -> None:
    headers = await login(client)

    response = await client.post(
        "/api/v1/items", json={"name": "Free lunch", "price": 0}, headers=headers
    )

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "price"]]


async def test_admin_stats_with_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/admin/stats", headers=await login(client))

    assert response.status_code == 200
    assert response.json() == {"users": 1, "items": 2}


async def test_debug_crash_route_exists_only_in_debug(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Never call it while DEBUG is on: it ends the process (os._exit(3)).
    development = build_app(monkeypatch, tmp_path, "development")
    assert "/api/v1/debug/crash" in development.openapi()["paths"]

    production = build_app(monkeypatch, tmp_path, "production")
    assert "/api/v1/debug/crash" not in production.openapi()["paths"]
    async with serve(production) as client:
        response = await client.post("/api/v1/debug/crash")
    assert response.status_code == 404


async def test_production_profile_starts_with_its_own_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async with serve(build_app(monkeypatch, tmp_path, "production")) as client:
        health = (await client.get("/health")).json()
        docs = await client.get("/docs")

    assert health["environment"] == "production"
    assert docs.status_code == 200  # left on in the production profile, on purpose
    assert (tmp_path / "production.db").is_file()


async def test_docs_can_be_hidden_while_openapi_stays(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = build_app(monkeypatch, tmp_path, "development", DOCS_ENABLED="false")

    async with serve(app) as client:
        assert (await client.get("/docs")).status_code == 404
        assert (await client.get("/redoc")).status_code == 404
        openapi = await client.get("/openapi.json")

    assert openapi.status_code == 200
    assert "/api/v1/items" in openapi.json()["paths"]


async def test_the_project_data_folder_is_left_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = SAMPLE_APP / "data"
    before = sorted(data.iterdir()) if data.exists() else None

    async with serve(build_app(monkeypatch, tmp_path, "development")) as client:
        await login(client)

    assert (tmp_path / "development.db").is_file()
    assert (sorted(data.iterdir()) if data.exists() else None) == before
