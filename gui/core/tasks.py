"""One way to do background work in the GUI: a runner, and a scope per owner.

Modelled on Anki's ``QueryOp(parent=…)``. A :class:`TaskRunner` owns the thread
pool and one relay that carries closures onto the GUI thread. Every view or
dialog owns a :class:`Scope` from it:

- ``scope.run(op, done, key=…, failed=…)`` runs ``op`` on the pool; ``done`` or
  ``failed`` then runs on the GUI thread, but only while the scope is open, and
  for a keyed job only if no newer job of that key was started since;
- ``scope.wrap(handler)`` gives a callable any thread may call (runtime events):
  the handler runs on the GUI thread while the scope is open;
- ``scope.close()`` (also when the owner is destroyed) drops whatever is in flight.

That replaces generation counters, ``closed``/``detached`` flags, identity checks
on the job in flight and blocking waits on close. Errors a job raises go to
``failed`` or, without one, to the one error presenter (:func:`set_presenter`).
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import traceback
import types
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

T = TypeVar("T")

Presenter = Callable[[Exception], None]


def traceback_text(exc: BaseException) -> str:
    """The traceback of ``exc``: the one a job recorded on its thread, else its own."""
    recorded: str = getattr(exc, "__traceback_text__", "")
    return recorded or "".join(traceback.format_exception(exc))


def _print_error(exc: Exception) -> None:
    print(traceback_text(exc), file=sys.stderr)


_presenter: list[Presenter] = [_print_error]


def set_presenter(presenter: Presenter | None) -> None:
    """Where errors go that no ``failed`` callback takes (the window sets this).

    ``None`` restores the default, printing to stderr (the window is closing).
    """
    _presenter[0] = presenter if presenter is not None else _print_error


def present_error(exc: Exception) -> None:
    """Show ``exc`` through the one presenter."""
    _presenter[0](exc)


def present_uncaught(
    kind: type[BaseException], exc: BaseException, tb: types.TracebackType | None
) -> None:
    """A ``sys.excepthook``: an exception that escaped a Qt slot reaches the presenter too."""
    if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: Python's own handling
        sys.__excepthook__(kind, exc, tb)
        return
    exc.__traceback_text__ = "".join(traceback.format_exception(kind, exc, tb))  # type: ignore[attr-defined]
    present_error(exc)


class _Relay(QObject):
    """Lives on the GUI thread; its queued signal carries closures home."""

    call = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, fn: Callable[[], None]) -> None:
        fn()


class _Job(QRunnable):
    def __init__(self, op: Callable[[], Any], report: Callable[[bool, Any], None]) -> None:
        super().__init__()
        self._op = op
        self._report = report

    def run(self) -> None:
        try:
            result = self._op()
        except Exception as exc:  # reported on the GUI thread, never swallowed
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._report(False, exc)
        else:
            self._report(True, result)


class TaskRunner(QObject):
    """A thread pool plus the relay home; counts the jobs in flight (busy light)."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._in_flight = 0

    @property
    def busy(self) -> bool:
        return self._in_flight > 0

    def scope(self, owner: QObject | None = None) -> Scope:
        """A new scope; it closes by itself when ``owner`` is destroyed."""
        return Scope(self, owner)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every job ends: when the app exits (a probe's child process must not
        outlive asgideck), in tests and benchmarks; never for closing a view."""
        return self._pool.waitForDone(msecs)

    def post(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the GUI thread (callable from any thread)."""
        self._relay.call.emit(fn)

    def _start(self, op: Callable[[], Any], report: Callable[[bool, Any], None]) -> None:
        self._begin()

        def home(ok: bool, value: Any) -> None:  # on a pool thread
            with contextlib.suppress(RuntimeError):  # the runner is gone: the app is closing
                self.post(lambda: self._finish(lambda: report(ok, value)))

        self._pool.start(_Job(op, home))

    def _begin(self) -> None:
        self._in_flight += 1
        if self._in_flight == 1:
            self.busy_changed.emit(True)

    def _finish(self, report: Callable[[], None]) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self.busy_changed.emit(False)
        report()


class Scope:
    """One owner's background jobs: results land only while open; newest per key wins."""

    _tickets = itertools.count(1)

    def __init__(self, runner: TaskRunner, owner: QObject | None = None) -> None:
        self.runner = runner
        self._open = True
        self._latest: dict[str, int] = {}
        if owner is not None:
            owner.destroyed.connect(self.close)

    @property
    def is_open(self) -> bool:
        return self._open

    def run(
        self,
        op: Callable[[], T],
        done: Callable[[T], None],
        *,
        key: str = "",
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``op`` off the GUI thread; ``done(result)`` or ``failed(exc)`` on it.

        With a ``key``, starting a new job of that key makes the older one's result
        stale: it is dropped when it arrives. Nothing lands after :meth:`close`.
        """
        if not self._open:
            return
        ticket = next(self._tickets)
        if key:
            self._latest[key] = ticket

        def report(ok: bool, value: Any) -> None:
            if not self._open or (key and self._latest.get(key) != ticket):
                return
            if key:
                del self._latest[key]
            if ok:
                done(value)
            elif failed is not None:
                failed(value)
            else:
                present_error(value)

        self.runner._start(op, report)

    def forget(self, key: str) -> None:
        """Drop the result of the job in flight under ``key`` (e.g. the user cancelled it)."""
        self._latest.pop(key, None)

    def pending(self, key: str) -> bool:
        """True while a job under ``key`` is in flight and its result would still land."""
        return self._open and key in self._latest

    def post(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the GUI thread while the scope is open (callable from any thread)."""
        self.runner.post(lambda: fn() if self._open else None)

    def wrap(self, handler: Callable[[T], Any]) -> Callable[[T], None]:
        """``handler`` as a callable any thread may call; it runs on the GUI thread."""

        def relay(value: T) -> None:
            self.post(lambda: handler(value))

        return relay

    def expect(self, handler: Callable[[T], Any]) -> Callable[[T], None]:
        """Like :meth:`wrap`, for a job running on a thread of its own (a sender's worker)
        that reports exactly once: the runner counts it in flight until then (the busy
        light), and ``handler`` runs on the GUI thread only while the scope is open."""
        runner = self.runner
        runner._begin()

        def relay(value: T) -> None:
            with contextlib.suppress(RuntimeError):  # the runner is gone: the app is closing
                runner.post(lambda: runner._finish(lambda: handler(value) if self._open else None))

        return relay

    def close(self) -> None:
        """The owner closed: drop everything in flight and every later result."""
        self._open = False
        self._latest.clear()
