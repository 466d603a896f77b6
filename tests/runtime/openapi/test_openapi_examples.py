"""asgideck.runtime.openapi.example_for: deterministic example values from schemas."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from asgideck.runtime.openapi import (
    Document,
    RequestBody,
    body_example,
    example_for,
    parse_document,
)

SCHEMAS: dict[str, Any] = {
    "Order": {
        "type": "object",
        "required": ["status", "id"],
        "properties": {
            "note": {"type": "string", "nullable": True},
            "id": {"type": "string", "format": "uuid"},
            "status": {"type": "string", "enum": ["placed", "shipped"]},
            "placed_at": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "email": {"type": "string", "format": "email"},
            "site": {"type": "string", "format": "uri"},
            "qty": {"type": "integer", "minimum": 1},
            "price": {"type": "number", "exclusiveMinimum": 0},
            "paid": {"type": "boolean"},
            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
            "meta": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    },
    "Line": {
        "type": "object",
        "required": ["sku"],
        "properties": {"sku": {"type": "string", "example": "SKU-1"}, "n": {"default": 2}},
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
}


def _doc(schemas: dict[str, Any] | None = None, version: str = "3.0.3") -> Document:
    return parse_document(
        {
            "openapi": version,
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": copy.deepcopy(SCHEMAS if schemas is None else schemas)},
        }
    )


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_object_example_required_first_with_formats_and_enum() -> None:
    value = example_for(_doc(), _ref("Order"))
    assert list(value)[:2] == ["status", "id"]  # required first, in `required` order
    assert value == {
        "status": "placed",
        "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "note": "string",
        "placed_at": "2024-01-01T00:00:00Z",
        "day": "2024-01-01",
        "email": "user@example.com",
        "site": "https://example.com/",
        "qty": 1,
        "price": 1.0,
        "paid": True,
        "lines": [{"sku": "SKU-1", "n": 2}],
        "meta": {"additionalProp1": 0},
    }


def test_same_input_same_output() -> None:
    first = json.dumps(example_for(_doc(), _ref("Order")))
    again = json.dumps(example_for(_doc(), _ref("Order")))  # a fresh document
    doc = _doc()
    assert first == again == json.dumps(example_for(doc, _ref("Order")))
    assert json.dumps(example_for(doc, _ref("Order"))) == first  # cached refs change nothing


def test_recursive_schema_ends_at_the_cycle() -> None:
    value = example_for(_doc(), _ref("Node"))
    assert value == {"label": "string", "children": [], "parent": None}


def test_mutual_recursion_through_all_of_and_one_of() -> None:
    schemas = {
        "A": {"allOf": [{"$ref": "#/components/schemas/Base"}], "properties": {"b": _ref("B")}},
        "B": {"oneOf": [{"type": "null"}, _ref("A")]},
        "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
    }
    value = example_for(_doc(schemas), _ref("A"))
    # B's only non-null choice is A again: the cycle ends there. Base's required id comes first.
    assert value == {"id": 0, "b": None} and list(value) == ["id", "b"]


def test_example_precedence() -> None:
    doc = _doc({})
    assert example_for(doc, {"type": "integer", "example": 5, "default": 3, "enum": [1]}) == 5
    assert example_for(doc, {"type": "integer", "default": 3, "enum": [1]}) == 3
    assert example_for(doc, {"const": "fixed", "type": "string"}) == "fixed"
    assert example_for(doc, {"type": "string", "examples": ["first", "second"]}) == "first"
    assert example_for(doc, {"enum": [None, "b"]}) == "b"
    assert example_for(doc, {"type": "string", "minLength": 9}) == "stringxxx"
    assert example_for(doc, {"type": "string", "maxLength": 3}) == "str"
    assert example_for(doc, {"type": "integer", "maximum": -5}) == -5
    assert example_for(doc, {"type": "number", "minimum": 2, "exclusiveMinimum": True}) == 3.0
    assert example_for(doc, {}) is None
    assert example_for(doc, {"type": "null"}) is None


def test_example_values_are_copies() -> None:
    schema = {"type": "object", "example": {"a": [1]}}
    value = example_for(_doc({}), schema)
    value["a"].append(2)
    assert schema["example"] == {"a": [1]}


def test_nullable_31_types_and_combinators() -> None:
    doc = _doc({}, version="3.1.0")
    assert example_for(doc, {"type": ["null", "string"], "format": "email"}) == "user@example.com"
    assert example_for(doc, {"anyOf": [{"type": "null"}, {"type": "integer"}]}) == 0
    assert example_for(doc, {"oneOf": [{"type": "boolean"}, {"type": "integer"}]}) is True
    assert example_for(doc, {"type": "array", "prefixItems": [{"type": "integer"}, {}]}) == [
        0,
        None,
    ]
    merged = {
        "allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
            {"properties": {"b": {"type": "integer"}}, "required": ["b"]},
        ]
    }
    assert example_for(doc, merged) == {"a": "string", "b": 0}


def test_ref_siblings_apply() -> None:
    doc = _doc({"Color": {"type": "string", "enum": ["red", "blue"]}})
    assert example_for(doc, {"$ref": "#/components/schemas/Color", "default": "blue"}) == "blue"


def test_max_depth_and_value_budget() -> None:
    deep: dict[str, Any] = {"type": "integer"}
    for _ in range(5):
        deep = {"type": "object", "properties": {"x": deep}}
    doc = _doc({})
    assert example_for(doc, deep) == {"x": {"x": {"x": {"x": {"x": 0}}}}}
    assert example_for(doc, deep, max_depth=2) == {"x": {"x": {"x": None}}}
    # A wide graph without cycles (10 levels x 10 properties) stays bounded.
    wide = {
        f"L{i}": {"type": "object", "properties": {f"p{j}": _ref(f"L{i + 1}") for j in range(10)}}
        for i in range(10)
    }
    wide["L10"] = {"type": "integer"}
    value = example_for(_doc(wide), _ref("L0"), max_depth=20, max_values=500)
    assert len(json.dumps(value)) < 500 * 20


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ({"schema": _ref("Line"), "example": {"sku": "from-media"}}, {"sku": "from-media"}),
        (
            {"schema": _ref("Line"), "examples": {"one": {"value": {"sku": "named"}}}},
            {"sku": "named"},
        ),
        ({"schema": _ref("Line")}, {"sku": "SKU-1", "n": 2}),
    ],
)
def test_body_example_prefers_the_media_types_own(media: dict[str, Any], expected: Any) -> None:
    body = RequestBody(
        required=True,
        content_types=("application/json",),
        schemas={"application/json": media["schema"]},
        content={"application/json": media},
    )
    assert body_example(_doc(), body) == expected
    assert body_example(_doc(), body, "text/plain") is None


def test_self_referencing_all_of_and_malformed_keywords_do_not_crash() -> None:
    schemas = {
        "Loop": {"allOf": [{"$ref": "#/components/schemas/Loop"}, {"type": "integer"}]},
        "Odd": {
            "type": "object",
            "required": "name",
            "properties": ["name"],
            "allOf": {"not": "a list"},
        },
    }
    doc = _doc(schemas)
    assert example_for(doc, _ref("Loop")) == 0
    assert example_for(doc, _ref("Odd")) == {}
