"""OpenAPI documents: the model, the parser (3.0, 3.1, the cheap parts of Swagger 2.0),
example values, loading one from a file or URL within the limits of ``_limits``
(size, total time, nesting depth), and what changed between two of them (``_diff``).
"""

from __future__ import annotations

from asgideck.runtime.openapi._diff import (
    ApiChanges,
    ChangeDetail,
    OperationChange,
    diff_documents,
)
from asgideck.runtime.openapi._examples import body_example, example_for
from asgideck.runtime.openapi._limits import (
    DEADLINE,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_PAGE_BYTES,
    describe_size,
)
from asgideck.runtime.openapi._load import document_json, load, load_source, operations_json
from asgideck.runtime.openapi._model import (
    Document,
    OpenAPIError,
    OpenAPILimitError,
    Operation,
    Parameter,
    RequestBody,
)
from asgideck.runtime.openapi._parse import parse_bytes, parse_document
from asgideck.runtime.openapi._read import read_url

__all__ = [
    "DEADLINE",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_PAGE_BYTES",
    "ApiChanges",
    "ChangeDetail",
    "Document",
    "OpenAPIError",
    "OpenAPILimitError",
    "Operation",
    "OperationChange",
    "Parameter",
    "RequestBody",
    "body_example",
    "describe_size",
    "diff_documents",
    "document_json",
    "example_for",
    "load",
    "load_source",
    "operations_json",
    "parse_bytes",
    "parse_document",
    "read_url",
]
