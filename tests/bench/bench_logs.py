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

(3) the terminal path (issue #15): a real uvicorn app whose startup prints 2M numbered
    lines (10,000-line writes, as ``../shared/peers/m2_logs.py``), launched by
    ``asgideck run … > file``, by ``python -m uvicorn … | cat > file`` (the floor), and
    by PM2 (its own ``PM2_HOME``, ``pm2 kill`` afterwards) and supervisord when
    installed; rounds interleaved, each timed from the start command until the file
    holds the last line, then stopped and counted (lines lost = not found intact).
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import os
import pstats
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
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
from figures import Figure, file, find_peer, skip  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer, QtMsgType, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from asgideck.gui.tabs.logs.view import LogsView  # noqa: E402
from asgideck.runtime import servers as launch  # noqa: E402
from asgideck.runtime.logs import LogBuffer  # noqa: E402
from asgideck.runtime.logs._reader import _grow_pipe  # noqa: E402  (the reader's own pipe size)
from asgideck.runtime.profiles import load_profile  # noqa: E402
from asgideck.runtime.servers import ManagedServer, ServerSpec, Supervisor, free_port  # noqa: E402

LINES = 2_000_000
TARGET_RATIO = 1.25  # issue #15: the Logs view's time ÷ a raw os.read drain's
TARGET_PM2 = 1.0  # issue #15: `asgideck run > file` no slower than PM2 to the last line
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
        # Like for like: the same pipe size asgideck's reader asks for, read as much at once.
        chunk = max(65536, _grow_pipe(fd))
        nbytes = newlines = 0
        while newlines < lines:
            data = read(fd, chunk)
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


def run(rounds: int = 3, lines: int = LINES, *, cli: bool = True) -> dict[str, float]:
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
    ratio = statistics.median(r.seconds / s for r, s in zip(reals, raws, strict=True))
    worst_late = max(r.worst_late_ms for r in reals)
    rss = max(r.rss_growth_mb for r in reals)
    print(
        f"logs     {lines / 1e6:g}M lines through supervisor → buffer → Logs view vs raw "
        f"os.read drain: {real_s:.2f} s vs {raw_s:.2f} s ({real_rate / 1e6:.2f}M vs "
        f"{raw_rate / 1e6:.2f}M lines/s), time ratio {ratio:.2f} (median per round; "
        f"target ≤ {TARGET_RATIO}) {'OK' if ratio <= TARGET_RATIO else 'MISSED'}"
    )
    file(
        Figure(
            bench="logs",
            measure=f"{lines / 1e6:g}M-line flood to the Logs view's last row",
            ours=f"{real_s:.2f} s",
            reference=f"raw os.read drain {raw_s:.2f} s",
            ratio=ratio,
            target=TARGET_RATIO,
        )
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
    terminal = run_cli(rounds, lines) if cli else {}
    return {
        **terminal,
        "lines": lines,
        "real_lines_per_s": real_rate,
        "raw_lines_per_s": raw_rate,
        "gui_over_raw_time": ratio,
        "worst_late_ms": worst_late,
        "rss_growth_mb": rss,
    }


# --------------------------------------------------------------------------- (3) terminal


#: The flood app of ``../shared/peers/m2_logs.py`` without FastAPI (only uvicorn needed):
#: its startup prints N numbered lines in 10,000-line writes, then it serves, idle.
FLOOD_APP = """
import sys

N = {n}
LINE = b'%07d INFO:     127.0.0.1:%d - "GET /items/%d HTTP/1.1" 200 OK\\n'


class App:
    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    out = sys.stdout.buffer
                    for start in range(0, N, 10_000):
                        out.write(b"".join([LINE % (i, 40000 + i % 20000, i)
                                            for i in range(start, min(N, start + 10_000))]))
                        out.flush()
                    await send({{"type": "lifespan.startup.complete"}})
                else:
                    await send({{"type": "lifespan.shutdown.complete"}})
                    return
        await send({{"type": "http.response.start", "status": 204, "headers": []}})
        await send({{"type": "http.response.body", "body": b""}})


app = App()
"""
FLOOD_LINE_RE = re.compile(
    rb'^(\d{7}) INFO:     127\.0\.0\.1:\d+ - "GET /items/\d+ HTTP/1\.1" 200 OK$', re.M
)
CLI_TIMEOUT_S = 120.0
QUIET_S = 5.0  # the last line never came: the sink stopped growing this long


def flood_project(state: Path, lines: int) -> Path:
    root = state / "flood"
    root.mkdir(exist_ok=True)
    (root / "main.py").write_text(FLOOD_APP.format(n=lines), encoding="utf-8")
    (root / ".env").write_text("# the flood app needs no settings\n", encoding="utf-8")
    return root


def _asgideck_cmd() -> list[str]:
    script = Path(sys.executable).with_name("asgideck")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "asgideck"]


def wait_last_line(sink: Path, marker: bytes, timeout: float) -> float | None:
    """perf_counter() once ``marker`` is in the sink's tail; None when it never comes."""
    end_at = time.perf_counter() + timeout
    size, changed = -1, time.perf_counter()
    while time.perf_counter() < end_at:
        try:
            now_size = sink.stat().st_size
        except FileNotFoundError:
            now_size = 0
        if now_size != size:
            size, changed = now_size, time.perf_counter()
            if size:
                with open(sink, "rb") as handle:
                    handle.seek(max(0, size - 65536))
                    if marker in handle.read():
                        return time.perf_counter()
        elif size > 0 and time.perf_counter() - changed > QUIET_S:
            return None
        time.sleep(0.01)  # polling a file another process writes: nothing to wait on
    return None


def count_lost(sink: Path, lines: int) -> int:
    """Numbered lines not found intact in the sink (duplicates do not make up for them)."""
    data = sink.read_bytes() if sink.exists() else b""
    return lines - len(set(FLOOD_LINE_RE.findall(data)))


def _stop_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


class Pm2:
    """PM2 with its own ``PM2_HOME`` (never the user's daemon), killed at the end."""

    def __init__(self, command: str, home: Path) -> None:
        self.command = command
        self.env = {**os.environ, "PM2_HOME": str(home)}
        home.mkdir(parents=True, exist_ok=True)
        self("ping")  # starts the daemon: outside the timing

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.command, *args], env=self.env, capture_output=True, text=True, timeout=60
        )

    def kill(self) -> None:
        self("kill")


def cli_round(
    launcher: str, root: Path, sinks: Path, lines: int, pm2: Pm2 | None, supervisord: str | None
) -> tuple[float | None, int]:
    """One launcher's run: (seconds from start to the last line in the file, lines lost)."""
    from asgideck.runtime.servers import free_port

    out, err = sinks / f"{launcher}.out", sinks / f"{launcher}.err"
    for path in (out, err):
        path.unlink(missing_ok=True)
    port = str(free_port())
    uvicorn = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", port]
    marker = b"%07d INFO" % (lines - 1)
    proc: subprocess.Popen[bytes] | None = None
    name = f"flood-{port}"
    with open(out, "wb") as out_file, open(err, "wb") as err_file:
        start = time.perf_counter()
        if launcher == "raw":
            shell = " ".join(uvicorn) + f" 2>{err} | cat > {out}"
            proc = subprocess.Popen(["bash", "-c", shell], cwd=root, start_new_session=True)
        elif launcher == "asgideck":
            proc = subprocess.Popen(
                [*_asgideck_cmd(), "run", str(root), "--profile", "default", "--port", port,
                 "--python", sys.executable, "--app", "main:app"],
                stdout=out_file, stderr=err_file, start_new_session=True,
            )  # fmt: skip
        elif launcher == "pm2":
            assert pm2 is not None
            done = pm2("start", sys.executable, "--name", name, "--interpreter", "none",
                       "--cwd", str(root), "--output", str(out), "--error", str(err),
                       "--", *uvicorn[1:])  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"pm2 start failed: {done.stderr[-400:]}")
        elif launcher == "supervisord":
            assert supervisord is not None
            conf = sinks / "supervisord.conf"
            conf.write_text(
                "[supervisord]\nnodaemon=true\n"
                f"logfile={sinks / 'supervisord.log'}\npidfile={sinks / 'supervisord.pid'}\n"
                "[program:flood]\n"
                f"command={' '.join(uvicorn)}\ndirectory={root}\nautostart=true\n"
                f"autorestart=false\nstartsecs=0\nstdout_logfile={out}\n"
                f"stdout_logfile_maxbytes=0\nstderr_logfile={err}\n"
                "stderr_logfile_maxbytes=0\nstopasgroup=true\nkillasgroup=true\n"
            )
            proc = subprocess.Popen(
                [supervisord, "-n", "-c", str(conf)], cwd=root, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        else:
            raise ValueError(launcher)
        try:
            last = wait_last_line(out, marker, CLI_TIMEOUT_S)
        finally:
            if launcher == "pm2":
                assert pm2 is not None
                pm2("delete", name)
            elif proc is not None:  # run stops its tree on SIGINT; the others on SIGTERM
                _stop_group(proc, signal.SIGINT if launcher == "asgideck" else signal.SIGTERM)
    lost = count_lost(out, lines)
    for path in (out, err):  # 140 MB each: keep the disk clean
        path.unlink(missing_ok=True)
    return (None if last is None else last - start), lost


def run_cli(rounds: int = 3, lines: int = LINES) -> dict[str, float]:
    """(3): asgideck run vs the raw pipe vs PM2 (and supervisord), interleaved."""
    pm2_command = find_peer("pm2")
    supervisord = find_peer("supervisord")
    launchers = ["raw", "asgideck"]
    if pm2_command is None:
        skip("pm2", "not installed (npm install -g pm2): run ÷ raw pipe filed as context")
    else:
        launchers.append("pm2")
    if supervisord is None:
        skip("supervisord", "not installed (../shared/peers/README.md, the peers venv)")
    else:
        launchers.append("supervisord")
    times: dict[str, list[float | None]] = {name: [] for name in launchers}
    lost: dict[str, list[int]] = {name: [] for name in launchers}
    with private_state() as state, tempfile.TemporaryDirectory(prefix="asgideck-flood-") as tmp:
        root = flood_project(state, lines)
        sinks = Path(tmp)
        pm2 = Pm2(pm2_command, sinks / "pm2-home") if pm2_command else None
        try:
            cli_round("raw", root, sinks, max(1, lines // 20), None, None)  # warm-up
            for r in range(rounds):
                order = launchers if r % 2 == 0 else launchers[::-1]
                for name in order:
                    seconds, missing = cli_round(name, root, sinks, lines, pm2, supervisord)
                    times[name].append(seconds)
                    lost[name].append(missing)
        finally:
            if pm2 is not None:
                pm2.kill()
            shutil.rmtree(sinks / "pm2-home", ignore_errors=True)

    def med(name: str) -> float | None:
        done = [t for t in times[name] if t is not None]
        return statistics.median(done) if done else None

    def per_round(a: str, b: str) -> float | None:
        pairs = [x / y for x, y in zip(times[a], times[b], strict=True) if x and y]
        return statistics.median(pairs) if pairs else None

    def fmt(seconds: float | None) -> str:
        return "never" if seconds is None else f"{seconds:.2f} s"

    print(
        f"logs     {lines / 1e6:g}M-line flood to a file, start → last line "
        f"({rounds} interleaved rounds): "
        + ", ".join(f"{name} {fmt(med(name))}" for name in launchers)
    )
    print(
        "logs       lost lines per round: "
        + "; ".join(f"{name} {', '.join(map(str, lost[name]))}" for name in launchers)
    )
    result: dict[str, float] = {}
    run_s = med("asgideck")
    for peer in ("pm2", "supervisord", "raw"):
        if peer not in launchers:
            continue
        ratio = per_round("asgideck", peer)
        if ratio is None or run_s is None:
            print(f"logs     asgideck run ÷ {peer}: no ratio (a last line never arrived)")
            continue
        target = TARGET_PM2 if peer == "pm2" else None
        verdict = "" if target is None else (" OK" if ratio <= target else " MISSED")
        print(f"logs     asgideck run ÷ {peer}: {ratio:.2f} (median per round){verdict}")
        result[f"run_over_{peer}"] = ratio
        if peer == "raw" and pm2_command is not None:
            continue  # context only when PM2 is there to compare with
        file(
            Figure(
                bench="logs",
                measure=f"{lines / 1e6:g}M-line flood, asgideck run > file",
                ours=f"{run_s:.2f} s",
                reference=f"{'raw uvicorn | cat' if peer == 'raw' else peer} {fmt(med(peer))}",
                ratio=ratio,
                target=target,
            )
        )
    worst = max(max(lost["asgideck"]), 0)
    file(
        Figure(
            bench="logs",
            measure=f"lines lost of {lines / 1e6:g}M, asgideck run > file (worst round)",
            ours=f"{worst:,} lost",
            reference="every line delivered",
            ratio=float(worst),
            target=None,
        )
    )
    if worst:
        print(f"logs     asgideck run LOST {worst:,} lines in a round: MISSED (every line due)")
    result["run_lost_worst"] = float(worst)
    return result


if __name__ == "__main__":
    if "--profile" in sys.argv:
        profile_real_path()
    elif "--cli" in sys.argv:
        run_cli(int(os.environ.get("BENCH_ROUNDS", "3")), int(os.environ.get("BENCH_LINES", LINES)))
    elif "--gui" in sys.argv:  # (1) and (2) only: the Logs view against the raw drain
        rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
        run(rounds, int(os.environ.get("BENCH_LINES", LINES)), cli=False)
    else:
        run()
