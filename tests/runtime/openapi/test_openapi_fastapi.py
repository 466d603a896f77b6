"""asgideck.runtime.openapi on the document FastAPI generates for a small app built here."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Security, WebSocket
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, Field

from asgideck.runtime.openapi import (
    Document,
    Operation,
    body_example,
    document_json,
    example_for,
    operations_json,
    parse_bytes,
)

oauth2 = OAuth2PasswordBearer(tokenUrl="token", scopes={"items:write": "change items"})


class Color(StrEnum):
    red = "red"
    blue = "blue"


class ItemIn(BaseModel):
    name: str
    price: float = Field(gt=0)
    color: Color = Color.red
    note: str | None = None
    children: list[ItemIn] = []


class ItemOut(BaseModel):
    id: int
    name: str


def build_app() -> FastAPI:
    app = FastAPI(title="Shop", version="1.2.3")
    items = APIRouter(prefix="/items", tags=["items"])

    @items.get("/{item_id}", response_model=ItemOut)
    def read_item(
        item_id: int,
        q: Annotated[str | None, Query(max_length=5)] = None,
        x_trace: Annotated[str | None, Header()] = None,
    ) -> Any: ...

    @items.post("", status_code=201, response_model=ItemOut)
    def create_item(
        item: ItemIn, token: Annotated[str, Security(oauth2, scopes=["items:write"])]
    ) -> Any: ...

    @items.delete("/{item_id}", deprecated=True, status_code=204)
    def delete_item(item_id: int, token: Annotated[str, Depends(oauth2)]) -> None: ...

    @app.get("/health", summary="Liveness")
    def health() -> dict[str, str]:
        return {"ok": "yes"}

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None: ...

    app.include_router(items)
    return app


@pytest.fixture(scope="module")
def doc() -> Document:
    # Through bytes, as a document fetched from a running server arrives.
    return parse_bytes(json.dumps(build_app().openapi()).encode())


def _op(doc: Document, method: str, path: str) -> Operation:
    return next(op for op in doc.operations if (op.method, op.path) == (method, path))


def test_every_http_route_is_an_operation(doc: Document) -> None:
    assert doc.version == "3.1.0" and (doc.title, doc.api_version) == ("Shop", "1.2.3")
    assert sorted((op.method, op.path) for op in doc.operations) == [
        ("DELETE", "/items/{item_id}"),
        ("GET", "/health"),
        ("GET", "/items/{item_id}"),
        ("POST", "/items"),
    ]  # the WebSocket route is not in OpenAPI
    assert doc.security_schemes["OAuth2PasswordBearer"]["type"] == "oauth2"


def test_path_query_and_header_parameters(doc: Document) -> None:
    read = _op(doc, "GET", "/items/{item_id}")
    assert read.tags == ("items",) and read.summary == "Read Item"
    assert read.operation_id == "read_item_items__item_id__get"
    assert [(p.name, p.location, p.required) for p in read.parameters] == [
        ("item_id", "path", True),
        ("q", "query", False),
        ("x-trace", "header", False),
    ]
    assert example_for(doc, read.parameters[0].schema) == 0
    assert example_for(doc, read.parameters[1].schema) == "strin"  # maxLength 5, null skipped
    assert read.request_body is None and read.security == ()


def test_body_and_oauth2_security(doc: Document) -> None:
    create = _op(doc, "POST", "/items")
    assert create.security == ({"OAuth2PasswordBearer": ["items:write"]},)
    assert _op(doc, "DELETE", "/items/{item_id}").security == ({"OAuth2PasswordBearer": []},)
    body = create.request_body
    assert body is not None and body.required
    assert body.content_types == ("application/json",)
    assert body.schemas["application/json"] == {"$ref": "#/components/schemas/ItemIn"}
    assert doc.resolve(body.schemas["application/json"])["required"] == ["name", "price"]
    example = body_example(doc, body)
    assert example == {
        "name": "string",
        "price": 1.0,
        "color": "red",
        "note": "string",
        "children": [],
    }
    assert list(example)[:2] == ["name", "price"]
    # The example is a valid body for the app's own model.
    assert ItemIn.model_validate(example).price == 1.0
    assert list(create.responses) == ["201", "422"]


def test_deprecated_and_summary(doc: Document) -> None:
    assert _op(doc, "DELETE", "/items/{item_id}").deprecated
    health = _op(doc, "GET", "/health")
    assert not health.deprecated and health.summary == "Liveness" and health.tags == ()


def test_operations_json_shape(doc: Document) -> None:
    out = operations_json(doc)
    assert json.loads(json.dumps(out)) == out  # plain JSON all the way down
    create = next(o for o in out if o["method"] == "POST")
    assert create == {
        "method": "POST",
        "path": "/items",
        "operation_id": "create_item_items_post",
        "tags": ["items"],
        "summary": "Create Item",
        "description": "",
        "deprecated": False,
        "parameters": {"path": [], "query": [], "header": [], "cookie": []},
        "request_body": {
            "required": True,
            "content_types": ["application/json"],
            "schemas": {"application/json": {"$ref": "#/components/schemas/ItemIn"}},
        },
        "responses": {
            "201": {
                "description": "Successful Response",
                "content_types": ["application/json"],
                "schemas": {"application/json": {"$ref": "#/components/schemas/ItemOut"}},
            },
            "422": {
                "description": "Validation Error",
                "content_types": ["application/json"],
                "schemas": {
                    "application/json": {"$ref": "#/components/schemas/HTTPValidationError"}
                },
            },
        },
        "security": [{"OAuth2PasswordBearer": ["items:write"]}],
    }
    read = next(o for o in out if o["method"] == "GET" and o["path"] != "/health")
    assert read["parameters"]["path"] == [
        {
            "name": "item_id",
            "required": True,
            "schema": {"type": "integer", "title": "Item Id"},
            "description": "",
            "deprecated": False,
            "example": None,
        }
    ]
    assert [p["name"] for p in read["parameters"]["header"]] == ["x-trace"]


def test_document_json(doc: Document) -> None:
    out = document_json(doc)
    assert {k: out[k] for k in ("openapi", "title", "version", "servers")} == {
        "openapi": "3.1.0",
        "title": "Shop",
        "version": "1.2.3",
        "servers": [],
    }
    assert list(out["security_schemes"]) == ["OAuth2PasswordBearer"]
    assert out["operations"] == operations_json(doc)
