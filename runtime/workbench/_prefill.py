"""A :class:`~asgideck.runtime.workbench.Draft` prefilled from an OpenAPI operation.

Parameters get their own example or default (never an invented value) and their
required marks; the body gets an example generated from its schema; the route's
security requirements say which schemes the Authorize dialog should offer first.
Broken ``$ref``s leave a row empty rather than failing the composer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from asgideck.runtime.client import BodyKind
from asgideck.runtime.openapi import Document, Operation, Parameter, body_example
from asgideck.runtime.workbench._model import Draft, Field, path_placeholders

__all__ = ["body_kind_for", "draft_from_operation", "resolve_mapping"]

# Headers OpenAPI says are described elsewhere (auth schemes, body, Accept): never prefilled.
_IGNORED_HEADERS = {"authorization", "accept", "content-type"}


def _text(value: Any) -> str:
    """A parameter value as the composer shows it (JSON spelling for non-strings)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _explicit_value(doc: Document | None, param: Parameter) -> Any:
    """The parameter's own example or default; never an invented placeholder value."""
    if param.example is not None:
        return param.example
    schema = resolve_mapping(doc, param.schema)
    candidates = [schema]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list):
            candidates += [resolve_mapping(doc, option) for option in options]
    for node in candidates:
        for key in ("example", "default"):
            if node.get(key) is not None:
                return node[key]
        examples = node.get("examples")
        if isinstance(examples, list) and examples:
            return examples[0]
    return None


def resolve_mapping(doc: Document | None, node: Any) -> Mapping[str, Any]:
    """``node`` with its ``$ref`` followed, as a mapping ({} when broken or not a mapping)."""
    if doc is not None:
        try:
            node = doc.resolve(node)
        except Exception:  # a broken $ref leaves the row empty, never the composer
            return {}
    return node if isinstance(node, Mapping) else {}


def _param_rows(doc: Document | None, params: Iterable[Parameter]) -> list[Field]:
    rows: list[Field] = []
    for param in params:
        value = _explicit_value(doc, param)
        values = value if isinstance(value, list) and value else [value]
        for item in values:
            rows.append(
                Field(
                    name=param.name,
                    value=_text(item),
                    # Optional parameters are listed (with their default) but left unticked:
                    # the server applies its own default when they are not sent.
                    enabled=param.required,
                    required=param.required,
                    description=param.description or _schema_summary(doc, param.schema),
                )
            )
    return rows


def _schema_summary(doc: Document | None, schema: Any) -> str:
    node = resolve_mapping(doc, schema)
    kinds = [node.get("type")] + [
        resolve_mapping(doc, o).get("type") for o in node.get("anyOf", []) if isinstance(o, Mapping)
    ]
    shown = [str(k) for k in kinds if isinstance(k, str) and k != "null"]
    return " | ".join(dict.fromkeys(shown))


def body_kind_for(content_type: str) -> BodyKind:
    """How the composer edits a body of ``content_type``."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json" or mime.endswith("+json"):
        return "json"
    if mime == "application/x-www-form-urlencoded":
        return "form"
    if mime == "multipart/form-data":
        return "multipart"
    return "raw"


def _pick_content_type(types: Iterable[str]) -> str | None:
    listed = list(types)
    for wanted in ("json", "x-www-form-urlencoded", "multipart/form-data"):
        for ctype in listed:
            if wanted in ctype.lower():
                return ctype
    return listed[0] if listed else None


def draft_from_operation(doc: Document | None, op: Operation) -> Draft:
    """The composer prefilled from a route: params with defaults and required marks, a body
    example generated from the schema, and the security schemes the route accepts."""
    draft = Draft(method=op.method.upper(), path=op.path, title=op.summary or op.path)
    draft.path_params = _param_rows(doc, op.parameters_in("path"))
    for row in draft.path_params:
        row.enabled = row.required = True
    named = {row.name for row in draft.path_params}
    draft.path_params += [
        Field(n, required=True) for n in path_placeholders(op.path) if n not in named
    ]
    draft.query = _param_rows(doc, op.parameters_in("query"))
    draft.headers = _param_rows(
        doc, (p for p in op.parameters_in("header") if p.name.lower() not in _IGNORED_HEADERS)
    )
    draft.cookies = _param_rows(doc, op.parameters_in("cookie"))
    body = op.request_body
    if body is not None:
        ctype = _pick_content_type(body.content_types)
        draft.body_required = body.required
        if ctype is not None:
            kind = body_kind_for(ctype)
            draft.body_kind = kind
            example = body_example(doc, body, ctype) if doc is not None else None
            if kind == "json":
                draft.body_text = "" if example is None else json.dumps(example, indent=2)
            elif kind in ("form", "multipart"):
                draft.form = _form_rows(doc, body.schemas.get(ctype, {}), example)
            else:
                draft.content_type = ctype
                draft.body_text = example if isinstance(example, str) else ""
    names: list[str] = []
    optional = not op.security
    for requirement in op.security:
        if not requirement:
            optional = True
        names += [name for name in requirement if name not in names]
    draft.security = tuple(names)
    draft.auth_optional = optional
    return draft


def _form_rows(doc: Document | None, schema: Any, example: Any) -> list[Field]:
    node = resolve_mapping(doc, schema)
    props = node.get("properties")
    props = props if isinstance(props, Mapping) else {}
    listed = node.get("required")
    required: list[Any] = listed if isinstance(listed, list) else []
    values = example if isinstance(example, Mapping) else {}
    rows = []
    for name in dict.fromkeys([*props, *values]):
        prop = resolve_mapping(doc, props.get(name, {}))
        is_file = prop.get("format") == "binary" or (
            prop.get("type") == "array"
            and resolve_mapping(doc, prop.get("items")).get("format") == "binary"
        )
        value = "" if is_file else _text(values.get(name))
        rows.append(
            Field(
                name=str(name),
                value=value,
                enabled=name in required,
                required=name in required,
                description="a file: @path" if is_file else _schema_summary(doc, prop),
            )
        )
    return rows
