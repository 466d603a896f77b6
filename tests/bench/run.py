"""``make bench``: every benchmark, each printing its numbers side by side."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_startup


def main() -> None:
    print("asgideck benchmarks (medians of interleaved runs on this machine)\n")
    bench_startup.run()


if __name__ == "__main__":
    main()
