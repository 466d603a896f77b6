"""The command line's own cost: one ``asgideck call`` per process, and ``asgideck run``
from the command to the first 200.

(a) GET /health on one running sample_app server (started with ``asgideck run``), one
    call per process, interleaved: ``asgideck call --url U --no-history``, ``asgideck
    call DIR`` (server found in the registry, history written), httpie's ``http``, curl
    and a bare ``python -c pass`` (the interpreter's floor). Wall time process start →
    exit, output to /dev/null, exit status checked. Figure: call ÷ httpie (target 0.5).
(b) start → first 200: ``asgideck run sample --profile development --port P --python
    PY`` vs ``PY -m uvicorn app.main:app --host 127.0.0.1 --port P --env-file
    .env.development`` in the sample's folder; /health polled every 10 ms on a fresh
    connection, each start stopped (port free) before the next. Figure: run ÷ direct
    (target 1.1).

Timed as ``../shared/peers/m5_call.py`` and ``m3_ready.py`` time them, so the figures
agree with that harness: the peers venv's interpreter (PEERS_VENV, default
/tmp/peers-venv) for the server when it has uvicorn, the same environment for every
command (its bin first on PATH, a private ASGIDECK_HOME, no VIRTUAL_ENV), a private copy
of sample_app, each process in its own session, rounds interleaved, medians of the
per-round ratios. Everything started here is gone when ``run()`` returns.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, file, find_peer, peers_venv, skip  # noqa: E402

NAME = "cli"
PROFILE = "development"
ROUTE = "/health"
CALL_TARGET = 0.5
RUN_TARGET = 1.1
ASGIDECK = Path(sys.executable).parent / "asgideck"


def say(text: str) -> None:
    print(f"{NAME:<8} {text}", flush=True)


def server_python() -> Path:
    """The peers venv's interpreter when it can serve the sample (as the harness runs
    it), else this one."""
    candidate = peers_venv() / "bin" / "python"
    if candidate.is_file():
        done = subprocess.run(
            [str(candidate), "-c", "import uvicorn, fastapi, pydantic_settings"],
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            return candidate
    return Path(sys.executable)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_of(port: int) -> int | None:
    """One GET /health on a fresh connection: the status code, or None."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(
                f"GET {ROUTE} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
            )
            head = sock.recv(64)
    except OSError:
        return None
    parts = head.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> float | None:
    """perf_counter() at the first 200, polling every 10 ms; None on timeout or exit."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if status_of(port) == 200:
            return time.perf_counter()
        if proc.poll() is not None:
            return None
        time.sleep(0.01)
    return None


class Lab:
    """The private state every command shares: env, sample copy, interpreter."""

    def __init__(self, root: Path) -> None:
        self.sample = root / "sample_app"
        shutil.copytree(
            REPO / "sample_app",
            self.sample,
            ignore=shutil.ignore_patterns("__pycache__", "*.db", "*.db-*", ".venv"),
        )
        (self.sample / "data").mkdir(exist_ok=True)
        self.python = server_python()
        env = dict(os.environ)
        env["PATH"] = f"{peers_venv() / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["ASGIDECK_HOME"] = str(root / "home")
        env["QT_QPA_PLATFORM"] = "offscreen"
        env.pop("VIRTUAL_ENV", None)
        self.env = env
        self.started: list[subprocess.Popen[bytes]] = []

    def spawn(self, args: Sequence[str], cwd: Path | None = None) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            list(args),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self.env,
            start_new_session=True,
        )
        self.started.append(proc)
        return proc

    def timed(self, args: Sequence[str]) -> tuple[float, int]:
        """(seconds from spawn to exit, exit status); ``wait()`` without a timeout blocks
        in waitpid, so the time is not quantised by polling."""
        t0 = time.perf_counter()
        proc = self.spawn(args)
        code = proc.wait()
        return time.perf_counter() - t0, code

    def run_server(self, port: int) -> subprocess.Popen[bytes]:
        return self.spawn(
            [str(ASGIDECK), "run", str(self.sample), "--profile", PROFILE, "--port", str(port),
             "--python", str(self.python)]
        )  # fmt: skip

    def direct_server(self, port: int) -> subprocess.Popen[bytes]:
        return self.spawn(
            [str(self.python), "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port",
             str(port), "--env-file", f".env.{PROFILE}"],
            cwd=self.sample,
        )  # fmt: skip

    def stop(self, proc: subprocess.Popen[bytes], port: int, *, asgideck: bool) -> None:
        """``asgideck run`` stops its tree on SIGINT; a direct server's group gets SIGTERM;
        then the group is killed, whatever is left, and the port waited free."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                if asgideck:
                    proc.send_signal(signal.SIGINT)
                else:
                    os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(15)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        end = time.monotonic() + 10
        while not port_free(port) and time.monotonic() < end:
            time.sleep(0.02)

    def close(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@contextlib.contextmanager
def lab() -> Iterator[Lab]:
    root = Path(tempfile.mkdtemp(prefix="asgideck-bench-cli-"))
    made = None
    try:
        made = Lab(root)
        yield made
    finally:
        if made is not None:
            made.close()
        shutil.rmtree(root, ignore_errors=True)


def interleave(
    rounds: int, names: Sequence[str], one: Callable[[str], float | None]
) -> dict[str, list[float | None]]:
    """``rounds`` rounds of every name, the order rotated each round; one warm-up round
    (page cache, .pyc files) not counted."""
    for name in names:
        one(name)
    results: dict[str, list[float | None]] = {name: [] for name in names}
    for r in range(rounds):
        order = list(names[r % len(names) :]) + list(names[: r % len(names)])
        for name in order:
            results[name].append(one(name))
    return results


def paired(ours: Sequence[float | None], reference: Sequence[float | None]) -> float:
    """Median of the per-round ratios (rounds where both answered)."""
    return statistics.median(
        a / b for a, b in zip(ours, reference, strict=True) if a is not None and b
    )


def med(values: Sequence[float | None]) -> float:
    return statistics.median(v for v in values if v is not None)


def calls(lab: Lab, count: int) -> None:
    """(a): one request per process against one running server."""
    http, curl = find_peer("http"), shutil.which("curl")
    if http is None:
        skip("httpie (cli call)", "not installed (see ../shared/peers/README.md: Install)")
    if curl is None:
        skip("curl (cli call)", "not on PATH")
    port = free_port()
    server = lab.run_server(port)
    url = f"http://127.0.0.1:{port}"
    commands = {
        "call --url": [str(ASGIDECK), "call", str(lab.sample), "GET", ROUTE, "--url", url,
                       "--no-history"],
        "call DIR": [str(ASGIDECK), "call", str(lab.sample), "GET", ROUTE],
        "python -c pass": [sys.executable, "-c", "pass"],
    }  # fmt: skip
    if http is not None:
        commands["httpie"] = [http, "--ignore-stdin", "GET", url + ROUTE]
    if curl is not None:
        commands["curl"] = [curl, "-s", url + ROUTE]
    failed = dict.fromkeys(commands, 0)

    def one(name: str) -> float:
        seconds, code = lab.timed(commands[name])
        failed[name] += code != 0
        return seconds * 1000

    try:
        if wait_ready(port, server) is None:
            say("asgideck run did not answer GET /health: call figures not measured")
            skip("cli call", "the sample server did not start")
            return
        res = interleave(count, list(commands), one)
    finally:
        lab.stop(server, port, asgideck=True)
    say(f"one GET {ROUTE} per process, {count} interleaved calls each (median ms, failures):")
    for name, values in res.items():
        say(f"  {name:<15} {med(values):7.0f} ms   failed {failed[name]}")
    bad = [name for name, n in failed.items() if n]
    if bad:
        say(f"WARNING: failed calls in {', '.join(bad)}: figures below are suspect")
    floor = res["python -c pass"]
    for name in ("call --url", "call DIR"):
        ours = res[name]
        if "httpie" in res:
            file(
                Figure(
                    bench=NAME,
                    measure=f"asgideck {name} GET {ROUTE} ÷ httpie (per call)",
                    ours=f"{med(ours):.0f} ms",
                    reference=f"httpie {med(res['httpie']):.0f} ms",
                    ratio=paired(ours, res["httpie"]),
                    target=CALL_TARGET,
                )
            )
        else:
            file(
                Figure(
                    bench=NAME,
                    measure=f"asgideck {name} GET {ROUTE} ÷ python -c pass (context)",
                    ours=f"{med(ours):.0f} ms",
                    reference=f"python floor {med(floor):.0f} ms",
                    ratio=paired(ours, floor),
                    target=None,
                )
            )


def starts(lab: Lab, rounds: int) -> None:
    """(b): start command → first 200, asgideck run vs direct uvicorn."""

    def one(name: str) -> float | None:
        port = free_port()
        asgideck = name == "asgideck run"
        t0 = time.perf_counter()
        proc = lab.run_server(port) if asgideck else lab.direct_server(port)
        try:
            ready = wait_ready(port, proc)
        finally:
            lab.stop(proc, port, asgideck=asgideck)
        return None if ready is None else (ready - t0) * 1000

    res = interleave(rounds, ["direct uvicorn", "asgideck run"], one)
    ours, direct = res["asgideck run"], res["direct uvicorn"]
    if not [v for v in ours if v is not None] or not [v for v in direct if v is not None]:
        say("a start never answered GET /health: run figure not measured")
        skip("cli run", "a start never answered GET /health")
        return
    ratio = paired(ours, direct)
    say(
        f"start → first 200 ({rounds} interleaved rounds, {lab.python}): asgideck run "
        f"{med(ours):.0f} ms vs direct {med(direct):.0f} ms, ratio {ratio:.2f}"
    )
    file(
        Figure(
            bench=NAME,
            measure="asgideck run → first 200 ÷ direct python -m uvicorn",
            ours=f"{med(ours):.0f} ms",
            reference=f"direct {med(direct):.0f} ms",
            ratio=ratio,
            target=RUN_TARGET,
        )
    )


def run(call_count: int = 30, rounds: int = 7) -> None:
    if not ASGIDECK.is_file():
        skip("cli", f"no asgideck console script beside {sys.executable}")
        return
    with lab() as made:
        calls(made, call_count)
        starts(made, rounds)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    run(count, int(sys.argv[2]) if len(sys.argv) > 2 else 7)
