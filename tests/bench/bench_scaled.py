"""Run scaled: requests/s through nginx in front of 1 vs 2 sample_app instances (issue 14,
Done means 3), as a ratio measured in one run.

Both groups (``runtime.deploy.ScaledGroup``: uvicorn instances, one process each, behind
the real nginx with the generated upstream) run side by side for the whole bench, and
wrk loads them in interleaved rounds (1, 2, 2, 1, …), so a change in the machine's load
hits both alike. Without wrk the built-in Python generator is the bottleneck and the
ratio means nothing: it says so loudly. On a 2-core machine wrk, nginx and the instances
share the cores, so 2 instances cannot reach twice one's rate.

The figure is the median of the rounds' own ratios (each round's 2-instance rate over
the 1-instance rate measured next to it), not the ratio of the medians: other work on
the machine comes and goes between rounds and would move one side's median alone. Many
short rounds (wrk's 1 s) rather than a few long ones, for the same reason. The machine's
load average is printed with it: what 2 instances gain is what a second free core gives.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from bench_servers import private_state  # noqa: E402
from figures import Figure, file, skip  # noqa: E402

from asgideck.runtime.client import LoadResult, run_load  # noqa: E402
from asgideck.runtime.deploy import ScaledGroup, find_nginx  # noqa: E402
from asgideck.runtime.project import open_project  # noqa: E402
from asgideck.runtime.servers import LaunchConfig, free_port  # noqa: E402
from support.files import copy_sample_app  # noqa: E402

ROUTE = "/health"
PROFILE = "production"
CONCURRENCY = 32  # wrk's connections (2 threads): enough to keep both instances busy
COUNTS = (1, 2)
TARGET = 1.6


def measure(state: Path, rounds: int, duration_s: float, tool: str) -> dict[int, list[float]]:
    project = open_project(copy_sample_app(state / "sample_app"))
    groups: dict[int, ScaledGroup] = {}
    rates: dict[int, list[float]] = {count: [] for count in COUNTS}
    try:
        for count in COUNTS:
            config = LaunchConfig(f"bench-{count}", PROFILE, "uvicorn", port=free_port())
            groups[count] = ScaledGroup(project, config, count)
            groups[count].start()
        for count in COUNTS:  # warm both (imports, first connections), not measured
            run_load(groups[count].url + ROUTE, concurrency=CONCURRENCY, duration_s=0.3, tool=tool)
        for i in range(rounds):
            for count in COUNTS if i % 2 == 0 else tuple(reversed(COUNTS)):
                result: LoadResult = run_load(
                    groups[count].url + ROUTE,
                    concurrency=CONCURRENCY,
                    duration_s=duration_s,
                    tool=tool,
                )
                if result.errors:
                    raise RuntimeError(f"{result.errors} errors through nginx ({count})")
                rates[count].append(result.rps)
    finally:
        for group in groups.values():
            group.stop(5.0)
    return rates


def run(rounds: int = 6, duration_s: float = 1.0) -> dict[str, object]:
    if find_nginx() is None:
        print("scaled   SKIPPED: nginx is not installed (apt install nginx)")
        skip("scaled", "nginx not installed (apt install nginx)")
        return {}
    tool = "wrk" if shutil.which("wrk") else "builtin"
    if tool != "wrk":
        print(
            "scaled   !!! wrk is not installed: the built-in Python generator is the "
            "bottleneck, so the ratio below is MEANINGLESS. Install it: apt install wrk"
        )
        skip("scaled wrk", "not installed (apt install wrk): no figure")
    load_before = _load()
    with private_state() as state:
        rates = measure(state, rounds, duration_s, tool)
    one, two = (statistics.median(rates[c]) for c in COUNTS)
    ratios = [b / a for a, b in zip(rates[1], rates[2], strict=True)]
    paired = statistics.median(ratios)
    verdict = "met" if paired >= TARGET else "NOT met"
    print(
        f"scaled   GET {ROUTE} through nginx: requests/s 1 vs 2 instances {one:.0f} vs "
        f"{two:.0f}: median of per-round ratios {paired:.2f} (target >= {TARGET}: {verdict}; "
        f"ratio of medians {two / one:.2f})"
    )
    print(
        f"scaled     ({tool}, {CONCURRENCY} connections, {rounds}×{duration_s:g} s each, "
        f"interleaved; uvicorn 1 process per instance, nginx 1 worker, {os.cpu_count()} "
        f"cores shared with wrk and nginx; load average {load_before} before, {_load()} after; "
        f"1: {', '.join(f'{x:.0f}' for x in rates[1])}; "
        f"2: {', '.join(f'{x:.0f}' for x in rates[2])}; "
        f"ratios: {', '.join(f'{r:.2f}' for r in ratios)})"
    )
    if tool == "wrk":
        file(
            Figure(
                bench="scaled",
                measure=f"GET {ROUTE} through nginx, 2 instances ÷ 1 (req/s)",
                ours=f"{two:.0f} req/s",
                reference=f"1 instance {one:.0f} req/s",
                ratio=paired,
                target=TARGET,
                higher_is_better=True,
            )
        )
    return {"rps_1": one, "rps_2": two, "ratio": two / one, "paired_ratio": paired}


def _load() -> str:
    """The 1-minute load average, as printed ("?" where the system does not say)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):
        return "?"


if __name__ == "__main__":
    run()
