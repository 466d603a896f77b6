"""Try tab: send-to-shown time of a small GET in the GUI vs a raw httpx call, interleaved.

The GUI side is measured from ``TryView.send()`` (what Ctrl+Enter runs) to the
response viewer's ``shown`` signal (status, headers and body on screen). It
includes building the spec, the task runner, the Sender's worker thread, a new
loopback connection and preparing the body view. The baseline is
``httpx.Client.get`` on a kept-alive connection to the same loopback server:
the least a Python client can spend. Runs in a child process (offscreen Qt,
private ASGIDECK_HOME) so the benchmark run's own process stays Qt-free.
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
TARGET_RATIO = 1.2
TARGET_SLACK_S = 0.010
ROUNDS = 40
WARMUP = 5


def _driver(rounds: int) -> dict[str, Any]:
    """Runs inside the child: one server, one view, interleaved GUI and httpx rounds."""
    sys.path[:0] = [str(REPO / "tests")]
    import httpx
    from PySide6.QtCore import QEventLoop, QTimer

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

        def wait_idle() -> None:
            deadline = time.monotonic() + 30
            while (runner.busy or view.response.filling) and time.monotonic() < deadline:
                app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)

        def gui_once() -> float:
            loop = QEventLoop()
            view.response.shown.connect(loop.quit)
            QTimer.singleShot(30_000, loop.quit)
            started = time.perf_counter()
            if not view.send():
                raise RuntimeError(view.banner.text())
            loop.exec()
            elapsed = time.perf_counter() - started
            view.response.shown.disconnect(loop.quit)
            record = view.response.record
            if record is None or record.status != 200:
                raise RuntimeError(f"the GUI request failed: {view.response.error.text()}")
            wait_idle()  # the history write and refresh run after the answer is shown
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
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "ASGIDECK_HOME": tempfile.mkdtemp(prefix="asgideck-bench-home-"),
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
    ratio = gui / raw
    limit = TARGET_RATIO * raw + TARGET_SLACK_S
    verdict = "OK" if gui <= limit else "MISSED"
    print(
        f"try      small GET send-to-shown: GUI {gui * 1000:.1f} ms, raw httpx "
        f"{raw * 1000:.1f} ms, ratio {ratio:.2f} (target ≤ {TARGET_RATIO:g} + "
        f"{TARGET_SLACK_S * 1000:.0f} ms, i.e. ≤ {limit * 1000:.1f} ms) {verdict}"
    )
    return {
        "gui_ms": gui * 1000,
        "raw_httpx_ms": raw * 1000,
        "ratio": ratio,
        "limit_ms": limit * 1000,
        "gui_p90_ms": statistics.quantiles(samples["gui"], n=10)[8] * 1000,
        "rounds": len(samples["gui"]),
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--driver":
        print(json.dumps(_driver(int(sys.argv[2]))))
    else:
        run()
