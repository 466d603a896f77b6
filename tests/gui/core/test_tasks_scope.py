"""Scope: results land only while the owner is open, newest per key wins, one presenter.

Jobs block on threading.Events the test releases, so "finished last" is an order the
test sets, not a race it hopes for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QObject

from asgideck.gui.core.tasks import TaskRunner, present_uncaught, set_presenter, traceback_text

TIMEOUT_MS = 5000


@pytest.fixture
def runner(qtbot) -> Iterator[TaskRunner]:  # type: ignore[no-untyped-def]
    built = TaskRunner()
    yield built
    assert built.wait(TIMEOUT_MS)
    built.deleteLater()


@pytest.fixture
def presented() -> Iterator[list[Exception]]:
    """What reaches the one error presenter during the test."""
    errors: list[Exception] = []
    set_presenter(errors.append)
    yield errors
    set_presenter(None)


def blocked(gate: threading.Event, value: str) -> Callable[[], str]:
    """A job that ends, returning ``value``, once ``gate`` is set."""

    def op() -> str:
        assert gate.wait(TIMEOUT_MS / 1000)
        return value

    return op


def settle(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    """Every job has ended and its result was delivered or dropped on the GUI thread."""
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT_MS)


def test_a_result_lands_while_the_scope_is_open(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    scope = runner.scope()
    landed: list[tuple[str, bool]] = []
    scope.run(
        lambda: "ok",
        lambda value: landed.append((value, threading.current_thread() is threading.main_thread())),
    )
    settle(qtbot, runner)
    assert landed == [("ok", True)]


def test_a_result_after_close_is_dropped(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    scope = runner.scope()
    gate, ran = threading.Event(), threading.Event()
    landed: list[str] = []

    def op() -> str:
        ran.set()
        return blocked(gate, "late")()

    scope.run(op, landed.append, failed=lambda exc: landed.append(f"error {exc}"))
    assert ran.wait(TIMEOUT_MS / 1000)
    scope.close()
    gate.set()
    settle(qtbot, runner)
    assert landed == []
    assert not scope.is_open
    scope.run(lambda: "after", landed.append)  # a closed scope starts nothing
    assert not runner.busy
    settle(qtbot, runner)
    assert landed == []


def test_for_a_keyed_job_only_the_newest_lands(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    scope = runner.scope()
    older, newer = threading.Event(), threading.Event()
    landed: list[str] = []
    scope.run(blocked(older, "older"), landed.append, key="validate")
    scope.run(blocked(newer, "newer"), landed.append, key="validate")
    assert scope.pending("validate")
    newer.set()
    qtbot.waitUntil(lambda: landed == ["newer"], timeout=TIMEOUT_MS)
    assert not scope.pending("validate")
    older.set()  # the older job ends last: its result is stale
    settle(qtbot, runner)
    assert landed == ["newer"]


def test_jobs_of_other_keys_do_not_replace_each_other(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    scope = runner.scope()
    landed: list[str] = []
    scope.run(lambda: "validate", landed.append, key="validate")
    scope.run(lambda: "inspect", landed.append, key="inspect")
    settle(qtbot, runner)
    assert sorted(landed) == ["inspect", "validate"]


def test_forget_drops_the_job_in_flight(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    scope = runner.scope()
    gate = threading.Event()
    landed: list[str] = []
    scope.run(blocked(gate, "cancelled"), landed.append, key="send")
    scope.forget("send")
    assert not scope.pending("send")
    gate.set()
    settle(qtbot, runner)
    assert landed == []


def test_an_error_goes_to_failed(qtbot, runner: TaskRunner, presented: list[Exception]) -> None:  # type: ignore[no-untyped-def]
    scope = runner.scope()
    failures: list[Exception] = []

    def op() -> str:
        raise ValueError("bad input")

    scope.run(op, lambda _value: pytest.fail("done ran for a failed job"), failed=failures.append)
    settle(qtbot, runner)
    assert [str(exc) for exc in failures] == ["bad input"]
    assert presented == []


def test_an_error_without_failed_goes_to_the_presenter(  # type: ignore[no-untyped-def]
    qtbot, runner: TaskRunner, presented: list[Exception]
) -> None:
    scope = runner.scope()

    def explode() -> None:
        raise KeyError("missing")

    scope.run(explode, lambda _value: pytest.fail("done ran for a failed job"))
    settle(qtbot, runner)
    [exc] = presented
    assert isinstance(exc, KeyError)
    text = exc.__traceback_text__  # type: ignore[attr-defined]
    assert "in explode" in text and "KeyError: 'missing'" in text


def test_wrap_runs_the_handler_on_the_gui_thread(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    scope = runner.scope()
    seen: list[tuple[int, bool]] = []
    relay = scope.wrap(
        lambda value: seen.append((value, threading.current_thread() is threading.main_thread()))
    )
    worker = threading.Thread(target=relay, args=(7,))
    worker.start()
    worker.join(TIMEOUT_MS / 1000)
    qtbot.waitUntil(lambda: bool(seen), timeout=TIMEOUT_MS)
    assert seen == [(7, True)]


def test_wrap_and_post_drop_what_arrives_after_close(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    scope = runner.scope()
    seen: list[object] = []
    relay = scope.wrap(seen.append)
    worker = threading.Thread(target=relay, args=("event",))
    worker.start()
    worker.join(TIMEOUT_MS / 1000)  # queued for the GUI thread, not yet delivered
    scope.post(lambda: seen.append("posted"))
    scope.close()
    delivered: list[bool] = []
    runner.post(lambda: delivered.append(True))  # queued after both: runs after them
    qtbot.waitUntil(lambda: bool(delivered), timeout=TIMEOUT_MS)
    assert seen == []


def test_destroying_the_owner_closes_its_scope(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    owner = QObject()
    scope = runner.scope(owner)
    gate, ran = threading.Event(), threading.Event()
    landed: list[str] = []

    def op() -> str:
        ran.set()
        return blocked(gate, "late")()

    scope.run(op, landed.append)
    assert ran.wait(TIMEOUT_MS / 1000)
    with qtbot.waitSignal(owner.destroyed, timeout=TIMEOUT_MS):
        owner.deleteLater()
    assert not scope.is_open
    gate.set()
    settle(qtbot, runner)
    assert landed == []


def test_busy_changed_toggles_once_for_overlapping_jobs(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    scope = runner.scope()
    changes: list[bool] = []
    runner.busy_changed.connect(changes.append)
    first, second = threading.Event(), threading.Event()
    landed: list[str] = []
    scope.run(blocked(first, "first"), landed.append)
    scope.run(blocked(second, "second"), landed.append)
    assert runner.busy and changes == [True]
    first.set()
    qtbot.waitUntil(lambda: landed == ["first"], timeout=TIMEOUT_MS)
    assert runner.busy and changes == [True]
    second.set()
    settle(qtbot, runner)
    assert changes == [True, False]
    gate = threading.Event()
    scope.run(blocked(gate, "dropped"), landed.append)
    scope.close()  # a dropped result still ends the busy spell
    gate.set()
    settle(qtbot, runner)
    assert changes == [True, False, True, False]
    assert landed == ["first", "second"]


def test_an_exception_escaping_a_slot_reaches_the_presenter(presented: list[Exception]) -> None:
    try:
        raise LookupError("from a slot")
    except LookupError as exc:
        present_uncaught(type(exc), exc, exc.__traceback__)
    (shown,) = presented
    assert isinstance(shown, LookupError)
    assert "raise LookupError" in traceback_text(shown)  # the traceback travels with it


def test_keyboard_interrupt_keeps_pythons_own_handling(
    presented: list[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[BaseException] = []
    monkeypatch.setattr("sys.__excepthook__", lambda _kind, exc, _tb: seen.append(exc))
    interrupt = KeyboardInterrupt()
    present_uncaught(KeyboardInterrupt, interrupt, None)
    assert seen == [interrupt] and presented == []
