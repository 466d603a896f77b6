"""A quick, bounded load test of one route of the developer's own server, on loopback only.

Uses ``wrk`` or ``hey`` when installed (they measure better than Python can),
else a built-in generator on asyncio + httpx. Every run is bounded in time and
in requests and stops by itself; a target that is not this machine is refused
before anything is sent.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from asgideck.runtime.errors import InputError

__all__ = [
    "LoadResult",
    "LoadTestError",
    "check_loopback",
    "parse_hey",
    "parse_wrk",
    "percentile",
    "run_load",
]

MAX_CONCURRENCY = 256
MAX_DURATION_S = 60.0
MAX_REQUESTS = 1_000_000
PROGRESS_EVERY_S = 0.1  # how often a built-in run reports its count (``progress``)
_WRK_MARK = "ASGIDECK"

#: ``progress(answered, errors)``: a built-in run's counts so far, called from its thread.
Progress = Callable[[int, int], None]


class LoadTestError(InputError):
    """The load test was refused (not loopback, out of bounds) or its tool failed."""


@dataclass
class LoadResult:
    """What one run measured; ``tool`` says which generator produced the numbers."""

    tool: str
    requests: int
    errors: int
    duration_s: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    status_counts: dict[str, int] = field(default_factory=dict)
    note: str = ""


def check_loopback(url: str) -> None:
    """Raise :class:`LoadTestError` unless ``url`` is http(s) on 127.0.0.0/8, ::1 or localhost."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise LoadTestError(f"load test URL {url!r} must start with http:// or https://")
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LoadTestError(
            f"load tests only target this machine: {host or url!r} is not 127.0.0.1, ::1 "
            "or localhost"
        )


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile of already sorted values (0.0 for none)."""
    if not sorted_values:
        return 0.0
    rank = (len(sorted_values) - 1) * pct / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def run_load(
    url: str,
    *,
    concurrency: int = 10,
    duration_s: float = 5.0,
    method: str = "GET",
    headers: Sequence[tuple[str, str]] = (),
    max_requests: int = 200_000,
    tool: str = "auto",
    body: bytes | None = None,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load ``url`` with ``concurrency`` connections for ``duration_s`` (or ``max_requests``).

    ``tool`` is ``"auto"`` (wrk, then hey, then built-in), ``"wrk"``, ``"hey"`` or
    ``"builtin"``. ``stop`` ends a built-in run early (from another thread); ``progress``
    hears a built-in run's counts every PROGRESS_EVERY_S (wrk and hey report only at the end).
    """
    check_loopback(url)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise LoadTestError(f"concurrency must be 1..{MAX_CONCURRENCY}, not {concurrency}")
    if not 0 < duration_s <= MAX_DURATION_S:
        raise LoadTestError(f"duration must be more than 0 and at most {MAX_DURATION_S:g} s")
    if not 1 <= max_requests <= MAX_REQUESTS:
        raise LoadTestError(f"max_requests must be 1..{MAX_REQUESTS}, not {max_requests}")
    chosen = _choose_tool(tool, body)
    if chosen == "wrk":
        return _run_wrk(url, concurrency, duration_s, method, headers, body)
    if chosen == "hey":
        return _run_hey(url, concurrency, duration_s, method, headers, body, max_requests)
    note = "" if tool == "builtin" else "built-in generator (wrk and hey are not installed)"
    result = asyncio.run(
        _builtin(url, concurrency, duration_s, method, headers, body, max_requests, stop, progress)
    )
    result.note = note
    return result


def _choose_tool(tool: str, body: bytes | None) -> str:
    if tool not in ("auto", "wrk", "hey", "builtin"):
        raise LoadTestError(f"unknown load tool {tool!r}: use auto, wrk, hey or builtin")
    if tool in ("wrk", "hey"):
        if shutil.which(tool) is None:
            raise LoadTestError(f"{tool} is not installed (apt-get install {tool})")
        return tool
    if tool == "auto":
        for candidate in ("wrk", "hey"):
            if candidate == "wrk" and body and not body.isascii():
                continue  # the body goes into wrk's Lua script as text
            if shutil.which(candidate):
                return candidate
    return "builtin"


# --- built-in generator ---------------------------------------------------------------------


async def _builtin(
    url: str,
    concurrency: int,
    duration_s: float,
    method: str,
    headers: Sequence[tuple[str, str]],
    body: bytes | None,
    max_requests: int,
    stop: threading.Event | None,
    progress: Progress | None = None,
) -> LoadResult:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors = 0
    issued = 0
    started = time.perf_counter()
    deadline = started + duration_s
    reported = started

    def report(force: bool = False) -> None:
        nonlocal reported
        now = time.perf_counter()
        if progress is not None and (force or now - reported >= PROGRESS_EVERY_S):
            reported = now
            progress(len(latencies), errors)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(max(1.0, duration_s))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors, issued
        while issued < max_requests and time.perf_counter() < deadline:
            if stop is not None and stop.is_set():
                return
            issued += 1
            begin = time.perf_counter()
            try:
                response = await client.request(method, url, headers=list(headers), content=body)
            except httpx.HTTPError as exc:
                errors += 1
                statuses[type(exc).__name__] += 1
                report()
                continue
            latencies.append(time.perf_counter() - begin)
            statuses[str(response.status_code)] += 1
            if response.status_code >= 400:
                errors += 1
            report()

    async with httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    report(force=True)
    elapsed = time.perf_counter() - started
    latencies.sort()
    done = len(latencies)
    if done == 0 and errors:
        failure = next(iter(statuses))
        hint = " (is the server running?)" if failure in ("ConnectError", "ConnectTimeout") else ""
        raise LoadTestError(f"no request to {url} succeeded: {failure}{hint}")
    return LoadResult(
        tool="builtin",
        requests=done,
        errors=errors,
        duration_s=elapsed,
        rps=done / elapsed if elapsed > 0 else 0.0,
        p50_ms=percentile(latencies, 50) * 1000,
        p95_ms=percentile(latencies, 95) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        status_counts=dict(statuses),
    )


# --- wrk ------------------------------------------------------------------------------------

_WRK_LUA = """
wrk.method = {method}
{body}
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("{mark} %d %d %d %d %d %d %d %.3f %.3f %.3f\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


_LUA_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_/.:;=,+*")


def _lua_string(text: str) -> str:
    """A Lua string literal; every other byte as a decimal escape (``\\ddd``)."""
    escaped = (chr(b) if b in _LUA_PLAIN else f"\\{b:03d}" for b in text.encode("utf-8"))
    return '"' + "".join(escaped) + '"'


def _run_wrk(
    url: str,
    concurrency: int,
    duration_s: float,
    method: str,
    headers: Sequence[tuple[str, str]],
    body: bytes | None,
) -> LoadResult:
    lua = _WRK_LUA.format(
        method=_lua_string(method.upper()),
        body=f"wrk.body = {_lua_string(body.decode('utf-8', 'replace'))}" if body else "",
        headers="\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers),
        mark=_WRK_MARK,
    )
    threads = max(1, min(concurrency, 2))
    with tempfile.TemporaryDirectory(prefix="asgideck-wrk-") as folder:
        script = Path(folder) / "report.lua"
        script.write_text(lua, encoding="utf-8")
        argv = ["wrk", "-t", str(threads), "-c", str(concurrency)]
        argv += ["-d", f"{max(1, math.ceil(duration_s))}s", "-s", str(script), url]
        output = _run_tool(argv, duration_s)
    return parse_wrk(output)


def parse_wrk(output: str) -> LoadResult:
    """Read the summary line our wrk script prints (latencies in microseconds)."""
    for line in output.splitlines():
        if line.startswith(_WRK_MARK + " "):
            fields = line.split()[1:]
            requests, duration_us = int(fields[0]), int(fields[1])
            connect, read, write, status, timeout = (int(x) for x in fields[2:7])
            p50, p95, p99 = (float(x) / 1000 for x in fields[7:10])
            duration = duration_us / 1e6
            counts = {"2xx/3xx": requests - status}
            if status:
                counts["4xx/5xx"] = status
            socket_errors = connect + read + write + timeout
            if socket_errors:
                counts["socket errors"] = socket_errors
            return LoadResult(
                tool="wrk",
                requests=requests,
                errors=status + socket_errors,
                duration_s=duration,
                rps=requests / duration if duration else 0.0,
                p50_ms=p50,
                p95_ms=p95,
                p99_ms=p99,
                status_counts=counts,
            )
    raise LoadTestError(f"could not read wrk's report:\n{output.strip()[:500]}")


# --- hey ------------------------------------------------------------------------------------


def _run_hey(
    url: str,
    concurrency: int,
    duration_s: float,
    method: str,
    headers: Sequence[tuple[str, str]],
    body: bytes | None,
    max_requests: int,
) -> LoadResult:
    argv = ["hey", "-c", str(concurrency), "-m", method.upper()]
    # hey runs for -z, or until -n requests; a duration keeps it bounded either way.
    argv += ["-z", f"{duration_s:g}s"]
    for name, value in headers:
        argv += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory(prefix="asgideck-hey-") as folder:
        if body:
            body_file = Path(folder) / "body"
            body_file.write_bytes(body)
            argv += ["-D", str(body_file)]
        output = _run_tool([*argv, url], duration_s)
    result = parse_hey(output)
    if result.requests > max_requests:
        result.note = f"hey cannot stop at a request count; it sent {result.requests}"
    return result


_HEY_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_HEY_TOTAL = re.compile(r"Total:\s+([\d.]+) secs")
_HEY_PCT = re.compile(r"^\s*(\d+)%+ in ([\d.]+) secs", re.MULTILINE)
_HEY_STATUS = re.compile(r"^\s*\[(\d{3})\]\s+(\d+) responses", re.MULTILINE)
_HEY_ERROR = re.compile(r"^\s*\[(\d+)\]\s+(.+)$", re.MULTILINE)


def parse_hey(output: str) -> LoadResult:
    """Read hey's default text summary."""
    rps = _HEY_RPS.search(output)
    total = _HEY_TOTAL.search(output)
    if rps is None or total is None:
        raise LoadTestError(f"could not read hey's report:\n{output.strip()[:500]}")
    pcts = {int(p): float(s) * 1000 for p, s in _HEY_PCT.findall(output)}
    statuses = {code: int(n) for code, n in _HEY_STATUS.findall(output)}
    errors_section = output.split("Error distribution:", 1)
    socket_errors = 0
    if len(errors_section) == 2:
        for count, message in _HEY_ERROR.findall(errors_section[1]):
            socket_errors += int(count)
            statuses[message.strip()[:60]] = int(count)
    responses = sum(int(n) for _code, n in _HEY_STATUS.findall(output))
    bad = sum(int(n) for code, n in _HEY_STATUS.findall(output) if int(code) >= 400)
    return LoadResult(
        tool="hey",
        requests=responses,
        errors=bad + socket_errors,
        duration_s=float(total.group(1)),
        rps=float(rps.group(1)),
        p50_ms=pcts.get(50, 0.0),
        p95_ms=pcts.get(95, 0.0),
        p99_ms=pcts.get(99, 0.0),
        status_counts=statuses,
    )


def _run_tool(argv: list[str], duration_s: float) -> str:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=duration_s + 30, check=False
        )
    except subprocess.TimeoutExpired:
        raise LoadTestError(f"{argv[0]} did not finish within {duration_s + 30:g} s") from None
    if done.returncode != 0:
        raise LoadTestError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[:500]}")
    return done.stdout
