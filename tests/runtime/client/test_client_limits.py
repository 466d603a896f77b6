"""The sender's limits without a network: the cap on what is kept, sizes as people write
them, the deadline checked between body chunks, scratch files named and removed."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import httpx
import pytest

from asgideck.runtime.client import (
    DeadlineExceeded,
    RequestCancelled,
    RequestSpec,
    Sender,
    parse_size,
    size_text,
)
from asgideck.runtime.userstate import temp_dir


def _sender(content: bytes | Iterator[bytes], **kwargs: object) -> Sender:
    return Sender(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=content)), **kwargs
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "size"),
    [("1000", 1000), ("64K", 65536), ("64KiB", 65536), ("10 MB", 10 * 2**20), ("1G", 2**30),
     ("1.5k", 1536), ("2gb", 2 * 2**30)],
)  # fmt: skip
def test_sizes_as_people_write_them(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "0", "-1", "1X", "lots", "0.0001"])
def test_what_is_no_size_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text)):
        parse_size(text)


def test_size_text_reaches_gigabytes() -> None:
    assert size_text(2**30) == "1.0 GB" and size_text(3 * 2**20) == "3.0 MB"


def test_a_body_within_memory_is_cut_at_max_body() -> None:
    with _sender(b"x" * 100, max_body=40) as sender:
        record = sender.send(RequestSpec("GET", "http://test/"))
    assert record.cut and record.size == 40 and record.body == b"x" * 40
    assert not record.truncated and record.body_file is None
    assert record.notice() == (
        "the body was cut at 40 B: the server sent more, and that is the most asgideck "
        "keeps of one body"
    )


def test_a_body_exactly_at_max_body_is_not_cut() -> None:
    with _sender(b"x" * 40, max_body=40) as sender:
        record = sender.send(RequestSpec("GET", "http://test/"))
    assert not record.cut and record.size == 40


def test_scratch_files_are_named_by_pid_and_removed_on_close() -> None:
    sender = _sender(b"x" * 5000, body_cap=1000)
    record = sender.send(RequestSpec("GET", "http://test/"))
    assert record.body_file is not None and record.body_file.parent == temp_dir()
    assert record.body_file.name.startswith(f"{os.getpid()}-body-")
    assert record.body_file.stat().st_mode & 0o777 == 0o600
    sender.close()
    assert not record.body_file.exists()


def test_the_deadline_is_checked_between_chunks() -> None:
    """A stream that keeps coming fast never trips a read timeout; the deadline still ends it,
    and the scratch file it was filling goes."""

    def endless() -> Iterator[bytes]:
        while True:
            yield b"y" * 4096

    with _sender(endless(), deadline=0.3, body_cap=1024) as sender:
        with pytest.raises(DeadlineExceeded) as info:  # endless: only the deadline ends it
            sender.send(RequestSpec("GET", "http://test/endless"))
        assert list(temp_dir().iterdir()) == []
    assert info.value.status == 200 and info.value.received > 0
    assert str(info.value).startswith(
        "GET http://test/endless: no complete answer within 0.3 s (deadline); got 200 OK and "
    )


def test_cancel_while_filling_a_scratch_file_removes_it() -> None:
    filling, release = threading.Event(), threading.Event()

    def stream() -> Iterator[bytes]:
        yield b"y" * 5000
        filling.set()
        release.wait(10)
        yield b"late"

    outcome: dict[str, object] = {}
    sender = _sender(stream(), body_cap=1000)

    def send() -> None:
        try:
            sender.send(RequestSpec("GET", "http://test/"))
        except RequestCancelled as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=send)
    thread.start()
    assert filling.wait(5)
    assert len(list(temp_dir().iterdir())) == 1
    sender.cancel()
    thread.join(5)
    assert isinstance(outcome.get("error"), RequestCancelled)
    assert list(temp_dir().iterdir()) == [], "cancel removes the file at once"
    release.set()
    sender.close()
