"""A record as JSON again: what ``asgideck requests --json`` prints and tools hand out.

The inverse of the parser in ``_model`` for the fields it read (``type`` is written
back as ``kind``, as the agent wrote it). Values were redacted by the agent already.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from asgideck.runtime.recording._model import RequestRecord

__all__ = ["record_to_json"]


def record_to_json(record: RequestRecord) -> dict[str, Any]:
    """The record as a JSON-ready dict (tuples as lists, header pairs as [name, value])."""
    data = asdict(record)
    data["kind"] = data.pop("type")
    data["request_headers"] = [list(pair) for pair in record.request_headers]
    data["response_headers"] = [list(pair) for pair in record.response_headers]
    return {"type": "request", **data}
