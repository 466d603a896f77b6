"""The OpenAPI model: operations, parameters, bodies, and a document that resolves ``$ref``.

Schemas stay as written, ``$ref`` and all; :meth:`Document.resolve` follows a
local ``$ref`` on demand (cached, cycle-safe). The node checks here raise
:class:`OpenAPIError` naming the JSON path of the offending node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote

from asgideck.runtime.errors import AsgideckError

__all__ = [
    "HTTP_METHODS",
    "LOCATIONS",
    "Document",
    "Location",
    "OpenAPIError",
    "OpenAPILimitError",
    "Operation",
    "Parameter",
    "RequestBody",
    "bool_field",
    "expect_list",
    "expect_object",
    "node_kind",
    "string_field",
]

Location = Literal["path", "query", "header", "cookie"]
LOCATIONS: tuple[Location, ...] = ("path", "query", "header", "cookie")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class OpenAPIError(AsgideckError):
    """A document that cannot be read or used; ``path`` is the JSON path ("" when none)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class OpenAPILimitError(OpenAPIError):
    """A document over one of the limits (size, time, nesting): refused, not half-read.

    Callers that try other places for a document stop here: the server answered, badly.
    """


def node_kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return {"str": "string", "list": "list"}.get(type(value).__name__, type(value).__name__)


def expect_object(value: Any, path: str) -> Mapping[str, Any]:
    if type(value) is dict:  # the common case, without the ABC check's cost
        return value
    if not isinstance(value, Mapping):
        raise OpenAPIError(f"expected an object, got {node_kind(value)}", path)
    return value


def expect_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise OpenAPIError(f"expected a list, got {node_kind(value)}", path)
    return value


def string_field(node: Mapping[str, Any], key: str, path: str) -> str:
    value = node.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OpenAPIError(f"expected a string, got {node_kind(value)}", f"{path}.{key}")
    return value


def bool_field(node: Mapping[str, Any], key: str, path: str, default: bool = False) -> bool:
    value = node.get(key, default)
    if not isinstance(value, bool):
        raise OpenAPIError(f"expected true or false, got {node_kind(value)}", f"{path}.{key}")
    return value


@dataclass(frozen=True)
class Parameter:
    """One parameter; ``schema`` is as written (may hold ``$ref``: use Document.resolve)."""

    name: str
    location: Location
    required: bool
    schema: Mapping[str, Any]
    description: str = ""
    deprecated: bool = False
    example: Any = None


@dataclass(frozen=True)
class RequestBody:
    """A request body; ``schemas`` and ``content`` are keyed by content type."""

    required: bool
    content_types: tuple[str, ...]
    schemas: Mapping[str, Any]
    description: str = ""
    content: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One method on one path, with path-level parameters merged in (operation wins)."""

    method: str
    path: str
    operation_id: str | None
    tags: tuple[str, ...]
    summary: str
    description: str
    deprecated: bool
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: Mapping[str, Mapping[str, Any]]
    security: tuple[Mapping[str, list[str]], ...]
    search_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = (self.method, self.path, self.operation_id or "", self.summary, *self.tags)
        object.__setattr__(self, "search_text", " ".join(parts).lower())

    def matches(self, query: str) -> bool:
        """True when every whitespace-separated word of ``query`` occurs in search_text."""
        return all(word in self.search_text for word in query.lower().split())

    def parameters_in(self, location: Location) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == location)


@dataclass(frozen=True)
class Document:
    """A parsed description: its operations plus the raw tree for lazy ``$ref`` lookups."""

    version: str
    title: str
    api_version: str
    operations: tuple[Operation, ...]
    security_schemes: Mapping[str, Any]
    servers: tuple[str, ...]
    raw: Mapping[str, Any] = field(repr=False)
    _targets: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def resolve(self, node: Any, at: str = "") -> Any:
        """``node`` itself, or the target of its local ``$ref`` (chains followed, cycle-safe).

        In 3.1 the keys beside ``$ref`` override the target's (summary, description...).
        ``at`` is the node's JSON path, used in error messages.
        """
        seen: list[str] = []
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref: str = node["$ref"]
            if ref in seen:
                raise OpenAPIError("$ref cycle: " + " -> ".join([*seen, ref]), at)
            seen.append(ref)
            target = self.resolve_ref(ref, at)
            if len(node) > 1 and self.version.startswith("3.1") and isinstance(target, Mapping):
                target = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            node = target
        return node

    def resolve_ref(self, ref: str, at: str = "") -> Any:
        """The node a local JSON-pointer ``$ref`` (``#/a/b~1c``) points at."""
        try:
            return self._targets[ref]
        except KeyError:
            pass
        where = f"{at}.$ref" if at else "$ref"
        if not ref.startswith("#"):
            raise OpenAPIError(f"only local references are supported, got {ref!r}", where)
        node: Any = self.raw
        walked: list[str] = []
        for token in unquote(ref[1:]).split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                inside = ".".join(walked) or "the document"
                raise OpenAPIError(f"{ref!r} does not resolve: no {key!r} in {inside}", where)
            walked.append(key)
        self._targets[ref] = node
        return node
