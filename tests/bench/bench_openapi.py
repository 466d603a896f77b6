"""GitHub's REST description: bytes -> operations model, as a ratio to ``json.loads``.

The 13 MB document comes from the npm package ``@octokit/openapi`` and is cached in
``.bench-cache/`` at the repo root (gitignored; never commit it).

Both sides are timed in the same rounds, interleaved, and the ratio is the median of the
per-round ratios. Python's cyclic collector is paused while each side is timed: the
90,000 containers ``json.loads`` makes trigger one full collection over all of them a few
thousand allocations later. After a bare ``json.loads`` that pass falls after the clock
stops; after ``parse_bytes``' own ``json.loads`` it falls inside the walk that follows, so
with the collector running the ratio charges ``json.loads``' collection to the parser
(~50 ms of GitHub's ~140 ms). The ratio with the collector running is printed as well.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, file  # noqa: E402

from asgideck.runtime.openapi import parse_bytes  # noqa: E402

CACHE = REPO / ".bench-cache"
PACKAGE = "@octokit/openapi@23.0.2"
MEMBER = "package/generated/api.github.com.json"
#: where ../shared/peers unpacks the same package (``npm pack`` + ``tar -xzf``)
PEERS_COPY = Path.home() / ".cache" / "asgideck-peers" / "octokit" / MEMBER
TARGET_RATIO = 1.5  # issue #15: bytes -> routes model within 1.5x json.loads


def github_description(cache: Path = CACHE) -> Path:
    """The cached ``api.github.com.json`` (or the peers' copy), fetched with ``npm pack``
    on first use."""
    target = cache / "api.github.com.json"
    if target.is_file():
        return target
    if PEERS_COPY.is_file():
        return PEERS_COPY
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is needed once to fetch {PACKAGE} into {cache}")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="asgideck-bench-") as tmp:
        out = subprocess.run(
            [npm, "pack", PACKAGE, "--silent"],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if out.returncode != 0:
            raise RuntimeError(f"npm pack {PACKAGE} failed: {out.stderr.strip()[-500:]}")
        tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball, "r:gz") as archive:
            member = archive.extractfile(MEMBER)
            if member is None:
                raise RuntimeError(f"{tarball.name} has no {MEMBER}")
            partial = target.with_suffix(".part")
            partial.write_bytes(member.read())
            os.replace(partial, target)
    return target


def _timed(fn: Callable[[bytes], Any], data: bytes, *, collector: bool = False) -> float:
    """Seconds for ``fn(data)``; the collector paused unless ``collector`` (see above)."""
    gc.collect()
    enabled = gc.isenabled()
    if not collector:
        gc.disable()
    try:
        start = time.perf_counter()
        result = fn(data)
        elapsed = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    del result  # freeing the tree stays outside the measurement
    return elapsed


def side_by_side(
    ours: Callable[[bytes], Any], data: bytes, rounds: int, *, collector: bool = False
) -> tuple[float, float, float]:
    """(json.loads median s, ours median s, median of the per-round ratios), interleaved."""
    loads, mine, ratios = [], [], []
    for _ in range(rounds):
        base = _timed(json.loads, data, collector=collector)
        took = _timed(ours, data, collector=collector)
        loads.append(base)
        mine.append(took)
        ratios.append(took / base)
    return statistics.median(loads), statistics.median(mine), statistics.median(ratios)


def run(rounds: int = 7) -> dict[str, float]:
    data = github_description().read_bytes()
    ops = len(parse_bytes(data).operations)
    base, ours, ratio = side_by_side(parse_bytes, data, rounds)
    _, _, with_gc = side_by_side(parse_bytes, data, max(3, rounds // 2), collector=True)
    verdict = "OK" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"openapi  GitHub REST ({len(data) / 1e6:.1f} MB, {ops:,} ops): "
        f"json.loads {base:.3f} s, parse_bytes {ours:.3f} s, "
        f"ratio {ratio:.2f} (target ≤ {TARGET_RATIO:g}) {verdict}; "
        f"with the collector running {with_gc:.2f}"
    )
    file(
        Figure(
            bench="openapi",
            measure=f"parse_bytes GitHub REST ({ops:,} ops) ÷ json.loads",
            ours=f"{ours * 1000:.0f} ms",
            reference=f"json.loads {base * 1000:.0f} ms",
            ratio=ratio,
            target=None,  # the bound is on the whole bytes -> routes model (routes)
        )
    )
    return {
        "mb": len(data) / 1e6,
        "operations": ops,
        "json_loads_s": base,
        "parse_s": ours,
        "ratio": ratio,
        "ratio_with_collector": with_gc,
    }


if __name__ == "__main__":
    run()
