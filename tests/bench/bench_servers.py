"""sample_app under asgideck's ``Supervisor`` vs the same uvicorn command run directly,
under ``asgideck run``, and under the launchers a user would pick instead (PM2, honcho,
``fastapi run``).

(a) requests/s with the access log on everywhere: wrk, GET /health, loopback. The
    supervised server's pipes are drained into its ``LogBuffer`` (and run-log file) by
    the supervisor's reader threads; the direct one writes to /dev/null; ``asgideck run``
    (on a private copy of sample_app) and the peers write to log files. Without wrk the
    built-in Python generator is the bottleneck, so the figures are printed with a loud
    warning and not filed.
(c) start-to-ready: ``Supervisor.start()`` until state "running" vs spawning the
    same argv and polling for the port plus "Application startup complete.".

Same argv (``launch.argv``), same interpreter, same env (``launch.child_env``) for every
launcher; loopback only; rounds interleaved (A B C … then rotated); every process we
started (PM2's daemon too, in its own ``PM2_HOME``) is gone before ``run()`` returns.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, file, find_peer, peers_venv, skip  # noqa: E402

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


# --------------------------------------------------------------------------- the peers

PEER_NAMES = {
    "run": "asgideck run",
    "pm2": "pm2 start",
    "honcho": "honcho start",
    "fastapi": "fastapi run",
}
ASGIDECK = Path(sys.executable).with_name("asgideck")
PEERS_HOWTO = "see the README, Benchmarks: the peers"

#: ``fastapi run`` in the sample's own interpreter: the CLI package comes from the peers venv
#: (appended to sys.path, so uvicorn, uvloop and the app's packages stay the interpreter's own).
_FASTAPI_SHIM = (
    "import sys; sys.path.append(sys.argv.pop(1)); sys.argv[0] = 'fastapi'; "
    "from fastapi.cli import main; sys.exit(main())"
)


def _stop_tree(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM our session (the launcher forwards it), then SIGKILL whatever is left of the
    tree, children that moved to sessions of their own (honcho's) included."""
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(5)
    for child in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(family, timeout=5)


def _healthy(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> bool:
    """GET ``url`` answers 200 within ``timeout`` (False at once if ``proc`` exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as answer:
            if answer.status == 200:
                return True
        time.sleep(0.05)  # polling a server that is starting, with a deadline
    return False


class Peer:
    """One launcher other than asgideck running the same argv; ``stop()`` ends all of it."""

    def __init__(self, name: str, spec: ServerSpec, work: Path) -> None:
        self.name, self.spec, self.work = name, spec, work
        self.url = launch.url(spec) + ROUTE
        self.proc: subprocess.Popen[bytes] | None = None
        self.pm2_home: Path | None = None
        self._log = open(work / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        env = launch.child_env(spec)
        args = launch.argv(spec)
        if name == "run":  # the CLI launcher, on a private copy (its profile writes a db)
            copy = work / "sample_app"
            junk = shutil.ignore_patterns("__pycache__", ".mypy_cache", "*.db", "*.db-*")
            shutil.copytree(spec.root, copy, ignore=junk)
            cmd = [str(ASGIDECK), "run", str(copy), "--profile", PROFILE, "--host", spec.host]
            cmd += ["--port", str(spec.port), "--python", str(spec.python)]
            env = dict(os.environ)  # as a user's shell has it (ASGIDECK_HOME: the private one)
        elif name == "honcho":
            procfile = work / "Procfile"  # the app stays where it is: -d points at it
            procfile.write_text(f"web: {shlex.join(args)}\n")
            cmd = [str(find_peer("honcho")), "-f", str(procfile), "-d", str(spec.root), "start"]
        elif name == "fastapi":
            site = _peer_site("fastapi_cli")
            cmd = [str(spec.python), "-c", _FASTAPI_SHIM, str(site), "run", "app/main.py"]
            cmd += ["--host", spec.host, "--port", str(spec.port)]
        elif name == "pm2":
            self.pm2_home = work / "pm2"
            self.pm2_home.mkdir()
            env["PM2_HOME"] = str(self.pm2_home)
            try:
                self._pm2("ping", env=env)  # the daemon is up before timing, as for a PM2 user
                self._pm2(
                    "start", args[0], "--name", "bench", "--interpreter", "none",
                    "--no-autorestart", "--cwd", str(spec.root),
                    "--output", str(work / "pm2.out.log"), "--error", str(work / "pm2.err.log"),
                    "--", *args[1:], env=env,
                )  # fmt: skip
            except BaseException:
                self.stop()  # the daemon of our PM2_HOME goes too
                raise
            return
        else:
            raise ValueError(name)
        self.proc = subprocess.Popen(
            cmd,
            cwd=spec.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _pm2(self, *args: str, env: dict[str, str] | None = None) -> None:
        assert self.pm2_home is not None
        pm2_env = env or {**os.environ, "PM2_HOME": str(self.pm2_home)}
        cmd = [str(find_peer("pm2")), *args]
        done = subprocess.run(cmd, env=pm2_env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"pm2 {args[0]} failed: {done.stderr.strip()[-300:]}")

    def stop(self) -> None:
        try:
            if self.proc is not None:
                if self.name == "run":  # Ctrl-C first, as a user stops it
                    with contextlib.suppress(ProcessLookupError):
                        self.proc.send_signal(signal.SIGINT)
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        self.proc.wait(15)
                _stop_tree(self.proc)
            elif self.pm2_home is not None and (self.pm2_home / "pm2.pid").is_file():
                family: list[psutil.Process] = []
                with contextlib.suppress(psutil.NoSuchProcess, ValueError):
                    daemon = psutil.Process(int((self.pm2_home / "pm2.pid").read_text()))
                    family = [daemon, *daemon.children(recursive=True)]
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self._pm2("kill")  # stops the app and the daemon of our PM2_HOME only
                for left in family:  # whatever ``pm2 kill`` did not end
                    with contextlib.suppress(psutil.NoSuchProcess):
                        left.kill()
                psutil.wait_procs(family, timeout=5)
        finally:
            self._log.close()


def _peer_site(module: str) -> Path | None:
    """The peers venv's site-packages holding ``module``, if its Python is ours (X.Y)."""
    py = peers_venv() / "bin" / "python"
    if not py.is_file():
        return None
    probe = (
        "import sys, importlib.util as u; s = u.find_spec(sys.argv[1]); "
        "print(sys.version_info[:2] == tuple(map(int, sys.argv[2].split('.'))), "
        "s.submodule_search_locations[0] if s and s.submodule_search_locations else '')"
    )
    ours = f"{sys.version_info[0]}.{sys.version_info[1]}"
    out = subprocess.run(
        [str(py), "-c", probe, module, ours], capture_output=True, text=True, timeout=30
    )
    same, _, where = out.stdout.strip().partition(" ")
    return Path(where).parent if out.returncode == 0 and same == "True" and where else None


def available_peers() -> list[str]:
    """The peers installed here; each one left out is ``skip()``ped with why."""
    found = ["run"] if ASGIDECK.is_file() else []
    if not found:
        skip("asgideck run (servers)", f"{ASGIDECK} is missing (make install)")
    if find_peer("pm2") is None:
        skip("pm2 (servers)", f"not installed: npm install -g pm2 ({PEERS_HOWTO})")
    else:
        found.append("pm2")
    if find_peer("honcho") is None:
        skip("honcho (servers)", f"not installed in $PEERS_VENV or on PATH ({PEERS_HOWTO})")
    else:
        found.append("honcho")
    if _peer_site("fastapi_cli") is None:
        skip(
            "fastapi run (servers)",
            f"fastapi-cli is not in $PEERS_VENV={peers_venv()} for Python "
            f"{sys.version_info[0]}.{sys.version_info[1]} ({PEERS_HOWTO})",
        )
    else:
        found.append("fastapi")
    return found


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
    peers: dict[str, list[float]]  # req/s per round under each peer launcher

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.direct)

    @property
    def paired_ratio(self) -> float:
        """Median of each round's own ratio: less sensitive to load drifting between rounds."""
        return paired(self.ours, self.direct)


def paired(a: list[float], b: list[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def _start_peers(names: list[str], base: ServerSpec, work: Path, running: dict[str, Peer]) -> None:
    """Each peer up and answering (into ``running``, which the caller stops), or skipped
    with the reason; the others go on."""
    for name in names:
        folder = work / name
        folder.mkdir()
        peer: Peer | None = None
        try:
            peer = Peer(name, replace(base, port=free_port()), folder)
            if not _healthy(peer.url, 60, peer.proc):
                raise RuntimeError(f"no 200 from {peer.url} within 60 s")
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            if peer is not None:
                peer.stop()
            log = folder / f"{name}.log"
            tail = log.read_text(errors="replace").strip()[-300:] if log.is_file() else ""
            skip(f"{PEER_NAMES[name]} (servers)", f"did not start: {exc} {tail}".strip())
            continue
        running[name] = peer


def throughput(
    state: Path, rounds: int = 5, duration_s: float = 3.0, peers: tuple[str, ...] = ()
) -> ThroughputResult:
    base = sample_spec(state)
    sup = Supervisor(replace(base, port=free_port()), name="bench-throughput")
    direct: Direct | None = None
    running: dict[str, Peer] = {}
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
        _start_peers(list(peers), base, state, running)
        urls = {"ours": launch.url(sup.spec) + ROUTE, "direct": launch.url(direct_spec) + ROUTE}
        urls.update({name: peer.url for name, peer in running.items()})
        for url in urls.values():  # warm-up: imports, first connections, caches
            load(url, 1.0)
        rps: dict[str, list[float]] = {name: [] for name in urls}
        tool = ""
        expected = seen = errors = 0
        cpu = busy = 0.0
        me = psutil.Process()
        names = list(urls)
        for i in range(rounds):
            for which in names[i % len(names) :] + names[: i % len(names)]:  # rotate the order
                if which == "ours":
                    before = sup.buffer.total
                    cpu_before = sum(me.cpu_times()[:2])
                    result = load(urls[which], duration_s)
                    cpu += sum(me.cpu_times()[:2]) - cpu_before
                    busy += result.duration_s
                    expected += result.requests
                    seen += _wait_lines(sup, before + result.requests) - before
                else:
                    result = load(urls[which], duration_s)
                rps[which].append(result.rps)
                tool = result.tool
                errors += result.errors
        ours, plain = rps.pop("ours"), rps.pop("direct")
        share = cpu / max(busy, 1e-9)
        return ThroughputResult(tool, ours, plain, expected, seen, errors, share, rps)
    finally:
        sup.close()
        if direct is not None:
            direct.stop()
        for peer in running.values():
            peer.stop()


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


def _runs(values: list[float], spec: str = ".0f") -> str:
    return ", ".join(format(x, spec) for x in values)


def _report_throughput(tp: ThroughputResult, rounds: int, duration_s: float) -> None:
    rps_ours, rps_direct = statistics.median(tp.ours), statistics.median(tp.direct)
    ratio = tp.paired_ratio
    meaningless = tp.tool != "wrk"
    verdict = "(not a figure: no wrk)" if meaningless else _verdict(ratio >= TARGET_RPS_RATIO)
    print(
        f"servers  requests/s under asgideck (Supervisor) vs direct: {rps_ours:.0f} vs "
        f"{rps_direct:.0f}, "
        f"ratio {ratio:.2f} (target ≥ {TARGET_RPS_RATIO}) {verdict}"
    )
    for name, runs in tp.peers.items():
        to_direct = paired(runs, tp.direct)
        met = "" if meaningless else _verdict(to_direct >= TARGET_RPS_RATIO)
        tail = (
            f" (target ≥ {TARGET_RPS_RATIO}) {met}"
            if name == "run"
            else f"; asgideck (Supervisor) ÷ {PEER_NAMES[name]} {paired(tp.ours, runs):.2f}"
        )
        print(
            f"servers  requests/s under {PEER_NAMES[name]} vs direct: {statistics.median(runs):.0f}"
            f" vs {rps_direct:.0f}, ratio {to_direct:.2f}{tail}"
        )
    print(
        f"servers    ({tp.tool}, {CONCURRENCY} connections, GET {ROUTE}, {rounds}×{duration_s:g} s "
        f"each, interleaved; Supervisor runs {_runs(tp.ours)}; direct runs {_runs(tp.direct)}; "
        + "".join(f"{PEER_NAMES[n]} runs {_runs(r)}; " for n, r in tp.peers.items())
        + f"ratios are medians of per-round ratios (of medians: {tp.ratio:.2f}); "
        f"access lines in asgideck's buffer {tp.lines_seen:,} for {tp.lines_expected:,} "
        f"requests; asgideck's own CPU under load {tp.cpu_share:.0%} of a core; "
        f"errors {tp.errors})"
    )
    if meaningless:
        print(
            "servers  !!! wrk is not installed: the built-in Python generator is the bottleneck,"
            " so the requests/s above are MEANINGLESS and not filed. Install wrk "
            "(apt-get install wrk; `make bench` does it when run as root)."
        )
        skip("servers req/s", "wrk is not installed: apt-get install wrk (make bench does it)")
        return
    file(
        Figure(
            bench="servers",
            measure="req/s through the window's Supervisor (wrk GET /health) ÷ direct",
            ours=f"{rps_ours:,.0f} req/s",
            reference=f"direct {rps_direct:,.0f} req/s",
            ratio=ratio,
            target=TARGET_RPS_RATIO,
            higher_is_better=True,
        )
    )
    for name, runs in tp.peers.items():
        if name == "run":
            file(
                Figure(
                    bench="servers",
                    measure="req/s through `asgideck run` (wrk GET /health) ÷ direct",
                    ours=f"{statistics.median(runs):,.0f} req/s",
                    reference=f"direct {rps_direct:,.0f} req/s",
                    ratio=paired(runs, tp.direct),
                    target=TARGET_RPS_RATIO,
                    higher_is_better=True,
                )
            )
            continue
        file(
            Figure(
                bench="servers",
                measure=f"req/s: asgideck ÷ {PEER_NAMES[name]}",
                ours=f"{rps_ours:,.0f} req/s",
                reference=(
                    f"{PEER_NAMES[name]} {statistics.median(runs):,.0f} req/s "
                    f"({paired(runs, tp.direct):.2f}× direct)"
                ),
                ratio=paired(tp.ours, runs),
                target=None,
                higher_is_better=True,
            )
        )


def run(
    rounds: int = 5, duration_s: float = 3.0, ready_rounds: int = 5, peers: bool = True
) -> dict[str, object]:
    has_wrk = shutil.which("wrk") is not None
    chosen: tuple[str, ...] = ()
    if peers and has_wrk:
        chosen = tuple(available_peers())
    elif peers:
        skip("asgideck run, pm2, honcho, fastapi run (servers)", "no wrk: req/s meaningless")
    with private_state() as state:
        tp = throughput(state, rounds, duration_s, chosen)
        ours_ready, direct_ready = start_to_ready(state, ready_rounds)
    _report_throughput(tp, rounds, duration_s)
    r_ours, r_direct = statistics.median(ours_ready), statistics.median(direct_ready)
    ratio = paired(ours_ready, direct_ready)
    print(
        f"servers  Supervisor.start → running vs direct spawn → ready: {r_ours:.2f} s vs "
        f"{r_direct:.2f} s, ratio {ratio:.2f} (in-process, context: `asgideck run` → first 200 "
        "is bench cli's figure)"
    )
    print(
        f"servers    (asgideck runs {_runs(ours_ready, '.2f')}; "
        f"direct {_runs(direct_ready, '.2f')})"
    )
    file(
        Figure(
            bench="servers",
            measure="Supervisor.start → running ÷ direct spawn → ready",
            ours=f"{r_ours:.2f} s",
            reference=f"direct {r_direct:.2f} s",
            ratio=ratio,
            target=None,
        )
    )
    return {
        "rps_ours": statistics.median(tp.ours),
        "rps_direct": statistics.median(tp.direct),
        "rps_ratio": tp.ratio,
        "rps_paired_ratio": tp.paired_ratio,
        "rps_peers": {n: statistics.median(r) for n, r in tp.peers.items()},
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
