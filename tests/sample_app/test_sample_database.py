"""The sample's SQLAlchemy data layer: DATABASE_URL handling, and the API on a real
PostgreSQL (the staging profile's database) as well as on SQLite."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sample_services import Inbox, postgres_bin, running_postgres
from sqlalchemy import inspect, text

from asgideck.runtime.servers import free_port
from sample_app_harness import (
    build_app,
    login,
    profile_environment,
    sample_module,
    serve,
    use_environment,
)
from support import SAMPLE_APP

pytestmark = pytest.mark.anyio


# ------------------------------------------------------------------------ DATABASE_URL


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db.example:5432/app", "postgresql+psycopg://u:***@db.example:5432/app"),
        ("postgres://u:p@db.example/app", "postgresql+psycopg://u:***@db.example/app"),
        (
            "postgresql+psycopg://u:p@127.0.0.1:55432/s",
            "postgresql+psycopg://u:***@127.0.0.1:55432/s",
        ),
        ("sqlite:////var/lib/app.db", "sqlite:////var/lib/app.db"),
    ],
)
def test_engine_urls(given: str, expected: str) -> None:
    database = sample_module("app.core.database")

    assert database.engine_url(given).render_as_string(hide_password=True) == expected


def test_relative_sqlite_urls_point_into_the_project() -> None:
    database = sample_module("app.core.database")

    url = database.engine_url("sqlite:///./data/app.db")

    assert Path(url.database) == SAMPLE_APP / "data" / "app.db"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("mysql://root:hunter2@db/app", "DATABASE_URL mysql://root:***@db/app: only SQLite and"),
        ("not a url", "DATABASE_URL is not a database URL"),
        ("sqlite://", "DATABASE_URL must start with 'sqlite:///'"),
    ],
)
def test_unusable_urls_are_named_without_their_password(given: str, message: str) -> None:
    database = sample_module("app.core.database")

    with pytest.raises(ValueError, match="DATABASE_URL") as raised:
        database.engine_url(given)

    assert str(raised.value).startswith(message)
    assert "hunter2" not in str(raised.value)


def test_schema_creation_is_idempotent_on_sqlite(tmp_path: Path) -> None:
    database = sample_module("app.core.database")
    engine = database.create_db_engine(f"sqlite:///{tmp_path / 'twice.db'}")
    try:
        database.create_schema(engine)
        database.create_schema(engine)
        tables = inspect(engine).get_table_names()
        with engine.connect() as connection:
            foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
    finally:
        engine.dispose()

    assert sorted(tables) == ["items", "users"]
    assert foreign_keys == 1


async def test_an_unreachable_database_stops_startup_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://sample:hunter2@127.0.0.1:{port}/sample"
    app = build_app(monkeypatch, tmp_path, DATABASE_URL=url)

    with pytest.raises(RuntimeError) as raised:
        async with serve(app):
            pass

    message = str(raised.value)
    assert message.startswith(
        f"cannot open the database postgresql+psycopg://sample:***@127.0.0.1:{port}/sample"
        " (DATABASE_URL): connection failed: "
    )
    assert "hunter2" not in message and "\n" not in message


# --------------------------------------------------------------------- PATCH /items/{id}


async def test_patch_changes_only_what_it_sends_and_only_for_the_owner(
    client: httpx.AsyncClient,
) -> None:
    headers = await login(client)
    mallory = {"username": "mallory", "email": "m@example.com", "password": "password-123"}
    assert (await client.post("/api/v1/users", json=mallory)).status_code == 201
    theirs = await login(client, username="mallory", password="password-123")

    patched = await client.patch("/api/v1/items/2", json={"price": 20}, headers=headers)
    refused = await client.patch("/api/v1/items/2", json={"price": 1}, headers=theirs)
    nulled = await client.patch("/api/v1/items/2", json={"name": None}, headers=headers)
    missing = await client.patch("/api/v1/items/999", json={"price": 1}, headers=headers)

    assert patched.status_code == 200
    assert patched.json() == {
        "id": 2,
        "owner_id": 1,
        "name": "Tea set",
        "description": "For an unbirthday party.",
        "price": 20.0,
    }
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "Only the owner can change an item"},
    )
    assert nulled.status_code == 422
    assert missing.status_code == 404
    assert (await client.get("/api/v1/items/2")).json()["price"] == 20.0


async def test_search_treats_like_wildcards_literally(client: httpx.AsyncClient) -> None:
    headers = await login(client)
    for name in ("100% cotton", "100 percent wool"):
        item = {"name": name, "price": 1}
        assert (await client.post("/api/v1/items", json=item, headers=headers)).is_success

    found = await client.get("/api/v1/items", params={"q": "0%"})

    assert [item["name"] for item in found.json()] == ["100% cotton"]


# --------------------------------------------------------------------------- PostgreSQL

needs_postgres = pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL is not installed")

# The staging profile, but its own database and no Redis or mail server.
NO_SERVICES = {"REDIS_URL": "", "SMTP_HOST": ""}


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """One throwaway PostgreSQL for this module (initdb costs seconds)."""
    with running_postgres() as url:
        yield url


@pytest.fixture
def clean_postgres(postgres_url: str) -> Iterator[str]:
    """The module's PostgreSQL with the sample's tables dropped before the test."""
    database = sample_module("app.core.database")
    engine = database.create_db_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS items, users CASCADE"))
    finally:
        engine.dispose()
    yield postgres_url


@needs_postgres
async def test_the_api_on_postgresql(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_postgres: str
) -> None:
    app = build_app(monkeypatch, tmp_path, "staging", DATABASE_URL=clean_postgres, **NO_SERVICES)
    bob = {"username": "bob", "email": "bob@example.com", "password": "builder-demo"}

    async with serve(app) as client:
        headers = await login(client)
        signed_up = await client.post("/api/v1/users", json=bob)
        taken = await client.post("/api/v1/users", json=bob)
        created = await client.post(
            "/api/v1/items", json={"name": "50% off kite", "price": 3}, headers=headers
        )
        searched = await client.get("/api/v1/items", params={"q": "% OFF"})
        stats = await client.get("/api/v1/admin/stats", headers=headers)
        deleted = await client.delete(f"/api/v1/items/{created.json()['id']}", headers=headers)

    assert signed_up.status_code == 201 and taken.status_code == 409
    assert created.status_code == 201
    assert [item["name"] for item in searched.json()] == ["50% off kite"]
    assert stats.json() == {"users": 2, "items": 3}
    assert deleted.status_code == 204
    assert not (tmp_path / "staging.db").exists()  # the data went to PostgreSQL


@needs_postgres
async def test_a_second_start_keeps_the_data_and_seeds_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_postgres: str
) -> None:
    env = {"DATABASE_URL": clean_postgres, **NO_SERVICES}
    async with serve(build_app(monkeypatch, tmp_path, "staging", **env)) as client:
        headers = await login(client)
        await client.post("/api/v1/items", json={"name": "Kept", "price": 1}, headers=headers)

    async with serve(build_app(monkeypatch, tmp_path, "staging", **env)) as client:
        stats = await client.get("/api/v1/admin/stats", headers=await login(client))

    assert stats.json() == {"users": 1, "items": 3}


@needs_postgres
def test_workers_starting_at_once_create_the_schema_once(
    monkeypatch: pytest.MonkeyPatch, clean_postgres: str
) -> None:
    """Several gunicorn workers run the lifespan together: no CREATE may collide."""
    use_environment(monkeypatch, profile_environment("staging") | NO_SERVICES)
    main = sample_module("app.main")
    database = sample_module("app.core.database")
    engines = [database.create_db_engine(clean_postgres) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def prepare(engine: object) -> None:
        try:
            start.wait(timeout=30)
            main.prepare_database(engine)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=prepare, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        with engines[0].connect() as connection:
            users = connection.execute(text("SELECT username FROM users")).scalars().all()
    finally:
        for engine in engines:
            engine.dispose()

    assert errors == []
    assert users == ["alice"]


@needs_postgres
async def test_the_staging_shape_with_all_three_services(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    clean_postgres: str,
    redis_url: str,
    inbox: Inbox,
) -> None:
    """The staging profile with its PostgreSQL, Redis and SMTP server all real."""
    env = {
        "DATABASE_URL": clean_postgres,
        "REDIS_URL": redis_url,
        "SMTP_HOST": inbox.host,
        "SMTP_PORT": str(inbox.port),
    }
    bob = {"username": "bob", "email": "bob@example.com", "password": "builder-demo"}

    async with serve(build_app(monkeypatch, tmp_path, "staging", **env)) as client:
        signed_up = await client.post("/api/v1/users", json=bob)
        headers = await login(client, username="bob", password="builder-demo")
        created = await client.post(
            "/api/v1/items", json={"name": "Kite", "price": 3}, headers=headers
        )
        item_url = f"/api/v1/items/{created.json()['id']}"
        reads = [(await client.get(item_url)).headers["x-cache"] for _ in range(2)]
        await client.patch(item_url, json={"name": "Red kite"}, headers=headers)
        after = await client.get(item_url)

    assert signed_up.status_code == 201
    [welcome] = inbox.wait_for(1)
    assert welcome["To"].addresses[0].addr_spec == "bob@example.com"
    assert reads == ["miss", "hit"]
    assert (after.headers["x-cache"], after.json()["name"]) == ("miss", "Red kite")
