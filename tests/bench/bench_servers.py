"""sample_app under asgideck's ``Supervisor`` vs the same uvicorn command run directly.

(a) requests/s with the access log on in both: the supervised server's pipes
    are drained into its ``LogBuffer`` (and run-log file) by the supervisor's
    reader threads, the direct one writes to /dev/null. wrk when installed, else
    the built-in generator of ``asgideck.runtime.client`` in its own process (so it does
    not share the GIL with the supervisor's readers).
(c) start-to-ready: ``Supervisor.start()`` until state "running" vs spawning the
    same argv and polling for the port plus "Application startup complete.".

Same argv (``launch.argv``), same env (``launch.child_env``), loopback only,
runs interleaved; every process is stopped before ``run()`` returns.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]

from asgideck.runtime import servers as launch  # noqa: E402
from asgideck.runtime.client import LoadResult, run_load  # noqa: E402
from asgideck.runtime.profiles import load_profile  # noqa: E402
from asgideck.runtime.project import find_app, find_interpreter  # noqa: E402
from asgideck.runtime.servers import (  # noqa: E402
    ServerSpec,
    Supervisor,
    free_port,
    port_accepts,
    wait_port_open,
)

SAMPLE = REPO / "sample_app"
PROFILE = "development"
ROUTE = "/health"
READY_LINE = b"Application startup complete."
TARGET_RPS_RATIO = 0.95
TARGET_READY_RATIO = 1.1
CONCURRENCY = 32


# --------------------------------------------------------------------------- setup


@contextlib.contextmanager
def private_state() -> Iterator[Path]:
    """A throwaway ``ASGIDECK_HOME`` (state file, run logs) and database for the bench."""
    old = os.environ.get("ASGIDECK_HOME")
    with tempfile.TemporaryDirectory(prefix="asgideck-bench-") as tmp:
        os.environ["ASGIDECK_HOME"] = tmp
        try:
            yield Path(tmp)
        finally:
            if old is None:
                os.environ.pop("ASGIDECK_HOME", None)
            else:
                os.environ["ASGIDECK_HOME"] = old


def sample_spec(state: Path) -> ServerSpec:
    """sample_app as the GUI would launch it: its app, interpreter and profile, access log on."""
    env = load_profile(SAMPLE, PROFILE).environ()
    env["DATABASE_URL"] = f"sqlite:///{state / 'bench.db'}"  # leave the sample's own db alone
    return ServerSpec(
        kind="uvicorn",
        app=find_app(SAMPLE).import_string,
        root=SAMPLE,
        python=find_interpreter(SAMPLE).path,
        env=env,
        port=free_port(),
        access_log=True,
    )


class Direct:
    """The same command without asgideck: its own session, output where we say."""

    def __init__(self, spec: ServerSpec, *, stderr: int = subprocess.DEVNULL) -> None:
        self.spec = spec
        self.proc = subprocess.Popen(
            launch.argv(spec),
            cwd=spec.root,
            env=launch.child_env(spec),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the group, SIGKILL it after ``grace``; the group is gone afterwards."""
        pgid = self.proc.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.proc.wait(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


# --------------------------------------------------------------------------- (a) requests/s

_BUILTIN = """
import dataclasses, json, sys

from asgideck.runtime.client._loadtest import run_load
result = run_load(sys.argv[2], concurrency=int(sys.argv[3]), duration_s=float(sys.argv[4]),
                  tool="builtin", max_requests=1_000_000)
print(json.dumps(dataclasses.asdict(result)))
"""


def load(url: str, duration_s: float, concurrency: int = CONCURRENCY) -> LoadResult:
    """One bounded loopback load run: wrk if installed, else the built-in in a child process."""
    if shutil.which("wrk"):
        return run_load(url, concurrency=concurrency, duration_s=duration_s, tool="wrk")
    args = [sys.executable, "-c", _BUILTIN, str(REPO), url, str(concurrency), str(duration_s)]
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration_s + 60, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"built-in load generator failed: {out.stderr.strip()[-500:]}")
    return LoadResult(**json.loads(out.stdout.strip().splitlines()[-1]))


def _wait_lines(sup: Supervisor, at_least: int, timeout: float = 5.0) -> int:
    """The buffer's line count once the readers caught up to ``at_least`` (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    while sup.buffer.total < at_least and time.monotonic() < deadline:
        time.sleep(0.02)  # polling a counter another thread advances, with a deadline
    return sup.buffer.total


@dataclass
class ThroughputResult:
    tool: str
    ours: list[float]
    direct: list[float]
    lines_expected: int
    lines_seen: int
    errors: int
    cpu_share: float  # of one core, used by this (asgideck's) process while under load

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.direct)

    @property
    def paired_ratio(self) -> float:
        """Median of each round's own ratio: less sensitive to load drifting between rounds."""
        return statistics.median(a / b for a, b in zip(self.ours, self.direct, strict=True))


def throughput(state: Path, rounds: int = 5, duration_s: float = 3.0) -> ThroughputResult:
    base = sample_spec(state)
    sup = Supervisor(replace(base, port=free_port()), name="bench-throughput")
    direct: Direct | None = None
    try:
        sup.start()
        status = sup.wait_for("running", "crashed", timeout=60)
        if status.state != "running":
            raise RuntimeError(f"sample_app did not start under asgideck: {status.error}")
        direct_spec = replace(base, port=free_port())
        direct = Direct(direct_spec)
        host = launch.connect_host(direct_spec)
        if not wait_port_open(host, direct_spec.port, 60):
            raise RuntimeError(f"direct uvicorn never opened port {direct_spec.port}")
        ours_url = launch.url(sup.spec) + ROUTE
        direct_url = launch.url(direct_spec) + ROUTE
        for url in (ours_url, direct_url):  # warm-up: imports, first connections, caches
            load(url, 1.0)
        ours: list[float] = []
        plain: list[float] = []
        tool = ""
        expected = seen = errors = 0
        cpu = busy = 0.0
        me = psutil.Process()
        for i in range(rounds):
            order = ("ours", "direct") if i % 2 == 0 else ("direct", "ours")
            for which in order:
                if which == "ours":
                    before = sup.buffer.total
                    cpu_before = sum(me.cpu_times()[:2])
                    result = load(ours_url, duration_s)
                    cpu += sum(me.cpu_times()[:2]) - cpu_before
                    busy += result.duration_s
                    expected += result.requests
                    seen += _wait_lines(sup, before + result.requests) - before
                    ours.append(result.rps)
                else:
                    result = load(direct_url, duration_s)
                    plain.append(result.rps)
                tool = result.tool
                errors += result.errors
        return ThroughputResult(tool, ours, plain, expected, seen, errors, cpu / max(busy, 1e-9))
    finally:
        sup.close()
        if direct is not None:
            direct.stop()


# --------------------------------------------------------------------------- (c) start-to-ready


def ready_direct(spec: ServerSpec, timeout: float = 60.0) -> float:
    """Seconds from spawn to the port accepting and the startup-complete line on stderr."""
    host = launch.connect_host(spec)
    start = time.perf_counter()
    server = Direct(spec, stderr=subprocess.PIPE)
    try:
        assert server.proc.stderr is not None
        fd = server.proc.stderr.fileno()
        os.set_blocking(fd, False)
        seen = b""
        marker = False
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while time.perf_counter() - start < timeout:
                if selector.select(0.005):
                    with contextlib.suppress(BlockingIOError):
                        chunk = os.read(fd, 65536)
                        if not chunk:
                            raise RuntimeError("direct uvicorn exited while starting")
                        seen = seen[-200:] + chunk
                        marker = marker or READY_LINE in seen
                if marker and port_accepts(host, spec.port, 0.2):
                    return time.perf_counter() - start
        raise RuntimeError(f"direct uvicorn not ready within {timeout:g} s")
    finally:
        server.stop()


def ready_supervised(spec: ServerSpec, timeout: float = 60.0) -> float:
    """Seconds from ``Supervisor.start()`` to state "running" (port accepts + startup line)."""
    sup = Supervisor(spec, name="bench-ready")
    try:
        start = time.perf_counter()
        sup.start()
        status = sup.wait_for("running", "crashed", timeout=timeout)
        elapsed = time.perf_counter() - start
        if status.state != "running":
            raise RuntimeError(f"sample_app not running under asgideck: {status.error}")
        if not any(READY_LINE.decode() in line.text for line in sup.buffer.snapshot()):
            raise RuntimeError("running, but no startup-complete line reached the buffer")
        return elapsed
    finally:
        sup.close()


def start_to_ready(state: Path, rounds: int = 5) -> tuple[list[float], list[float]]:
    base = sample_spec(state)
    ready_direct(replace(base, port=free_port()))  # warm-up: file-system caches, bytecode
    ours: list[float] = []
    plain: list[float] = []
    for i in range(rounds):
        if i % 2 == 0:
            ours.append(ready_supervised(replace(base, port=free_port())))
            plain.append(ready_direct(replace(base, port=free_port())))
        else:
            plain.append(ready_direct(replace(base, port=free_port())))
            ours.append(ready_supervised(replace(base, port=free_port())))
    return ours, plain


# --------------------------------------------------------------------------- report


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def run(rounds: int = 7, duration_s: float = 3.0, ready_rounds: int = 7) -> dict[str, object]:
    with private_state() as state:
        tp = throughput(state, rounds, duration_s)
        ours_ready, direct_ready = start_to_ready(state, ready_rounds)
    rps_ours, rps_direct = statistics.median(tp.ours), statistics.median(tp.direct)
    rps_ok = tp.ratio >= TARGET_RPS_RATIO
    print(
        f"servers  requests/s under asgideck vs direct: {rps_ours:.0f} vs {rps_direct:.0f}, "
        f"ratio {tp.ratio:.2f} (target ≥ {TARGET_RPS_RATIO}) {_verdict(rps_ok)}"
    )
    print(
        f"servers    ({tp.tool}, {CONCURRENCY} connections, GET {ROUTE}, {rounds}×{duration_s:g} s "
        f"each, interleaved; asgideck runs {', '.join(f'{x:.0f}' for x in tp.ours)}; "
        f"direct runs {', '.join(f'{x:.0f}' for x in tp.direct)}; "
        f"median of per-round ratios {tp.paired_ratio:.2f}; "
        f"access lines in asgideck's buffer {tp.lines_seen:,} for {tp.lines_expected:,} "
        f"requests; asgideck's own CPU under load {tp.cpu_share:.0%} of a core; "
        f"errors {tp.errors})"
    )
    if tp.tool == "builtin":
        print(
            "servers    (wrk is not installed: the built-in Python generator is the bottleneck "
            "here, so this ratio says little; apt-get install wrk)"
        )
    r_ours, r_direct = statistics.median(ours_ready), statistics.median(direct_ready)
    ratio = r_ours / r_direct
    print(
        f"servers  start-to-ready under asgideck vs direct: {r_ours:.2f} s vs {r_direct:.2f} s, "
        f"ratio {ratio:.2f} (target ≤ {TARGET_READY_RATIO}) {_verdict(ratio <= TARGET_READY_RATIO)}"
    )
    print(
        f"servers    (asgideck runs {', '.join(f'{x:.2f}' for x in ours_ready)}; "
        f"direct runs {', '.join(f'{x:.2f}' for x in direct_ready)})"
    )
    return {
        "rps_ours": rps_ours,
        "rps_direct": rps_direct,
        "rps_ratio": tp.ratio,
        "rps_paired_ratio": tp.paired_ratio,
        "asgideck_cpu_share": tp.cpu_share,
        "rps_tool": tp.tool,
        "access_lines_seen": tp.lines_seen,
        "requests": tp.lines_expected,
        "load_errors": tp.errors,
        "ready_ours_s": r_ours,
        "ready_direct_s": r_direct,
        "ready_ratio": ratio,
        "runs": {"rps": asdict(tp), "ready_ours": ours_ready, "ready_direct": direct_ready},
    }


if __name__ == "__main__":
    run()
