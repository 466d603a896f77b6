"""Copy as curl and Open in Try: what a recorded request turns into."""

from __future__ import annotations

import shlex

from asgideck.gui.tabs.requests.actions import curl_for, notes_for, spec_for
from asgideck.runtime.client import prepare
from asgideck.runtime.workbench import draft_from_spec


def post(make_record):  # type: ignore[no-untyped-def]
    return make_record(
        "/items",
        method="POST",
        query="q=a%20b&limit=5",
        request_body='{"name": "Widget"}',
        request_size=18,
        request_headers=[
            ["host", "127.0.0.1:8000"], ["content-length", "18"],
            ["content-type", "application/json"], ["x-trace", "abc"],
        ],
    )  # fmt: skip


def test_curl_sends_method_url_query_headers_and_body(make_record) -> None:  # type: ignore[no-untyped-def]
    text = curl_for(post(make_record), "http://127.0.0.1:8123")
    argv = shlex.split(text.replace("\\\n", " "))
    assert argv[:4] == ["curl", "-sS", "-X", "POST"]
    assert "http://127.0.0.1:8123/items?q=a%20b&limit=5" in argv
    assert "x-trace: abc" in argv
    assert argv[argv.index("--data-binary") + 1] == '{"name": "Widget"}'
    assert not any(a.lower().startswith(("host:", "content-length:")) for a in argv)
    assert any(a.lower() == "content-type: application/json" for a in argv)


def test_the_spec_is_what_try_opens(make_record) -> None:  # type: ignore[no-untyped-def]
    spec = spec_for(post(make_record), "http://127.0.0.1:8123")
    prepared = prepare(spec)
    assert prepared.method == "POST" and prepared.url.startswith("http://127.0.0.1:8123/items?")
    draft, notes = draft_from_spec(spec, base_url="http://127.0.0.1:8123")
    assert (draft.method, draft.path) == ("POST", "/items")
    assert [(f.name, f.value) for f in draft.query] == [("q", "a b"), ("limit", "5")]
    assert ("x-trace", "abc") in [(f.name, f.value) for f in draft.headers]
    assert draft.body_kind == "json" and '"Widget"' in draft.body_text
    assert notes == []


def test_what_cannot_be_copied_is_said(make_record) -> None:  # type: ignore[no-untyped-def]
    redacted = make_record(request_headers=[["authorization", "Bearer ****"]])
    assert notes_for(redacted) == ["redacted values (****) must be filled in"]
    binary = make_record(method="PUT", request_size=2048)
    assert notes_for(binary) == ["the request body was not text, so it was not recorded"]
    cut = make_record(request_body="x" * 10, request_body_truncated=True, request_size=99999)
    assert notes_for(cut)[0].startswith("the request body was cut")
    assert spec_for(binary).body_kind == "none"
