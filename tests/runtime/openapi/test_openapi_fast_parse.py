"""The optimised parser builds exactly what the straightforward one built (issue #15).

``support.openapi_reference`` is the parser as it was before the speed work. On every
document here both must give the same operations (method, path, operationId, tags,
summary, description, deprecated, merged parameters, request body, responses, security,
search text, ``inspect --openapi --json`` output) or refuse it with the same message.

``github_subset.json``: 20 paths of GitHub's REST description (``@octokit/openapi``
23.0.2, MIT) with every component they reach; the whole 13 MB description is used too
when ``make bench`` has cached it.
"""

from __future__ import annotations

import copy
import json
import random
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from asgideck.runtime.openapi import (
    Document,
    OpenAPIError,
    OpenAPILimitError,
    operations_json,
    parse_bytes,
    parse_document,
)
from asgideck.runtime.openapi._parse import check_depth
from support import REPO, SAMPLE_APP
from support import openapi_reference as reference
from support.inspecting import inspect

HERE = Path(__file__).resolve().parent
SUBSET = HERE / "github_subset.json"
GITHUB_COPIES = (
    REPO / ".bench-cache" / "api.github.com.json",
    Path.home() / ".cache/asgideck-peers/octokit/package/generated/api.github.com.json",
)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def assert_same(ours: Document, theirs: Document) -> None:
    assert (ours.version, ours.title, ours.api_version, ours.servers) == (
        theirs.version,
        theirs.title,
        theirs.api_version,
        theirs.servers,
    )
    assert ours.security_schemes == theirs.security_schemes
    assert [(op.method, op.path) for op in ours.operations] == [
        (op.method, op.path) for op in theirs.operations
    ]
    for mine, ref in zip(ours.operations, theirs.operations, strict=True):
        assert mine == ref, f"{mine.method} {mine.path}"
        assert mine.search_text == ref.search_text
        assert [type(p) for p in mine.parameters] == [type(p) for p in ref.parameters]
    # what `inspect --openapi --json` prints, or how it fails (responses resolve lazily)
    assert outcome(operations_json, ours) == outcome(operations_json, theirs)


def outcome(parse: Any, data: Any) -> Any:
    """What ``parse`` made of ``data``, or its refusal as the user reads it (message, path)."""
    try:
        return parse(data)  # type: ignore[no-any-return]
    except OpenAPIError as exc:
        return f"{type(exc).__name__}: {exc} @ {exc.path}"


def assert_same_outcome(data: bytes) -> None:
    ours, theirs = outcome(parse_bytes, data), outcome(reference.parse_bytes, data)
    if isinstance(ours, str) or isinstance(theirs, str):
        assert ours == theirs
    else:
        assert_same(ours, theirs)


def github_subset() -> dict[str, Any]:
    return json.loads(SUBSET.read_bytes())  # type: ignore[no-any-return]


# -- whole documents


def test_the_github_subset() -> None:
    data = SUBSET.read_bytes()
    doc = parse_bytes(data)
    assert len(doc.operations) == 23
    assert any(op.deprecated for op in doc.operations)
    assert any(op.request_body is not None for op in doc.operations)
    assert any(op.parameters for op in doc.operations)
    assert_same(doc, reference.parse_bytes(data))


def test_githubs_whole_description() -> None:
    found = next((p for p in GITHUB_COPIES if p.is_file()), None)
    if found is None:
        pytest.skip(
            "GitHub's description is not cached (make bench fetches it: npm pack "
            "@octokit/openapi@23.0.2 into .bench-cache/)"
        )
    data = found.read_bytes()
    doc = parse_bytes(data)
    assert len(doc.operations) > 1000
    assert_same(doc, reference.parse_bytes(data))


@pytest.fixture(scope="module")
def probed() -> Iterator[dict[str, dict[str, Any]]]:
    """The documents FastAPI generates for sample_app and the routers app (via the probe)."""
    found = {}
    for name, where in (("sample_app", SAMPLE_APP), ("routers", "routers")):
        info = inspect(where)
        assert info.openapi is not None, name
        found[name] = info.openapi
    yield found


@pytest.mark.parametrize("name", ["sample_app", "routers"])
def test_fastapi_documents(probed: dict[str, dict[str, Any]], name: str) -> None:
    tree = probed[name]
    assert_same(parse_document(tree), reference.parse_document(tree))
    data = json.dumps(tree).encode()
    assert_same(parse_bytes(data), reference.parse_bytes(data))


def swagger2() -> dict[str, Any]:
    form = {"name": "file", "in": "formData", "type": "file", "required": True}
    return {
        "swagger": "2.0",
        "info": {"title": "petstore", "version": "1"},
        "host": "pets.example",
        "basePath": "/v1",
        "consumes": ["application/json"],
        "paths": {
            "/pets/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "type": "integer"},
                    {"name": "id", "in": "path", "type": "string"},  # the later one wins
                    {"name": "trace", "in": "header", "type": "string"},
                ],
                "get": {"responses": {"200": {"description": "a pet", "schema": {}}}},
                "delete": {"deprecated": True, "responses": {"204": {"description": "gone"}}},
                "put": {
                    "parameters": [
                        {"name": "pet", "in": "body", "schema": {"type": "object"}},
                        {"name": "trace", "in": "header", "type": "integer"},
                    ],
                    "responses": {"200": {"$ref": "#/responses/Ok"}},
                },
                "post": {
                    "consumes": ["multipart/form-data"],
                    "parameters": [form],
                    "responses": {},
                },
            }
        },
        "responses": {"Ok": {"description": "fine", "schema": {"type": "string"}}},
    }


def yaml_document() -> bytes:
    return b"""openapi: 3.1.0
info: {title: yaml, version: 2}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, schema: {type: integer}}
      - {name: id, in: path, schema: {type: string}}
    get:
      tags: [items, read]
      parameters:
        - name: q
          in: query
          content: {application/json: {schema: {type: object}}}
          examples: {one: {value: 1}}
      responses:
        200: {description: found}
        default: {description: problem}
    post:
      requestBody: {$ref: '#/components/requestBodies/Item'}
      responses: {201: {description: made}}
components:
  requestBodies:
    Item: {required: true, content: {application/json: {schema: {type: object}}}}
"""


def test_swagger2_yaml_and_shared_parameters() -> None:
    assert_same_outcome(json.dumps(swagger2()).encode())
    assert_same_outcome(yaml_document())
    doc = parse_bytes(yaml_document())
    get, post = doc.operations
    # path-level parameters merged once per path, still one per (name, in), the last wins
    assert [(p.name, p.schema) for p in post.parameters] == [("id", {"type": "string"})]
    assert [p.name for p in get.parameters] == ["id", "q"]


# -- broken documents: the same refusal


def _junk(rng: random.Random) -> Any:
    return rng.choice(
        [None, 7, "x", True, [], [1], {}, {"$ref": "#/nope"}, {"name": 3}, [{"in": "query"}]]
    )


def _nodes(tree: Any, depth: int = 0) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every node under ``paths``, a few levels down."""
    if depth > 5:
        return
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    for key, value in items:
        yield tree, key
        if isinstance(value, dict | list):
            yield from _nodes(value, depth + 1)


def test_broken_documents_are_refused_alike() -> None:
    rng = random.Random(15)
    base = github_subset()
    spots = list(_nodes(base["paths"]))
    refused = 0
    for _ in range(300):
        tree = copy.deepcopy(base)
        node, key = rng.choice(spots)
        # the same spot in the copy: walk the path again
        target = _same_spot(tree["paths"], base["paths"], node)
        target[key] = _junk(rng)
        data = json.dumps(tree).encode()
        ours = outcome(parse_bytes, data)
        assert_same_outcome(data)
        refused += isinstance(ours, str)
    assert refused > 50  # the mutations do break documents


def _same_spot(copied: Any, original: Any, wanted: Any) -> Any:
    stack = [(copied, original)]
    while stack:
        mine, theirs = stack.pop()
        if theirs is wanted:
            return mine
        pairs = (
            ((mine[k], v) for k, v in theirs.items())
            if isinstance(theirs, dict)
            else ((mine[i], v) for i, v in enumerate(theirs))
        )
        stack.extend((m, t) for m, t in pairs if isinstance(t, dict | list))
    raise AssertionError("spot not found")


# -- the depth limit


def _tree(rng: random.Random, depth: int) -> Any:
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(["s", 1, 2.5, None, True, "[{]}", ""])
    if rng.random() < 0.5:
        return {f"k{i}": _tree(rng, depth - 1) for i in range(rng.randint(0, 3))}
    return [_tree(rng, depth - 1) for _ in range(rng.randint(0, 3))]


def _refuses(check: Any, tree: Any, limit: int) -> bool:
    try:
        check(tree, limit)
    except OpenAPILimitError:
        return True
    return False


def test_depth_limit_counts_levels_as_the_node_by_node_walk() -> None:
    rng = random.Random(1)
    for _ in range(300):
        x_deep = _tree(rng, rng.randint(1, 12))
        tree = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "x": x_deep}
        data = json.dumps(tree).encode()
        for limit in range(1, 15):
            assert _refuses(check_depth, tree, limit) == _refuses(
                reference.check_depth, tree, limit
            )
            ours = outcome(lambda d, n=limit: parse_bytes(d, max_depth=n), data)
            theirs = outcome(lambda d, n=limit: reference.parse_bytes(d, max_depth=n), data)
            assert isinstance(ours, str) == isinstance(theirs, str)
            if isinstance(ours, str):
                assert ours == theirs


class Frozen(Mapping[str, Any]):
    """A Mapping that is no dict: its children are its values, not its attributes."""

    def __init__(self, **values: Any) -> None:
        self._values = values
        self.padding = {"not": {"a": {"child": [1]}}}

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def test_depth_limit_on_mappings_that_are_not_dicts() -> None:
    class Listed(list[Any]):
        pass

    tree = {
        "a": OrderedDict(x=[1, {"y": MappingProxyType({"z": [1]})}]),
        "b": (1, [2], {"tuples": "are values"}),
        "c": Frozen(d=Listed([Frozen(e=1)])),
    }
    for limit in range(8):
        assert _refuses(check_depth, tree, limit) == _refuses(reference.check_depth, tree, limit)
