"""Hands finished requests to one writer thread per process; never blocks, never raises.

The request path appends to a bounded deque (a full queue drops the request and
counts it) and returns. A daemon thread, started on the first request of each
process (and again in a child after ``fork``: gunicorn ``--preload`` forks workers
after the master imported the app), encodes, redacts and writes the lines in short
turns, one ``os.write`` each (the GIL is released for it). Encoding in batches on
that thread, not on the app's: measured in place, a record encoded right after its
request cost ~3× the same record encoded among others (cold caches). Every failure
inside the agent is swallowed and counted: the app's behaviour never changes.
"""

from __future__ import annotations

import atexit
import collections
import os
import threading
import time
import traceback
from typing import Any

from ._config import Config, load_probe, load_secrets
from ._encode import FORMAT, Encoder
from ._files import RecordFile
from ._hooks import Hooks

DEBUG = os.environ.get("ASGIDECK_AGENT_DEBUG") == "1"
MAX_QUEUE = 10000
BATCH = 16  # records encoded per turn (about a millisecond at the 20-75 µs a record costs in
# place): then the GIL goes back to the app's thread (``time.sleep(0)``) well before the
# interpreter's 5 ms switch interval would make it wait (32 a turn: p99 +2 ms); one write
# per turn
MAX_QUEUED_BYTES = 32 * 1024 * 1024  # bodies waiting to be written, at most
IDLE_WAIT = 0.05  # how long the writer sleeps between rounds (lines gather meanwhile: measured
# in place, a record cost the writer ~25% less CPU at 0.05 s than at 0.02 s, the encoder's
# code and caches staying warm over a bigger batch; the window polls every 50 ms anyway)
DROP_EVERY = 1.0  # at most one "dropped" line a second


class Recorder:
    """One process's recording: queue, writer thread, file, counters."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.body_limit = config.body_limit
        self.on = True
        self.secrets = load_secrets(config.secrets_path)
        self.encoder = Encoder(config, self.secrets)
        self.hooks = Hooks(self)
        self.hooks.install_logging()
        self.layers: list[str] = []
        self._reader: Any = None
        self._reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)
        atexit.register(self.flush)

    def _reset(self) -> None:
        """A fresh start for this process (also in a forked child: nothing is inherited)."""
        self.pid = os.getpid()
        self.queue: collections.deque[Any] = collections.deque()
        # body bytes queued and written: one writer each (request side, writer side), so
        # no update is lost between threads; waiting = bytes_in - bytes_out
        self.bytes_in = 0
        self.bytes_out = 0
        self.sequence = 0
        self.queue_drops = 0  # counted by the request side (queue full)
        self.write_drops = 0  # counted by the writer (lines that could not be written)
        self.errors = 0
        self.thread: threading.Thread | None = None
        self.file = RecordFile(self.config.records, self.pid, self._header)
        self.lock = threading.Lock()
        self.batch_lock = threading.Lock()
        self.closed = False

    # ------------------------------------------------------------------ request side

    @property
    def dropped(self) -> int:
        """Requests recorded by no line (queue full, folder gone, disk full)."""
        return self.queue_drops + self.write_drops

    def reader(self) -> Any:
        """The probe's MiddlewareReader (None when it cannot be loaded)."""
        if self._reader is None:
            try:
                main = load_probe(self.config.probe_dir, "_main")
                describe = load_probe(self.config.probe_dir, "_describe")
                middleware = load_probe(self.config.probe_dir, "_middleware")
                context = main.Context(
                    self.config.root, {"secrets_module": self.config.secrets_path}
                )
                self._reader = middleware.MiddlewareReader(
                    describe.Places(context, main.error_info)
                )
            except Exception:
                self.error()
                return None
        return self._reader

    def started(self, layers: list[str]) -> None:
        """The app's stack is known: the worker header can be written."""
        self.layers = list(layers)
        self.encoder.set_layers(self.layers)
        self._ensure_thread()

    def per_request(self) -> None:
        self.hooks.per_request()

    def error(self) -> None:
        """Something inside the agent failed: counted (shown with ASGIDECK_AGENT_DEBUG=1)."""
        self.errors += 1
        if DEBUG:
            traceback.print_exc()

    def submit(self, state: Any) -> None:
        try:
            size = min(state.request_size, self.body_limit) + min(
                state.response_size, self.body_limit
            )
            queued = self.bytes_in - self.bytes_out
            if len(self.queue) >= MAX_QUEUE or queued + size > MAX_QUEUED_BYTES:
                self.queue_drops += 1
                return
            self.bytes_in += size
            self.sequence += 1
            self.queue.append((self.sequence, state, size))
            if self.thread is None:  # a forked child starts its own (register_at_fork)
                self._ensure_thread()
        except Exception:
            self.errors += 1

    def _ensure_thread(self) -> None:
        if self.pid != os.getpid():
            self._reset()
        if self.thread is not None and self.thread.is_alive():
            return
        with self.lock:
            if self.thread is not None and self.thread.is_alive():
                return
            thread = threading.Thread(target=self._run, name="asgideck-agent-writer", daemon=True)
            self.thread = thread
            thread.start()

    # ------------------------------------------------------------------ writer side

    def _header(self) -> dict[str, Any]:
        return {
            "type": "worker",
            "pid": self.pid,
            "started": time.time(),
            "app": self.config.app,
            "format": FORMAT,
            "layers": self.layers,
            "dropped": self.dropped,
            "errors": self.errors,
        }

    def _run(self) -> None:
        last_drop_line = 0.0
        written_drops = 0
        while not self.closed:
            try:
                self._write_batch()
                if (
                    self.dropped != written_drops
                    and time.monotonic() - last_drop_line >= DROP_EVERY
                ):
                    written_drops = self.dropped
                    last_drop_line = time.monotonic()
                    line = {"type": "dropped", "pid": self.pid, "count": written_drops}
                    self.file.write([self.encoder.dumps(line)])
                # a backlog: go on, letting the app's thread have the GIL between batches;
                # else wait for lines to gather (one write and few thread switches for many)
                time.sleep(0 if len(self.queue) >= BATCH else IDLE_WAIT)
            except Exception:
                self.errors += 1
                time.sleep(IDLE_WAIT)

    def _write_batch(self, limit: int = BATCH) -> bool:
        with self.batch_lock:  # the exit flush waits for a batch in flight
            return self._write_locked(limit)

    def _write_locked(self, limit: int) -> bool:
        queue = self.queue
        if self.closed:
            return False
        if not queue:
            if not self.file.opened:
                self.file.write([])  # the worker header, as soon as the stack is known
            return False
        lines: list[str] = []
        pid = self.pid
        line = self.encoder.line
        taken = 0
        while queue and taken < limit:
            sequence, state, size = queue.popleft()
            taken += 1
            self.bytes_out += size
            try:
                lines.append(line(pid, sequence, state))
            except Exception:
                self.error()
        if lines and not self.file.write(lines):
            self.write_drops += len(lines)
        return True

    def flush(self) -> None:
        """Write what is queued (at exit): bounded, never raises."""
        try:
            if self.pid != os.getpid():
                return
            if not self.batch_lock.acquire(timeout=5.0):
                return
            try:
                for _ in range(40):
                    if not self.queue:
                        break
                    self._write_locked(500)
                self.file.close()
                self.closed = True
            finally:
                self.batch_lock.release()
        except Exception:
            pass
