"""Window up on sample_app vs a bare Qt window, each in a fresh process, interleaved.

The figure that matters is the difference, pair by pair (bare, then asgideck, in the same
run): the machine's own start-up cost (interpreter, Qt) is in both and cancels out.
One uncounted warm-up pair first, allowed to write bytecode even under
``PYTHONDONTWRITEBYTECODE`` (an installed asgideck has its ``.pyc`` files): otherwise
whatever was edited since the last import is compiled again in every counted run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, file

DRIVER = Path(__file__).with_name("startup_driver.py")
TARGET_SHOWN_S = 1.5
TARGET_RSS_MB = 200
TARGET_OVER_BARE_S = 0.3  # window up minus a bare QMainWindow, same run (issues #11, #15)


def _once(bare: bool, *, warm_up: bool = False) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    if warm_up:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    args = [sys.executable, str(DRIVER)] + (["--bare"] if bare else [])
    out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(rounds: int = 5) -> dict[str, float]:
    _once(True, warm_up=True)
    _once(False, warm_up=True)
    ours, bare = [], []
    for _ in range(rounds):
        bare.append(_once(True))
        ours.append(_once(False))
    over = statistics.median(o["shown"] - b["shown"] for o, b in zip(ours, bare, strict=True))
    shown = statistics.median(r["shown"] for r in ours)
    loaded = statistics.median(r["loaded"] for r in ours)
    rss = max(r["rss_mb"] for r in ours)
    base = statistics.median(r["shown"] for r in bare)
    print(
        f"startup  window up on sample_app: {shown:.2f} s (target ≤ {TARGET_SHOWN_S} s) "
        f"{'OK' if shown <= TARGET_SHOWN_S else 'MISSED'}"
    )
    print(f"startup  profile validated (probe done): {loaded:.2f} s")
    print(
        f"startup  RSS of the GUI process: {rss:.0f} MB (target ≤ {TARGET_RSS_MB} MB) "
        f"{'OK' if rss <= TARGET_RSS_MB else 'MISSED'}"
    )
    print(f"startup  bare QMainWindow: {base:.2f} s; ratio asgideck / bare = {shown / base:.2f}")
    print(
        f"startup  window up minus bare QMainWindow: {over:+.2f} s "
        f"(median of {rounds} pairs in this run; target ≤ {TARGET_OVER_BARE_S} s) "
        f"{'OK' if over <= TARGET_OVER_BARE_S else 'MISSED'}"
    )
    file(
        Figure(
            bench="startup",
            measure="window up minus a bare QMainWindow, ÷ the +0.3 s allowed",
            ours=f"{over:+.2f} s",
            reference=f"bare QMainWindow {base:.2f} s; allowed +{TARGET_OVER_BARE_S:g} s",
            ratio=over / TARGET_OVER_BARE_S,
            target=1.0,
        )
    )
    return {
        "shown_s": shown,
        "loaded_s": loaded,
        "rss_mb": rss,
        "ratio_vs_bare": shown / base,
        "over_bare_s": over,
    }


if __name__ == "__main__":
    run()
