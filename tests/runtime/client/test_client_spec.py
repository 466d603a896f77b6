"""RequestSpec -> the exact request: URL building, required params, bodies and auth."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.client import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    InvalidRequest,
    MultipartBody,
    RequestSpec,
    Sender,
    TokenStore,
    prepare,
)

BASE = "http://127.0.0.1:8000"


def test_url_joins_base_root_path_and_route_path() -> None:
    spec = RequestSpec("GET", "/items", base_url=BASE + "/", root_path="/api/")
    assert spec.build_url() == "http://127.0.0.1:8000/api/items"
    assert RequestSpec("GET", "items", base_url=BASE).build_url() == BASE + "/items"


def test_absolute_url_ignores_base_url() -> None:
    spec = RequestSpec("GET", "http://other:1/x", base_url=BASE, root_path="/api")
    assert spec.build_url() == "http://other:1/x"


def test_path_params_are_percent_encoded() -> None:
    spec = RequestSpec(
        "GET",
        "/items/{item_id}/files/{name:path}",
        base_url=BASE,
        path_params={"item_id": "a b/c?d", "name": "dir/f ile.txt"},
    )
    assert spec.build_url() == BASE + "/items/a%20b%2Fc%3Fd/files/dir/f%20ile.txt"


def test_query_pairs_keep_order_and_repeats_and_merge_with_url_query() -> None:
    spec = RequestSpec(
        "GET", "/search?fixed=1", base_url=BASE, query=[("q", "a&b c"), ("tag", "x"), ("tag", "y")]
    )
    assert spec.build_url() == BASE + "/search?fixed=1&q=a%26b%20c&tag=x&tag=y"


def test_fragment_is_never_sent() -> None:
    assert RequestSpec("GET", BASE + "/a#frag", query=[("b", "1")]).build_url() == BASE + "/a?b=1"


def test_missing_path_param_is_a_clear_error() -> None:
    spec = RequestSpec("GET", "/items/{item_id}", base_url=BASE)
    with pytest.raises(InvalidRequest, match="path parameter 'item_id' has no value"):
        spec.build_url()


def test_relative_url_without_server_says_so() -> None:
    with pytest.raises(InvalidRequest, match="no server address is known"):
        RequestSpec("GET", "/items").build_url()


def test_missing_required_lists_path_and_query_params() -> None:
    spec = RequestSpec(
        "GET",
        "/items/{item_id}/{sub}",
        base_url=BASE,
        path_params={"item_id": "7", "sub": ""},
        query=[("limit", "")],
    )
    missing = spec.missing_required(["item_id"], ["limit", "q"])
    assert missing == ["path parameter 'sub'", "query parameter 'q'"]
    filled = RequestSpec("GET", "/x/{a}", base_url=BASE, path_params={"a": "1"}, query=[("q", "")])
    assert filled.missing_required(["a"], ["q"]) == []


def test_unsupported_scheme_and_bad_method_are_rejected() -> None:
    with pytest.raises(InvalidRequest, match="only http:// and https://"):
        prepare(RequestSpec("GET", "ftp://host/file"))
    with pytest.raises(InvalidRequest, match="invalid HTTP method"):
        prepare(RequestSpec("GE T", BASE))


def _header(prepared_headers: tuple[tuple[str, str], ...], name: str) -> list[str]:
    return [v for k, v in prepared_headers if k.lower() == name.lower()]


def test_json_text_body_is_sent_verbatim_with_json_content_type() -> None:
    text = '{"name": "x",  "n": 1}'
    prepared = prepare(RequestSpec("POST", BASE, body_kind="json", body=text))
    assert prepared.content == text.encode()
    assert _header(prepared.headers, "content-type") == ["application/json"]


def test_json_object_body_is_encoded() -> None:
    prepared = prepare(RequestSpec("POST", BASE, body_kind="json", body={"name": "é"}))
    assert json.loads(prepared.content or b"") == {"name": "é"}


def test_invalid_json_text_is_a_clear_error_naming_the_position() -> None:
    with pytest.raises(InvalidRequest, match=r"not valid JSON: .*line 1 column"):
        prepare(RequestSpec("POST", BASE, body_kind="json", body='{"a": }'))


def test_form_body_is_urlencoded_from_pairs_or_mapping() -> None:
    pairs = prepare(RequestSpec("POST", BASE, body_kind="form", body=[("a", "1 2"), ("a", "&")]))
    assert pairs.content == b"a=1+2&a=%26"
    assert _header(pairs.headers, "content-type") == ["application/x-www-form-urlencoded"]
    mapping = prepare(RequestSpec("POST", BASE, body_kind="form", body={"k": "v"}))
    assert mapping.content == b"k=v"


def test_raw_body_types_and_explicit_content_type_and_header_precedence() -> None:
    text = prepare(RequestSpec("PUT", BASE, body_kind="raw", body="héllo"))
    assert text.content == "héllo".encode()
    assert _header(text.headers, "content-type") == ["text/plain; charset=utf-8"]
    raw = prepare(RequestSpec("PUT", BASE, body_kind="raw", body=b"\x00\x01"))
    assert _header(raw.headers, "content-type") == ["application/octet-stream"]
    typed = prepare(
        RequestSpec("PUT", BASE, body_kind="raw", body="<a/>", content_type="application/xml")
    )
    assert _header(typed.headers, "content-type") == ["application/xml"]
    header_wins = prepare(
        RequestSpec(
            "PUT",
            BASE,
            headers=[("content-type", "text/csv")],
            body_kind="raw",
            body="a,b",
            content_type="application/xml",
        )
    )
    assert _header(header_wins.headers, "content-type") == ["text/csv"]


def test_bearer_basic_and_api_key_auth_land_where_they_belong() -> None:
    bearer = prepare(RequestSpec("GET", BASE, auth=BearerAuth("tok")))
    assert _header(bearer.headers, "authorization") == ["Bearer tok"]
    basic = prepare(RequestSpec("GET", BASE, auth=BasicAuth("bob", "p:w")))
    encoded = _header(basic.headers, "authorization")[0].removeprefix("Basic ")
    assert base64.b64decode(encoded) == b"bob:p:w"
    header = prepare(RequestSpec("GET", BASE, auth=ApiKeyAuth("X-API-Key", "k1")))
    assert _header(header.headers, "x-api-key") == ["k1"]
    query = prepare(
        RequestSpec("GET", BASE + "/a", query=[("x", "1")], auth=ApiKeyAuth("key", "k2", "query"))
    )
    assert query.url == BASE + "/a?x=1&key=k2"
    cookie = prepare(
        RequestSpec("GET", BASE, cookies={"s": "1"}, auth=ApiKeyAuth("sid", "k3", "cookie"))
    )
    assert _header(cookie.headers, "cookie") == ["s=1; sid=k3"]


def test_explicit_authorization_header_is_not_overridden_by_auth() -> None:
    spec = RequestSpec("GET", BASE, headers=[("Authorization", "Custom x")], auth=BearerAuth("t"))
    assert _header(prepare(spec).headers, "authorization") == ["Custom x"]


def test_secrets_never_show_in_repr() -> None:
    text = repr((BearerAuth("tok-123"), BasicAuth("u", "pw-456"), ApiKeyAuth("k", "key-789")))
    assert "tok-123" not in text and "pw-456" not in text and "key-789" not in text


def test_token_store_is_keyed_by_project_and_server_and_refuses_pickling(tmp_path: Path) -> None:
    import pickle

    store = TokenStore()
    key = TokenStore.key(tmp_path, "dev")
    assert key == TokenStore.key(str(tmp_path / "."), "dev")
    store.set(key, BearerAuth("t1"))
    assert store.get(key) == BearerAuth("t1")
    assert store.get(TokenStore.key(tmp_path, "prod")) is None
    assert "t1" not in repr(store)
    with pytest.raises(TypeError, match="never serialised"):
        pickle.dumps(store)
    store.forget(key)
    assert key not in store


def _echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "url": str(request.url),
            "headers": [[k, v] for k, v in request.headers.multi_items()],
            "body": request.content.decode("latin-1"),
        },
    )


def test_multipart_fields_and_files_are_encoded_with_file_names_and_types(tmp_path: Path) -> None:
    upload = tmp_path / "photo.png"
    upload.write_bytes(b"\x89PNG fake")
    spec = RequestSpec(
        "POST",
        BASE + "/upload",
        headers=[("Content-Type", "application/json")],  # dropped: multipart sets its boundary
        body_kind="multipart",
        body=MultipartBody(fields=[("title", "hi"), ("title", "again")], files=[("file", upload)]),
    )
    with Sender(transport=httpx.MockTransport(_echo)) as sender:
        echoed = json.loads(sender.send(spec).body)
    content_type = dict(echoed["headers"])["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    body = echoed["body"]
    assert body.count('name="title"') == 2
    assert 'name="file"; filename="photo.png"' in body
    assert "Content-Type: image/png" in body
    assert "\x89PNG fake" in body


def test_multipart_with_fields_only_is_still_multipart() -> None:
    spec = RequestSpec("POST", BASE, body_kind="multipart", body=MultipartBody(fields=[("a", "1")]))
    with Sender(transport=httpx.MockTransport(_echo)) as sender:
        echoed = json.loads(sender.send(spec).body)
    assert dict(echoed["headers"])["content-type"].startswith("multipart/form-data; boundary=")
    assert 'name="a"\r\n\r\n1\r\n' in echoed["body"]


def test_missing_upload_file_names_the_field_and_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.bin"
    spec = RequestSpec(
        "POST", BASE, body_kind="multipart", body=MultipartBody(files=[("doc", missing)])
    )
    with (
        Sender(transport=httpx.MockTransport(_echo)) as sender,
        pytest.raises(InvalidRequest, match=r"field 'doc': .*nope\.bin: No such file"),
    ):
        sender.send(spec)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (("Bad Name", "v"), "header name 'Bad Name' is not valid"),
        (("", "v"), "header name '' is not valid"),
        (("X-Split", "a\r\nInjected: yes"), "header 'X-Split' contains a line break"),
    ],
)
def test_invalid_headers_are_refused_before_sending(header: tuple[str, str], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        prepare(RequestSpec("GET", BASE, headers=[header]))


def test_non_ascii_header_values_are_sent_as_utf8() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.raw[-1][1])
        return httpx.Response(204)

    spec = RequestSpec("GET", BASE, headers=[("X-Name", "Zoë ✓")])
    with Sender(transport=httpx.MockTransport(handler)) as sender:
        assert sender.send(spec).status == 204
    assert seen == ["Zoë ✓".encode()]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://[::1/items", "Invalid IPv6 URL"),
        ("http://127.0.0.1:99999/items", "Port out of range"),
        ("http://127.0.0.1:port/items", "Port could not be cast"),
    ],
)
def test_a_url_that_cannot_be_parsed_is_an_invalid_request(url: str, why: str) -> None:
    with pytest.raises(InvalidRequest, match=why) as caught:
        prepare(RequestSpec("GET", url))
    assert url.split("/items")[0] in str(caught.value)  # the message names the URL


def test_an_unparseable_url_is_recorded_masked_in_history(tmp_path: Path) -> None:
    from asgideck.runtime.client import History

    history = History(tmp_path / "history.db")
    spec = RequestSpec("GET", "http://bob:hunter2@[::1/items")
    history.add("proj", spec, None, "invalid URL")
    (entry,) = history.list("proj")
    assert "[::1/items" in entry.url
    assert "hunter2" not in entry.url
    assert "hunter2" not in json.dumps(dict(entry.spec))
