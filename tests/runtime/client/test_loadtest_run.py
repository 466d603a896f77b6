"""Quick load test: loopback only, bounded, percentiles; builtin for real, wrk/hey parsing."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from asgideck.runtime.client import (
    LoadTestError,
    check_loopback,
    parse_hey,
    parse_wrk,
    percentile,
    run_load,
)
from support.loopback import free_port, serve_sample


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/x", "http://127.8.9.10/", "http://[::1]:80/", "https://localhost/a"],
)
def test_loopback_targets_are_allowed(url: str) -> None:
    check_loopback(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com/", "'example.com' is not 127.0.0.1, ::1 or localhost"),
        ("http://10.0.0.5:8000/", "'10.0.0.5' is not"),
        ("http://192.168.1.1/", "'192.168.1.1' is not"),
        ("http://0.0.0.0:8000/", "'0.0.0.0' is not"),
        ("http://localhost.example.com/", "'localhost.example.com' is not"),
        ("ftp://127.0.0.1/", "must start with http:// or https://"),
    ],
)
def test_other_targets_are_refused_before_anything_is_sent(url: str, message: str) -> None:
    with pytest.raises(LoadTestError, match=message.replace(".", r"\.").replace("*", r"\*")):
        run_load(url, duration_s=1, tool="builtin")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"concurrency": 0}, "concurrency must be 1..256"),
        ({"concurrency": 1000}, "concurrency must be 1..256"),
        ({"duration_s": 0}, "duration must be more than 0"),
        ({"duration_s": 3600}, "at most 60 s"),
        ({"max_requests": 0}, "max_requests must be"),
        ({"tool": "ab"}, "unknown load tool 'ab'"),
    ],
)
def test_bounds_are_enforced(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(LoadTestError, match=message):
        run_load("http://127.0.0.1:1/", **kwargs)  # type: ignore[arg-type]


def test_a_missing_tool_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LoadTestError, match=r"wrk is not installed"):
        run_load("http://127.0.0.1:1/", tool="wrk")


def test_percentile_interpolates() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([3.0], 95) == 3.0 and percentile([], 50) == 0.0


def test_server_down_is_a_clear_error() -> None:
    with pytest.raises(
        LoadTestError, match=r"no request .* succeeded: ConnectError \(is the server"
    ):
        run_load(f"http://127.0.0.1:{free_port()}/", duration_s=0.5, concurrency=2, tool="builtin")


@pytest.mark.integration
def test_builtin_stops_at_max_requests(echo_url: str) -> None:
    result = run_load(  # 20 s would be thousands of requests: exactly 60 is the cap's doing
        echo_url + "/echo/x", concurrency=4, duration_s=20, max_requests=60, tool="builtin"
    )
    assert result.requests == 60 and result.status_counts == {"200": 60}


@pytest.mark.integration
def test_builtin_stop_event_ends_the_run_early(echo_url: str) -> None:
    stop = threading.Event()
    at_stop: list[int] = []

    def progress(answered: int, errors: int) -> None:
        if not stop.is_set():  # the first report during the run: stop it there
            at_stop.append(answered + errors)
            stop.set()

    result = run_load(
        echo_url + "/echo/x",
        concurrency=2,
        duration_s=20,
        tool="builtin",
        stop=stop,
        progress=progress,
    )
    # after the stop only the requests already in flight (one per connection) complete;
    # run for its 20 s, it would have made thousands
    assert at_stop and 0 < result.requests <= at_stop[0] + 2


@pytest.mark.integration
def test_errors_and_statuses_are_counted(echo_url: str) -> None:
    result = run_load(echo_url + "/me", concurrency=2, duration_s=0.5, tool="builtin")
    assert result.errors == result.requests > 0 and result.status_counts == {"401": result.requests}


@pytest.mark.integration
def test_builtin_load_against_sample_app_reports_rps_and_percentiles(tmp_path: Path) -> None:
    """Done-means 6 (runtime level): a real sample_app, requests/s and p50/p95/p99."""
    with serve_sample(tmp_path) as base_url:
        result = run_load(base_url + "/health", concurrency=8, duration_s=1.5, tool="builtin")
    assert result.tool == "builtin"
    assert result.errors == 0 and result.status_counts == {"200": result.requests}
    assert result.requests > 0, result  # how many: bench_servers/bench_scaled (not a test's)
    assert result.duration_s >= 1.5  # it ran its whole duration (the run's own figure)
    assert result.rps == pytest.approx(result.requests / result.duration_s)
    # ordered, in ms, and each one inside the run (structure, not a speed claim)
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms <= result.duration_s * 1000


# --- wrk and hey: their reports, and the glue that runs them --------------------------------

WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8000/health
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.31ms  610.12us  12.04ms   88.10%
    Req/Sec     1.74k   102.33     1.90k    71.00%
  6951 requests in 2.00s, 1.07MB read
  Non-2xx or 3xx responses: 12
Requests/sec:   3471.04
Transfer/sec:    546.49KB
ASGIDECK 6951 2002563 0 1 0 12 2 2201.000 3305.500 4870.250
"""

HEY_OUTPUT = """
Summary:
  Total:\t2.0041 secs
  Slowest:\t0.0310 secs
  Fastest:\t0.0004 secs
  Average:\t0.0041 secs
  Requests/sec:\t1947.8568

  Total data:\t3904 bytes
  Size/request:\t1 bytes

Response time histogram:
  0.000 [1]\t|
  0.003 [2871]\t|■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■

Latency distribution:
  10% in 0.0021 secs
  25% in 0.0030 secs
  50% in 0.0038 secs
  75% in 0.0049 secs
  90% in 0.0060 secs
  95% in 0.0069 secs
  99% in 0.0109 secs

Details (average, fastest, slowest):
  DNS+dialup:\t0.0000 secs, 0.0004 secs, 0.0310 secs

Status code distribution:
  [200]\t3890 responses
  [404]\t10 responses

Error distribution:
  [4]\tGet "http://127.0.0.1:8000/x": dial tcp 127.0.0.1:8000: connect: connection refused
"""


def test_parse_wrk_reads_our_report_line() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert (result.tool, result.requests, result.errors) == ("wrk", 6951, 15)
    assert result.duration_s == pytest.approx(2.002563)
    assert result.rps == pytest.approx(6951 / 2.002563)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (2.201, 3.3055, 4.87025)
    assert result.status_counts == {"2xx/3xx": 6939, "4xx/5xx": 12, "socket errors": 3}
    with pytest.raises(LoadTestError, match="could not read wrk's report"):
        parse_wrk("wrk: unable to connect")


def test_parse_hey_reads_its_summary() -> None:
    result = parse_hey(HEY_OUTPUT)
    assert (result.tool, result.requests, result.errors) == ("hey", 3900, 14)
    assert result.rps == pytest.approx(1947.8568) and result.duration_s == pytest.approx(2.0041)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == pytest.approx((3.8, 6.9, 10.9))
    assert result.status_counts["200"] == 3890 and result.status_counts["404"] == 10
    with pytest.raises(LoadTestError, match="could not read hey's report"):
        parse_hey("")


def _fake_tool(folder: Path, name: str, output: str) -> Path:
    """An executable that records its argv (and a -s script) and prints ``output``."""
    log = folder / f"{name}.args"
    script = folder / name
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{log}"\n'
        'for a in "$@"; do case "$a" in *.lua) cat "$a" >> ' + f'"{log}.lua";; esac; done\n'
        f"cat <<'EOF'\n{output}EOF\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return log


def test_auto_prefers_wrk_and_passes_method_headers_and_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = _fake_tool(tmp_path, "wrk", WRK_OUTPUT)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    result = run_load(
        "http://127.0.0.1:8000/items",
        concurrency=8,
        duration_s=1.5,
        method="post",
        headers=[("Authorization", 'Bearer "x"')],
        body=b'{"a": 1}',
    )
    assert result.tool == "wrk" and result.requests == 6951
    argv = log.read_text().split("\n")
    assert argv[:6] == ["-t", "2", "-c", "8", "-d", "2s"]
    assert argv[-2] == "http://127.0.0.1:8000/items"
    lua = Path(f"{log}.lua").read_text()
    assert 'wrk.method = "POST"' in lua
    assert 'wrk.headers["Authorization"] = "Bearer \\034x\\034"' in lua
    assert 'wrk.body = "\\123\\034a\\034: 1\\125"' in lua


def test_hey_gets_a_duration_and_a_body_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = _fake_tool(tmp_path, "hey", HEY_OUTPUT)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    result = run_load("http://localhost:8000/x", concurrency=3, duration_s=2, tool="hey", body=b"b")
    assert result.tool == "hey" and result.requests == 3900
    argv = log.read_text().split("\n")
    assert argv[:6] == ["-c", "3", "-m", "GET", "-z", "2s"]
    assert argv[6] == "-D" and argv[8] == "http://localhost:8000/x"
