"""What changed between two OpenAPI documents (before and after a reload), for a client.

Pure and on raw dicts (``Document.raw``), OpenAPI 3.0 and 3.1 alike. Operations are
matched by (method, path): a renamed path is one removed and one added operation.
Parameters are matched by (name, in); request bodies and 2xx response bodies are
compared field by field through local ``$ref``s, ``allOf``, arrays and the
``anyOf: [X, {"type": "null"}]`` FastAPI emits for an optional value.

Breaking is judged from a client's side, per direction:

- request (what the client sends): a new required parameter or body field, an optional
  one made required, a type that accepts less than before;
- response (what the client reads): a removed field, a type that may now hold
  something it did not (``null`` included);
- a removed operation; a success status that is no longer returned.

Anything else that differs (a new optional parameter, a new response field, a removed
request field, a widened request type) is reported as a non-breaking change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote

__all__ = ["ApiChanges", "ChangeDetail", "OperationChange", "diff_documents"]

ChangeKind = Literal["added", "removed", "changed"]
_Direction = Literal["request", "response"]
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_BASIC = ("object", "array", "string", "integer", "number", "boolean", "null")
#: how deep a schema is followed (fields of fields of ...); deeper differences go unseen
_MAX_NESTING = 32
#: how many differences one schema comparison keeps (breaking and shallow ones first):
#: a change deep in a graph of named schemas is reachable along many paths, and each
#: schema that reaches it would otherwise list every one of them
_MAX_DETAILS = 20
#: how many pairs of named schemas one comparison walks through (shortest paths first)
_MAX_WALK = 500
#: how many details one operation's line names before "(and N more)"
_DESCRIBE_ITEMS = 3
#: how many operations the one-line summary names before "and N more"
_SUMMARY_ITEMS = 4


@dataclass(frozen=True)
class ChangeDetail:
    """One difference inside an operation, e.g. "new required query parameter 'limit'"."""

    text: str
    breaking: bool = False


@dataclass(frozen=True)
class OperationChange:
    """An operation added, removed or changed (``details`` say how)."""

    kind: ChangeKind
    method: str  # upper case, as shown
    path: str
    details: tuple[ChangeDetail, ...] = ()

    @property
    def breaking(self) -> bool:
        return self.kind == "removed" or any(d.breaking for d in self.details)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def describe(self) -> str:
        """One line: what happened to this operation (breaking details first)."""
        if self.kind != "changed":
            return f"{self.label} {self.kind}"
        shown = [d.text for d in self.details if d.breaking] or [d.text for d in self.details]
        more = len(shown) - _DESCRIBE_ITEMS
        rest = f" (and {more} more)" if more > 0 else ""
        return f"{self.label}: {', '.join(shown[:_DESCRIBE_ITEMS])}{rest}"


@dataclass(frozen=True)
class ApiChanges:
    """Every operation that differs between two documents, each group in document order."""

    added: tuple[OperationChange, ...] = ()
    removed: tuple[OperationChange, ...] = ()
    changed: tuple[OperationChange, ...] = ()
    #: about the document itself (its ``info.version`` changed); never breaking
    notes: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    @property
    def operations(self) -> tuple[OperationChange, ...]:
        """All of them, breaking ones first (then removed, changed, added)."""
        every = (*self.removed, *self.changed, *self.added)
        return tuple(sorted(every, key=lambda c: not c.breaking))

    @property
    def breaking(self) -> tuple[OperationChange, ...]:
        return tuple(c for c in self.operations if c.breaking)

    def counts(self) -> str:
        """ "1 added, 2 changed" (empty string when nothing changed)."""
        parts = [(len(self.added), "added"), (len(self.removed), "removed")]
        parts.append((len(self.changed), "changed"))
        return ", ".join(f"{n} {word}" for n, word in parts if n)

    def summary(self) -> str:
        """One line: the counts, then the breaking changes named (or what changed)."""
        if self.empty:
            return "no operation changed"
        breaking = self.breaking
        if breaking:
            head = f"{self.counts()}; {len(breaking)} breaking: "
            items = [c.describe() for c in breaking]
        else:
            head = f"{self.counts()}, none breaking: "
            items = [c.describe() for c in self.operations]
        more = len(items) - _SUMMARY_ITEMS
        text = "; ".join(items[:_SUMMARY_ITEMS])
        return head + text + (f"; and {more} more" if more > 0 else "")


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> ApiChanges:
    """The operations ``new`` adds, removes and changes compared with ``old``."""
    if old == new:
        return ApiChanges()
    before, after = _operations(old), _operations(new)
    differ = _Differ(old, new)
    added = [OperationChange("added", m.upper(), p) for (m, p) in after if (m, p) not in before]
    removed = [OperationChange("removed", m.upper(), p) for (m, p) in before if (m, p) not in after]
    changed: list[OperationChange] = []
    for key, (op_old, params_old) in before.items():
        if key not in after:
            continue
        op_new, params_new = after[key]
        details = differ.operation(op_old, params_old, op_new, params_new)
        if details:
            changed.append(OperationChange("changed", key[0].upper(), key[1], tuple(details)))
    notes = []
    old_info, new_info = _mapping(old.get("info")), _mapping(new.get("info"))
    if old_info.get("version") != new_info.get("version"):
        notes.append(f"version {old_info.get('version')} -> {new_info.get('version')}")
    return ApiChanges(tuple(added), tuple(removed), tuple(changed), tuple(notes))


# --------------------------------------------------------------------------- walking


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


_Operations = dict[tuple[str, str], tuple[Mapping[str, Any], list[Any]]]


def _operations(doc: Mapping[str, Any]) -> _Operations:
    """(method, path) -> (operation, path-level parameters), in document order."""
    out: _Operations = {}
    for path, item in _mapping(doc.get("paths")).items():
        item = _resolve(doc, item)
        if not isinstance(item, Mapping):
            continue
        shared = item.get("parameters")
        shared = shared if isinstance(shared, list) else []
        for method in _METHODS:
            op = item.get(method)
            if isinstance(op, Mapping):
                out[(method, str(path))] = (op, shared)
    return out


def _resolve(root: Mapping[str, Any], node: Any) -> Any:
    """``node``, or what its local ``$ref`` points at (chains followed; a broken or
    cyclic reference gives ``{}``). 3.1 keys beside ``$ref`` are kept over the target's."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#"):
            return {}
        seen.add(ref)
        target: Any = root
        for token in unquote(ref[1:]).split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and key in target:
                target = target[key]
            else:
                return {}
        if len(node) > 1 and isinstance(target, Mapping):
            target = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        node = target
    return node


def _ref_of(node: Any) -> str | None:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    return ref if isinstance(ref, str) else None


class _Differ:
    """The two documents, and the comparisons of named schemas done so far (cached by
    the pair of ``$ref``s and the direction: a big document repeats them a lot)."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old = old
        self.new = new
        self._done: dict[tuple[str, str, str], _Local] = {}
        self._verdict: dict[tuple[str, str, str], bool] = {}  # (refs, direction) -> clean
        self._walks: dict[tuple[str, str, str], list[_Found]] = {}

    # -- one operation

    def operation(
        self,
        op_old: Mapping[str, Any],
        shared_old: list[Any],
        op_new: Mapping[str, Any],
        shared_new: list[Any],
    ) -> list[ChangeDetail]:
        details = self._parameters(
            self._params(self.old, op_old, shared_old), self._params(self.new, op_new, shared_new)
        )
        details += self._body(op_old.get("requestBody"), op_new.get("requestBody"))
        details += self._responses(
            _mapping(op_old.get("responses")), _mapping(op_new.get("responses"))
        )
        if op_new.get("deprecated") is True and op_old.get("deprecated") is not True:
            details.append(ChangeDetail("now deprecated"))
        return sorted(details, key=lambda d: not d.breaking)

    # -- parameters

    @staticmethod
    def _params(
        root: Mapping[str, Any], op: Mapping[str, Any], shared: list[Any]
    ) -> dict[tuple[str, str], Mapping[str, Any]]:
        out: dict[tuple[str, str], Mapping[str, Any]] = {}
        own = op.get("parameters")
        for raw in [*shared, *(own if isinstance(own, list) else [])]:  # the operation's win
            param = _resolve(root, raw)
            if isinstance(param, Mapping) and isinstance(param.get("name"), str):
                where = param.get("in")
                if where in ("path", "query", "header", "cookie"):
                    out[(param["name"], where)] = param
        return out

    def _parameters(
        self,
        old: dict[tuple[str, str], Mapping[str, Any]],
        new: dict[tuple[str, str], Mapping[str, Any]],
    ) -> list[ChangeDetail]:
        details: list[ChangeDetail] = []
        for (name, where), param in new.items():
            required = param.get("required") is True or where == "path"
            before = old.get((name, where))
            label = f"{where} parameter {name!r}"
            if before is None:
                kind = "required" if required else "optional"
                details.append(ChangeDetail(f"new {kind} {label}", breaking=required))
                continue
            was_required = before.get("required") is True or where == "path"
            if required and not was_required:
                details.append(ChangeDetail(f"{label} is now required", breaking=True))
            elif was_required and not required:
                details.append(ChangeDetail(f"{label} is now optional"))
            for sub, text, breaking in self._schema(
                before.get("schema"), param.get("schema"), "request"
            ):
                where_text = f"{label}{sub}" if sub else label
                details.append(ChangeDetail(f"{where_text}: {text}", breaking))
        for name, where in old:
            if (name, where) not in new:
                details.append(ChangeDetail(f"{where} parameter {name!r} removed"))
        return details

    # -- request body

    def _body(self, old_raw: Any, new_raw: Any) -> list[ChangeDetail]:
        old, new = _resolve(self.old, old_raw), _resolve(self.new, new_raw)
        old = old if isinstance(old, Mapping) else None
        new = new if isinstance(new, Mapping) else None
        if old is None and new is None:
            return []
        if old is None:
            assert new is not None
            required = new.get("required") is True
            kind = "required" if required else "optional"
            return [ChangeDetail(f"new {kind} request body", breaking=required)]
        if new is None:
            return [ChangeDetail("request body removed")]
        details: list[ChangeDetail] = []
        if new.get("required") is True and old.get("required") is not True:
            details.append(ChangeDetail("request body is now required", breaking=True))
        elif old.get("required") is True and new.get("required") is not True:
            details.append(ChangeDetail("request body is now optional"))
        old_type, old_schema = _media(old)
        new_type, new_schema = _media(new)
        if old_type != new_type:
            text = f"request body: content type {old_type or 'none'} -> {new_type or 'none'}"
            details.append(ChangeDetail(text, breaking=True))
        else:
            for sub, text, breaking in self._schema(old_schema, new_schema, "request"):
                where = f"body field {sub.lstrip('.')!r}" if sub else "request body"
                details.append(ChangeDetail(f"{where}: {text}", breaking))
        return details

    # -- responses

    def _responses(
        self, old_raw: Mapping[str, Any], new_raw: Mapping[str, Any]
    ) -> list[ChangeDetail]:
        old = {str(code): value for code, value in old_raw.items()}  # YAML: codes may be ints
        new = {str(code): value for code, value in new_raw.items()}
        old_ok = [code for code in old if code.startswith("2")]
        new_ok = [code for code in new if code.startswith("2")]
        details: list[ChangeDetail] = []
        for code in old_ok:
            if code not in new:
                instead = ", ".join(new_ok) or "none"
                text = f"response {code} no longer returned (success: {instead})"
                details.append(ChangeDetail(text, breaking=True))
                continue
            before, after = _resolve(self.old, old[code]), _resolve(self.new, new[code])
            _, old_schema = _media(_mapping(before))
            _, new_schema = _media(_mapping(after))
            if _is_any(self.new, new_schema):
                if not _is_any(self.old, old_schema):
                    details.append(ChangeDetail(f"response {code}: no longer described"))
                continue
            for sub, text, breaking in self._schema(old_schema, new_schema, "response"):
                where = f"response {code} field {sub.lstrip('.')!r}" if sub else f"response {code}"
                details.append(ChangeDetail(f"{where}: {text}", breaking))
        for code in new_ok:
            if code not in old:
                details.append(ChangeDetail(f"new response {code}"))
        return details

    # -- schemas

    def _schema(self, old_raw: Any, new_raw: Any, direction: _Direction) -> list[_Found]:
        """(".field.sub" or "", what changed, breaking) for two schemas.

        A breadth-first walk over the pairs of named schemas (``$ref``) the two reach
        side by side: each pair's own differences are worked out once per document and
        reported at the shortest path that reaches them; pairs whose whole reach is
        unchanged are skipped; a walk from a pair of named schemas is remembered (a
        big document uses the same few as bodies and responses again and again).
        """
        old_ref, new_ref = _ref_of(old_raw), _ref_of(new_raw)
        if old_ref is not None and new_ref is not None:
            return self._walk((old_ref, new_ref), old_raw, new_raw, direction)
        found, edges = self._local(old_raw, new_raw, direction, 0)
        out = list(found)
        firsts: dict[tuple[str, str], str] = {}
        for sub, old_child, new_child in edges:
            pair = (_ref_of(old_child) or "", _ref_of(new_child) or "")
            if pair in firsts or self._clean(pair, old_child, new_child, direction):
                continue
            firsts[pair] = sub
            walked = self._walk(pair, old_child, new_child, direction)
            out += [(sub + where, text, breaking) for where, text, breaking in walked]
        return _trim(out)

    def _walk(
        self, pair: tuple[str, str], old_raw: Any, new_raw: Any, direction: _Direction
    ) -> list[_Found]:
        key = (*pair, direction)
        if key in self._walks:
            return self._walks[key]
        out: list[_Found] = []
        seen: set[tuple[str, str]] = {pair}
        queue: deque[tuple[str, Any, Any]] = deque([("", old_raw, new_raw)])
        while queue and len(out) < _MAX_DETAILS and len(seen) < _MAX_WALK:
            prefix, old, new = queue.popleft()
            found, edges = self._local_cached(old, new, direction)
            out += [(prefix + sub, text, breaking) for sub, text, breaking in found]
            for sub, old_child, new_child in edges:
                child = (_ref_of(old_child) or "", _ref_of(new_child) or "")
                if child not in seen and not self._clean(child, old_child, new_child, direction):
                    seen.add(child)
                    queue.append((prefix + sub, old_child, new_child))
        self._walks[key] = result = _trim(out)
        return result

    def _clean(
        self, pair: tuple[str, str], old_raw: Any, new_raw: Any, direction: _Direction
    ) -> bool:
        """No difference anywhere a pair of named schemas reaches (remembered: a clean
        pair's whole reach is clean; a pair that reaches a dirty one is dirty)."""
        key = (*pair, direction)
        if key in self._verdict:
            return self._verdict[key]
        seen = {key}
        stack = [(old_raw, new_raw)]
        while stack:
            found, edges = self._local_cached(*stack.pop(), direction)
            if found:
                self._verdict[key] = False
                return False
            for _sub, old_child, new_child in edges:
                child = (_ref_of(old_child) or "", _ref_of(new_child) or "", direction)
                if self._verdict.get(child) is False:
                    self._verdict[key] = False
                    return False
                if child not in seen and child not in self._verdict:
                    seen.add(child)
                    stack.append((old_child, new_child))
        for each in seen:
            self._verdict[each] = True
        return True

    def _local_cached(self, old_raw: Any, new_raw: Any, direction: _Direction) -> _Local:
        old_ref, new_ref = _ref_of(old_raw), _ref_of(new_raw)
        if old_ref is None or new_ref is None:
            return self._local(old_raw, new_raw, direction, 0)
        key = (old_ref, new_ref, direction)
        if key not in self._done:
            self._done[key] = self._local(old_raw, new_raw, direction, 0)
        return self._done[key]

    def _local(self, old_raw: Any, new_raw: Any, direction: _Direction, depth: int) -> _Local:
        """The differences of two schemas down to the next pair of ``$ref``s (the edges
        the walk follows), inline sub-schemas included."""
        found: list[_Found] = []
        edges: list[tuple[str, Any, Any]] = []
        if depth > _MAX_NESTING:
            return found, edges
        old = _flatten(self.old, old_raw)
        new = _flatten(self.new, new_raw)
        old_types, new_types = _types(self.old, old), _types(self.new, new)
        if old_types and new_types and old_types != new_types:
            if direction == "request":
                breaking = not new_types >= old_types  # the server accepts less than before
            else:
                breaking = not new_types <= old_types  # the client may get something new
            found.append(("", f"type {_label(old_types)} -> {_label(new_types)}", breaking))
        found += _enum_changes(old, new, direction)

        def child(sub: str, old_child: Any, new_child: Any, inside: bool) -> None:
            if _ref_of(old_child) is not None and _ref_of(new_child) is not None:
                edges.append((sub, old_child, new_child))
            elif inside:
                more, further = self._local(old_child, new_child, direction, depth + 1)
                found.extend((sub + s, t, b) for s, t, b in more)
                edges.extend((sub + s, o, n) for s, o, n in further)

        old_obj, new_obj = _object_part(self.old, old), _object_part(self.new, new)
        if old_obj is not None and new_obj is not None:
            if old_obj is old and new_obj is new:  # the object is this schema itself
                for sub, old_child, new_child, diff in self._fields(old, new, direction):
                    if diff is not None:
                        found.append((sub, *diff))
                    else:
                        child(sub, old_child, new_child, True)
            else:  # `X | None`: X is compared as a schema of its own
                child("", old_obj, new_obj, True)
        old_items, new_items = _array_items(self.old, old), _array_items(self.new, new)
        if old_items is not None and new_items is not None:
            child("[]", old_items, new_items, True)
        return found, edges

    def _fields(
        self, old: Mapping[str, Any], new: Mapping[str, Any], direction: _Direction
    ) -> Iterator[tuple[str, Any, Any, tuple[str, bool] | None]]:
        """Per property: (".name", old, new, None) to compare further, or a difference."""
        old_props, new_props = _mapping(old.get("properties")), _mapping(new.get("properties"))
        old_req, new_req = _required(old), _required(new)
        for name, schema in new_props.items():
            where = f".{name}"
            if name not in old_props:
                if direction == "request":
                    required = name in new_req
                    kind = "required" if required else "optional"
                    yield where, None, None, (f"new {kind} field", required)
                else:
                    yield where, None, None, ("new field", False)
                continue
            if direction == "request" and name in new_req and name not in old_req:
                yield where, None, None, ("now required", True)
            elif direction == "response" and name in old_req and name not in new_req:
                yield where, None, None, ("no longer always present", True)
            yield where, old_props[name], schema, None
        for name in old_props:
            if name not in new_props:
                yield f".{name}", None, None, ("removed", direction == "response")


_Found = tuple[str, str, bool]
_Local = tuple[list[_Found], list[tuple[str, Any, Any]]]


def _trim(found: list[_Found]) -> list[_Found]:
    """At most ``_MAX_DETAILS`` differences: breaking first, then the shallowest."""
    if len(found) <= _MAX_DETAILS:
        return found
    ranked = sorted(found, key=lambda f: (not f[2], f[0].count(".") + f[0].count("[]")))
    return ranked[:_MAX_DETAILS]


def _media(body: Mapping[str, Any]) -> tuple[str | None, Any]:
    """(content type, schema) of a body or response: JSON first, else the first one."""
    content = _mapping(body.get("content"))
    if not content:
        return None, None
    chosen = next((t for t in content if "json" in str(t)), next(iter(content)))
    return str(chosen), _mapping(content[chosen]).get("schema")


def _flatten(root: Mapping[str, Any], node: Any, depth: int = 0) -> Mapping[str, Any]:
    """The schema with its ``$ref`` followed and an ``allOf`` merged into one."""
    node = _resolve(root, node)
    if not isinstance(node, Mapping):
        return {}
    parts = node.get("allOf")
    if not isinstance(parts, list) or not parts or depth > _MAX_NESTING:
        return node
    merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
    props: dict[str, Any] = dict(_mapping(merged.get("properties")))
    required: list[Any] = list(_required(merged))
    for part in parts:
        flat = _flatten(root, part, depth + 1)
        for key, value in flat.items():
            if key not in ("properties", "required"):
                merged.setdefault(key, value)
        props.update(_mapping(flat.get("properties")))
        required += [r for r in _required(flat) if r not in required]
    if props:
        merged["properties"] = props
    if required:
        merged["required"] = required
    return merged


def _required(schema: Mapping[str, Any]) -> list[Any]:
    value = schema.get("required")
    return value if isinstance(value, list) else []


def _variants(
    root: Mapping[str, Any], node: Any, depth: int = 0
) -> Iterator[tuple[Any, Mapping[str, Any]]]:
    """(as written, flattened) for each alternative of an ``anyOf``/``oneOf``, or the
    schema itself; "as written" keeps a ``$ref`` so recursion through it can be cut."""
    flat = _flatten(root, node)
    for key in ("anyOf", "oneOf"):
        options = flat.get(key)
        if isinstance(options, list) and options and depth <= _MAX_NESTING:
            for option in options:
                yield from _variants(root, option, depth + 1)
            return
    yield node, flat


def _own_types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    names = {k for k in kinds if k in _BASIC}
    if not names:
        if "properties" in schema:
            names = {"object"}
        elif "items" in schema:
            names = {"array"}
        else:
            values = schema["enum"] if isinstance(schema.get("enum"), list) else []
            if "const" in schema:
                values = [schema["const"]]
            names = {_json_type(v) for v in values}
    if names and schema.get("nullable") is True:  # 3.0
        names.add("null")
    return names


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {"str": "string", "list": "array", "dict": "object"}.get(type(value).__name__, "string")


def _types(root: Mapping[str, Any], schema: Any) -> frozenset[str]:
    """The basic JSON types a schema admits; empty when it says nothing (any value)."""
    found: set[str] = set()
    for _raw, flat in _variants(root, schema):
        names = _own_types(flat)
        if not names:
            return frozenset()  # one alternative admits anything: so does the whole
        found |= names
    return frozenset(found)


def _label(types: frozenset[str]) -> str:
    return " | ".join(t for t in _BASIC if t in types)


def _non_null(root: Mapping[str, Any], schema: Any) -> list[tuple[Any, Mapping[str, Any]]]:
    return [(raw, flat) for raw, flat in _variants(root, schema) if _own_types(flat) != {"null"}]


def _object_part(root: Mapping[str, Any], schema: Any) -> Any:
    """The one object alternative of a schema (``X | None`` counts) as written, else None."""
    options = [raw for raw, flat in _non_null(root, schema) if "object" in _own_types(flat)]
    return options[0] if len(options) == 1 else None


def _array_items(root: Mapping[str, Any], schema: Any) -> Any:
    options = [flat for _raw, flat in _non_null(root, schema) if "array" in _own_types(flat)]
    return options[0].get("items", {}) if len(options) == 1 else None


def _is_any(root: Mapping[str, Any], schema: Any) -> bool:
    flat = _flatten(root, schema)
    return not _types(root, flat) and not flat.get("properties")


def _enum_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], direction: _Direction
) -> list[tuple[str, str, bool]]:
    before, after = old.get("enum"), new.get("enum")
    if not isinstance(before, list) or not isinstance(after, list):
        return []
    out: list[tuple[str, str, bool]] = []
    gone = [v for v in before if v not in after]
    came = [v for v in after if v not in before]
    if gone:
        out.append(("", "value(s) removed: " + ", ".join(map(repr, gone)), direction == "request"))
    if came:
        out.append(("", "value(s) added: " + ", ".join(map(repr, came)), direction == "response"))
    return out
