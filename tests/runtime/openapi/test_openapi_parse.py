"""asgideck.runtime.openapi: 3.0, 3.1 and Swagger 2.0 documents -> operations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from asgideck.runtime.openapi import Document, Operation, parse_bytes, parse_document


def _op(doc: Document, method: str, path: str) -> Operation:
    matches = [op for op in doc.operations if op.method == method and op.path == path]
    assert len(matches) == 1, [(op.method, op.path) for op in doc.operations]
    return matches[0]


V30: dict[str, Any] = {
    "openapi": "3.0.3",
    "x-vendor": {"anything": True},  # unknown keys are ignored everywhere
    "info": {"title": "Shop", "version": "2.1", "x-logo": "logo.png"},
    "servers": [
        {"url": "https://{region}.shop.example/v1", "variables": {"region": {"default": "eu"}}},
        {"url": "/local"},
    ],
    "security": [{"apiKey": []}],
    "paths": {
        "/items/{item_id}": {
            "summary": "one item",
            "x-internal": 1,
            "parameters": [
                {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
            ],
            "get": {
                "operationId": "getItem",
                "tags": ["items", "Public"],
                "summary": "Read an Item",
                "description": "Long text",
                "weird": "tolerated",
                "parameters": [
                    {"$ref": "#/components/parameters/Limit"},
                    {
                        "name": "X-Trace",
                        "in": "header",
                        "required": True,
                        "description": "operation wins",
                        "schema": {"type": "string", "format": "uuid"},
                    },
                    {"name": "sid", "in": "cookie", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "the item",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                        },
                    },
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            },
            "delete": {
                "operationId": "deleteItem",
                "deprecated": True,
                "security": [],
                "responses": {"204": {"description": "gone"}},
            },
        },
        "/tree": {
            "post": {
                "operationId": "plantTree",
                "security": [{"oauth": ["trees:write"]}, {"apiKey": []}],
                "parameters": [{"$ref": "#/components/parameters/Limit"}],
                "requestBody": {"$ref": "#/components/requestBodies/NodeBody"},
                "responses": {"201": {"description": "planted"}},
            }
        },
        "/odd": {
            "get": {
                "responses": {
                    "200": {
                        "description": "escaped names",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "slash": {"$ref": "#/components/schemas/a~1b"},
                                        "tilde": {"$ref": "#/components/schemas/x~0y"},
                                    },
                                }
                            }
                        },
                    }
                }
            }
        },
    },
    "components": {
        "parameters": {
            "Limit": {
                "name": "limit",
                "in": "query",
                "description": "page size",
                "schema": {"type": "integer", "default": 30, "maximum": 100},
                "example": 10,
            }
        },
        "requestBodies": {
            "NodeBody": {
                "required": True,
                "description": "a tree",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Node"}},
                    "application/xml": {"schema": {"$ref": "#/components/schemas/Node"}},
                },
            }
        },
        "responses": {"NotFound": {"description": "no such item"}},
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-Key"},
            "oauth": {"type": "oauth2", "flows": {}},
        },
        "schemas": {
            "Item": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "tag": {"type": "string", "nullable": True},
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                },
            },
            "Node": {
                "type": "object",
                "required": ["label"],
                "properties": {
                    "label": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                    "parent": {"$ref": "#/components/schemas/Node"},
                },
            },
            "a/b": {"type": "string", "format": "date"},
            "x~y": {"type": "boolean"},
        },
    },
}


@pytest.fixture
def v30() -> Document:
    return parse_document(json.loads(json.dumps(V30)))


def test_v30_header_fields(v30: Document) -> None:
    assert v30.version == "3.0.3"
    assert (v30.title, v30.api_version) == ("Shop", "2.1")
    assert v30.servers == ("https://eu.shop.example/v1", "/local")
    assert set(v30.security_schemes) == {"apiKey", "oauth"}
    assert [(op.method, op.path) for op in v30.operations] == [
        ("GET", "/items/{item_id}"),
        ("DELETE", "/items/{item_id}"),
        ("POST", "/tree"),
        ("GET", "/odd"),
    ]


def test_v30_path_level_parameters_are_merged_and_the_operation_wins(v30: Document) -> None:
    get = _op(v30, "GET", "/items/{item_id}")
    assert [(p.name, p.location) for p in get.parameters] == [
        ("item_id", "path"),
        ("X-Trace", "header"),
        ("limit", "query"),
        ("sid", "cookie"),
    ]
    trace = get.parameters_in("header")[0]
    assert trace.required and trace.description == "operation wins"
    assert trace.schema == {"type": "string", "format": "uuid"}
    assert get.parameters_in("path")[0].required
    # The operation without its own parameters still gets the path-level ones.
    delete = _op(v30, "DELETE", "/items/{item_id}")
    assert [p.name for p in delete.parameters] == ["item_id", "X-Trace"]
    assert not delete.parameters[1].required


def test_v30_parameter_refs_are_resolved_once_and_shared(v30: Document) -> None:
    limit = _op(v30, "GET", "/items/{item_id}").parameters_in("query")[0]
    assert (limit.name, limit.required, limit.description, limit.example) == (
        "limit",
        False,
        "page size",
        10,
    )
    assert limit.schema["default"] == 30
    assert _op(v30, "POST", "/tree").parameters[0] is limit


def test_v30_operation_fields_and_security(v30: Document) -> None:
    get = _op(v30, "GET", "/items/{item_id}")
    assert get.operation_id == "getItem"
    assert get.tags == ("items", "Public")
    assert (get.summary, get.description, get.deprecated) == ("Read an Item", "Long text", False)
    assert get.security == ({"apiKey": []},)  # global
    delete = _op(v30, "DELETE", "/items/{item_id}")
    assert delete.deprecated and delete.security == ()  # `security: []` switches auth off
    assert delete.operation_id == "deleteItem" and delete.request_body is None
    assert _op(v30, "POST", "/tree").security == ({"oauth": ["trees:write"]}, {"apiKey": []})
    assert _op(v30, "GET", "/odd").operation_id is None


def test_v30_request_body_ref_is_resolved_but_schemas_stay_lazy(v30: Document) -> None:
    body = _op(v30, "POST", "/tree").request_body
    assert body is not None
    assert body.required and body.description == "a tree"
    assert body.content_types == ("application/json", "application/xml")
    assert body.schemas["application/json"] == {"$ref": "#/components/schemas/Node"}
    node = v30.resolve(body.schemas["application/json"])
    assert node["required"] == ["label"]
    # A recursive schema resolves one level at a time, never looping.
    assert v30.resolve(node["properties"]["parent"]) is node


def test_v30_responses_keep_refs_until_resolved(v30: Document) -> None:
    responses = _op(v30, "GET", "/items/{item_id}").responses
    assert list(responses) == ["200", "404"]
    assert responses["404"] == {"$ref": "#/components/responses/NotFound"}
    assert v30.resolve(responses["404"]) == {"description": "no such item"}


def test_json_pointer_escapes(v30: Document) -> None:
    props = _op(v30, "GET", "/odd").responses["200"]["content"]["application/json"]["schema"]
    assert v30.resolve(props["properties"]["slash"]) == {"type": "string", "format": "date"}
    assert v30.resolve(props["properties"]["tilde"]) == {"type": "boolean"}
    # Percent-encoded fragments (as URIs allow) and list indices work too.
    assert v30.resolve_ref("#/paths/~1items~1%7Bitem_id%7D/parameters/1/name") == "X-Trace"


def test_search_text_and_matches(v30: Document) -> None:
    get = _op(v30, "GET", "/items/{item_id}")
    assert get.search_text == "get /items/{item_id} getitem read an item items public"
    assert get.matches("GET public") and get.matches("  ") and get.matches("ITEM_ID")
    assert not get.matches("get delete")


V31: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Pets", "version": "1"},
    "webhooks": {"newPet": {"post": {"responses": {"200": {"description": "ok"}}}}},
    "paths": {
        "/pets": {
            "get": {
                "parameters": [
                    {
                        "name": "kind",
                        "in": "query",
                        "schema": {"type": ["string", "null"]},
                        "examples": {"dog": {"value": "dog"}, "cat": {"value": "cat"}},
                    },
                    {
                        "name": "filter",
                        "in": "query",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                ],
                # 3.1 makes `responses` optional
            },
            "put": {
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/$defs/Pet"}}}
                },
                "responses": {},
            },
        }
    },
    "$defs": {"Pet": {"type": "object", "description": "a pet"}},
}


def test_v31_document() -> None:
    doc = parse_document(V31)
    assert doc.version == "3.1.0" and doc.servers == ()
    get = _op(doc, "GET", "/pets")
    kind, filter_ = get.parameters
    assert kind.schema == {"type": ["string", "null"]} and kind.example == "dog"
    assert filter_.schema == {"type": "object"}  # from `content`
    assert get.responses == {} and get.request_body is None
    body = _op(doc, "PUT", "/pets").request_body
    assert body is not None and not body.required
    # 3.1: keys beside $ref override the target's.
    assert doc.resolve({"$ref": "#/$defs/Pet", "description": "override"}) == {
        "type": "object",
        "description": "override",
    }
    assert [op.path for op in doc.operations] == ["/pets", "/pets"]  # webhooks are not paths


V20: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "Legacy", "version": "0.9"},
    "host": "legacy.example",
    "basePath": "/api",
    "schemes": ["https", "http"],
    "consumes": ["application/json"],
    "produces": ["application/json", "text/xml"],
    "securityDefinitions": {"basic": {"type": "basic"}},
    "security": [{"basic": []}],
    "paths": {
        "/users/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "type": "string"}],
            "put": {
                "operationId": "putUser",
                "parameters": [
                    {
                        "name": "body",
                        "in": "body",
                        "required": True,
                        "schema": {"$ref": "#/definitions/User"},
                    },
                    {"name": "dry", "in": "query", "type": "boolean", "default": False},
                    {
                        "name": "ids",
                        "in": "query",
                        "type": "array",
                        "items": {"type": "integer"},
                        "collectionFormat": "csv",
                    },
                ],
                "responses": {
                    "200": {"description": "saved", "schema": {"$ref": "#/definitions/User"}},
                    "404": {"$ref": "#/responses/Missing"},
                },
            },
        },
        "/avatar": {
            "post": {
                "produces": ["image/png"],
                "parameters": [
                    {"name": "file", "in": "formData", "type": "file", "required": True},
                    {"name": "caption", "in": "formData", "type": "string"},
                ],
                "responses": {"201": {"description": "stored", "schema": {"type": "file"}}},
            }
        },
    },
    "responses": {"Missing": {"description": "no user", "schema": {"$ref": "#/definitions/Error"}}},
    "definitions": {
        "User": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}},
        },
        "Error": {"type": "object"},
    },
}


def test_swagger_2_cheap_conversion() -> None:
    doc = parse_document(V20)
    assert (doc.version, doc.title, doc.api_version) == ("2.0", "Legacy", "0.9")
    assert doc.servers == ("https://legacy.example/api", "http://legacy.example/api")
    assert doc.security_schemes == {"basic": {"type": "basic"}}
    put = _op(doc, "PUT", "/users/{id}")
    assert [(p.name, p.location) for p in put.parameters] == [
        ("id", "path"),
        ("dry", "query"),
        ("ids", "query"),
    ]
    assert put.parameters[1].schema == {"type": "boolean", "default": False}
    assert put.parameters[2].schema == {
        "type": "array",
        "items": {"type": "integer"},
        "collectionFormat": "csv",
    }
    assert put.security == ({"basic": []},)
    body = put.request_body
    assert body is not None and body.required
    assert body.content_types == ("application/json",)
    assert doc.resolve(body.schemas["application/json"])["required"] == ["name"]
    # Responses come out in the 3.x shape, with `produces` as their content types.
    ok = put.responses["200"]
    assert ok["description"] == "saved"
    assert list(ok["content"]) == ["application/json", "text/xml"]
    missing = put.responses["404"]
    assert missing["description"] == "no user"
    assert missing["content"]["text/xml"]["schema"] == {"$ref": "#/definitions/Error"}


def test_swagger_2_form_data_becomes_a_multipart_body() -> None:
    post = _op(parse_document(V20), "POST", "/avatar")
    assert post.parameters == ()
    body = post.request_body
    assert body is not None
    # The document-level `consumes` wins over the multipart default.
    assert body.content_types == ("application/json",)
    form = body.schemas["application/json"]
    assert form["required"] == ["file"] and set(form["properties"]) == {"file", "caption"}
    assert list(post.responses["201"]["content"]) == ["image/png"]

    no_consumes = json.loads(json.dumps(V20))
    del no_consumes["consumes"]
    body = _op(parse_document(no_consumes), "POST", "/avatar").request_body
    assert body is not None and body.content_types == ("multipart/form-data",)


def test_bom_and_whitespace_are_tolerated() -> None:
    data = b"\xef\xbb\xbf  \n" + json.dumps(V30).encode()
    doc = parse_bytes(data)
    assert doc.title == "Shop" and len(doc.operations) == 4


def test_parse_bytes_equals_parse_document() -> None:
    assert parse_bytes(json.dumps(V20).encode()).operations == parse_document(V20).operations
