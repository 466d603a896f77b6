"""Run scaled from the window: one ``ScaledGroup`` (N instances behind a real nginx) at a
time, its status line, its merged log, and its end when the page closes.

The Deploy tab starts it (Run Scaled); the sidebar shows it as a row under the servers
and stops it from there too (the page wires both to this one object). Start and stop run
on the run's task scope, never on the GUI thread. The group's events come home through
the scope; how requests spread over the instances changes with no event, so while a group
exists a timer re-reads its status (a lock, no I/O) and tails nginx's error log into the
group's log off the GUI thread.

Closing the page (``close``) cancels a start in flight and stops the group on a thread of
its own, so the page stops it alongside its servers (``wait_closed``, bounded) rather
than one after the other on the GUI thread.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from asgideck.gui.core.tasks import TaskRunner
from asgideck.runtime.deploy import ScaledGroup, ScaledStatus
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.project import Project
from asgideck.runtime.servers import EndResult, LaunchConfig, free_port

__all__ = ["CLOSE_GRACE_S", "POLL_MS", "GroupLog", "ScaledRun"]

POLL_MS = 1000  # the spread and nginx's error log are read again this often
CLOSE_GRACE_S = 5.0  # as the servers get when the page closes (one grace for all)
_START, _STOP, _NGINX_LOG = "scaled", "scaled-stop", "scaled-nginx-log"
_NGINX_CHUNK = 1 << 20


class GroupLog:
    """The group's one log (what the Logs tab shows when its row is selected): every
    instance's lines, each ending with its number (``  · #2``, so filtering on ``#2``
    shows one instance and the level and status filters still read the line), and the
    lines of nginx's error log (``  · nginx``)."""

    def __init__(self, name: str, error_log: Path | None = None) -> None:
        self.name = name
        self.buffer = LogBuffer(50_000)
        self.error_log = error_log
        self._offset = 0
        self._partial = b""

    def tap(self, number: int, stream: str, text: str) -> None:
        """An instance's chunk of complete lines (any thread)."""
        tag = f"  · #{number}"
        lines = [line + tag for line in text.split("\n")]
        kind = stream if stream in ("stdout", "stderr") else "event"
        self.buffer.append_many(kind, lines)  # type: ignore[arg-type]

    def read_nginx(self) -> int:
        """Append what nginx wrote to its error log since the last read (off the GUI
        thread); returns how many lines."""
        path = self.error_log
        if path is None:
            return 0
        try:
            with path.open("rb") as handle:
                handle.seek(self._offset)
                data = handle.read(_NGINX_CHUNK)
        except OSError:
            return 0
        self._offset += len(data)
        data = self._partial + data
        cut = data.rfind(b"\n")
        if cut < 0:
            self._partial = data
            return 0
        self._partial = data[cut + 1 :]
        lines = [f"{line}  · nginx" for line in data[:cut].decode("utf-8", "replace").split("\n")]
        self.buffer.append_many("stderr", lines)
        return len(lines)


class ScaledRun(QObject):
    """The window's one scaled group (None until Run Scaled), owned from start to stop."""

    #: the group's status changed (or the group came or went): read ``status()``
    changed = Signal()
    #: a start failed (the exception; its ``str`` is the one-line message)
    failed = Signal(object)

    def __init__(self, project: Project, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.scope = runner.scope(self)
        self.group: ScaledGroup | None = None
        self.log: GroupLog | None = None
        #: the server the group copies (its profile and root path) while there is a group
        self.config: LaunchConfig | None = None
        self._cancel = threading.Event()
        self._closer: threading.Thread | None = None
        self._stopped_text = ""
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)

    # ------------------------------------------------------------------ reading
    @property
    def active(self) -> bool:
        """A group exists (starting, running, stopping, or failed and not yet stopped)."""
        return self.group is not None

    @property
    def starting(self) -> bool:
        return self.scope.pending(_START)

    @property
    def stopping(self) -> bool:
        """A stop is in flight (a start in flight can still be stopped: it is cancelled)."""
        return self.scope.pending(_STOP)

    @property
    def label(self) -> str:
        return self.group.name if self.group is not None else ""

    @property
    def server(self) -> str:
        return self.config.name if self.config is not None else ""

    def status(self) -> ScaledStatus | None:
        return self.group.status() if self.group is not None else None

    def status_text(self) -> str:
        """The Deploy tab's line: state, URL, then the error or the spread per instance."""
        status = self.status()
        if status is None:
            return self._stopped_text
        if status.state == "stopped":  # its start not begun yet, or its stop just ended
            if self.stopping:
                return self._stopped_text
            return f"Starting {self.group.count if self.group else 0} instances behind nginx…"
        text = f"Scaled: {status.state} · {status.url}"
        if status.error:
            return f"{text} · {status.error}"
        return f"{text} · {status.spread()}" if status.instances else text

    # ------------------------------------------------------------------ start / stop
    def start(self, config: LaunchConfig, instances: int) -> None:
        """``instances`` copies of ``config``'s server behind nginx on a free loopback port
        (the server itself may be running on its own port: 1 vs N side by side)."""
        if self.group is not None or self._closer is not None:
            return
        self._cancel = cancel = threading.Event()
        log = GroupLog(f"{config.name} ×{instances} (nginx)")
        group = ScaledGroup(self.project, replace(config, port=free_port()), instances, tap=log.tap)
        group.events.connect(self.scope.wrap(lambda _status: self._emit()))
        self.group, self.log, self.config = group, log, config
        self._stopped_text = ""

        def op() -> None:
            if cancel.is_set():
                return
            group.start(cancel)
            log.error_log = group.nginx_error_log

        self.scope.run(op, lambda _r: self._emit(), key=_START, failed=self._on_start_failed)
        self.timer.start()
        self._emit()

    def _on_start_failed(self, exc: Exception) -> None:
        self._drop()
        self._stopped_text = ""
        self.failed.emit(exc)
        self._emit()

    def stop(self) -> None:
        """End nginx and every instance off the GUI thread; the group goes once stopped."""
        group = self.group
        if group is None or self.scope.pending(_STOP):
            return
        self._cancel.set()  # a start still waiting gives up (and ends what it started)
        self.scope.forget(_START)
        self._stopped_text = "Stopping the scaled group…"
        self.scope.run(lambda: group.stop(), self._on_stopped, key=_STOP,
                       failed=self._on_stop_failed)  # fmt: skip
        self._emit()

    def _on_stopped(self, result: EndResult) -> None:
        self._drop()
        if result.clean:
            self._stopped_text = "Scaled group stopped"
        else:
            left = ", ".join(map(str, result.survivors)) or "a port is still in use"
            self._stopped_text = f"Scaled group not stopped cleanly: {left}"
        self._emit()

    def _on_stop_failed(self, exc: Exception) -> None:
        self._drop()
        self._stopped_text = f"Scaled group: {exc}"
        self.failed.emit(exc)
        self._emit()

    def _drop(self) -> None:
        self.timer.stop()
        self.group = None
        self.config = None

    # ------------------------------------------------------------------ polling
    def _poll(self) -> None:
        log = self.log
        if log is not None and log.error_log is not None and not self.scope.pending(_NGINX_LOG):
            self.scope.run(log.read_nginx, lambda _n: None, key=_NGINX_LOG)
        self._emit()

    def _emit(self) -> None:
        self.changed.emit()

    # ------------------------------------------------------------------ closing
    def close(self, grace: float = CLOSE_GRACE_S) -> None:
        """The page closes: drop what is in flight and stop the group on its own thread
        (not a daemon: asgideck never exits with a member alive); see ``wait_closed``."""
        self.scope.close()
        self.timer.stop()
        self._cancel.set()
        group, self.group, self.config = self.group, None, None
        if group is None or self._closer is not None:
            return
        self._closer = threading.Thread(
            target=group.close, args=(grace,), name="asgideck-scaled-close"
        )
        self._closer.start()

    def wait_closed(self, timeout: float = CLOSE_GRACE_S + 5.0) -> bool:
        """Wait (bounded) for ``close``'s stop; True when it is done (or there was none)."""
        closer = self._closer
        if closer is None:
            return True
        closer.join(timeout)
        return not closer.is_alive()
