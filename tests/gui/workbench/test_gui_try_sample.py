"""Done #5 and #6 from the GUI, against a real sample_app on loopback: WebSocket echo with the
message log, filter and close code; the quick load test reports req/s and percentiles."""

from __future__ import annotations

import pytest
import websockets  # noqa: F401  (a hard dependency: a broken install fails here, never skips)

from asgideck.gui.tabs.workbench.view import LOAD_PAGE, WS_PAGE
from asgideck.runtime.client import LoadResult
from support.try_view import Views, operation

pytestmark = pytest.mark.integration
TIMEOUT_MS = 20_000


def texts(panel) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    model = panel.model
    return [(model.row(r).direction, model.row(r).text) for r in range(model.rowCount())]


def test_websocket_echo_from_the_gui(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc)
    view.open_websocket("/ws/echo")
    assert view.modes.currentIndex() == WS_PAGE
    panel = view.ws_panel
    panel.toggle_connection()
    qtbot.waitUntil(lambda: panel.client.connected, timeout=TIMEOUT_MS)
    ws = url.replace("http://", "ws://") + "/ws/echo"
    qtbot.waitUntil(lambda: panel.state.text() == f"Connected to {ws}", timeout=TIMEOUT_MS)
    assert panel.connect_button.text() == "Close"

    panel.message.setPlainText("hello, not json")
    panel.send_text()
    qtbot.waitUntil(lambda: len(texts(panel)) == 3, timeout=TIMEOUT_MS)
    panel.message.setPlainText('{"n": 1, "s": "é"}')
    panel.send_json()
    qtbot.waitUntil(lambda: len(texts(panel)) == 5, timeout=TIMEOUT_MS)
    assert texts(panel) == [
        ("event", f"connected to {ws}"),
        ("sent", "hello, not json"),
        ("received", "hello, not json"),
        ("sent", '{"n": 1, "s": "é"}'),
        ("received", '{"echo":{"n":1,"s":"é"}}'),
    ]
    arrow = panel.model.data(panel.model.index(2, panel.model.DIRECTION))
    assert arrow == "←"

    # Messages sent back to back leave in order (one worker drains the outbox).
    for n in range(20):
        panel.message.setPlainText(f"m{n}")
        panel.send_text()
    qtbot.waitUntil(lambda: len(texts(panel)) == 45, timeout=TIMEOUT_MS)
    sent = [t for d, t in texts(panel)[5:] if d == "sent"]
    received = [t for d, t in texts(panel)[5:] if d == "received"]
    assert sent == received == [f"m{n}" for n in range(20)]

    panel.direction.setCurrentIndex(panel.direction.findData("received"))
    assert [d for d, _t in texts(panel)] == ["received"] * 22
    panel.filter.setText("ECHO")
    assert len(texts(panel)) == 1
    panel.filter.clear()
    panel.direction.setCurrentIndex(0)

    panel.message.setPlainText("{broken")
    panel.send_json()
    assert panel.banner.text().startswith("Not valid JSON:")

    panel.close_code.setValue(4000)
    panel.close_reason.setText("bye")
    assert panel.close_connection()
    qtbot.waitUntil(lambda: not panel.client.connected, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: panel.state.text() == "Closed (code 4000: bye).", timeout=TIMEOUT_MS)
    assert texts(panel)[-1] == ("event", "closed by us (code 4000: bye)")
    assert panel.connect_button.text() == "Connect"


def test_websocket_to_a_missing_route_is_explained(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc)
    view.open_websocket("/ws/nowhere")
    view.ws_panel.connect_()
    qtbot.waitUntil(lambda: not view.ws_panel.banner.isHidden(), timeout=TIMEOUT_MS)
    assert "refused the WebSocket upgrade" in view.ws_panel.banner.text()
    assert not view.ws_panel.client.connected


def test_load_test_reports_rps_and_percentiles(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc)
    view.open_operation(operation(doc, "GET", "/health"))
    view.show_mode(LOAD_PAGE)
    panel = view.load_panel
    assert panel.request_label.text() == f"GET {url}/health"
    panel.concurrency.setValue(4)
    panel.duration.setValue(1)
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT_MS) as done:
        assert panel.run()
        assert panel.run_button.text() == "Stop"
    result: LoadResult = done.args[0]
    assert result.requests > 0 and result.rps > 0 and result.errors == 0
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms
    assert panel.tool_label.text().startswith(result.tool)  # says which generator ran
    assert panel.rps.text().startswith(f"{result.rps:,.0f} requests/s")
    assert panel.latency.text() == (
        f"{result.p50_ms:.1f} / {result.p95_ms:.1f} / {result.p99_ms:.1f} ms"
    )
    assert panel.chart.values == [
        ("p50", result.p50_ms),
        ("p95", result.p95_ms),
        ("p99", result.p99_ms),
    ]
    assert panel.run_button.text() == "Run"
    panel.chart.grab()  # paints without error


def test_builtin_load_test_can_be_stopped(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc)
    view.composer.url.setText("/health")
    panel = view.load_panel
    panel.tool.setCurrentIndex(panel.tool.findData("builtin"))
    panel.concurrency.setValue(2)
    panel.duration.setValue(30)
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT_MS) as done:
        panel.run()
        qtbot.waitUntil(lambda: view.runner.busy, timeout=5000)
        panel.stop()
    # stopped, not run out: the run's own figure is short of the 30 s it was given
    assert done.args[0].tool == "builtin" and done.args[0].duration_s < 30


def test_a_load_test_ending_after_detach_is_dropped(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc)
    view.composer.url.setText("/health")
    panel = view.load_panel
    panel.tool.setCurrentIndex(panel.tool.findData("builtin"))
    panel.duration.setValue(30)
    landed: list[LoadResult] = []
    panel.finished.connect(landed.append)
    assert panel.run()
    qtbot.waitUntil(lambda: view.runner.busy, timeout=5000)
    panel.detach()  # stops the built-in run; its result must not reach the closed panel
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=TIMEOUT_MS)
    assert landed == [] and panel.result is None and panel.rps.text() == "—"


def test_load_test_refuses_other_machines(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views(None)
    view.composer.url.setText("http://example.com/")
    panel = view.load_panel
    panel.duration.setValue(1)
    panel.run()
    qtbot.waitUntil(lambda: not panel.banner.isHidden(), timeout=TIMEOUT_MS)
    assert "load tests only target this machine" in panel.banner.text()
    assert not panel.running
