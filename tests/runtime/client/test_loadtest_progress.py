"""A built-in load test reports its counts while it runs (the Try tab's live numbers)."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest

from asgideck.runtime.client import run_load
from support.loopback import serve_sample


@pytest.mark.integration
def test_progress_is_heard_during_the_run_and_ends_on_the_totals(tmp_path: Path) -> None:
    heard: list[tuple[int, int]] = []
    runner = threading.current_thread()

    def progress(answered: int, errors: int) -> None:
        assert threading.current_thread() is runner  # the run's own thread (asyncio.run)
        heard.append((answered, errors))

    with serve_sample(tmp_path) as base_url:
        result = run_load(
            base_url + "/health", concurrency=4, duration_s=1.0, tool="builtin", progress=progress
        )
    assert heard, "no progress was reported"
    assert heard[-1] == (result.requests, result.errors)  # the final report: the totals
    counts = [answered for answered, _e in heard]
    assert counts == sorted(counts)  # never goes back
    # only the last report is made at the end: any before it came while requests were running
    assert any(answered > 0 for answered, _e in heard[:-1]), "nothing was reported before the end"
    # Throttled (every PROGRESS_EVERY_S), not one report per request: fewer reports than
    # requests, several requests between two reports.
    assert len(heard) < result.requests
    assert max(b - a for a, b in itertools.pairwise(counts)) > 1
