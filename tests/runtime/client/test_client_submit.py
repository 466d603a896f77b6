"""Issue #15 (Try send-to-shown): ``Sender.submit`` hands the answer straight to a callback.

The Try tab no longer parks a pool thread in ``Sender.send`` while the worker runs the
exchange: the worker calls ``on_done`` itself. These check that ``submit`` gives what
``send`` gives (same record, same errors), exactly once, off the caller's thread; that
cancel settles it at once from the cancelling thread; that the deadline still ends a
stalled answer with nobody waiting; that close() settles what is in flight and ends the
deadline thread. A real uvicorn echo server on a free loopback port
(tests/runtime/conftest.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from asgideck.runtime.client import (
    DeadlineExceeded,
    InvalidRequest,
    RequestCancelled,
    RequestFailed,
    RequestSpec,
    ResponseRecord,
    Sender,
)
from support.loopback import free_port
from support.servers import wait_until

WAIT_S = 15


class Outcome:
    """Collects ``on_done`` calls: (record, error, calling thread); ``names``: its name then."""

    def __init__(self) -> None:
        self.calls: list[tuple[ResponseRecord | None, RequestFailed | None, threading.Thread]] = []
        self.names: list[str] = []
        self.done = threading.Event()

    def __call__(self, record: ResponseRecord | None, error: RequestFailed | None) -> None:
        self.calls.append((record, error, threading.current_thread()))
        self.names.append(threading.current_thread().name)
        self.done.set()

    def wait(self) -> tuple[ResponseRecord | None, RequestFailed | None, threading.Thread]:
        assert self.done.wait(WAIT_S), "on_done was never called"
        return self.calls[0]


@contextmanager
def sender(**limits: float | None) -> Iterator[Sender]:
    with Sender(**limits) as made:  # type: ignore[arg-type]
        yield made


def _same(a: ResponseRecord, b: ResponseRecord) -> None:
    assert (a.status, a.reason, a.http_version, a.url, a.content_type, a.size, a.cut) == (
        b.status,
        b.reason,
        b.http_version,
        b.url,
        b.content_type,
        b.size,
        b.cut,
    )
    assert a.body == b.body and a.body_file is None and b.body_file is None
    assert [name for name, _ in a.headers] == [name for name, _ in b.headers]


def test_submit_answers_as_send_does_once_on_a_sender_thread(echo_url: str) -> None:
    spec = RequestSpec(
        "POST", "/echo/same", base_url=echo_url, query=[("q", "1")], headers=[("X-A", "é")]
    )
    with sender() as one:
        sent = one.send(spec)
        outcome = Outcome()
        sizes: list[int] = []
        assert one.submit(spec, outcome, sizes.append) is None  # returns at once
        record, error, thread = outcome.wait()
        assert error is None and record is not None
        assert thread is not threading.current_thread() and outcome.names == ["asgideck-send"]
        _same(record, sent)
        assert sizes[0] == 0 and sizes[-1] == record.size
        assert wait_until(lambda: one.in_flight == 0, 5)
    assert len(outcome.calls) == 1


def test_submit_reports_the_same_error_as_send() -> None:
    spec = RequestSpec("GET", f"http://127.0.0.1:{free_port()}/nothing-listens")
    with sender() as one:
        with pytest.raises(RequestFailed) as sent:
            one.send(spec)
        outcome = Outcome()
        one.submit(spec, outcome)
        record, error, _thread = outcome.wait()
    assert record is None and type(error) is type(sent.value)
    assert str(error) == str(sent.value)


def test_an_invalid_spec_raises_at_once_and_never_calls_back() -> None:
    outcome = Outcome()
    with sender() as one:
        with pytest.raises(InvalidRequest):
            one.submit(RequestSpec("GET", "ftp://127.0.0.1/x"), outcome)
        assert one.in_flight == 0
    assert outcome.calls == []


def test_cancel_settles_a_submitted_request_at_once(echo_url: str) -> None:
    with sender() as one:
        outcome = Outcome()
        one.submit(RequestSpec("GET", "/slow-headers", base_url=echo_url), outcome)
        assert wait_until(lambda: one.in_flight == 1, 5)
        one.cancel()  # settles it here, on this thread: nobody has to wait for the worker
        assert outcome.done.is_set()
        record, error, thread = outcome.calls[0]
        assert record is None and isinstance(error, RequestCancelled)
        assert str(error).startswith("request cancelled after ")
        assert thread is threading.current_thread()
        assert one.in_flight == 0
        # The worker's own ending (the hung-up socket) reports nothing more; the sender
        # serves the next request as before.
        again = Outcome()
        one.submit(RequestSpec("GET", "/echo/next", base_url=echo_url), again)
        record, error, _ = again.wait()
        assert error is None and record is not None and record.status == 200
    assert len(outcome.calls) == 1 and len(again.calls) == 1


def test_the_deadline_ends_a_submitted_request_nobody_waits_on(echo_url: str) -> None:
    spec = RequestSpec("GET", "/slow-headers", base_url=echo_url)
    with sender(deadline=0.3) as one:
        with pytest.raises(DeadlineExceeded) as sent:
            one.send(spec)
        outcome = Outcome()
        one.submit(spec, outcome)
        record, error, thread = outcome.wait()
        assert record is None and isinstance(error, DeadlineExceeded)
        assert str(error) == str(sent.value)  # "… within 0.3 s (deadline); no response headers…"
        assert outcome.names == ["asgideck-send-deadline"]
        assert one.in_flight == 0
    assert len(outcome.calls) == 1
    thread.join(5)
    assert not thread.is_alive()  # close() ended the deadline thread


def test_close_settles_what_is_in_flight(echo_url: str) -> None:
    one = Sender()
    outcome = Outcome()
    one.submit(RequestSpec("GET", "/slow-body", base_url=echo_url), outcome)
    assert wait_until(lambda: one.in_flight == 1, 5)
    one.close()
    record, error, _ = outcome.wait()
    assert record is None and isinstance(error, RequestCancelled)
    with pytest.raises(RequestFailed, match="closed"):
        one.submit(RequestSpec("GET", "/echo/late", base_url=echo_url), Outcome())
    assert len(outcome.calls) == 1
