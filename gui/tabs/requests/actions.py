"""What a recorded request becomes elsewhere: a RequestSpec for Try and for curl.

The record's headers and bodies are what the agent kept: secrets redacted (``****``
values stay redacted here; Try's draft says so and asks for them), bodies capped.
Hop-by-hop and computed headers (Host, Content-Length, …) are left for the sender.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from asgideck.runtime.client import RequestSpec, to_curl
from asgideck.runtime.recording import RequestRecord
from asgideck.runtime.secrets import MASK

#: headers the sender computes or that belong to one connection only
SKIPPED_HEADERS = frozenset(
    {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "upgrade",
     "te", "trailer", "proxy-connection"}
)  # fmt: skip


def spec_for(record: RequestRecord, base_url: str = "") -> RequestSpec:
    """The request as Try or curl would send it again to ``base_url`` (the server's URL;
    empty: a path only, Try joins it onto its own target)."""
    headers = tuple((k, v) for k, v in record.request_headers if k.lower() not in SKIPPED_HEADERS)
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    body: str | None = record.request_body or None
    kind = "none"
    if body is not None:  # the text as recorded, byte for byte: never parsed and re-written
        json_type = content_type is not None and "json" in content_type.lower()
        kind = "json" if json_type and _is_json(body) else "raw"
    if kind != "none":  # the spec's content type is the one header that says it
        headers = tuple((k, v) for k, v in headers if k.lower() != "content-type")
    return RequestSpec(
        method=record.method,
        url=record.path,
        base_url=base_url,
        query=tuple(parse_qsl(record.query, keep_blank_values=True)),
        headers=headers,
        body_kind=kind,  # type: ignore[arg-type]
        body=body,
        content_type=content_type if kind != "none" else None,
    )


def _is_json(text: str) -> bool:
    """Whether the sender takes ``text`` as a JSON body (a cut or broken one goes as raw)."""
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def curl_for(record: RequestRecord, base_url: str) -> str:
    """One shell command that sends ``record`` again to ``base_url``."""
    return to_curl(spec_for(record, base_url), multiline=True)


def notes_for(record: RequestRecord) -> list[str]:
    """What the copy cannot carry over, for the user to know before sending it."""
    notes = []
    if record.request_body_truncated:
        notes.append("the request body was cut at the recording's body limit")
    elif record.request_body is None and record.request_size > 0:
        notes.append("the request body was not text, so it was not recorded")
    if any(MASK in v for _k, v in record.request_headers) or MASK in record.query:
        notes.append("redacted values (****) must be filled in")
    return notes
