"""Issue #15 (Try send-to-shown): the Sender keeps its worker threads between requests.

Starting a thread per send waited for the new thread to run; now a send hands its
exchange to an idle worker. These check that answers are the same, that one worker
serves consecutive sends and holds nothing of the last answer while idle, that a busy
worker (a stalled body) never blocks another send, and that close() ends the workers.
A real uvicorn echo server on a free loopback port (tests/runtime/conftest.py).
"""

from __future__ import annotations

import gc
import threading
import weakref

from asgideck.runtime.client import RequestCancelled, RequestSpec, ResponseRecord, Sender
from support.servers import wait_until


def _worker_of(sender: Sender, spec: RequestSpec) -> tuple[ResponseRecord, threading.Thread]:
    threads: list[threading.Thread] = []
    record = sender.send(spec, lambda _size: threads.append(threading.current_thread()))
    assert len(set(threads)) == 1
    return record, threads[0]


def test_one_worker_serves_consecutive_sends_and_ends_on_close(echo_url: str) -> None:
    sender = Sender()
    spec = RequestSpec("GET", "/echo/kept", base_url=echo_url)
    first, worker = _worker_of(sender, spec)
    assert first.status == 200 and first.url == f"{echo_url}/echo/kept"
    for _ in range(3):
        record, again = _worker_of(sender, spec)
        assert again is worker
        assert (record.status, record.body) == (first.status, first.body)
        assert wait_until(lambda: worker.name == "asgideck-send-idle", 5)
    sender.close()
    worker.join(5)
    assert not worker.is_alive()


def test_an_idle_worker_holds_nothing_of_the_last_answer(echo_url: str) -> None:
    with Sender() as sender:
        record, worker = _worker_of(sender, RequestSpec("GET", "/echo/held", base_url=echo_url))
        gone = weakref.ref(record)
        del record
        assert wait_until(lambda: worker.name == "asgideck-send-idle", 5)
        gc.collect()
        assert gone() is None


def test_a_busy_worker_never_blocks_the_next_send(echo_url: str) -> None:
    sender = Sender()
    stalled: list[BaseException] = []
    workers: list[threading.Thread] = []

    def stall() -> None:
        try:
            sender.send(
                RequestSpec("GET", "/slow-body", base_url=echo_url),
                lambda _size: workers.append(threading.current_thread()),
            )
        except RequestCancelled as exc:
            stalled.append(exc)

    caller = threading.Thread(target=stall)
    caller.start()
    assert wait_until(lambda: bool(workers), 10)  # the stalled body's headers are in
    record, other = _worker_of(sender, RequestSpec("GET", "/echo/meanwhile", base_url=echo_url))
    assert record.status == 200 and other is not workers[0]
    sender.cancel()
    caller.join(5)
    assert stalled, "the stalled send should end as cancelled"
    sender.close()
    for thread in (workers[0], other):
        thread.join(5)
        assert not thread.is_alive()
