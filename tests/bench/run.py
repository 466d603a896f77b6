"""``make bench``: every benchmark, each printing its numbers side by side."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_logs
import bench_openapi
import bench_record
import bench_routes
import bench_scaled
import bench_servers
import bench_services
import bench_startup
import bench_try

BENCHES: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("startup", bench_startup.run),
    ("servers", bench_servers.run),
    ("services", bench_services.run),
    ("logs", bench_logs.run),
    ("openapi", bench_openapi.run),
    ("routes", bench_routes.run),
    ("try", bench_try.run),
    ("record", bench_record.run),
    ("scaled", bench_scaled.run),
)


def main() -> int:
    print("asgideck benchmarks (medians of interleaved runs on this machine)\n")
    failed = []
    for name, bench in BENCHES:
        try:
            bench()
        except Exception:  # one broken bench must not hide the others' numbers
            failed.append(name)
            print(f"{name:8s} FAILED:\n{traceback.format_exc()}", file=sys.stderr)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
