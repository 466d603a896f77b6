"""curl export (quoting, shape) and import (every supported option, clear errors)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from asgideck.runtime.client import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    CurlError,
    MultipartBody,
    RequestSpec,
    from_curl,
    prepare,
    to_curl,
    to_httpx,
)

BASE = "http://127.0.0.1:8000"


def test_get_command_shape() -> None:
    spec = RequestSpec("get", "/items", base_url=BASE, query=[("q", "a b")])
    assert to_curl(spec) == "curl -sS -X GET 'http://127.0.0.1:8000/items?q=a%20b'"


def test_every_argument_survives_the_shell_exactly() -> None:
    nasty = 'it\'s $HOME `id` "q" \\ ; & | é end'
    spec = RequestSpec(
        "POST",
        BASE + "/x",
        headers=[("X-Note", nasty)],
        body_kind="raw",
        body=nasty + "\nline 2",
        content_type="text/plain",
    )
    command = to_curl(spec)
    assert shlex.split(command) == [
        "curl", "-sS", "-X", "POST", BASE + "/x",
        "-H", f"X-Note: {nasty}",
        "-H", "Content-Type: text/plain",
        "--data-binary", nasty + "\nline 2",
    ]  # fmt: skip


def test_auth_cookies_redirects_insecure_and_timeout_flags() -> None:
    spec = RequestSpec(
        "DELETE",
        "https://h/x",
        cookies={"a": "1"},
        auth=BearerAuth("tok"),
        follow_redirects=True,
        verify=False,
        timeout=5,
    )
    assert shlex.split(to_curl(spec))[5:] == [
        "-H", "Authorization: Bearer tok", "-H", "Cookie: a=1", "-L", "-k", "--max-time", "5",
    ]  # fmt: skip


def test_head_uses_dash_i_so_curl_does_not_wait_for_a_body() -> None:
    assert to_curl(RequestSpec("HEAD", BASE)) == f"curl -sS -I {BASE}"


def test_multipart_uses_form_string_for_fields_and_quotes_odd_file_names(tmp_path: Path) -> None:
    odd = tmp_path / "a;b.txt"
    odd.write_text("x")
    spec = RequestSpec(
        "POST",
        BASE,
        body_kind="multipart",
        body=MultipartBody(fields=[("note", "@not-a-file")], files=[("doc", odd)]),
    )
    args = shlex.split(to_curl(spec))
    assert args[5:] == ["--form-string", "note=@not-a-file", "-F", f'doc=@"{odd}";type=text/plain']


def test_binary_raw_body_cannot_be_exported_and_says_why() -> None:
    spec = RequestSpec("POST", BASE, body_kind="raw", body=b"\x00\xff")
    with pytest.raises(CurlError, match=r"binary \(2 bytes\).*--data-binary @FILE"):
        to_curl(spec)


def test_multiline_is_the_same_command() -> None:
    spec = RequestSpec("POST", BASE, headers=[("A", "1")], body_kind="json", body="{}")
    multi = to_curl(spec, multiline=True)
    assert multi.count(" \\\n  ") == 3
    assert shlex.split(multi.replace("\\\n", "")) == shlex.split(to_curl(spec))


def test_httpx_snippet_is_valid_python_sending_the_same_request() -> None:
    spec = RequestSpec(
        "PATCH", BASE + "/x", auth=BasicAuth("u", "p"), body_kind="json", body={"a": "é"}
    )
    snippet = to_httpx(spec)
    compile(snippet, "snippet.py", "exec")
    prepared = prepare(spec)
    assert repr(prepared.url) in snippet
    assert "('Authorization', 'Basic dTpw')" in snippet
    assert 'content=\'{"a": "é"}\'' in snippet


# --- import ---------------------------------------------------------------------------------


def test_chrome_style_copy_as_curl_with_continuations() -> None:
    command = """curl 'http://localhost:8000/api/v1/items?limit=5&q=a+b' \\
  -H 'accept: application/json' \\
  -H 'Content-Type: application/json' \\
  --data-raw '{"name":"x"}' \\
  --compressed"""
    spec = from_curl(command)
    assert spec.method == "POST"
    assert spec.url == "http://localhost:8000/api/v1/items"
    assert spec.query == (("limit", "5"), ("q", "a b"))
    assert spec.headers == (("accept", "application/json"), ("Content-Type", "application/json"))
    assert (spec.body_kind, spec.body) == ("json", '{"name":"x"}')


def test_short_options_glued_and_combined() -> None:
    spec = from_curl("curl -sSLk -XPUT -H'X-A: 1' -uuser:pa:ss localhost:9/x -d 'a=1&b=two words'")
    assert spec.method == "PUT" and spec.url == "http://localhost:9/x"
    assert spec.follow_redirects and not spec.verify
    assert spec.headers == (("X-A", "1"),)
    assert spec.auth == BasicAuth("user", "pa:ss")
    assert (spec.body_kind, spec.body) == ("form", (("a", "1"), ("b", "two words")))


def test_long_options_with_equals_and_url_option() -> None:
    spec = from_curl("curl --request=patch --url=http://h/x --header='K: v' --data-binary=raw")
    assert (spec.method, spec.url, spec.headers) == ("PATCH", "http://h/x", (("K", "v"),))
    # Not name=value pairs: sent as is, with the Content-Type curl gives -d data.
    assert (spec.body_kind, spec.body) == ("raw", "raw")
    assert spec.content_type == "application/x-www-form-urlencoded"


def test_json_flag_sets_kind_and_headers() -> None:
    spec = from_curl("""curl --json '{"a": [1, 2]}' http://h/""")
    assert spec.method == "POST" and spec.body_kind == "json" and spec.body == '{"a": [1, 2]}'
    assert ("Content-Type", "application/json") in spec.headers


def test_raw_body_with_other_content_type() -> None:
    spec = from_curl("curl -H 'Content-Type: text/csv' --data-binary $'a,b\\n1,2' http://h/")
    assert (spec.body_kind, spec.body) == ("raw", "$a,b\\n1,2")  # shlex has no $'' quoting


def test_get_moves_data_into_the_query() -> None:
    spec = from_curl("curl -G http://h/s?x=1 -d q=hello --data-urlencode 'w=a b&c'")
    assert spec.method == "GET" and spec.body_kind == "none"
    assert spec.query == (("x", "1"), ("q", "hello"), ("w", "a b&c"))


def test_forms_cookies_bearer_head_and_timeout() -> None:
    spec = from_curl(
        "curl -F 'title=hi;type=text/plain' -F 'file=@\"/tmp/a;b.png\";type=image/png' "
        "--form-string 'raw=@x' -b 'a=1; b=2' --oauth2-bearer T -m 2.5 http://h/up"
    )
    assert spec.body_kind == "multipart"
    assert spec.body == MultipartBody((("title", "hi"), ("raw", "@x")), (("file", "/tmp/a;b.png"),))
    assert spec.cookies == {"a": "1", "b": "2"}
    assert spec.auth == BearerAuth("T") and spec.timeout == 2.5
    assert from_curl("curl -I http://h/").method == "HEAD"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("wget http://h/", "not a curl command: it starts with 'wget'"),
        ("curl --proxy http://p:1 http://h/", "unsupported curl option '--proxy'"),
        ("curl -sZ http://h/", "unsupported curl option '-Z' (in '-sZ')"),
        ("curl -H", "curl option -H needs a value"),
        ("curl -d @body.json http://h/", "--data '@body.json' reads the body from a file"),
        ("curl -b cookies.txt http://h/", "-b 'cookies.txt' reads cookies from a file"),
        ("curl -u bob http://h/", "-u 'bob' has no password"),
        ("curl -H 'nocolon' http://h/", "header 'nocolon' is not 'Name: value'"),
        ("curl http://a/ http://b/", "more than one URL"),
        ("curl -s", "the curl command has no URL"),
        ("curl 'http://h/", "cannot split the command: No closing quotation"),
        ("curl -F a=1 -d b=2 http://h/", "-F cannot be combined with -d"),
        ("curl -m soon http://h/", "--max-time 'soon' is not a number of seconds"),
    ],
)
def test_bad_commands_name_the_problem(command: str, message: str) -> None:
    with pytest.raises(CurlError) as info:
        from_curl(command)
    assert message in str(info.value)


def test_export_then_import_gives_the_same_prepared_request(tmp_path: Path) -> None:
    upload = tmp_path / "f.bin"
    upload.write_bytes(b"data")
    specs = [
        RequestSpec(
            "GET", BASE + "/a", query=[("q", "x y"), ("q", "z")], auth=ApiKeyAuth("k", "v", "query")
        ),
        RequestSpec(
            "POST", BASE + "/j", headers=[("X-A", "b c")], body_kind="json", body='{"a": 1}'
        ),
        RequestSpec(
            "PUT", BASE + "/r", body_kind="raw", body="line1\nline2", content_type="text/plain"
        ),
        RequestSpec(
            "POST",
            BASE + "/m",
            body_kind="multipart",
            body=MultipartBody((("t", "1"),), (("f", str(upload)),)),
        ),
    ]
    for spec in specs:
        back = prepare(from_curl(to_curl(spec)))
        original = prepare(spec)
        assert (back.method, back.url, back.content, back.multipart) == (
            original.method,
            original.url,
            original.content,
            original.multipart,
        )
        assert set(back.headers) == set(original.headers)
