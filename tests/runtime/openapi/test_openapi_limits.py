"""The capped reader: size, total time and nesting limits on files, devices, FIFOs and URLs.

The servers are real loopback sockets written byte by byte (support.raw_http); each
limit is lowered in the test so it is hit in well under a second or two.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.openapi import (
    DEADLINE,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_PAGE_BYTES,
    Document,
    OpenAPIError,
    OpenAPILimitError,
    example_for,
    load,
    load_source,
    parse_bytes,
    read_url,
)
from support.raw_http import (
    deep_json,
    drip_body,
    drip_headers,
    endless_body,
    fixed_body,
    serve_raw,
)

MiB = 1 << 20
SMALL = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}}


def test_the_defaults_are_documented_values() -> None:
    limits = (MAX_BYTES, DEADLINE, MAX_DEPTH, MAX_PAGE_BYTES)
    assert limits == (64 * MiB, 30.0, 200, MiB)  # as the README and ``--help`` say


def test_an_endless_stream_stops_at_the_cap_in_bounded_memory() -> None:
    me = psutil.Process()
    peak = [me.memory_info().rss]
    done = threading.Event()

    def sample() -> None:  # the highest RSS seen while the read runs
        while not done.wait(0.005):
            peak.append(me.memory_info().rss)

    sampler = threading.Thread(target=sample)
    with serve_raw(endless_body(limit=512 * MiB)) as url:
        sampler.start()
        try:
            with pytest.raises(OpenAPILimitError) as caught:
                load_source(f"{url}/openapi.json", max_bytes=4 * MiB, deadline=20)
        finally:
            done.set()
            sampler.join()
    assert str(caught.value) == f"{url}/openapi.json: larger than 4 MiB (the limit); not read"
    # without the cap the reader keeps all 512 MiB; with it, a few MiB of chunks
    assert max(peak) - peak[0] < 48 * MiB


def test_headers_sent_a_byte_at_a_time_meet_the_total_deadline() -> None:
    with serve_raw(drip_headers(every=0.1)) as url, pytest.raises(OpenAPILimitError) as caught:
        load_source(url + "/openapi.json", timeout=5, deadline=1)
    # the total deadline's message, not the per-read timeout's (5 s): each byte comes within
    # 0.1 s, so only the deadline can end it (the server drips forever)
    assert str(caught.value) == f"{url}/openapi.json: not complete within 1 s (the limit); gave up"


def test_a_body_sent_a_byte_at_a_time_meets_the_total_deadline() -> None:
    # the body drips forever: only the deadline ends the read
    with (
        serve_raw(drip_body(every=0.1)) as url,
        pytest.raises(OpenAPILimitError, match=r"not complete within 0\.8 s"),
    ):
        load(url, timeout=5, deadline=0.8)


def test_an_announced_length_over_the_cap_is_refused_unread() -> None:
    with serve_raw(fixed_body(b"[" + b" " * (2 * MiB) + b"]")) as url:
        with pytest.raises(OpenAPILimitError, match=r"larger than 1 MiB \(the limit\)"):
            read_url(url, max_bytes=MiB)
        assert read_url(url, max_bytes=3 * MiB).startswith(b"[  ")


def test_the_url_password_is_masked_in_limit_errors() -> None:
    with serve_raw(endless_body()) as url:
        secret = url.replace("http://", "http://me:hunter2@")
        with pytest.raises(OpenAPILimitError) as caught:
            load_source(secret, max_bytes=MiB)
    assert "me:****@127.0.0.1" in str(caught.value) and "hunter2" not in str(caught.value)


def test_secret_query_parameters_are_masked_in_errors() -> None:
    """Review M6: the password was masked but ``?api_key=...`` printed in clear."""
    with serve_raw(endless_body()) as url:
        secret = url.replace("http://", "http://me:hunter2@") + "/doc?api_key=k-778899&v=3"
        with pytest.raises(OpenAPILimitError) as caught:
            load_source(secret, max_bytes=MiB)
    shown = str(caught.value)
    assert "k-778899" not in shown and "hunter2" not in shown
    assert "me:****@127.0.0.1" in shown and "api_key=****&v=3" in shown
    with serve_raw(fixed_body(b"{not json")) as url, pytest.raises(OpenAPIError) as caught:
        load(url + "/doc?token=t-445566")
    assert "t-445566" not in str(caught.value) and "token=****" in str(caught.value)


def test_dev_zero_fails_fast_with_one_line() -> None:
    with pytest.raises(OpenAPILimitError) as caught:  # endless: only the cap ends it
        load("/dev/zero")
    assert str(caught.value) == "/dev/zero: larger than 64 MiB (the limit); not read"


def test_a_big_file_is_refused_by_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as f:  # sparse: 100 MiB on paper, nothing on disk
        f.truncate(100 * MiB)
    with pytest.raises(OpenAPILimitError, match=rf"^{big}: larger than 64 MiB \(the limit\)"):
        load(str(big))
    exact = tmp_path / "exact.json"
    exact.write_bytes(json.dumps(SMALL).encode().ljust(4096))
    assert load(str(exact), max_bytes=4096).title == "t"
    with pytest.raises(OpenAPILimitError, match="larger than 4,095 bytes"):
        load(str(exact), max_bytes=4095)


def test_a_fifo_with_a_silent_writer_meets_the_deadline(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)  # a writer that holds the FIFO open and says nothing
    try:  # the writer never closes: only the deadline ends each read
        with pytest.raises(OpenAPILimitError, match=r"spec\.fifo: not complete within 0.5 s"):
            load(str(fifo), deadline=0.5)
        os.write(writer, json.dumps(SMALL).encode())
        with pytest.raises(OpenAPILimitError):  # data but no end: the deadline still holds
            load(str(fifo), deadline=0.3)
    finally:
        os.close(writer)


def test_a_fifo_that_is_written_and_closed_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as f:  # blocks until the reader below has opened the FIFO
            f.write(json.dumps(SMALL).encode())

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert load(str(fifo), deadline=5).title == "t"
    finally:
        writer.join(5)


@pytest.mark.parametrize("levels", [300, 3000])
def test_a_deeply_nested_document_is_one_clear_error(tmp_path: Path, levels: int) -> None:
    deep = tmp_path / "deep.json"
    deep.write_bytes(deep_json(levels))
    with pytest.raises(OpenAPILimitError) as caught:
        load(str(deep))
    assert str(caught.value) == f"{deep}: nested deeper than 200 levels (the limit); not read"
    assert parse_bytes(deep_json(300), max_depth=400).title == "deep"


def test_depth_counts_levels_exactly() -> None:
    # the document object is level 1, x-deep's outer list level 2
    assert parse_bytes(deep_json(8), max_depth=9).title == "deep"
    with pytest.raises(OpenAPILimitError):
        parse_bytes(deep_json(8), max_depth=8)


def test_deep_yaml_is_one_clear_error() -> None:
    pytest.importorskip("yaml")
    nested = "x-deep: " + "[" * 3000 + "]" * 3000
    text = f"openapi: 3.0.0\ninfo: {{title: y, version: '1'}}\npaths: {{}}\n{nested}\n"
    with pytest.raises(OpenAPIError, match="nest"):
        parse_bytes(text.encode())
    shallow = "x-deep: " + "[" * 300 + "]" * 300
    text = f"openapi: 3.0.0\ninfo: {{title: y, version: '1'}}\npaths: {{}}\n{shallow}\n"
    with pytest.raises(OpenAPILimitError, match="nested deeper than 200 levels"):
        parse_bytes(text.encode())


def test_examples_end_a_long_chain_of_refs_instead_of_recursing() -> None:
    count = 3000  # each schema is oneOf the next: no object level, no cycle, 3000 calls deep
    schemas = {
        f"S{i}": {"oneOf": [{"$ref": f"#/components/schemas/S{i + 1}"}]} for i in range(count)
    }
    schemas[f"S{count}"] = {"type": "string"}
    all_of = {
        f"A{i}": {"allOf": [{"$ref": f"#/components/schemas/A{i + 1}"}]} for i in range(count)
    }
    all_of[f"A{count}"] = {"type": "object", "properties": {"a": {"type": "integer"}}}
    raw = {**SMALL, "components": {"schemas": {**schemas, **all_of}}}
    doc = parse_bytes(json.dumps(raw).encode())
    assert isinstance(doc, Document)
    assert example_for(doc, {"$ref": "#/components/schemas/S0"}) is None
    assert example_for(doc, {"$ref": "#/components/schemas/S2990"}) == "string"
    assert example_for(doc, {"$ref": "#/components/schemas/A0"}) is None
    assert example_for(doc, {"$ref": "#/components/schemas/A2990"}) == {"a": 0}


def yaml_alias_bomb(levels: int, fan: int = 9) -> bytes:
    """A small YAML document whose nested aliases expand to ``fan ** levels`` nodes."""
    lines = ["openapi: 3.0.0", "info: {title: t, version: '1'}", "paths: {}", "x-a0: &a0 [lol]"]
    for i in range(1, levels + 1):
        lines.append(f"x-a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fan)}]")
    return ("\n".join(lines) + "\n").encode()


def test_a_yaml_alias_bomb_is_refused_before_anything_walks_it() -> None:
    pytest.importorskip("yaml")
    with pytest.raises(OpenAPILimitError) as caught:
        parse_bytes(yaml_alias_bomb(7))  # 9**7 = 4.8 million nodes from ~450 bytes
    assert str(caught.value) == (
        "YAML aliases expand it by more than 1,000,000 nodes (the limit); not read"
    )


def test_ordinary_yaml_aliases_still_read() -> None:
    pytest.importorskip("yaml")
    text = (
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
        "x-common: &common {in: query, name: q, schema: {type: string}}\n"
        "paths:\n  /a: {get: {parameters: [*common], responses: {'200': {description: ok}}}}\n"
        "  /b: {get: {parameters: [*common], responses: {'200': {description: ok}}}}\n"
    )
    doc = parse_bytes(text.encode())
    assert [(op.path, [p.name for p in op.parameters]) for op in doc.operations] == [
        ("/a", ["q"]),
        ("/b", ["q"]),
    ]


def test_a_yaml_alias_inside_its_own_anchor_is_refused_as_too_deep() -> None:
    pytest.importorskip("yaml")
    text = b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-loop: &a [1, *a]\n"
    with pytest.raises(OpenAPILimitError, match="nested deeper than 200 levels"):
        parse_bytes(text)
