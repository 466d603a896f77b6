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
Every process is stopped before ``run()`` returns.
"""

from __future__ import annotations

import shutil
import statistics
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench_servers import Direct, load, private_state, sample_spec

from asgideck.runtime import servers as launch
from asgideck.runtime.client import LoadResult
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


def run(rounds: int = 5, duration_s: float = 1.0, latency_s: float = 1.0) -> dict[str, object]:
    if shutil.which("wrk") is None:
        print(
            "record   !!! wrk is not installed: the built-in Python generator is the bottleneck, "
            "so the numbers below are MEANINGLESS. Install it: apt install wrk"
        )
    with private_state() as state:
        runs, read, dropped = measure(state, rounds, duration_s, latency_s)
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
        report[r.route] = {
            "rps_on": on,
            "rps_off": off,
            "ratio": r.ratio,
            "paired_ratio": r.paired_ratio,
            "added_p50_ms": r.added_p50_ms,
            "added_p99_ms": r.added_p99_ms,
            "runs": vars(r),
        }
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
