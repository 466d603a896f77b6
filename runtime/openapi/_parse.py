"""OpenAPI 3.0/3.1 (and the cheap parts of Swagger 2.0) -> a flat list of operations.

Built for speed on big documents (GitHub's 13 MB description): one ``json.loads``,
then a single walk over ``paths`` that builds :class:`Operation` records. Only
parameter and request-body ``$ref``s are followed while parsing, because every
view needs them and they are cheap.

A structurally broken document raises :class:`OpenAPIError` whose message starts
with the JSON path of the offending node (``paths./items/{id}.get.responses: ...``).
Unknown keys (``x-*`` and anything else) are ignored. A tree nested deeper than
``max_depth`` (``_limits.MAX_DEPTH``) is refused before anything walks it, so no view,
``json.dump`` or example builder meets a RecursionError later.
"""

from __future__ import annotations

import gc
import importlib
import json
from collections.abc import Iterable, Mapping
from itertools import compress, repeat
from typing import Any, cast

from asgideck.runtime.openapi._limits import MAX_DEPTH
from asgideck.runtime.openapi._model import (
    HTTP_METHODS,
    LOCATIONS,
    Document,
    Location,
    OpenAPIError,
    OpenAPILimitError,
    Operation,
    Parameter,
    RequestBody,
    bool_field,
    expect_list,
    expect_object,
    node_kind,
    string_field,
)

__all__ = ["parse_bytes", "parse_document"]

_METHODS = frozenset(HTTP_METHODS)
# check_depth: containers whose gc referents are exactly their children, and every type
# json.loads makes (anything else is looked at one by one).
_PLAIN: frozenset[type] = frozenset({dict, list})
_PLAIN_TYPES = (dict, list)
_COMMON: frozenset[type] = frozenset({dict, list, str, int, float, bool, type(None)})
_BOM = b"\xef\xbb\xbf"
#: Nodes YAML aliases may add to a document when expanded (a real one adds a few hundred).
MAX_ALIAS_NODES = 1_000_000
# Swagger 2.0 keeps a non-body parameter's schema keywords on the parameter itself.
_V2_SCHEMA_KEYS = (
    "type", "format", "items", "collectionFormat", "default", "maximum", "exclusiveMaximum",
    "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "enum", "multipleOf",
)  # fmt: skip


def parse_bytes(data: bytes, *, max_depth: int = MAX_DEPTH) -> Document:
    """Parse JSON (or YAML when PyYAML is installed) bytes; a UTF-8 BOM is fine."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    head = data[:64].lstrip()
    if head[:1] in (b"{", b"[") or not head:
        try:
            tree = json.loads(data)
        except json.JSONDecodeError as exc:
            message = f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
            raise OpenAPIError(message) from None
        except UnicodeDecodeError as exc:
            raise OpenAPIError(f"not UTF-8 text (byte {exc.start})") from None
        except RecursionError:  # json's C scanner stops near the interpreter's limit (~1000)
            raise _too_deep(max_depth) from None
    else:
        return _parse(_load_yaml(data, max_depth), max_depth, json_types=False)
    return _parse(tree, max_depth, json_types=True)


def _too_deep(max_depth: int) -> OpenAPILimitError:
    return OpenAPILimitError(f"nested deeper than {max_depth} levels (the limit); not read")


def check_depth(tree: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise OpenAPILimitError when ``tree`` nests deeper than ``max_depth`` containers.

    Level by level, not by recursion: it has to survive the trees it refuses. A whole level
    of plain dicts and lists hands over its children in one ``gc.get_referents`` call (their
    C-level traversal visits exactly their values, and a dict's non-string keys, which are
    never containers), so the check costs a few C passes per level instead of a Python step
    per node: about a tenth of ``json.loads`` on GitHub's 13 MB description, where a
    node-by-node walk cost as much as ``json.loads`` itself. Any other Mapping or list
    subclass (whose referents would include its ``__dict__``) is walked by its values.
    """
    plain: list[Any] = [tree] if type(tree) in _PLAIN else []
    odd: list[Any] = [] if plain else [tree]
    depth = 1
    while plain or odd:
        kids = gc.get_referents(*plain)
        for node in odd:
            kids.extend(node.values() if isinstance(node, Mapping) else node)
        types = list(map(type, kids))
        plain = list(compress(kids, map(_PLAIN.__contains__, types)))
        odd = []
        if not _COMMON.issuperset(types):  # something besides JSON's types: look closer
            odd = [k for k in kids if type(k) not in _PLAIN and isinstance(k, Mapping | list)]
        if (plain or odd) and depth >= max_depth:
            raise _too_deep(max_depth)
        depth += 1


def _check_json_depth(tree: Any, max_depth: int) -> None:
    """check_depth for a tree straight from ``json.loads``, in one C call per level.

    There every container is an exact dict or list and every other value is a str, int,
    float, bool or None, which the collector does not track: ``gc.get_referents`` of a
    whole level is then exactly the next level's values (scalars skipped in C, a dict's
    str keys never visited), with no Python step per value. Only the level past
    ``max_depth`` is looked at for containers. About a third of check_depth's time.
    """
    level: list[Any] = [tree]
    for _ in range(max_depth - 1):
        level = gc.get_referents(*level)
        if not level:
            return
    if any(map(isinstance, gc.get_referents(*level), repeat(_PLAIN_TYPES))):
        raise _too_deep(max_depth)


def _load_yaml(data: bytes, max_depth: int) -> Any:
    try:
        yaml: Any = importlib.import_module("yaml")
    except ImportError:
        message = "not JSON, and reading YAML needs PyYAML, which is not installed"
        raise OpenAPIError(message) from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(data)
    try:
        node = loader.get_single_node()  # the node graph: an alias is one shared node
        if node is None:
            return None
        _check_aliases(node, max_depth)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        raise OpenAPIError(f"{where}invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:  # PyYAML's pure-Python composer recurses per level
        raise _too_deep(max_depth) from None
    finally:
        loader.dispose()


def _check_aliases(root: Any, max_depth: int) -> None:
    """Refuse a YAML graph whose aliases would expand it past :data:`MAX_ALIAS_NODES`.

    An alias is cheap to parse (one shared node) but everything after the parser walks
    the expanded tree: 700 bytes of nested aliases ("billion laughs") expand to 10^8
    nodes and hold the CPU for minutes. The expanded size is counted on the node graph
    (each shared node once, memoised), so the check costs one pass over what was read.
    An alias inside its own anchor (a cycle) is nesting without end: refused as too deep.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    distinct = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        kids = _yaml_children(node)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(kid)] for kid in kids)
            if sizes[key] - distinct > MAX_ALIAS_NODES:
                raise OpenAPILimitError(
                    f"YAML aliases expand it by more than {MAX_ALIAS_NODES:,} nodes "
                    "(the limit); not read"
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise _too_deep(max_depth)
        on_path.add(key)
        distinct += 1
        stack.append((node, True))
        stack.extend((kid, False) for kid in kids if id(kid) not in sizes)


def _yaml_children(node: Any) -> list[Any]:
    value = node.value
    if isinstance(value, str):
        return []
    if value and isinstance(value[0], tuple):  # a mapping: (key node, value node) pairs
        return [part for pair in value for part in pair]
    return list(value)


def parse_document(doc: Mapping[str, Any], *, max_depth: int = MAX_DEPTH) -> Document:
    """Build the operations model from an already-loaded document tree."""
    return _parse(doc, max_depth, json_types=False)


def _parse(doc: Any, max_depth: int, *, json_types: bool) -> Document:
    """``json_types``: ``doc`` came from ``json.loads`` (dicts, lists and scalars only)."""
    root = expect_object(doc, "document")
    if json_types:
        _check_json_depth(root, max_depth)
    else:
        check_depth(root, max_depth)
    if isinstance(root.get("openapi"), str) and root["openapi"].startswith("3."):
        version = root["openapi"]
    elif str(root.get("swagger", "")) == "2.0":
        version = "2.0"
    elif "openapi" in root or "swagger" in root:
        found = root.get("openapi", root.get("swagger"))
        raise OpenAPIError(f"unsupported version {found!r} (3.x or Swagger 2.0)", "openapi")
    else:
        raise OpenAPIError("not an OpenAPI document: no 'openapi' or 'swagger' version field")
    info = expect_object(root.get("info", {}), "info")
    v2 = version == "2.0"
    if v2:
        schemes: Any = expect_object(root.get("securityDefinitions", {}), "securityDefinitions")
    else:
        components = expect_object(root.get("components", {}), "components")
        schemes = expect_object(components.get("securitySchemes", {}), "components.securitySchemes")
    document = Document(
        version=version,
        title=string_field(info, "title", "info"),
        api_version=str(info.get("version", "")),
        operations=(),
        security_schemes=schemes,
        servers=_servers_v2(root) if v2 else _servers(root),
        raw=root,
    )
    operations = tuple(_Walker(document, v2).operations())
    object.__setattr__(document, "operations", operations)
    return document


def _servers(root: Mapping[str, Any]) -> tuple[str, ...]:
    urls = []
    for i, server in enumerate(expect_list(root.get("servers", []), "servers")):
        server = expect_object(server, f"servers[{i}]")
        url = string_field(server, "url", f"servers[{i}]")
        for name, var in expect_object(
            server.get("variables", {}), f"servers[{i}].variables"
        ).items():
            if isinstance(var, Mapping) and "default" in var:
                url = url.replace("{" + name + "}", str(var["default"]))
        urls.append(url)
    return tuple(urls)


def _servers_v2(root: Mapping[str, Any]) -> tuple[str, ...]:
    base = string_field(root, "basePath", "document")
    host = string_field(root, "host", "document")
    if not host:
        return (base,) if base else ()
    schemes = root.get("schemes") or ["https"]
    return tuple(f"{scheme}://{host}{base}" for scheme in schemes)


class _Walker:
    """One pass over ``paths``; caches parameters reached through the same ``$ref``."""

    def __init__(self, doc: Document, v2: bool) -> None:
        self.doc = doc
        self.v2 = v2
        self.root = doc.raw
        self.by_ref: dict[str, Parameter | tuple[str, Mapping[str, Any]]] = {}
        # the last path's parameters (held, so `is` cannot meet a recycled list) and merged
        self.last_shared: tuple[list[Any], tuple[tuple[Parameter, ...], list[Any]]] | None = None
        security = self.root.get("security", [])
        self.security = self._security(security, "security")
        self.consumes = self._media(self.root, "consumes", "document") if v2 else None
        self.produces = self._media(self.root, "produces", "document") if v2 else None

    def operations(self) -> Iterable[Operation]:
        for path, item in expect_object(self.root.get("paths", {}), "paths").items():
            where = f"paths.{path}"
            item = expect_object(self.doc.resolve(expect_object(item, where), where), where)
            shared = self._parameters(item.get("parameters", []), f"{where}.parameters")
            for key, op in item.items():
                if key in _METHODS:
                    yield self._operation(path, key, expect_object(op, f"{where}.{key}"), shared)

    def _operation(
        self, path: str, method: str, op: Mapping[str, Any], shared: list[Any]
    ) -> Operation:
        # Runs once per operation (1,223 on GitHub): the checks test types first and build
        # the JSON path of a node only for its error message.
        where = f"paths.{path}.{method}"
        own = (
            self._parameters(op["parameters"], f"{where}.parameters") if "parameters" in op else ()
        )
        params, body_params = self._merged([*shared, *own]) if own else self._shared(shared)
        if self.v2:
            body = self._body_v2(op, body_params, where)
            responses = self._responses_v2(op, where)
        else:
            raw_body = op.get("requestBody")
            body = None if raw_body is None else self._body(raw_body, f"{where}.requestBody")
            responses = self._responses(op.get("responses", {}), where)
        tags = op.get("tags", [])
        if type(tags) is not list:
            tags = expect_list(tags, f"{where}.tags")
        if not all(map(isinstance, tags, repeat(str))):
            raise OpenAPIError("expected a list of strings", f"{where}.tags")
        op_id = op.get("operationId")
        if op_id is not None and not isinstance(op_id, str):
            raise OpenAPIError(f"expected a string, got {node_kind(op_id)}", f"{where}.operationId")
        security = self._security(op["security"], f"{where}.security") if "security" in op else None
        return Operation(
            method=method.upper(),
            path=path,
            operation_id=op_id,
            tags=tuple(tags),
            summary=string_field(op, "summary", where),
            description=string_field(op, "description", where),
            deprecated=bool_field(op, "deprecated", where),
            parameters=params,
            request_body=body,
            responses=responses,
            security=self.security if security is None else security,
        )

    def _merged(self, entries: list[Any]) -> tuple[tuple[Parameter, ...], list[Any]]:
        """Path-level then operation parameters, one per (name, in): the last one wins."""
        merged: dict[tuple[str, str], Any] = {}
        body: list[Any] = []
        for entry in entries:
            if type(entry) is Parameter:
                merged[(entry.name, entry.location)] = entry
            else:  # Swagger 2.0 body / formData: (kind, parameter)
                merged[(entry[1]["name"], entry[0])] = entry
                body.append(entry)
        if not body:
            return tuple(merged.values()), body
        params = tuple(p for p in merged.values() if type(p) is Parameter)
        return params, [e for e in merged.values() if type(e) is not Parameter]

    def _shared(self, shared: list[Any]) -> tuple[tuple[Parameter, ...], list[Any]]:
        """_merged of one path's own parameters, once for all of its methods."""
        if self.last_shared is None or self.last_shared[0] is not shared:
            self.last_shared = (shared, self._merged(shared))
        return self.last_shared[1]

    def _responses(self, value: Any, where: str) -> dict[str, Mapping[str, Any]]:
        responses = dict(expect_object(value, f"{where}.responses"))
        if not all(map(isinstance, responses, repeat(str))):  # YAML turns 200 into an int
            responses = {str(k): v for k, v in responses.items()}
        for status, response in responses.items():
            if type(response) is not dict:
                expect_object(response, f"{where}.responses.{status}")
        return responses

    def _parameters(self, value: Any, where: str) -> list[Any]:
        out = []
        for i, raw in enumerate(expect_list(value, where)):
            ref = raw.get("$ref") if type(raw) is dict or isinstance(raw, Mapping) else None
            if isinstance(ref, str):
                cached = self.by_ref.get(ref)
                if cached is None:
                    at = f"{where}[{i}]"
                    cached = self._parameter(expect_object(self.doc.resolve(raw, at), ref), ref)
                    self.by_ref[ref] = cached
                out.append(cached)
            else:
                at = f"{where}[{i}]"
                out.append(self._parameter(expect_object(raw, at), at))
        return out

    def _parameter(
        self, p: Mapping[str, Any], at: str
    ) -> Parameter | tuple[str, Mapping[str, Any]]:
        name = p.get("name")
        if not isinstance(name, str):
            raise OpenAPIError(f"expected a string, got {node_kind(name)}", f"{at}.name")
        location = p.get("in")
        if self.v2 and location in ("body", "formData"):
            return (location, p)  # becomes (part of) the request body
        if location not in LOCATIONS:
            raise OpenAPIError(
                f"expected one of {', '.join(LOCATIONS)}, got {location!r}", f"{at}.in"
            )
        if self.v2:
            schema: Any = {k: p[k] for k in _V2_SCHEMA_KEYS if k in p}
        elif "schema" in p:
            schema = expect_object(p["schema"], f"{at}.schema")
        else:  # a parameter described by `content` instead of `schema`
            media = expect_object(p.get("content", {}), f"{at}.content")
            schema = next((m.get("schema", {}) for m in media.values()), {})
        example = p.get("example")
        if example is None and isinstance(p.get("examples"), Mapping) and p["examples"]:
            first = self.doc.resolve(next(iter(p["examples"].values())), f"{at}.examples")
            example = first.get("value") if isinstance(first, Mapping) else None
        return Parameter(
            name=name,
            location=cast(Location, location),
            required=location == "path" or bool_field(p, "required", at),
            schema=schema,
            description=string_field(p, "description", at),
            deprecated=bool_field(p, "deprecated", at),
            example=example,
        )

    def _body(self, value: Any, where: str) -> RequestBody | None:
        if value is None:
            return None
        body = expect_object(self.doc.resolve(expect_object(value, where), where), where)
        content = expect_object(body.get("content", {}), f"{where}.content")
        schemas = {}
        for ctype, media in content.items():
            schemas[ctype] = expect_object(media, f"{where}.content.{ctype}").get("schema", {})
        return RequestBody(
            required=bool_field(body, "required", where),
            content_types=tuple(content),
            schemas=schemas,
            description=string_field(body, "description", where),
            content=content,
        )

    def _security(self, value: Any, where: str) -> tuple[Mapping[str, list[str]], ...]:
        items = expect_list(value, where)
        for i, requirement in enumerate(items):
            expect_object(requirement, f"{where}[{i}]")
        return tuple(items)

    # -- Swagger 2.0: request bodies and responses in the 3.x shape

    def _media(self, node: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
        if key not in node:
            return None
        value = expect_list(node[key], f"{where}.{key}")
        return tuple(str(v) for v in value)

    def _body_v2(self, op: Mapping[str, Any], parts: list[Any], where: str) -> RequestBody | None:
        if not parts:
            return None
        consumes = self._media(op, "consumes", where) or self.consumes
        body = next((p for kind, p in parts if kind == "body"), None)
        if body is not None:
            types = consumes or ("application/json",)
            schema = body.get("schema", {})
            return RequestBody(
                required=bool(body.get("required", False)),
                content_types=types,
                schemas={t: schema for t in types},
                description=string_field(body, "description", where),
                content={t: {"schema": schema} for t in types},
            )
        fields = [p for kind, p in parts if kind == "formData"]
        has_file = any(p.get("type") == "file" for p in fields)
        default = "multipart/form-data" if has_file else "application/x-www-form-urlencoded"
        types = consumes or (default,)
        form = {
            "type": "object",
            "properties": {p["name"]: {k: p[k] for k in _V2_SCHEMA_KEYS if k in p} for p in fields},
            "required": [p["name"] for p in fields if p.get("required")],
        }
        return RequestBody(
            required=any(p.get("required") for p in fields),
            content_types=types,
            schemas={t: form for t in types},
            content={t: {"schema": form} for t in types},
        )

    def _responses_v2(self, op: Mapping[str, Any], where: str) -> dict[str, Mapping[str, Any]]:
        produces = self._media(op, "produces", where) or self.produces or ("application/json",)
        out: dict[str, Mapping[str, Any]] = {}
        for status, value in expect_object(op.get("responses", {}), f"{where}.responses").items():
            at = f"{where}.responses.{status}"
            response = expect_object(self.doc.resolve(expect_object(value, at), at), at)
            converted = {k: v for k, v in response.items() if k not in ("schema", "examples")}
            if "schema" in response:
                converted["content"] = {t: {"schema": response["schema"]} for t in produces}
            out[str(status)] = converted
        return out
