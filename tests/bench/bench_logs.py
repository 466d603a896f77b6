"""Log ingestion: a server printing 2M access lines, through asgideck vs a raw ``os.read`` drain.

The "server" is a stand-in ``uvicorn`` module in a throwaway project folder
(``python -m uvicorn`` finds it first, as the folder is the working directory):
it listens on its ``--port`` and prints numbered uvicorn-style access lines as
fast as it can, in batches, then idles until it is stopped.

(1) the real path: a real ``Supervisor`` starts it (sample_app's development
    profile as env, so secret masking is on; run-log file on), its reader
    threads drain the pipes into the ``LogBuffer``, and the Logs view
    (``LogsView``: ``LogModel.refresh()`` on its 40 ms timer, follow mode, the
    list laying out rows) shows it in a running Qt event loop, offscreen.
    Timed from ``start()`` until the view's last row is the server's last line.
(2) the same command spawned directly, drained by ``os.read(fd, 65536)`` that
    only counts bytes and newlines, timed from spawn to the last newline.

Runs alternate. During (1) a 10 ms timer records how late the event loop runs
it and RSS is sampled; growth is measured over the baseline before the first run.
``--profile`` runs (1) once under cProfile (GUI thread and the reader threads).
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import os
import pstats
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psutil  # noqa: E402
from bench_servers import private_state  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer, QtMsgType, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from asgideck.gui.tabs.logs.view import LogsView  # noqa: E402
from asgideck.runtime import servers as launch  # noqa: E402
from asgideck.runtime.logs import LogBuffer  # noqa: E402
from asgideck.runtime.profiles import load_profile  # noqa: E402
from asgideck.runtime.servers import ManagedServer, ServerSpec, Supervisor, free_port  # noqa: E402

LINES = 2_000_000
TARGET_RATIO = 0.5
TARGET_LATE_MS = 50.0
TARGET_RSS_MB = 200.0
TICK_MS = 10
TIMEOUT_S = 120.0

#: The chatty stand-in for uvicorn: listen on --port, print $CHATTY_LINES access lines, idle.
FAKE_UVICORN = r"""
import os, socket, sys, time

port = int(sys.argv[sys.argv.index("--port") + 1])
n = int(os.environ["CHATTY_LINES"])
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen()
write = sys.stdout.buffer.write
line = b'INFO:     127.0.0.1:%d - "GET /items/%d?page=%d HTTP/1.1" %d OK\n'
for start in range(0, n, 20000):
    write(b"".join([line % (40000 + i % 20000, i, i % 7, 200 + (i % 5 == 0) * 204)
                    for i in range(start, min(n, start + 20000))]))
sys.stdout.buffer.flush()
time.sleep(600)
"""


@contextlib.contextmanager
def chatty_project(state: Path) -> Iterator[Path]:
    """A project folder whose ``python -m uvicorn`` is the chatty stand-in."""
    root = state / "chatty"
    root.mkdir(exist_ok=True)
    (root / "uvicorn.py").write_text(FAKE_UVICORN, encoding="utf-8")
    yield root


def chatty_spec(root: Path, lines: int) -> ServerSpec:
    env = load_profile(REPO / "sample_app", "development").environ()
    env["CHATTY_LINES"] = str(lines)
    return ServerSpec(
        kind="uvicorn",
        app="chatty:app",
        root=root,
        python=Path(sys.executable),
        env=env,
        port=free_port(),
        access_log=True,
    )


def last_line_marker(lines: int) -> str:
    return f"/items/{lines - 1}?"


# --------------------------------------------------------------------------- (2) raw drain


def raw_drain(root: Path, lines: int) -> float:
    """Seconds from spawn to the last newline of a bare ``os.read`` loop on the same command."""
    spec = chatty_spec(root, lines)
    start = time.perf_counter()
    proc = subprocess.Popen(
        launch.argv(spec),
        cwd=spec.root,
        env=launch.child_env(spec),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        bufsize=0,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        fd, read = proc.stdout.fileno(), os.read
        nbytes = newlines = 0
        while newlines < lines:
            data = read(fd, 65536)
            if not data:
                break
            nbytes += len(data)
            newlines += data.count(b"\n")
        elapsed = time.perf_counter() - start
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    if newlines != lines:
        raise RuntimeError(f"raw drain saw {newlines:,} lines of {lines:,} ({nbytes:,} bytes)")
    return elapsed


# --------------------------------------------------------------------------- (1) real path


class _Server:
    """What ``LogsView`` uses of a ``ManagedServer``: its buffer and name."""

    def __init__(self, buffer: LogBuffer) -> None:
        self.buffer = buffer
        self.name = "bench-logs"


def _seq_of(buffer: LogBuffer, marker: str) -> int | None:
    for line in reversed(buffer.tail(64)):
        if line.stream == "stdout" and marker in line.text:
            return line.seq
    return None


@dataclass
class RealRun:
    seconds: float
    worst_late_ms: float
    rss_growth_mb: float
    rows: int
    lines_in: int


def real_path(app: QApplication, root: Path, lines: int, baseline_rss: int) -> RealRun:
    """Seconds from ``Supervisor.start()`` until the view shows the server's last line."""
    buffer = LogBuffer()
    view = LogsView(cast(ManagedServer, _Server(buffer)))
    view.resize(1000, 700)
    view.show()
    app.processEvents()
    sup = Supervisor(chatty_spec(root, lines), buffer=buffer, name="bench-logs")
    me = psutil.Process()
    marker = last_line_marker(lines)
    loop = QEventLoop()
    state = {"worst": 0.0, "ticks": 0, "rss": baseline_rss, "seq": 0, "done": 0.0}

    def tick() -> None:
        now = time.perf_counter()
        state["worst"] = max(state["worst"], now - state["last"] - TICK_MS / 1000)
        state["last"] = now
        state["ticks"] += 1
        if state["ticks"] % 5 == 0:
            state["rss"] = max(state["rss"], me.memory_info().rss)
        if not state["seq"] and buffer.total >= lines:
            state["seq"] = _seq_of(buffer, marker) or 0
        rows = view.model.rowCount()
        shown = view.model.seq_at(rows - 1) if rows else None
        finished = bool(state["seq"]) and shown is not None and shown >= state["seq"]
        if finished or now - state["start"] > TIMEOUT_S:
            state["done"] = now if finished else 0.0
            loop.quit()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    try:
        state["start"] = time.perf_counter()
        sup.start()
        timer.start()
        state["last"] = time.perf_counter()
        loop.exec()
    finally:
        timer.stop()
        sup.close(grace=2.0)
        view.detach()
        view.close()
        view.deleteLater()
        app.processEvents()
    if not state["done"]:
        raise RuntimeError(
            f"the view did not show line {lines:,} within {TIMEOUT_S:g} s "
            f"(buffer got {buffer.total:,} lines; state {sup.state})"
        )
    state["rss"] = max(state["rss"], me.memory_info().rss)
    return RealRun(
        seconds=state["done"] - state["start"],
        worst_late_ms=state["worst"] * 1000,
        rss_growth_mb=(state["rss"] - baseline_rss) / 2**20,
        rows=view.model.rowCount(),
        lines_in=buffer.total,
    )


# --------------------------------------------------------------------------- report


def _quiet_offscreen(kind: QtMsgType, context: object, message: str) -> None:
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _app() -> QApplication:
    qInstallMessageHandler(_quiet_offscreen)
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    return app


def profile_real_path(lines: int = LINES, top: int = 20) -> None:
    """cProfile of the GUI thread and of every thread started during one real-path run."""
    app = _app()
    profiles: dict[str, cProfile.Profile] = {}
    original_run = threading.Thread.run

    def profiled_run(self: threading.Thread) -> None:
        profiler = profiles.setdefault(self.name, cProfile.Profile())
        profiler.runcall(original_run, self)

    main = cProfile.Profile()
    threading.Thread.run = profiled_run  # type: ignore[method-assign]
    try:
        with private_state() as state, chatty_project(state) as root:
            rss = psutil.Process().memory_info().rss
            result = main.runcall(real_path, app, root, lines, rss)
    finally:
        threading.Thread.run = original_run  # type: ignore[method-assign]
    print(f"one profiled real-path run: {result}")
    print("\n===== GUI thread")
    pstats.Stats(main).sort_stats("tottime").print_stats(top)
    for name, profiler in profiles.items():
        if name.endswith(("-stdout", "-stderr", "-monitor")):
            print(f"\n===== thread {name}")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def run(rounds: int = 3, lines: int = LINES) -> dict[str, float]:
    app = _app()
    with private_state() as state, chatty_project(state) as root:
        raw_drain(root, lines // 10)  # warm-up: the child's imports, page cache
        gc.collect()
        app.processEvents()
        baseline = psutil.Process().memory_info().rss
        raws: list[float] = []
        reals: list[RealRun] = []
        for _ in range(rounds):
            raws.append(raw_drain(root, lines))
            reals.append(real_path(app, root, lines, baseline))
            gc.collect()
    raw_s = statistics.median(raws)
    real_s = statistics.median(r.seconds for r in reals)
    raw_rate, real_rate = lines / raw_s, lines / real_s
    ratio = real_rate / raw_rate
    worst_late = max(r.worst_late_ms for r in reals)
    rss = max(r.rss_growth_mb for r in reals)
    print(
        f"logs     {lines / 1e6:g}M lines/s through supervisor → buffer → Logs view vs raw "
        f"os.read: {real_rate / 1e6:.2f}M vs {raw_rate / 1e6:.2f}M, ratio {ratio:.2f} "
        f"(target ≥ {TARGET_RATIO}) {'OK' if ratio >= TARGET_RATIO else 'MISSED'}"
    )
    print(
        f"logs     Qt event loop worst lateness (10 ms timer): {worst_late:.1f} ms "
        f"(target ≤ {TARGET_LATE_MS:g} ms) {'OK' if worst_late <= TARGET_LATE_MS else 'MISSED'}"
    )
    print(
        f"logs     RSS growth during ingestion: {rss:.0f} MB (target ≤ {TARGET_RSS_MB:g} MB) "
        f"{'OK' if rss <= TARGET_RSS_MB else 'MISSED'}"
    )
    print(
        f"logs       (real path runs {', '.join(f'{r.seconds:.2f}' for r in reals)} s; "
        f"raw runs {', '.join(f'{s:.2f}' for s in raws)} s; "
        f"lateness per run {', '.join(f'{r.worst_late_ms:.1f}' for r in reals)} ms; "
        f"rows in the view at the end {reals[-1].rows:,} of {reals[-1].lines_in:,} received)"
    )
    return {
        "lines": lines,
        "real_lines_per_s": real_rate,
        "raw_lines_per_s": raw_rate,
        "ratio": ratio,
        "worst_late_ms": worst_late,
        "rss_growth_mb": rss,
    }


if __name__ == "__main__":
    if "--profile" in sys.argv:
        profile_real_path()
    else:
        run()
