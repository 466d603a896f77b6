"""Deterministic example values from OpenAPI schemas (request bodies, parameters).

Recursion is bounded twice: ``max_depth`` counts object/array levels, and a guard on
nested calls ends chains that add no level (``allOf``/``oneOf`` through thousands of
distinct ``$ref``s) with None instead of a RecursionError.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from asgideck.runtime.openapi._model import Document, RequestBody

__all__ = ["body_example", "example_for"]

#: Nested value/merge calls before a branch ends in None (a few frames each: well
#: inside Python's default recursion limit of 1000, also from a deep caller).
_MAX_CALLS = 50

_FORMATS: dict[str, Any] = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "duration": "P1D",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "/",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "c3RyaW5n",
    "binary": "",
    "password": "********",
}


def example_for(
    doc: Document, schema: Mapping[str, Any], *, max_depth: int = 8, max_values: int = 20_000
) -> Any:
    """A deterministic example value for ``schema``; recursion ends with None at the cycle.

    Objects list required properties first, arrays hold one item. ``max_values`` caps the
    output (values past it are None) so a wide schema graph cannot freeze a view.
    """
    try:
        return _Examples(doc, max_depth, max_values).value(schema, 0, ())
    except RecursionError:  # an example value nested near the limit, copied from a deep caller
        return None


class _Examples:
    def __init__(self, doc: Document, max_depth: int, max_values: int) -> None:
        self.doc = doc
        self.max_depth = max_depth
        self.budget = max_values
        self.calls = 0  # nested value/_merge calls right now

    def value(self, schema: Any, depth: int, refs: tuple[str, ...]) -> Any:
        if self.calls >= _MAX_CALLS:
            return None
        self.calls += 1
        try:
            return self._value(schema, depth, refs)
        finally:
            self.calls -= 1

    def _value(self, schema: Any, depth: int, refs: tuple[str, ...]) -> Any:
        schema, refs = self._deref(schema, refs)
        self.budget -= 1
        if schema is None or self.budget < 0:
            return None
        for key in ("example", "default", "const"):
            if key in schema:
                return copy.deepcopy(schema[key])
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            return copy.deepcopy(examples[0])
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return copy.deepcopy(next((e for e in enum if e is not None), None))
        if depth > self.max_depth:
            return None
        if "allOf" in schema:
            return self.value(self._merge(schema, refs), depth, refs)
        for key in ("oneOf", "anyOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                pick = next((o for o in options if not _is_null(o)), options[0])
                return self.value(pick, depth, refs)
        kind = _type_of(schema)
        if kind == "object":
            return self._object(schema, depth, refs)
        if kind == "array":
            items = schema.get("prefixItems")
            if isinstance(items, list):
                return [self.value(s, depth + 1, refs) for s in items]
            item = self.value(schema.get("items", {}), depth + 1, refs)
            return [] if item is None else [item]
        if kind == "string":
            return _string(schema)
        if kind in ("integer", "number"):
            return _number(schema, kind)
        if kind == "boolean":
            return True
        return None

    def _deref(
        self, schema: Any, refs: tuple[str, ...]
    ) -> tuple[Mapping[str, Any] | None, tuple[str, ...]]:
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref in refs:
                return None, refs  # the cycle ends here
            target = self.doc.resolve_ref(ref)
            refs = (*refs, ref)
            if len(schema) > 1 and isinstance(target, Mapping):
                target = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            schema = target
        return (schema if isinstance(schema, Mapping) else None), refs

    def _merge(self, schema: Mapping[str, Any], refs: tuple[str, ...]) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        props = dict(_props(merged))
        required = _required(merged)
        parts = schema["allOf"] if isinstance(schema["allOf"], list) else []
        for raw in parts:
            part, part_refs = self._deref(raw, refs)
            if part is None:
                continue
            if "allOf" in part:
                if self.calls >= _MAX_CALLS:
                    continue
                self.calls += 1
                try:
                    part = self._merge(part, part_refs)
                finally:
                    self.calls -= 1
            for key, value in part.items():
                merged.setdefault(key, value)
            props.update((k, v) for k, v in _props(part).items() if k not in props)
            required += [r for r in _required(part) if r not in required]
        if props:
            merged["properties"], merged["required"] = props, required
            merged.setdefault("type", "object")
        return merged

    def _object(self, schema: Mapping[str, Any], depth: int, refs: tuple[str, ...]) -> Any:
        props = _props(schema)
        required = [r for r in _required(schema) if r in props]
        order = [*required, *(k for k in props if k not in required)]
        out = {name: self.value(props[name], depth + 1, refs) for name in order}
        extra = schema.get("additionalProperties")
        if not props and isinstance(extra, Mapping):
            out["additionalProp1"] = self.value(extra, depth + 1, refs)
        return out


def _props(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    props = schema.get("properties")
    return props if isinstance(props, Mapping) else {}


def _required(schema: Mapping[str, Any]) -> list[str]:
    names = schema.get("required")
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _is_null(schema: Any) -> bool:
    return isinstance(schema, Mapping) and schema.get("type") == "null"


def _type_of(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):  # 3.1: ["string", "null"]
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return None


def _bound(schema: Mapping[str, Any], key: str) -> float | None:
    value = schema.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _number(schema: Mapping[str, Any], kind: str) -> int | float:
    """0, moved inside the bounds (3.0 boolean and 3.1 numeric exclusive bounds)."""
    low, high = _bound(schema, "minimum"), _bound(schema, "maximum")
    xlow, xhigh = _bound(schema, "exclusiveMinimum"), _bound(schema, "exclusiveMaximum")
    value = 0.0
    if low is not None:
        value = low + 1 if schema.get("exclusiveMinimum") is True else low
    elif xlow is not None:
        value = xlow + 1
    elif high is not None and high < 0:
        value = high - 1 if schema.get("exclusiveMaximum") is True else high
    elif xhigh is not None and xhigh <= 0:
        value = xhigh - 1
    return int(value) if kind == "integer" else value


def _string(schema: Mapping[str, Any]) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        return str(_FORMATS[fmt])
    text = "string"
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(low, int) and low > len(text):
        text += "x" * (low - len(text))
    if isinstance(high, int) and high < len(text):
        text = text[:high]
    return text


def body_example(doc: Document, body: RequestBody, content_type: str | None = None) -> Any:
    """The example for one content type: the media type's own example, else from its schema."""
    ctype = content_type or next(iter(body.content_types), None)
    if ctype is None:
        return None
    media = body.content.get(ctype, {})
    try:
        if "example" in media:
            return copy.deepcopy(media["example"])
        examples = media.get("examples")
        if isinstance(examples, Mapping) and examples:
            first = doc.resolve(next(iter(examples.values())))
            if isinstance(first, Mapping) and "value" in first:
                return copy.deepcopy(first["value"])
    except RecursionError:  # see example_for
        return None
    return example_for(doc, body.schemas.get(ctype, {}))
