"""OpenAPI documents: load one from a file or URL, print its operations as JSON.

The model lives in ``_model``, parsing in ``_parse`` and example values in ``_examples``.
"""

from __future__ import annotations

from typing import Any

from asgideck.runtime.openapi._limits import DEADLINE, MAX_BYTES, MAX_DEPTH
from asgideck.runtime.openapi._model import (
    LOCATIONS,
    Document,
    OpenAPIError,
    RequestBody,
    expect_object,
)
from asgideck.runtime.openapi._parse import parse_bytes
from asgideck.runtime.openapi._read import is_url, read_source
from asgideck.runtime.secrets import mask_url_password, redact_url

__all__ = ["document_json", "load", "load_source", "operations_json"]


def operations_json(doc: Document) -> list[dict[str, Any]]:
    """One JSON-ready dict per operation: what ``asgideck inspect --openapi --json`` prints.

    Schemas are printed as written (``$ref`` kept); response ``$ref``s are followed.
    """
    out = []
    for op in doc.operations:
        params: dict[str, list[dict[str, Any]]] = {loc: [] for loc in LOCATIONS}
        for p in op.parameters:
            params[p.location].append(
                {
                    "name": p.name,
                    "required": p.required,
                    "schema": p.schema,
                    "description": p.description,
                    "deprecated": p.deprecated,
                    "example": p.example,
                }
            )
        body = op.request_body
        where = f"paths.{op.path}.{op.method.lower()}.responses"
        out.append(
            {
                "method": op.method,
                "path": op.path,
                "operation_id": op.operation_id,
                "tags": list(op.tags),
                "summary": op.summary,
                "description": op.description,
                "deprecated": op.deprecated,
                "parameters": params,
                "request_body": None if body is None else _body_json(body),
                "responses": {
                    status: _response_json(doc, value, f"{where}.{status}")
                    for status, value in op.responses.items()
                },
                "security": [dict(s) for s in op.security],
            }
        )
    return out


def document_json(doc: Document) -> dict[str, Any]:
    """The document's header fields plus :func:`operations_json`."""
    return {
        "openapi": doc.version,
        "title": doc.title,
        "version": doc.api_version,
        "servers": list(doc.servers),
        "security_schemes": dict(doc.security_schemes),
        "operations": operations_json(doc),
    }


def _body_json(body: RequestBody) -> dict[str, Any]:
    return {
        "required": body.required,
        "content_types": list(body.content_types),
        "schemas": dict(body.schemas),
    }


def _response_json(doc: Document, value: Any, where: str) -> dict[str, Any]:
    response = expect_object(doc.resolve(value, where), where)
    content = expect_object(response.get("content") or {}, f"{where}.content")
    return {
        "description": response.get("description", ""),
        "content_types": list(content),
        "schemas": {
            t: expect_object(m, f"{where}.content.{t}").get("schema", {})
            for t, m in content.items()
        },
    }


def load_source(
    source: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = MAX_BYTES,
    deadline: float = DEADLINE,
) -> bytes:
    """The bytes of a file path or an http(s) URL, within the limits (see ``_limits``);
    failures become OpenAPIError naming the source."""
    return read_source(source, timeout=timeout, max_bytes=max_bytes, deadline=deadline)


def load(
    source: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = MAX_BYTES,
    deadline: float = DEADLINE,
    max_depth: int = MAX_DEPTH,
) -> Document:
    """load_source + parse_bytes, with the source named in every error."""
    data = load_source(source, timeout=timeout, max_bytes=max_bytes, deadline=deadline)
    try:
        return parse_bytes(data, max_depth=max_depth)
    except OpenAPIError as exc:
        shown = redact_url(source) if is_url(source) else mask_url_password(source)
        error = type(exc)(f"{shown}: {exc}")
        error.path = exc.path
        raise error from None
