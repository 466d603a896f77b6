"""diff_documents: what a reload changed, and which changes break a client."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi import Body, FastAPI
from pydantic import BaseModel

from asgideck.runtime.openapi import ApiChanges, OperationChange, diff_documents


def doc(
    paths: dict[str, Any], schemas: dict[str, Any] | None = None, version: str = "3.1.0"
) -> dict[str, Any]:
    out: dict[str, Any] = {"openapi": version, "info": {"title": "t", "version": "1"}}
    out["paths"] = paths
    if schemas:
        out["components"] = {"schemas": schemas}
    return out


def op(
    params: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    code: str = "200",
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {"responses": {code: {"description": "ok"}}, **extra}
    if response is not None:
        out["responses"][code]["content"] = {"application/json": {"schema": response}}
    if params:
        out["parameters"] = params
    if body is not None:
        out["requestBody"] = body
    return out


def query(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def json_body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


INT = {"type": "integer"}
STR = {"type": "string"}
NULLABLE_STR = {"anyOf": [STR, {"type": "null"}]}  # FastAPI 3.1's `str | None`


def only(changes: ApiChanges) -> OperationChange:
    every = changes.operations
    assert len(every) == 1, every
    return every[0]


def texts(change: OperationChange) -> list[tuple[str, bool]]:
    return [(d.text, d.breaking) for d in change.details]


# ----------------------------------------------------------------------- nothing / whole ops


def test_equal_documents_are_empty() -> None:
    a = doc({"/items": {"get": op([query("q", STR)], response=obj({"id": INT}))}})
    changes = diff_documents(a, copy.deepcopy(a))
    assert changes.empty and not changes.breaking
    assert changes.summary() == "no operation changed"


def test_a_description_change_is_no_change() -> None:
    a = doc({"/items": {"get": op(summary="old words")}})
    b = doc({"/items": {"get": op(summary="new words")}})
    assert diff_documents(a, b).empty


def test_removed_operation_is_breaking() -> None:
    a = doc({"/items": {"get": op(), "delete": op()}})
    b = doc({"/items": {"get": op()}})
    changes = diff_documents(a, b)
    change = only(changes)
    assert (change.kind, change.label, change.breaking) == ("removed", "DELETE /items", True)
    assert changes.breaking == (change,)
    assert "DELETE /items removed" in changes.summary()


def test_added_operation_is_not_breaking() -> None:
    a = doc({"/items": {"get": op()}})
    b = doc({"/items": {"get": op(), "post": op()}, "/health": {"get": op()}})
    changes = diff_documents(a, b)
    assert [c.label for c in changes.added] == ["POST /items", "GET /health"]
    assert not changes.breaking
    assert changes.summary().startswith("2 added, none breaking: ")


def test_renamed_path_is_removed_plus_added() -> None:
    a = doc({"/items/{id}": {"get": op([{"name": "id", "in": "path", "required": True}])}})
    b = doc({"/things/{id}": {"get": op([{"name": "id", "in": "path", "required": True}])}})
    changes = diff_documents(a, b)
    assert [c.label for c in changes.removed] == ["GET /items/{id}"]
    assert [c.label for c in changes.added] == ["GET /things/{id}"]
    assert not changes.changed
    assert changes.counts() == "1 added, 1 removed"
    assert changes.operations[0].kind == "removed"  # breaking first


# ----------------------------------------------------------------------- parameters


def test_new_required_parameter_is_breaking() -> None:
    a = doc({"/items": {"get": op()}})
    b = doc({"/items": {"get": op([query("limit", INT, required=True)])}})
    change = only(diff_documents(a, b))
    assert change.kind == "changed" and change.breaking
    assert texts(change) == [("new required query parameter 'limit'", True)]


def test_new_optional_parameter_is_not_breaking() -> None:
    a = doc({"/items": {"get": op()}})
    b = doc({"/items": {"get": op([query("limit", INT)])}})
    change = only(diff_documents(a, b))
    assert texts(change) == [("new optional query parameter 'limit'", False)]
    assert not change.breaking


def test_parameters_are_matched_by_name_and_location() -> None:
    header = {"name": "limit", "in": "header", "required": True, "schema": INT}
    a = doc({"/items": {"get": op([query("limit", INT)])}})
    b = doc({"/items": {"get": op([query("limit", INT), header])}})
    assert texts(only(diff_documents(a, b))) == [("new required header parameter 'limit'", True)]


def test_optional_parameter_made_required_is_breaking() -> None:
    a = doc({"/items": {"get": op([query("q", STR)])}})
    b = doc({"/items": {"get": op([query("q", STR, required=True)])}})
    assert texts(only(diff_documents(a, b))) == [("query parameter 'q' is now required", True)]
    assert texts(only(diff_documents(b, a))) == [("query parameter 'q' is now optional", False)]


def test_removed_parameter_is_not_breaking() -> None:
    a = doc({"/items": {"get": op([query("q", STR)])}})
    b = doc({"/items": {"get": op()}})
    assert texts(only(diff_documents(a, b))) == [("query parameter 'q' removed", False)]


def test_parameter_type_change_is_breaking() -> None:
    a = doc({"/items": {"get": op([query("n", INT)])}})
    b = doc({"/items": {"get": op([query("n", STR)])}})
    assert texts(only(diff_documents(a, b))) == [
        ("query parameter 'n': type integer -> string", True)
    ]


def test_path_level_parameters_count_and_the_operations_win() -> None:
    shared = {"parameters": [query("tenant", STR)]}
    a = doc({"/items": {**shared, "get": op()}})
    b = doc({"/items": {**shared, "get": op([query("tenant", STR, required=True)])}})
    assert texts(only(diff_documents(a, b))) == [("query parameter 'tenant' is now required", True)]


def test_referenced_parameters_are_followed() -> None:
    a = doc({"/items": {"get": op([{"$ref": "#/components/parameters/Page"}])}})
    b = copy.deepcopy(a)
    a["components"] = {"parameters": {"Page": query("page", INT)}}
    b["components"] = {"parameters": {"Page": query("page", INT, required=True)}}
    assert texts(only(diff_documents(a, b))) == [("query parameter 'page' is now required", True)]


def test_optional_31_anyof_null_widening_a_request_type_is_not_breaking() -> None:
    a = doc({"/items": {"get": op([query("q", STR)])}})
    b = doc({"/items": {"get": op([query("q", NULLABLE_STR)])}})
    assert texts(only(diff_documents(a, b))) == [
        ("query parameter 'q': type string -> string | null", False)
    ]
    assert texts(only(diff_documents(b, a))) == [
        ("query parameter 'q': type string | null -> string", True)
    ]


def test_same_optional_in_30_and_31_shapes_is_no_change() -> None:
    v30 = {"type": "string", "nullable": True}
    a = doc({"/items": {"get": op([query("q", v30)])}}, version="3.0.2")
    b = doc({"/items": {"get": op([query("q", NULLABLE_STR)])}})
    assert diff_documents(a, b).empty


# ----------------------------------------------------------------------- request bodies


def test_new_required_body_field_is_breaking_and_optional_is_not() -> None:
    a = doc({"/items": {"post": op(body=json_body(obj({"name": STR}, ["name"])))}})
    b_schema = obj({"name": STR, "price": INT, "note": NULLABLE_STR}, ["name", "price"])
    b = doc({"/items": {"post": op(body=json_body(b_schema))}})
    change = only(diff_documents(a, b))
    assert texts(change) == [
        ("body field 'price': new required field", True),
        ("body field 'note': new optional field", False),
    ]


def test_body_field_made_required_and_removed() -> None:
    a = doc({"/items": {"post": op(body=json_body(obj({"a": STR, "b": STR})))}})
    b = doc({"/items": {"post": op(body=json_body(obj({"a": STR}, ["a"])))}})
    assert texts(only(diff_documents(a, b))) == [
        ("body field 'a': now required", True),
        ("body field 'b': removed", False),
    ]


def test_request_body_required_ness() -> None:
    schema = obj({"a": STR})
    none = doc({"/items": {"post": op()}})
    optional = doc({"/items": {"post": op(body=json_body(schema, required=False))}})
    required = doc({"/items": {"post": op(body=json_body(schema, required=True))}})
    assert texts(only(diff_documents(none, required))) == [("new required request body", True)]
    assert texts(only(diff_documents(none, optional))) == [("new optional request body", False)]
    assert texts(only(diff_documents(optional, required))) == [
        ("request body is now required", True)
    ]
    assert texts(only(diff_documents(required, none))) == [("request body removed", False)]


def test_body_content_type_change_is_breaking() -> None:
    a = doc({"/up": {"post": op(body=json_body(obj({"a": STR})))}})
    form = {"required": True, "content": {"multipart/form-data": {"schema": obj({"a": STR})}}}
    b = doc({"/up": {"post": op(body=form)}})
    assert texts(only(diff_documents(a, b))) == [
        ("request body: content type application/json -> multipart/form-data", True)
    ]


def test_nested_body_fields_through_refs() -> None:
    ref = {"$ref": "#/components/schemas/Order"}
    order = obj({"address": {"$ref": "#/components/schemas/Address"}}, ["address"])
    a = doc(
        {"/orders": {"post": op(body=json_body(ref))}},
        {"Order": order, "Address": obj({"street": STR}, ["street"])},
    )
    b = doc(
        {"/orders": {"post": op(body=json_body(ref))}},
        {"Order": order, "Address": obj({"street": STR, "zip": STR}, ["street", "zip"])},
    )
    assert texts(only(diff_documents(a, b))) == [
        ("body field 'address.zip': new required field", True)
    ]


def test_a_renamed_schema_with_the_same_shape_is_no_change() -> None:
    a = doc(
        {"/items": {"post": op(body=json_body({"$ref": "#/components/schemas/Item"}))}},
        {"Item": obj({"name": STR}, ["name"])},
    )
    b = doc(
        {"/items": {"post": op(body=json_body({"$ref": "#/components/schemas/ItemIn"}))}},
        {"ItemIn": obj({"name": STR}, ["name"])},
    )
    assert diff_documents(a, b).empty


def test_array_items_fields() -> None:
    a = doc({"/bulk": {"post": op(body=json_body({"type": "array", "items": obj({"a": STR})}))}})
    b_items = obj({"a": STR, "b": INT}, ["b"])
    b = doc({"/bulk": {"post": op(body=json_body({"type": "array", "items": b_items}))}})
    assert texts(only(diff_documents(a, b))) == [("body field '[].b': new required field", True)]


def test_recursive_schema_terminates() -> None:
    node = obj(
        {
            "name": STR,
            "parent": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
        }
    )
    node2 = copy.deepcopy(node)
    node2["properties"]["size"] = INT
    node2["required"] = ["size"]
    ref = {"$ref": "#/components/schemas/Node"}
    a = doc({"/tree": {"post": op(body=json_body(ref))}}, {"Node": node})
    b = doc({"/tree": {"post": op(body=json_body(ref))}}, {"Node": node2})
    assert ("body field 'size': new required field", True) in texts(only(diff_documents(a, b)))


# ----------------------------------------------------------------------- responses


def test_removed_response_field_is_breaking_new_one_is_not() -> None:
    a = doc({"/items": {"get": op(response=obj({"id": INT, "name": STR}, ["id", "name"]))}})
    b = doc({"/items": {"get": op(response=obj({"id": INT, "tags": STR}, ["id", "tags"]))}})
    assert texts(only(diff_documents(a, b))) == [
        ("response 200 field 'name': removed", True),
        ("response 200 field 'tags': new field", False),
    ]


def test_response_field_type_change_is_breaking() -> None:
    a = doc({"/items": {"get": op(response=obj({"id": INT}, ["id"]))}})
    b = doc({"/items": {"get": op(response=obj({"id": STR}, ["id"]))}})
    assert texts(only(diff_documents(a, b))) == [
        ("response 200 field 'id': type integer -> string", True)
    ]


def test_response_field_becoming_nullable_is_breaking() -> None:
    a = doc({"/items": {"get": op(response=obj({"name": STR}, ["name"]))}})
    b = doc({"/items": {"get": op(response=obj({"name": NULLABLE_STR}, ["name"]))}})
    assert texts(only(diff_documents(a, b))) == [
        ("response 200 field 'name': type string -> string | null", True)
    ]


def test_response_fields_through_refs_and_lists() -> None:
    listed = {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
    a = doc({"/items": {"get": op(response=listed)}}, {"Item": obj({"id": INT, "x": STR})})
    b = doc({"/items": {"get": op(response=listed)}}, {"Item": obj({"id": INT})})
    assert texts(only(diff_documents(a, b))) == [("response 200 field '[].x': removed", True)]


def test_only_2xx_responses_are_compared() -> None:
    err = {"description": "bad", "content": {"application/json": {"schema": obj({"a": STR})}}}
    a = doc({"/items": {"get": {"responses": {"200": {"description": "ok"}, "422": err}}}})
    b = doc({"/items": {"get": {"responses": {"200": {"description": "ok"}}}}})
    assert diff_documents(a, b).empty


def test_success_status_change_is_breaking() -> None:
    a = doc({"/items": {"post": op(code="200")}})
    b = doc({"/items": {"post": op(code="201")}})
    assert texts(only(diff_documents(a, b))) == [
        ("response 200 no longer returned (success: 201)", True),
        ("new response 201", False),
    ]


def test_response_no_longer_described_is_not_breaking() -> None:
    a = doc({"/items": {"get": op(response=obj({"id": INT}))}})
    b = doc({"/items": {"get": op(response={})}})
    assert texts(only(diff_documents(a, b))) == [("response 200: no longer described", False)]


def test_enum_values() -> None:
    color = {"type": "string", "enum": ["red", "green"]}
    fewer = {"type": "string", "enum": ["red"]}
    a = doc({"/paint": {"get": op([query("c", color)], response=obj({"c": color}))}})
    b = doc({"/paint": {"get": op([query("c", fewer)], response=obj({"c": fewer}))}})
    assert texts(only(diff_documents(a, b))) == [
        ("query parameter 'c': value(s) removed: 'green'", True),
        ("response 200 field 'c': value(s) removed: 'green'", False),  # breaks nobody
    ]
    assert ("response 200 field 'c': value(s) added: 'green'", True) in texts(
        only(diff_documents(b, a))
    )


def test_deprecated_is_reported_not_breaking() -> None:
    a = doc({"/items": {"get": op()}})
    b = doc({"/items": {"get": op(deprecated=True)}})
    assert texts(only(diff_documents(a, b))) == [("now deprecated", False)]


# ----------------------------------------------------------------------- summary


def test_summary_is_one_line_naming_the_breaking_ones() -> None:
    a = doc({"/a": {"get": op()}, "/b": {"get": op()}, "/c": {"get": op()}})
    b = doc(
        {
            "/a": {"get": op([query("limit", INT, required=True)])},
            "/c": {"get": op([query("q", STR)])},
            "/d": {"get": op()},
        }
    )
    changes = diff_documents(a, b)
    line = changes.summary()
    assert "\n" not in line
    assert line.startswith("1 added, 1 removed, 2 changed; 2 breaking: ")
    assert "GET /b removed" in line
    assert "GET /a: new required query parameter 'limit'" in line
    assert "/c" not in line and "/d" not in line  # only the breaking ones are named
    assert [c.label for c in changes.breaking] == ["GET /b", "GET /a"]


def test_summary_caps_the_names() -> None:
    a = doc({f"/p{i}": {"get": op()} for i in range(10)})
    b = doc({})
    line = diff_documents(a, b).summary()
    assert line.startswith("10 removed; 10 breaking: ") and line.endswith("; and 6 more")


# ----------------------------------------------------------------------- real FastAPI documents


class Item(BaseModel):
    name: str
    price: float | None = None


class ItemV2(BaseModel):
    name: str
    price: float | None = None
    sku: str


def fastapi_docs() -> tuple[dict[str, Any], dict[str, Any]]:
    old, new = FastAPI(), FastAPI()

    @old.get("/items/{item_id}", response_model=Item)
    def read_old(item_id: int, q: str | None = None) -> Any: ...

    @old.post("/items")
    def create_old(item: Item) -> Any: ...

    @new.get("/items/{item_id}", response_model=ItemV2)
    def read_new(item_id: int, verbose: bool, q: str | None = None) -> Any: ...

    @new.post("/items")
    def create_new(item: ItemV2, note: str | None = Body(None)) -> Any: ...

    return old.openapi(), new.openapi()


def test_fastapi_generated_documents() -> None:
    old, new = fastapi_docs()
    changes = diff_documents(old, new)
    by_label = {c.label: c for c in changes.changed}
    assert set(by_label) == {"GET /items/{item_id}", "POST /items"}
    read = texts(by_label["GET /items/{item_id}"])
    assert ("new required query parameter 'verbose'", True) in read
    assert ("response 200 field 'sku': new field", False) in read
    create = texts(by_label["POST /items"])
    # two body parameters: FastAPI embeds them, so `item` is now a field of the body
    assert any(breaking for _text, breaking in create), create
    assert len(changes.breaking) == 2


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_fastapi_documents_against_themselves(direction: str) -> None:
    old, new = fastapi_docs()
    one = old if direction == "forward" else new
    assert diff_documents(one, copy.deepcopy(one)).empty


def test_allof_wrapped_ref_is_the_same_as_the_ref() -> None:
    """pydantic v1 / FastAPI 3.0 wrap a described field's $ref in allOf."""
    schemas = {"Tag": obj({"label": STR}, ["label"])}
    wrapped = {"allOf": [{"$ref": "#/components/schemas/Tag"}], "description": "the tag"}
    a = doc({"/t": {"post": op(body=json_body(obj({"tag": wrapped}, ["tag"])))}}, schemas, "3.0.2")
    plain = obj({"tag": {"$ref": "#/components/schemas/Tag"}}, ["tag"])
    b = doc({"/t": {"post": op(body=json_body(plain))}}, schemas)
    assert diff_documents(a, b).empty
    schemas2 = {"Tag": obj({"label": STR, "color": STR}, ["label", "color"])}
    c = doc({"/t": {"post": op(body=json_body(plain))}}, schemas2)
    assert texts(only(diff_documents(a, c))) == [
        ("body field 'tag.color': new required field", True)
    ]


def test_optional_object_made_required_and_non_null() -> None:
    ref = {"$ref": "#/components/schemas/Tag"}
    schemas = {"Tag": obj({"label": STR})}
    optional = obj({"tag": {"anyOf": [ref, {"type": "null"}]}})
    required = obj({"tag": ref}, ["tag"])
    a = doc({"/t": {"post": op(body=json_body(optional))}}, schemas)
    b = doc({"/t": {"post": op(body=json_body(required))}}, schemas)
    assert texts(only(diff_documents(a, b))) == [
        ("body field 'tag': now required", True),
        ("body field 'tag': type object | null -> object", True),
    ]


def test_broken_refs_do_not_raise() -> None:
    a = doc({"/t": {"post": op(body=json_body({"$ref": "#/components/schemas/Missing"}))}})
    b = doc({"/t": {"post": op(body=json_body({"$ref": "https://example.com/x.json"}))}})
    assert diff_documents(a, b).empty
