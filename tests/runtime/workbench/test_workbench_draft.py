"""Drafts: a route prefills the composer; a draft becomes a spec; a spec comes back as a draft."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asgideck.runtime.client import (
    BasicAuth,
    BearerAuth,
    MultipartBody,
    RequestSpec,
    from_curl,
    prepare,
    to_curl,
)
from asgideck.runtime.openapi import Document, parse_document
from asgideck.runtime.secrets import MASK
from asgideck.runtime.workbench import (
    Draft,
    Field,
    auth_hint,
    body_kind_for,
    draft_from_operation,
    draft_from_spec,
    path_placeholders,
    security_schemes,
)

DOC = {
    "openapi": "3.1.0",
    "info": {"title": "shop", "version": "1"},
    "components": {
        "securitySchemes": {
            "OAuth2PasswordBearer": {
                "type": "oauth2",
                "flows": {"password": {"tokenUrl": "/auth/token", "scopes": {"read": "Read"}}},
            },
            "Bearer": {"type": "http", "scheme": "bearer"},
            "Basic": {"type": "http", "scheme": "basic"},
            "Key": {"type": "apiKey", "in": "query", "name": "api_key"},
            "Digest": {"type": "http", "scheme": "digest"},
            "OIDC": {"type": "openIdConnect", "openIdConnectUrl": "https://x/.well-known"},
            "Implicit": {
                "type": "oauth2",
                "flows": {"implicit": {"authorizationUrl": "/a", "scopes": {}}},
            },
        },
        "schemas": {
            "ItemCreate": {
                "type": "object",
                "required": ["name", "price"],
                "properties": {
                    "name": {"type": "string"},
                    "price": {"type": "number", "minimum": 1},
                    "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
            },
            "Limit": {"type": "integer", "default": 20},
        },
    },
    "paths": {
        "/items/{item_id}": {
            "get": {
                "summary": "Read item",
                "security": [{"OAuth2PasswordBearer": []}],
                "parameters": [
                    {
                        "name": "item_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                    {
                        "name": "q",
                        "in": "query",
                        "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"$ref": "#/components/schemas/Limit"},
                    },
                    {
                        "name": "tag",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "array", "items": {"type": "string"}},
                        "example": ["a", "b"],
                    },
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                    {"name": "Authorization", "in": "header", "schema": {"type": "string"}},
                    {
                        "name": "session",
                        "in": "cookie",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/items": {
            "post": {
                "security": [{"OAuth2PasswordBearer": []}, {}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ItemCreate"}}
                    },
                },
                "responses": {"201": {"description": "made"}},
            }
        },
        "/token": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {
                                    "username": {"type": "string"},
                                    "password": {"type": "string", "format": "password"},
                                    "scope": {"type": "string", "default": ""},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/upload": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "caption": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}


@pytest.fixture(scope="module")
def doc() -> Document:
    return parse_document(DOC)


def op(doc: Document, method: str, path: str):  # type: ignore[no-untyped-def]
    return next(o for o in doc.operations if o.method == method and o.path == path)


def rows(fields: list[Field]) -> list[tuple[str, str, bool, bool]]:
    return [(f.name, f.value, f.enabled, f.required) for f in fields]


def test_route_prefills_params_with_defaults_required_marks_and_auth(doc: Document) -> None:
    draft = draft_from_operation(doc, op(doc, "GET", "/items/{item_id}"))
    assert (draft.method, draft.path) == ("GET", "/items/{item_id}")
    # Required path parameters start empty (no invented 0), and must be filled in.
    assert rows(draft.path_params) == [("item_id", "", True, True)]
    # Optional query parameters are listed unticked with their default; arrays get a row each.
    assert rows(draft.query) == [
        ("q", "", False, False),
        ("limit", "20", False, False),
        ("tag", "a", True, True),
        ("tag", "b", True, True),
    ]
    assert rows(draft.headers) == [("X-Trace", "", False, False)]  # Authorization is auth's job
    assert rows(draft.cookies) == [("session", "", True, True)]
    assert draft.security == ("OAuth2PasswordBearer",) and not draft.auth_optional
    assert auth_hint(doc, draft) == (
        "This route requires OAuth2PasswordBearer (OAuth2 password flow, token URL /auth/token)."
    )


def test_missing_names_every_required_field_until_filled(doc: Document) -> None:
    draft = draft_from_operation(doc, op(doc, "GET", "/items/{item_id}"))
    assert draft.missing() == ["path parameter 'item_id'", "cookie 'session'"]
    draft.path_params[0].value = "7"
    draft.cookies[0].value = "abc"
    draft.query[2].enabled = False  # unticking a required row is reported too
    assert draft.missing() == ["query parameter 'tag'"]
    draft.query[2].enabled = True
    assert draft.missing() == []


def test_to_spec_sends_only_ticked_rows(doc: Document) -> None:
    draft = draft_from_operation(doc, op(doc, "GET", "/items/{item_id}"))
    draft.path_params[0].value = "a b/c"
    draft.query[1].enabled = True
    draft.cookies[0].value = "s1"
    spec = draft.to_spec(base_url="http://127.0.0.1:9", root_path="/api", auth=BearerAuth("t"))
    assert spec.build_url() == "http://127.0.0.1:9/api/items/a%20b%2Fc?limit=20&tag=a&tag=b"
    prepared = prepare(spec)
    assert ("Authorization", "Bearer t") in prepared.headers
    assert ("Cookie", "session=s1") in prepared.headers
    assert not any(name == "X-Trace" for name, _v in prepared.headers)


def test_json_body_example_from_a_ref_schema_and_required_body(doc: Document) -> None:
    draft = draft_from_operation(doc, op(doc, "POST", "/items"))
    assert draft.body_kind == "json" and draft.body_required
    assert json.loads(draft.body_text) == {"name": "string", "price": 1, "note": "string"}
    assert draft.auth_optional  # `{}` in the security list: credentials are optional
    assert auth_hint(doc, draft).startswith("This route accepts OAuth2PasswordBearer")
    draft.body_text = "  "
    assert draft.missing() == ["the request body"]
    spec = draft.to_spec(base_url="http://h:1")
    assert spec.body_kind == "none" and spec.body is None


def test_form_and_multipart_bodies(doc: Document, tmp_path: Path) -> None:
    form = draft_from_operation(doc, op(doc, "POST", "/token"))
    assert form.body_kind == "form"
    assert rows(form.form) == [
        ("username", "string", True, True),
        ("password", "********", True, True),
        ("scope", "", False, False),
    ]
    assert prepare(form.to_spec(base_url="http://h:1")).content == (
        b"username=string&password=%2A%2A%2A%2A%2A%2A%2A%2A"
    )
    upload = draft_from_operation(doc, op(doc, "POST", "/upload"))
    assert upload.body_kind == "multipart"
    assert rows(upload.form) == [("file", "", True, True), ("caption", "string", False, False)]
    assert upload.missing() == ["form field 'file'"]
    picture = tmp_path / "p.png"
    picture.write_bytes(b"png")
    upload.form[0].value = f"@{picture}"
    upload.form[1].value = "hi"  # filling a value ticks it only in the GUI model; tick here
    upload.form[1].enabled = True
    spec = upload.to_spec(base_url="http://h:1")
    assert spec.body == MultipartBody(fields=(("caption", "hi"),), files=(("file", str(picture)),))


def test_body_kind_for_content_types() -> None:
    assert body_kind_for("application/json; charset=utf-8") == "json"
    assert body_kind_for("application/vnd.api+json") == "json"
    assert body_kind_for("application/x-www-form-urlencoded") == "form"
    assert body_kind_for("multipart/form-data") == "multipart"
    assert body_kind_for("text/csv") == "raw"


def test_security_schemes_say_what_they_are_and_why_not() -> None:
    schemes = {s.name: s for s in security_schemes(parse_document(DOC))}
    assert schemes["OAuth2PasswordBearer"].kind == "oauth2-password"
    assert schemes["OAuth2PasswordBearer"].token_url == "/auth/token"
    assert dict(schemes["OAuth2PasswordBearer"].scopes) == {"read": "Read"}
    assert (schemes["Bearer"].kind, schemes["Basic"].kind) == ("bearer", "basic")
    key = schemes["Key"]
    assert (key.kind, key.key_name, key.location) == ("apikey", "api_key", "query")
    assert key.label == "Key (API key 'api_key' in the query)"
    assert schemes["Digest"].reason == "HTTP digest authentication is not supported"
    assert schemes["OIDC"].reason == (
        "openidconnect schemes are not supported (use a bearer token)"
    )
    assert schemes["Implicit"].reason == (
        "only the OAuth2 password flow is supported (this scheme has: implicit)"
    )
    assert security_schemes(None) == []


def test_a_spec_under_the_target_becomes_a_relative_draft() -> None:
    spec = RequestSpec(
        "post",
        "http://127.0.0.1:8000/api/items/{item_id}",
        path_params={"item_id": "3"},
        query=(("q", "x"),),
        headers=(("X-A", "1"),),
        cookies={"c": "v"},
        body_kind="json",
        body={"a": 1},
        auth=BasicAuth("bob", "pw"),
    )
    draft, notes = draft_from_spec(spec, base_url="http://127.0.0.1:8000", root_path="/api")
    assert (draft.method, draft.path) == ("POST", "/items/{item_id}")
    assert rows(draft.path_params) == [("item_id", "3", True, True)]
    assert rows(draft.query) == [("q", "x", True, False)]
    assert [(f.name, f.value) for f in draft.headers] == [
        ("X-A", "1"),
        ("Authorization", "Basic Ym9iOnB3"),
    ]
    assert json.loads(draft.body_text) == {"a": 1} and notes == []
    elsewhere, _ = draft_from_spec(spec, base_url="http://127.0.0.1:9999")
    assert elsewhere.path == "http://127.0.0.1:8000/api/items/{item_id}"


def test_redacted_history_values_are_reported_and_masked_auth_dropped() -> None:
    spec = RequestSpec(
        "GET",
        "/me",
        base_url="http://h:1",
        headers=(("Authorization", f"Bearer {MASK}"), ("X-Api-Key", MASK)),
        auth=BearerAuth(MASK),
    )
    draft, notes = draft_from_spec(spec, base_url="http://h:1")
    assert [f.name for f in draft.headers] == ["X-Api-Key"]
    assert notes == [
        "the stored authorization was redacted: this server's current one is used",
        "the stored Authorization header was redacted: the current one is used",
        f"1 value was redacted ({MASK}) in the history: fill them in before sending",
    ]


def test_curl_round_trip_through_a_draft_sends_the_same_request() -> None:
    draft = Draft(
        method="PUT",
        path="/things/{id}",
        path_params=[Field("id", "é 1", required=True)],
        query=[Field("q", "a&b"), Field("off", "x", enabled=False)],
        headers=[Field("X-Quote", 'it\'s "quoted"')],
        body_kind="json",
        body_text='{"k": [1, 2]}',
    )
    spec = draft.to_spec(base_url="http://127.0.0.1:8000", auth=BearerAuth("tok"))
    back, _notes = draft_from_spec(from_curl(to_curl(spec)), base_url="http://127.0.0.1:8000")
    again = back.to_spec(base_url="http://127.0.0.1:8000")
    first, second = prepare(spec), prepare(again)
    assert (second.method, second.url, second.content) == (first.method, first.url, first.content)
    assert sorted(second.headers) == sorted(first.headers)


def test_placeholders_in_order_without_duplicates() -> None:
    assert path_placeholders("/a/{x}/b/{y:path}/{x}") == ["x", "y"]
