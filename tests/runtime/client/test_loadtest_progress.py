"""A built-in load test reports its counts while it runs (the Try tab's live numbers)."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest

from asgideck.runtime.client import run_load
from support.loopback import serve_sample


@pytest.mark.integration
def test_progress_is_heard_during_the_run_and_ends_on_the_totals(tmp_path: Path) -> None:
    heard: list[tuple[float, int, int]] = []
    runner = threading.current_thread()

    def progress(answered: int, errors: int) -> None:
        assert threading.current_thread() is runner  # the run's own thread (asyncio.run)
        heard.append((time.monotonic(), answered, errors))

    with serve_sample(tmp_path) as base_url:
        started = time.monotonic()
        result = run_load(
            base_url + "/health", concurrency=4, duration_s=1.0, tool="builtin", progress=progress
        )
    assert heard, "no progress was reported"
    assert heard[-1][1:] == (result.requests, result.errors)
    counts = [answered for _t, answered, _e in heard]
    assert counts == sorted(counts)  # never goes back
    early = [t for t, answered, _e in heard if answered > 0 and t - started < 0.9]
    assert early, "nothing was reported before the run's end"
    # Throttled: about every PROGRESS_EVERY_S, not per request (the final report comes anyway).
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(heard[:-1])]
    assert min(gaps, default=1.0) >= 0.09
