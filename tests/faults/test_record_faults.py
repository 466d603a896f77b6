"""Issue 13, Done means 2: recording never breaks the app.

A recorded server (``record_tiny``: a few bytes per request, as fast as uvicorn serves)
under wrk load while asgideck's reading side is SIGKILLed mid-stream, while the records
folder is taken away, and at the highest rate wrk gets out of it (the issue's ~10,000
requests/s; plain uvicorn serves it ~8,000/s on a quiet 2-core machine, fewer while other
work shares the cores): every request is still answered correctly, what the agent
could not hand over is counted, and memory stays bounded on both sides — the server's
RSS, and a ``RequestLog`` reader's kept records (``keep``) and RSS. 64 KB answers (bodies
as big as the agent keeps) leave the server bounded too, and its files still rotate.

Speed is printed (``-s`` shows it), never asserted: it lives in tests/bench/bench_record.py.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import psutil
import pytest

from asgideck.runtime.client import LoadResult, run_load
from asgideck.runtime.recording import RequestLog
from asgideck.runtime.servers import ServerSpec, Supervisor, free_port
from support.projects import copy_project
from support.servers import PY, assert_tree_gone, live, wait_until

pytestmark = pytest.mark.integration

BODY = b'{"ok":true}'
KEEP = 300
MIB = 1024 * 1024
#: what the server may grow by over a few seconds of load (allocator noise, the agent's
#: bounded queue); a record kept per request would take far more (tens of thousands of them)
SERVER_GROWTH = 32 * MIB
#: the reader's bound: ``keep`` records and its file offsets, plus allocator noise
READER_GROWTH = 32 * MIB
#: the agent rotates at 8 MiB and keeps one old file: two files per worker, a line over
ROTATED_FILES = 2 * 8 * MIB + MIB

needs_wrk = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt install wrk)"
)


# --------------------------------------------------------------------------- harness


@dataclass
class Server:
    spec: ServerSpec
    supervisor: Supervisor

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.spec.port}/"

    @property
    def page_url(self) -> str:
        """The route answering a 64 KB JSON document (``record_tiny``'s ``/page``)."""
        return self.url + "page"

    @property
    def records(self) -> Path:
        assert self.spec.record is not None
        return self.spec.record

    def rss(self) -> int:
        """The whole tree's resident memory."""
        total = 0
        for pid in live(self.supervisor.pids):
            with contextlib.suppress(psutil.Error):
                total += psutil.Process(pid).memory_info().rss
        return total

    def answers(self, times: int = 20) -> None:
        """``times`` requests on fresh connections, each answered in full and correctly."""
        for _ in range(times):
            response = httpx.get(self.url, timeout=10)
            assert (response.status_code, response.content) == (200, BODY)

    def tail(self) -> list[str]:
        return [line.text for line in self.supervisor.buffer.snapshot()[-20:]]


@contextlib.contextmanager
def tiny_server(tmp_path: Path) -> Iterator[Server]:
    root = copy_project("record_tiny", tmp_path)
    records = tmp_path / "records"
    records.mkdir()
    spec = ServerSpec(
        kind="uvicorn",
        app="tiny:app",
        root=root,
        python=PY,
        port=free_port(),
        access_log=False,  # the recorder, not the log pipe, is what is measured
        graceful_timeout=3,
        record=records,
    )
    sup = Supervisor(spec, log_to_file=False)
    server = Server(spec, sup)
    pids: set[int] = set()
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=60)
        assert status.state == "running", f"{status.error}: {server.tail()}"
        pids.update(sup.pids)
        yield server
        assert sup.status.state == "running", server.tail()  # it never went down
    finally:
        pids.update(sup.pids)
        sup.stop()
        sup.close(0)
    assert_tree_gone(pids, spec.port)


def load(server: Server, seconds: float, url: str = "") -> LoadResult:
    """A bounded wrk run on the server: it must have answered every request it got."""
    result = run_load(url or server.url, concurrency=32, duration_s=seconds, tool="wrk")
    assert result.requests > 0 and result.errors == 0, result
    return result


class Background:
    """``load`` on a thread, so the test can break things while requests are flowing."""

    def __init__(self, server: Server, seconds: float) -> None:
        self.result: LoadResult | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(server, seconds), daemon=True)
        self._thread.start()

    def _run(self, server: Server, seconds: float) -> None:
        try:
            self.result = load(server, seconds)
        except BaseException as exc:  # re-raised by join() on the test's thread
            self.error = exc

    def join(self, timeout: float = 60.0) -> LoadResult:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "wrk did not finish"
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


#: asgideck's reading side in a process of its own: polls a RequestLog like the window's
#: timer does and answers "status" on stdin with what it holds.
READER = """
import json, sys, threading
from pathlib import Path
from asgideck.runtime.recording import RequestLog

log = RequestLog(Path(sys.argv[1]), keep=int(sys.argv[2]))
lock = threading.Lock()
read = 0

def answer():
    for _line in sys.stdin:
        with lock:
            status = {"read": read, "kept": len(log.records()), "dropped": log.dropped,
                      "workers": [w.pid for w in log.workers()]}
        print(json.dumps(status), flush=True)

threading.Thread(target=answer, daemon=True).start()
tick = threading.Event()
while True:
    got = log.poll()
    with lock:
        read += len(got)
    tick.wait(0.05)  # the window's timer
"""


class Reader:
    def __init__(self, records: Path, keep: int = KEEP) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", READER, str(records), str(keep)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def status(self) -> dict[str, Any]:
        stdin: IO[str] | None = self.proc.stdin
        stdout: IO[str] | None = self.proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write("status\n")
        stdin.flush()
        line = stdout.readline()
        assert line, f"the reader died (exit {self.proc.poll()})"
        answer: dict[str, Any] = json.loads(line)
        return answer

    @property
    def rss(self) -> int:
        return int(psutil.Process(self.proc.pid).memory_info().rss)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


@contextlib.contextmanager
def reader(records: Path, keep: int = KEEP) -> Iterator[Reader]:
    proc = Reader(records, keep)
    try:
        yield proc
    finally:
        if proc.proc.poll() is None:
            proc.kill()


def read_all(records: Path) -> RequestLog:
    """A fresh reader that read every file to its end (polls until nothing new comes)."""
    log = RequestLog(records, keep=1_000_000)
    log.poll()
    while not log.caught_up:
        log.poll()
    return log


# --------------------------------------------------------------------------- tests


@needs_wrk
def test_the_reader_killed_mid_stream_leaves_the_app_serving(tmp_path: Path) -> None:
    with tiny_server(tmp_path) as server, reader(server.records) as window:
        server.answers()
        before = load(server, 2)
        assert wait_until(lambda: window.status()["read"] >= 20, 20), window.status()

        during = Background(server, 3)
        seen = window.status()["read"]
        assert wait_until(lambda: window.status()["read"] > seen, 20), window.status()
        window.kill()  # mid-stream: wrk is still sending, the agent still writing
        killed_at = time.time()
        killed = during.join()

        after = load(server, 2)
        server.answers()
        log = read_all(server.records)
        print(
            f"\nreader SIGKILLed mid-stream: requests/s {before.rps:.0f} before, "
            f"{killed.rps:.0f} during, {after.rps:.0f} after "
            f"(ratio after/before {after.rps / before.rps:.2f}); agent dropped {log.dropped}"
        )
        # the agent went on writing without a reader: requests after the kill are on disk
        later = [r for r in log.records() if r.start > killed_at]
        assert later and all((r.path, r.status) == ("/", 200) for r in later)


@needs_wrk
def test_the_records_folder_taken_away_leaves_the_app_serving(tmp_path: Path) -> None:
    with tiny_server(tmp_path) as server:
        server.answers()
        assert wait_until(lambda: len(read_all(server.records).records()) >= 20, 20)
        pids = {w.pid for w in read_all(server.records).workers()}

        during = Background(server, 3)
        shutil.rmtree(server.records)
        # not even root can write into a folder that is a file now
        server.records.write_text("not a folder\n", encoding="utf-8")
        result = during.join()
        server.answers()
        after = load(server, 2)
        server.answers()
        print(
            f"\nrecords folder gone while serving: {result.requests} requests "
            f"({result.rps:.0f}/s) then {after.requests} ({after.rps:.0f}/s), all answered"
        )

        # the folder comes back: the agent writes again and says how many it dropped
        server.records.unlink()
        server.records.mkdir()
        server.answers(5)

        def recovered() -> bool:
            server.answers(5)
            log = read_all(server.records)
            return bool(log.records()) and log.dropped > 0

        assert wait_until(recovered, 20), sorted(p.name for p in server.records.iterdir())
        log = read_all(server.records)
        assert {w.pid for w in log.workers()} <= pids | set(server.supervisor.pids)
        assert log.dropped >= after.requests  # every request it could not write, counted


@needs_wrk
def test_ten_thousand_requests_a_second_stay_bounded_on_both_sides(tmp_path: Path) -> None:
    with tiny_server(tmp_path) as server, reader(server.records) as window:
        warm = load(server, 1)  # imports, first connections, the agent's writer running
        assert wait_until(lambda: window.status()["read"] >= 1, 20), window.status()
        server_before, reader_before = server.rss(), window.rss

        result = load(server, 4)
        server_after = server.rss()
        status = window.status()
        assert wait_until(lambda: window.status()["kept"] == KEEP, 20), window.status()
        reader_after = window.rss
        status = window.status()
        on_disk = sum(p.stat().st_size for p in server.records.iterdir() if p.is_file())
        print(
            f"\n{result.requests} requests in {result.duration_s:.1f} s ({result.rps:.0f}/s; "
            f"warm-up {warm.rps:.0f}/s); server RSS {server_before / MIB:.1f} -> "
            f"{server_after / MIB:.1f} MiB; reader RSS {reader_before / MIB:.1f} -> "
            f"{reader_after / MIB:.1f} MiB, read {status['read']}, kept {status['kept']}, "
            f"agent dropped {status['dropped']}; on disk {on_disk / MIB:.1f} MiB"
        )
        assert server_after - server_before <= SERVER_GROWTH
        assert reader_after - reader_before <= READER_GROWTH
        assert status["kept"] == KEEP
        assert status["read"] + status["dropped"] > KEEP
        workers = max(1, len(status["workers"]))
        assert on_disk <= workers * ROTATED_FILES  # rotated, one old file kept
        server.answers()


def disk_use(records: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in records.iterdir() if p.is_file()}


@needs_wrk
def test_big_bodies_keep_the_server_bounded_in_memory_and_on_disk(tmp_path: Path) -> None:
    """64 KB answers (the agent keeps bodies up to 64 KiB): what waits for the writer is
    bounded in bytes, not only in requests, and the files still rotate at 8 MiB."""
    with tiny_server(tmp_path) as server:
        page = httpx.get(server.page_url, timeout=10)
        assert page.status_code == 200 and len(page.content) > 60_000
        warm = load(server, 1, server.page_url)
        before = server.rss()
        result = load(server, 4, server.page_url)
        after = server.rss()
        files = disk_use(server.records)
        print(
            f"\n64 KB bodies: {result.requests} requests ({result.rps:.0f}/s; warm-up "
            f"{warm.rps:.0f}/s); server RSS {before / MIB:.1f} -> {after / MIB:.1f} MiB; "
            f"files {files}"
        )
        assert httpx.get(server.page_url, timeout=10).content == page.content  # unchanged
        assert after - before <= SERVER_GROWTH
        # rotation holds however big the lines: once 8 MiB were written, no file is larger
        past_rotation = lambda: sum(disk_use(server.records).values()) > 8 * MIB  # noqa: E731
        assert wait_until(past_rotation, 30), disk_use(server.records)
        files = disk_use(server.records)
        assert all(size <= 8 * MIB + MIB for size in files.values()), files
