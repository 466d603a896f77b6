"""asgideck.runtime.openapi: broken documents fail with the JSON path of what is wrong."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from asgideck.runtime.openapi import (
    OpenAPIError,
    example_for,
    operations_json,
    parse_bytes,
    parse_document,
)


def _doc(paths: Any, **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}


def _error(doc: Any) -> OpenAPIError:
    with pytest.raises(OpenAPIError) as info:
        parse_document(doc)
    return info.value


def test_paths_is_a_list() -> None:
    error = _error(_doc([{"/a": {}}]))
    assert str(error) == "paths: expected an object, got list"
    assert error.path == "paths"


def test_an_operation_is_a_string() -> None:
    error = _error(_doc({"/a": {"get": "read things"}}))
    assert str(error) == "paths./a.get: expected an object, got string"


def test_responses_is_a_list() -> None:
    error = _error(_doc({"/items/{id}": {"get": {"responses": [{"200": {}}]}}}))
    assert str(error) == "paths./items/{id}.get.responses: expected an object, got list"


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (
            {"responses": {"200": "ok"}},
            "paths./a.post.responses.200: expected an object, got string",
        ),
        ({"parameters": {"a": 1}}, "paths./a.post.parameters: expected a list, got object"),
        (
            {"parameters": [{"name": "a", "in": "query", "schema": {}}, 7]},
            "paths./a.post.parameters[1]: expected an object, got number",
        ),
        (
            {"parameters": [{"in": "query"}]},
            "paths./a.post.parameters[0].name: expected a string, got null",
        ),
        (
            {"parameters": [{"name": "b", "in": "body"}]},
            "paths./a.post.parameters[0].in: expected one of path, query, header, cookie, "
            "got 'body'",
        ),
        ({"tags": "x"}, "paths./a.post.tags: expected a list, got string"),
        ({"operationId": 3}, "paths./a.post.operationId: expected a string, got number"),
        ({"deprecated": "yes"}, "paths./a.post.deprecated: expected true or false, got string"),
        ({"summary": ["a"]}, "paths./a.post.summary: expected a string, got list"),
        ({"security": {"k": []}}, "paths./a.post.security: expected a list, got object"),
        (
            {"requestBody": {"content": {"application/json": []}}},
            "paths./a.post.requestBody.content.application/json: expected an object, got list",
        ),
    ],
)
def test_broken_operations_name_their_path(operation: dict[str, Any], message: str) -> None:
    assert str(_error(_doc({"/a": {"post": operation}}))) == message


def test_dangling_parameter_ref_fails_while_parsing() -> None:
    doc = _doc({"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/Nope"}]}}})
    doc["components"] = {"parameters": {"Limit": {}}}
    error = _error(doc)
    assert str(error) == (
        "paths./a.get.parameters[0].$ref: '#/components/parameters/Nope' does not resolve: "
        "no 'Nope' in components.parameters"
    )


def test_dangling_schema_ref_fails_when_resolved() -> None:
    ok = {"description": "x", "content": {"application/json": {"schema": {"$ref": "#/nope/X"}}}}
    doc = parse_document(_doc({"/a": {"get": {"responses": {"200": ok}}}}))  # lazy: parses
    schema = doc.operations[0].responses["200"]["content"]["application/json"]["schema"]
    with pytest.raises(OpenAPIError, match=r"'#/nope/X' does not resolve: no 'nope' in the doc"):
        doc.resolve(schema)
    with pytest.raises(OpenAPIError) as info:
        doc.resolve(schema, "paths./a.get.responses.200.content.application/json.schema")
    assert info.value.path == "paths./a.get.responses.200.content.application/json.schema.$ref"
    with pytest.raises(OpenAPIError, match="does not resolve"):
        example_for(doc, schema)


def test_ref_cycles_and_external_refs() -> None:
    doc = parse_document(
        _doc(
            {},
            components={
                "schemas": {
                    "A": {"$ref": "#/components/schemas/B"},
                    "B": {"$ref": "#/components/schemas/A"},
                }
            },
        )
    )
    with pytest.raises(OpenAPIError, match=r"\$ref cycle: #/components/schemas/A -> .*B -> .*A"):
        doc.resolve({"$ref": "#/components/schemas/A"})
    with pytest.raises(OpenAPIError, match="only local references are supported"):
        doc.resolve({"$ref": "other.yaml#/components/schemas/A"})


def test_not_an_openapi_document() -> None:
    assert str(_error({"info": {}})).startswith("not an OpenAPI document")
    assert str(_error(["openapi"])) == "document: expected an object, got list"
    assert str(_error({"openapi": "4.0.0"})) == (
        "openapi: unsupported version '4.0.0' (3.x or Swagger 2.0)"
    )
    assert "got list" in str(_error({"openapi": "3.0.0", "info": []}))


def test_invalid_json_reports_line_and_column() -> None:
    data = b'{\n  "openapi": "3.0.0",\n  "paths": {,}\n}'
    with pytest.raises(OpenAPIError, match=r"^line 3 column 13: invalid JSON: Expecting"):
        parse_bytes(data)
    with pytest.raises(OpenAPIError, match=r"^line 1 column 1: invalid JSON"):
        parse_bytes(b"")
    with pytest.raises(OpenAPIError, match="not UTF-8"):
        parse_bytes(b'{"openapi": "\xff"}')


def test_yaml_without_pyyaml_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes `import yaml` fail
    with pytest.raises(OpenAPIError, match="reading YAML needs PyYAML"):
        parse_bytes(b"openapi: 3.0.0\npaths: {}\n")


def test_yaml_documents_parse() -> None:
    doc = parse_bytes(
        b"openapi: 3.0.0\ninfo: {title: Y, version: '1'}\n"
        b"paths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n"
    )
    assert list(doc.operations[0].responses) == ["200"]  # YAML's int key became a string


def test_unknown_keys_do_not_matter() -> None:
    doc = _doc(
        {"/a": {"get": {"x-foo": [1], "callbacks": {}, "responses": {}}, "x-bar": "q"}},
        weird={"nested": [1, 2]},
    )
    assert [op.method for op in parse_document(json.loads(json.dumps(doc))).operations] == ["GET"]


def test_operations_json_names_a_broken_referenced_response() -> None:
    doc = parse_document(
        _doc(
            {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Bad"}}}}},
            components={"responses": {"Bad": ["not", "an", "object"]}},
        )
    )
    with pytest.raises(OpenAPIError) as info:
        operations_json(doc)
    assert str(info.value) == "paths./a.get.responses.200: expected an object, got list"
