"""Issue #15 review of the kept-alive sender: the corners a kept connection and kept
threads open up.

- a flight given up after its answer came in must not shut down the kept connection
  (by then the pool may have handed it to another request);
- a kept connection the server closes as a request arrives (its own keep-alive ran out):
  an idempotent request is sent once more, a POST is not (and the client lets go of
  idle connections before gunicorn's default 2 s);
- a caller's ``on_done`` that raises kills neither the worker nor the deadline thread;
- no thread to be had: the send says so in one line and leaves no flight behind.

Real servers on free loopback ports: the uvicorn echo app, and a tiny keep-alive server
written here that drops the second request on each connection unanswered.
"""

from __future__ import annotations

import socket
import threading
import types
from collections.abc import Iterator

import psutil
import pytest

from asgideck.runtime.client import (
    DeadlineExceeded,
    RequestFailed,
    RequestSpec,
    ResponseRecord,
    Sender,
    _keepalive,
    _sender,
)
from asgideck.runtime.client._spec import prepare
from support.servers import wait_until


def _local_ports(url: str) -> set[int]:
    """This process's own ports of its established connections to ``url``'s port."""
    port = int(url.rsplit(":", 1)[1])
    return {
        c.laddr.port
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    }


def test_a_flight_given_up_after_its_answer_leaves_the_kept_connection_alone(
    echo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline thread (or a cancel, or Ctrl-C) may give up on a flight between its
    worker's response.close() (the connection back in the pool) and its deliver()."""
    monkeypatch.setattr(_keepalive, "KEEPALIVE_S", 60.0)  # a slow machine must not expire it
    spec = RequestSpec("GET", "/echo/gap", base_url=echo_url)
    with Sender() as sender:
        prepared = prepare(spec)
        client = sender._client(False)
        flight = _sender._Flight(prepared.method, prepared.url, None)
        _keepalive.current.claimant = flight
        try:  # the worker's exchange, up to (not including) its deliver()
            record = sender._exchange(client, prepared, flight, None)
        finally:
            _keepalive.current.claimant = None
        assert record.status == 200
        kept = _local_ports(echo_url)
        assert len(kept) == 1
        assert flight.abandon()  # given up in that gap: it must not hang up the pool's socket
        assert sender.send(spec).status == 200
        assert _local_ports(echo_url) == kept  # the same connection served the next request


class _DropsSecondRequest:
    """A keep-alive HTTP/1.1 server answering the first request on each connection and
    closing the connection, unanswered, when the second arrives: what a server whose
    keep-alive ran out does to a request sent just then."""

    def __init__(self) -> None:
        self.received: list[str] = []  # request lines, in the order they came
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # so the accept loop sees _stop
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        with conn:
            for answered in (True, False):
                head = self._read_request(conn)
                if head is None:
                    return
                self.received.append(head.split(b"\r\n", 1)[0].decode())
                if answered:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            # the second request: closed unanswered (leaving `with` closes the socket)

    def _read_request(self, conn: socket.socket) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self._recv(conn)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = self._recv(conn)
            if not chunk:
                return None
            body += chunk
        return head

    def _recv(self, conn: socket.socket) -> bytes:
        while not self._stop.is_set():
            try:
                return conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return b""
        return b""

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(5)
            assert not thread.is_alive()


@pytest.fixture
def drops_second() -> Iterator[_DropsSecondRequest]:
    server = _DropsSecondRequest()
    try:
        yield server
    finally:
        server.close()


def test_an_idempotent_request_on_a_kept_connection_the_server_closed_is_sent_once_more(
    drops_second: _DropsSecondRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_keepalive, "KEEPALIVE_S", 60.0)  # the second send reuses the first's
    with Sender() as sender:
        for method in ("GET", "DELETE"):
            spec = RequestSpec(method, f"/{method.lower()}", base_url=drops_second.url)
            assert sender.send(spec).body == b"ok"
            again = sender.send(spec)  # dropped on the kept connection, sent on a new one
            assert (again.status, again.body) == (200, b"ok")
    assert drops_second.received == [
        "GET /get HTTP/1.1",
        "GET /get HTTP/1.1",  # the one the server dropped
        "GET /get HTTP/1.1",  # sent once more, on a new connection
        "DELETE /delete HTTP/1.1",  # kept connection's second request: dropped
        "DELETE /delete HTTP/1.1",  # once more, on a new connection
        "DELETE /delete HTTP/1.1",  # dropped (that one's second)
        "DELETE /delete HTTP/1.1",  # once more
    ]


def test_a_post_is_never_sent_twice_and_the_failure_reads_as_before(
    drops_second: _DropsSecondRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_keepalive, "KEEPALIVE_S", 60.0)
    spec = RequestSpec("POST", "/post", base_url=drops_second.url, body="{}", body_kind="json")
    with Sender() as sender:
        assert sender.send(spec).body == b"ok"
        with pytest.raises(RequestFailed) as failed:
            sender.send(spec)
    assert "disconnect" in str(failed.value).lower()
    assert drops_second.received == ["POST /post HTTP/1.1"] * 2  # the dropped one not resent


def test_idle_connections_are_let_go_before_gunicorns_default_keepalive() -> None:
    """gunicorn's default keepalive is 2 s (its uvicorn workers take it as
    timeout_keep_alive): the client must drop an idle connection before the server does."""
    assert _keepalive.KEEPALIVE_S < 2.0
    transport = _keepalive.kept_alive_transport(False)
    try:
        assert transport._pool._keepalive_expiry == _keepalive.KEEPALIVE_S
    finally:
        transport.close()


def test_an_on_done_that_raises_kills_neither_the_worker_nor_the_deadline_thread(
    echo_url: str,
) -> None:
    answers: list[tuple[ResponseRecord | None, RequestFailed | None]] = []
    done = threading.Event()
    workers: list[threading.Thread] = []

    def bad_on_done(record: ResponseRecord | None, error: RequestFailed | None) -> None:
        answers.append((record, error))
        done.set()
        raise ValueError("a caller's bug")

    def progress(_size: int) -> None:
        workers.append(threading.current_thread())

    with Sender(deadline=0.5) as sender:
        sender.submit(RequestSpec("GET", "/echo/one", base_url=echo_url), bad_on_done, progress)
        assert done.wait(10)
        assert answers[0][0] is not None and answers[0][0].status == 200
        assert wait_until(lambda: workers[0].name == "asgideck-send-idle", 5)
        done.clear()
        sender.submit(RequestSpec("GET", "/echo/two", base_url=echo_url), bad_on_done, progress)
        assert done.wait(10)
        assert set(workers) == {workers[0]}  # the same worker: it survived the raise

        done.clear()  # the deadline thread: its first expiry's on_done raises
        sender.submit(RequestSpec("GET", "/slow-headers", base_url=echo_url), bad_on_done)
        assert done.wait(10)
        done.clear()
        sender.submit(RequestSpec("GET", "/slow-headers", base_url=echo_url), bad_on_done)
        assert done.wait(10), "the second deadline never fired: the deadline thread died"
        assert [type(error) for _, error in answers[2:]] == [DeadlineExceeded] * 2


class _NoThreads(threading.Thread):
    def start(self) -> None:
        raise RuntimeError("can't start new thread")


def test_no_thread_to_be_had_fails_in_one_line_and_leaves_no_flight(
    echo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_threads = types.ModuleType("threading")
    no_threads.__dict__.update(threading.__dict__)
    no_threads.Thread = _NoThreads  # type: ignore[attr-defined]
    spec = RequestSpec("GET", "/echo/nothread", base_url=echo_url)
    called: list[object] = []
    with Sender() as sender:
        monkeypatch.setattr(_sender, "threading", no_threads)
        with pytest.raises(RequestFailed) as sent:
            sender.send(spec)
        with pytest.raises(RequestFailed) as submitted:
            sender.submit(spec, lambda *answer: called.append(answer))
        for failed in (sent, submitted):
            message = str(failed.value)
            assert "\n" not in message and "cannot start a thread" in message
            assert message.startswith(f"GET {echo_url}/echo/nothread was not sent")
        assert sender.in_flight == 0 and not called
        monkeypatch.setattr(_sender, "threading", threading)  # threads again: all works
        assert sender.send(spec).status == 200
        done = threading.Event()
        sender.submit(spec, lambda *answer: (called.append(answer), done.set()))
        assert done.wait(10) and sender.in_flight == 0


def test_closed_workers_take_no_job() -> None:
    workers = _sender._Workers()
    workers.close()
    ran: list[int] = []
    with pytest.raises(RequestFailed, match="closed"):
        workers.run(lambda: ran.append(1))
    assert not ran
