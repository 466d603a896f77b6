"""Try tab: send-to-shown time of a small GET in the GUI vs a raw httpx call, interleaved.

The GUI side is measured from ``TryView.send()`` (what Ctrl+Enter runs) until the
answer is painted: the response viewer's ``shown`` signal (status, headers and body
set), then the next paint of the status chip and of the body. It includes building
the spec, the hand-off to the sender's worker thread, the loopback exchange,
preparing the body view (on that thread), the queued hand-off home through the view's
task scope, filling the viewer and painting it. The reference is the same GET
with ``httpx.Client.get`` (+ ``.json()``) on a kept-alive client to the same loopback
server: the least a Python client can spend. Issue #15's target: GUI ≤ raw + 5 ms.
Rounds alternate which side goes first; each round starts from a settled GUI (the
previous answer painted and its history entry listed), as a user's next click does.
Runs in a child process (offscreen Qt, private ASGIDECK_HOME) so the benchmark run's
own process stays Qt-free.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, file  # noqa: E402

TARGET_SLACK_S = 0.005  # issue #15: send-to-shown ≤ raw httpx + 5 ms
ROUNDS = 40
WARMUP = 5


def _driver(rounds: int) -> dict[str, Any]:
    """Runs inside the child: one server, one view, interleaved GUI and httpx rounds."""
    sys.path[:0] = [str(REPO / "tests")]
    import httpx
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QWidget

    from asgideck.gui.app import make_app
    from asgideck.gui.core.tasks import TaskRunner
    from asgideck.gui.tabs.workbench.view import TryView
    from asgideck.runtime.workbench import Workbench
    from support.loopback import serve_echo

    app = make_app()
    with (
        tempfile.TemporaryDirectory(prefix="asgideck-bench-try-") as tmp,
        serve_echo(Path(tmp)) as url,
    ):
        workbench = Workbench("bench", Path(tmp) / "history.sqlite3")
        workbench.set_target("bench", url)
        runner = TaskRunner()
        view = TryView(workbench, runner)
        view.resize(1100, 720)
        view.show()
        view.composer.url.setText("/echo/bench")
        app.processEvents()

        def wait_idle(rows: int) -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (
                runner.busy or view.response.filling or view.history.model.rowCount() < rows
            ):
                app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
            for _ in range(3):  # the history's new row laid out and painted
                app.processEvents()

        class Painted(QObject):
            """Quits the loop once each watched widget has painted after ``shown``."""

            def __init__(self, loop: QEventLoop, widgets: list[QWidget]) -> None:
                super().__init__()
                self.loop, self.widgets, self.waiting = loop, widgets, set()
                for widget in widgets:
                    widget.installEventFilter(self)

            def arm(self) -> None:
                self.waiting = set(self.widgets)

            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if self.waiting and event.type() == QEvent.Type.Paint:
                    self.waiting.discard(watched)  # type: ignore[arg-type]
                    if not self.waiting:
                        self.loop.quit()
                return False

        sent = [0]

        def gui_once() -> float:
            loop = QEventLoop()
            painted = Painted(loop, [view.response.chip, view.response.body.viewport()])
            view.response.shown.connect(painted.arm)
            QTimer.singleShot(30_000, loop.quit)
            started = time.perf_counter()
            if not view.send():
                raise RuntimeError(view.banner.text())
            loop.exec()
            elapsed = time.perf_counter() - started
            view.response.shown.disconnect(painted.arm)
            for widget in painted.widgets:
                widget.removeEventFilter(painted)
            record = view.response.record
            if record is None or record.status != 200 or painted.waiting:
                raise RuntimeError(f"the GUI request failed: {view.response.error.text()}")
            sent[0] += 1
            wait_idle(sent[0])  # the history write and refresh run after the answer is shown
            return elapsed

        gui, raw = [], []
        with httpx.Client() as client:

            def raw_once() -> float:
                started = time.perf_counter()
                response = client.get(url + "/echo/bench")
                response.json()
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(f"httpx got {response.status_code}")
                return elapsed

            for index in range(WARMUP + rounds):
                if index % 2:  # alternate which side goes first
                    g = gui_once()
                    r = raw_once()
                else:
                    r = raw_once()
                    g = gui_once()
                if index >= WARMUP:
                    gui.append(g)
                    raw.append(r)
        view.detach()
        runner.wait(10_000)
    return {"gui": gui, "raw": raw}


def run(rounds: int = ROUNDS) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="asgideck-bench-home-") as home:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "ASGIDECK_HOME": home,
        }
        out = subprocess.run(
            [sys.executable, __file__, "--driver", str(rounds)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
    if out.returncode != 0:
        raise RuntimeError(f"bench_try driver failed:\n{out.stderr.strip()[-2000:]}")
    samples = json.loads(out.stdout.strip().splitlines()[-1])
    gui, raw = statistics.median(samples["gui"]), statistics.median(samples["raw"])
    limit = raw + TARGET_SLACK_S
    ratio = gui / limit
    per_round = statistics.median(
        g / (r + TARGET_SLACK_S) for g, r in zip(samples["gui"], samples["raw"], strict=True)
    )
    verdict = "OK" if ratio <= 1.0 else "MISSED"
    print(
        f"try      small GET send-to-shown (painted), {len(samples['gui'])} interleaved rounds: "
        f"GUI {gui * 1000:.1f} ms, raw httpx {raw * 1000:.1f} ms; GUI / (raw + 5 ms) = "
        f"{ratio:.2f} (median per round {per_round:.2f}; target ≤ 1, i.e. ≤ "
        f"{limit * 1000:.1f} ms) {verdict}"
    )
    file(
        Figure(
            bench="try",
            measure="small GET send-to-shown",
            ours=f"{gui * 1000:.1f} ms",
            reference=f"raw httpx {raw * 1000:.1f} ms + 5 ms",
            ratio=ratio,
            target=1.0,
        )
    )
    return {
        "gui_ms": gui * 1000,
        "raw_httpx_ms": raw * 1000,
        "ratio": ratio,
        "ratio_per_round": per_round,
        "limit_ms": limit * 1000,
        "gui_p90_ms": statistics.quantiles(samples["gui"], n=10)[8] * 1000,
        "rounds": len(samples["gui"]),
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--driver":
        print(json.dumps(_driver(int(sys.argv[2]))))
    else:
        run()
