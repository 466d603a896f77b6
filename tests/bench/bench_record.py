"""Issue 13 item 6: what recording requests costs sample_app, measured, not guessed.

Two copies of the same uvicorn command run side by side — one launched through the
request-recording agent (``ServerSpec.record`` set), one plain — and wrk loads one at a
time, in interleaved rounds, on ``GET /health`` and on a route that queries the database
(``GET /api/v1/items``, SQLite through the sample's data layer):

- requests/s with 32 connections: the ratio recorded / plain (goal ≥ 0.85);
- latency with one connection (no queueing, so a percentile is one request's time):
  the added latency at p50 and p99.

While the recorded server is loaded, a ``RequestLog`` polls its folder every 50 ms as the
window's timer does, so the reading side's cost on this machine is in the number too.

wrk's figure moves with whatever else the (shared, 2-core) machine runs, so a steadier
one is printed beside it: the in-process CPU cost per request. Two child interpreters
(plain, recorded) import sample_app and drive it over ASGI directly, no sockets, in
interleaved rounds; a round's CPU time (``time.process_time``: the app's thread, the
agent's writer thread and anyio's worker threads) is taken once the writer has written
every record. Then the writer's encoding alone (µs per record, thread CPU time) and its
cProfile top entries. Every process is stopped before ``run()`` returns.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench_servers import PROFILE, SAMPLE, Direct, load, private_state, sample_spec
from figures import Figure, file

from asgideck.runtime import servers as launch
from asgideck.runtime.agent import BOOT_DIR, agent_environment
from asgideck.runtime.client import LoadResult
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import find_interpreter
from asgideck.runtime.recording import RequestLog
from asgideck.runtime.servers import ServerSpec, free_port, wait_port_open

ROUTES = ("/health", "/api/v1/items")
TARGET_RATIO = 0.85
CONCURRENCY = 32


class Window:
    """asgideck's reading side during a recorded run: polls like the Requests tab's timer."""

    def __init__(self, records: Path) -> None:
        self.log = RequestLog(records, keep=2000)
        self.read = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.read += len(self.log.poll())

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.read += len(self.log.poll())


@dataclass
class RouteRuns:
    """One route's interleaved rounds: (recorded, plain) pairs of each kind of run."""

    route: str
    rps_on: list[float] = field(default_factory=list)
    rps_off: list[float] = field(default_factory=list)
    p50_on: list[float] = field(default_factory=list)
    p50_off: list[float] = field(default_factory=list)
    p99_on: list[float] = field(default_factory=list)
    p99_off: list[float] = field(default_factory=list)
    requests_on: int = 0
    errors: int = 0
    tool: str = ""

    @property
    def ratio(self) -> float:
        return statistics.median(self.rps_on) / statistics.median(self.rps_off)

    @property
    def paired_ratio(self) -> float:
        return statistics.median(a / b for a, b in zip(self.rps_on, self.rps_off, strict=True))

    @property
    def added_p50_ms(self) -> float:
        return statistics.median(self.p50_on) - statistics.median(self.p50_off)

    @property
    def added_p99_ms(self) -> float:
        return statistics.median(self.p99_on) - statistics.median(self.p99_off)


def _start(spec: ServerSpec) -> Direct:
    server = Direct(spec)
    if not wait_port_open(launch.connect_host(spec), spec.port, 60):
        server.stop()
        raise RuntimeError(f"sample_app (record={spec.record}) never opened port {spec.port}")
    return server


def measure(
    state: Path, rounds: int, duration_s: float, latency_s: float
) -> tuple[list[RouteRuns], int, int]:
    """Both servers up, every route's rounds interleaved; (runs, records read, dropped)."""
    records = state / "records"
    records.mkdir()
    base = sample_spec(state)
    plain_spec = replace(base, port=free_port())
    recorded_spec = replace(base, port=free_port(), record=records)
    servers: list[Direct] = []
    window: Window | None = None
    try:
        servers.append(_start(plain_spec))
        servers.append(_start(recorded_spec))
        window = Window(records)
        urls = {
            True: launch.url(recorded_spec),
            False: launch.url(plain_spec),
        }
        runs = [RouteRuns(route) for route in ROUTES]
        for run in runs:  # warm-up: imports, first connections, the first SQL
            for on in (True, False):
                warm = load(urls[on] + run.route, 1.0)
                run.requests_on += warm.requests if on else 0
        for i in range(rounds):
            order = (True, False) if i % 2 == 0 else (False, True)
            for run in runs:
                for on in order:
                    url = urls[on] + run.route
                    rate: LoadResult = load(url, duration_s, CONCURRENCY)
                    one: LoadResult = load(url, latency_s, 1)
                    (run.rps_on if on else run.rps_off).append(rate.rps)
                    (run.p50_on if on else run.p50_off).append(one.p50_ms)
                    (run.p99_on if on else run.p99_off).append(one.p99_ms)
                    if on:
                        run.requests_on += rate.requests + one.requests
                    run.errors += rate.errors + one.errors
                    run.tool = rate.tool
        window.close()
        return runs, window.read, window.log.dropped
    finally:
        if window is not None:
            window.close()
        for server in servers:
            server.stop()


# ---------------------------------------------------------------------- in-process CPU

#: The child: sample_app (recorded when argv[1] is the agent's boot folder, else plain)
#: driven over ASGI from stdin commands; answers one JSON line per command.
DRIVER = r"""
import asyncio, cProfile, io, json, os, pstats, sys, time
boot = sys.argv[1]
sys.path.insert(0, os.getcwd())
if boot != "-":
    sys.path.insert(0, boot)
    import _asgideck_agent as agent
    app = agent.app
else:
    import importlib
    module, _, attr = sys.argv[2].partition(":")
    app = getattr(importlib.import_module(module), attr)
recorder = getattr(app, "recorder", None)
HEADERS = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk/4"), (b"accept", b"*/*")]

async def request(path):
    done = asyncio.get_running_loop().create_future()
    sent, status = [False], [0]
    async def receive():
        if not sent[0]:
            sent[0] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done
        return {"type": "http.disconnect"}
    async def send(message):
        if message["type"] == "http.response.start":
            status[0] = message["status"]
        elif message["type"] == "http.response.body" and not message.get("more_body"):
            if not done.done():
                done.set_result(None)
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
             "http_version": "1.1", "server": ("127.0.0.1", 8000),
             "client": ("127.0.0.1", 50000), "scheme": "http", "method": "GET",
             "root_path": "", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": list(HEADERS), "state": {}}
    await app(scope, receive, send)
    return status[0]

def drained():
    while recorder is not None and recorder.queue:
        time.sleep(0.002)  # the writer's queue is emptied by its own thread
    if recorder is not None:
        with recorder.batch_lock:  # and its batch in flight is written
            pass

async def main():
    queue = asyncio.Queue()
    await queue.put({"type": "lifespan.startup"})
    started = asyncio.get_running_loop().create_future()
    async def lreceive():
        return await queue.get()
    async def lsend(message):
        if not started.done():
            started.set_result(message)
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    life = asyncio.ensure_future(app(scope, lreceive, lsend))
    await started
    loop = asyncio.get_running_loop()
    for line in sys.stdin:
        command, path, n = line.split()
        n = int(n)
        if command == "run":
            cpu = time.process_time()
            for _ in range(n):
                assert await request(path) == 200
            await loop.run_in_executor(None, drained)
            out = {"cpu_us": (time.process_time() - cpu) / n * 1e6}
        elif command == "encode":
            states = []
            recorder.submit = states.append
            for _ in range(n):
                await request(path)
            del recorder.submit
            line, pid, best = recorder.encoder.line, os.getpid(), float("inf")
            for _ in range(5):
                cpu = time.thread_time()
                for i, state in enumerate(states):
                    line(pid, i, state)
                best = min(best, (time.thread_time() - cpu) / n * 1e6)
            profile = cProfile.Profile(time.thread_time)
            profile.enable()
            for i, state in enumerate(states):
                line(pid, i, state)
            profile.disable()
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(8)
            out = {"us": best, "profile": text.getvalue(), "bytes": len(line(pid, 0, states[0]))}
        else:
            break
        print(json.dumps(out), flush=True)
    await queue.put({"type": "lifespan.shutdown"})
    await life

asyncio.run(main())
"""


class Child:
    """One driver interpreter (plain or recorded), answering commands on its pipes."""

    def __init__(self, state: Path, name: str, recorded: bool) -> None:
        env = {**os.environ, **load_profile(SAMPLE, PROFILE).environ()}
        env["DATABASE_URL"] = f"sqlite:///{state / (name + '.db')}"
        if recorded:
            records = state / f"records-{name}"
            env.update(
                agent_environment("app.main:app", factory=False, records=records, root=SAMPLE)
            )
        python = find_interpreter(SAMPLE).path
        boot = str(BOOT_DIR) if recorded else "-"
        self.proc = subprocess.Popen(
            [str(python), "-c", DRIVER, boot, "app.main:app"],
            cwd=SAMPLE,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"the driver stopped on {command!r}")
        result: dict[str, Any] = json.loads(answer)
        return result

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # the driver's loop ends, its lifespan shuts down
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def in_process(state: Path, rounds: int = 9, requests: int = 300) -> dict[str, Any]:
    """CPU µs per request, plain vs recorded, interleaved; then the encoder alone."""
    plain, recorded = Child(state, "plain", False), Child(state, "recorded", True)
    report: dict[str, Any] = {}
    try:
        for route in ROUTES:
            for child in (plain, recorded):
                child.ask(f"run {route} 100")  # warm-up
            off: list[float] = []
            on: list[float] = []
            for i in range(rounds):
                order = ((plain, off), (recorded, on))
                for child, into in order if i % 2 == 0 else order[::-1]:
                    into.append(child.ask(f"run {route} {requests}")["cpu_us"])
            encoded = recorded.ask(f"encode {route} {requests}")
            a, b = statistics.median(off), statistics.median(on)
            paired = statistics.median(x / y for x, y in zip(off, on, strict=True))
            report[route] = {"plain_us": a, "recorded_us": b, "ratio": a / b, "paired": paired}
            report[route]["encode_us"] = encoded["us"]
            print(
                f"record   in-process CPU per GET {route}: plain {a:.0f} µs, recorded {b:.0f} µs "
                f"(+{b - a:.0f} µs), plain ÷ recorded {a / b:.2f} (median of per-round "
                f"ratios {paired:.2f}; {rounds}×{requests} requests, interleaved); the "
                f"writer's encoding alone {encoded['us']:.1f} µs per record "
                f"({encoded['bytes']} bytes a line)"
            )
            rows = [r for r in encoded["profile"].splitlines() if r.strip()][-8:]
            print("record     cProfile of the encoding (thread CPU, top by own time):")
            for row in rows:
                print("record       " + row.replace(str(BOOT_DIR.parent), "agent"))
            file(
                Figure(
                    bench="record",
                    measure=f"in-process CPU per GET {route}, plain ÷ recorded",
                    ours=f"{b:.0f} µs",
                    reference=f"plain {a:.0f} µs",
                    ratio=a / b,
                    target=None,
                    higher_is_better=True,
                )
            )
    finally:
        plain.stop()
        recorded.stop()
    return report


def run(rounds: int = 5, duration_s: float = 1.0, latency_s: float = 1.0) -> dict[str, object]:
    wrk = shutil.which("wrk") is not None
    if not wrk:
        print(
            "record   !!! wrk is not installed: the built-in Python generator is the bottleneck, "
            "so the numbers below are MEANINGLESS (and not filed). Install it: apt install wrk"
        )
    with private_state() as state:
        runs, read, dropped = measure(state, rounds, duration_s, latency_s)
        cpu = in_process(state)
    report: dict[str, object] = {"records_read": read, "agent_dropped": dropped}
    for r in runs:
        on, off = statistics.median(r.rps_on), statistics.median(r.rps_off)
        verdict = "OK" if r.ratio >= TARGET_RATIO else "MISSED"
        print(
            f"record   GET {r.route}: requests/s recorded vs plain {on:.0f} vs {off:.0f}, "
            f"ratio {r.ratio:.2f} (goal ≥ {TARGET_RATIO}) {verdict}; added latency "
            f"p50 {r.added_p50_ms * 1000:+.0f} µs, p99 {r.added_p99_ms * 1000:+.0f} µs"
        )
        print(
            f"record     ({r.tool}, {CONCURRENCY} connections for requests/s, 1 for latency; "
            f"{rounds}×{duration_s:g} s + {rounds}×{latency_s:g} s each, interleaved; "
            f"recorded runs {', '.join(f'{x:.0f}' for x in r.rps_on)}; "
            f"plain runs {', '.join(f'{x:.0f}' for x in r.rps_off)}; "
            f"median of per-round ratios {r.paired_ratio:.2f}; "
            f"p50 {statistics.median(r.p50_on):.2f} vs {statistics.median(r.p50_off):.2f} ms, "
            f"p99 {statistics.median(r.p99_on):.2f} vs {statistics.median(r.p99_off):.2f} ms; "
            f"errors {r.errors})"
        )
        if wrk:
            file(
                Figure(
                    bench="record",
                    measure=f"requests/s recording on ÷ off, GET {r.route} (wrk)",
                    ours=f"{on:.0f} req/s (p50 {r.added_p50_ms * 1000:+.0f} µs, "
                    f"p99 {r.added_p99_ms * 1000:+.0f} µs)",
                    reference=f"plain {off:.0f} req/s",
                    ratio=r.ratio,
                    target=TARGET_RATIO,
                    higher_is_better=True,
                )
            )
        report[r.route] = {
            "rps_on": on,
            "rps_off": off,
            "ratio": r.ratio,
            "paired_ratio": r.paired_ratio,
            "added_p50_ms": r.added_p50_ms,
            "added_p99_ms": r.added_p99_ms,
            "runs": vars(r),
        }
    report["in_process"] = cpu
    requests = sum(r.requests_on for r in runs)
    missing = requests - read - dropped
    print(
        f"record     (the window's RequestLog, polling every 50 ms, read {read:,} records of "
        f"{requests:,} requests wrk completed on the recorded server; the agent dropped "
        f"{dropped:,}"
        + (f"; {missing:,} rotated away before a poll reached them)" if missing > 0 else ")")
    )
    return report


if __name__ == "__main__":
    run()
