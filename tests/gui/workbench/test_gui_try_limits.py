"""The Try tab under issue 10's limits: a running timer with the deadline beside it while a
request is in flight, the deadline's message when it passes, the cut body said plainly.

The server is ``support.slow_http`` (raw sockets in a thread: a body one byte a second,
a body that never ends).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from asgideck.runtime.userstate import state_dir
from support.slow_http import SlowServer, slow_server
from support.try_view import Views

TIMEOUT_MS = 15_000


@pytest.fixture
def server() -> Iterator[SlowServer]:
    with slow_server(drip_s=0.2, limit_s=20.0) as running:
        yield running


def test_a_running_timer_then_the_deadline_message(views: Views, server: SlowServer, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views(server.url)
    view.workbench.set_limits(deadline=1.5, max_body=2**20)
    view.composer.url.setText("/drip")
    assert view.send()
    qtbot.waitUntil(
        lambda: " s of 1.5 s  (Esc cancels)" in view.response.meta.text(), timeout=TIMEOUT_MS
    )
    first = view.response.meta.text()
    qtbot.waitUntil(lambda: view.response.meta.text() not in (first, ""), timeout=TIMEOUT_MS)
    assert view.actions_["cancel"].isEnabled(), "Cancel works while the timer runs"
    qtbot.waitUntil(lambda: view._flight is None, timeout=TIMEOUT_MS)
    assert view.response.chip.text() == "Error"
    message = view.response.error.text()
    assert "/drip: no complete answer within 1.5 s (deadline); got 200 OK and " in message


def test_a_cut_body_is_said_plainly(views: Views, server: SlowServer, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views(server.url)
    view.workbench.set_limits(deadline=10, max_body=65536)
    view.composer.url.setText("/endless")
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send()
    assert view.response.chip.text() == "200 OK"
    assert view.response.record is not None and view.response.record.cut
    assert view.response.error.text() == (
        "The body was cut at 64.0 KB: the server sent more, and that is the most asgideck "
        "keeps of one body."
    )


def test_cancel_removes_the_scratch_file_of_a_body_in_flight(
    views: Views, server: SlowServer, qtbot
) -> None:  # type: ignore[no-untyped-def]
    view = views(server.url)
    view.workbench.set_limits(deadline=20, max_body=2**30)
    view.composer.url.setText("/endless?chunk=1048576&every=0.02")
    assert view.send()
    scratch = state_dir() / "tmp"
    qtbot.waitUntil(lambda: scratch.is_dir() and any(scratch.iterdir()), timeout=TIMEOUT_MS)
    view.actions_["cancel"].trigger()
    assert view.response.chip.text() == "Cancelled"
    qtbot.waitUntil(lambda: not any(scratch.iterdir()), timeout=TIMEOUT_MS)
