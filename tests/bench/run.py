"""``make bench``: every benchmark, each printing its numbers side by side, then one summary.

``python tests/bench/run.py [NAME ...]`` runs a subset (``make bench ONLY="logs try"``);
``--list`` names them. A bench module that is missing or fails to import is reported in the
summary instead of hiding the others' numbers.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, filed, skip, skipped

#: (name on the command line, module in tests/bench), in the order ``make bench`` runs them.
BENCHES: tuple[tuple[str, str], ...] = (
    ("startup", "bench_startup"),
    ("servers", "bench_servers"),
    ("cli", "bench_cli"),
    ("services", "bench_services"),
    ("logs", "bench_logs"),
    ("openapi", "bench_openapi"),
    ("routes", "bench_routes"),
    ("try", "bench_try"),
    ("record", "bench_record"),
    ("scaled", "bench_scaled"),
    ("peers", "bench_peers"),
)
NAMES = [name for name, _ in BENCHES]


def _selected(argv: list[str]) -> list[tuple[str, str]] | None:
    """The benches named on the command line (all when none), or None after a usage error."""
    wanted = [w for arg in argv for w in arg.replace(",", " ").split()]
    unknown = [w for w in wanted if w not in NAMES]
    if unknown:
        print(
            f"unknown bench {', '.join(unknown)}; choose from: {' '.join(NAMES)}", file=sys.stderr
        )
        return None
    return [b for b in BENCHES if not wanted or b[0] in wanted]


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def machine() -> str:
    """The ratios are side by side, but a busy machine still widens their spread: say so."""
    one, five, _ = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs, load {one:.1f} (5 min {five:.1f}), {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}"
    )


def summary(ran: list[tuple[str, float, str]]) -> str:
    """Every filed figure, the skipped peers/tools with why, and how each bench ended."""
    figures: list[Figure] = filed()
    out = ["", "=" * 100, "summary: every figure is a ratio measured side by side in this run"]
    out.append(f"machine: {machine()}")
    busy, cpus = os.getloadavg()[1], os.cpu_count() or 1
    if busy > cpus:
        out.append(
            f"!!! the machine was busy (5-minute load {busy:.1f} on {cpus} CPUs): every figure "
            "is noisier than usual; rerun on an idle machine before quoting one"
        )
    out.append("")
    if figures:
        rows = [["bench", "measure", "asgideck", "reference", "ratio", "target", "verdict"]]
        for f in figures:
            rows.append(
                [
                    f.bench,
                    f.measure,
                    f.ours,
                    f.reference,
                    f"{f.ratio:.2f}",
                    f.target_text,
                    f.verdict,
                ]
            )
        out += _table(rows, right={4})
        verdicts = [f.verdict for f in figures]
        counts = {v: verdicts.count(v) for v in ("OK", "MISSED", "—")}
        out.append(
            f"\n{len(figures)} figures: {counts['OK']} OK, {counts['MISSED']} MISSED, "
            f"{counts['—']} context (no target)"
        )
    else:
        out.append("no figures were filed")
    missed = [f for f in figures if f.verdict == "MISSED"]
    if missed:
        out.append("missed (bench: measure, ratio vs target):")
        out += [f"  {f.bench}: {f.measure}, {f.ratio:.2f} vs {f.target_text}" for f in missed]
    left_out = skipped()
    if left_out:
        out.append("\nskipped (what: why)")
        out += [f"  {what}: {why}" for what, why in left_out]
    out.append("\nbenches (name: outcome, wall time)")
    out += [f"  {name}: {outcome}, {seconds:.0f} s" for name, seconds, outcome in ran]
    out.append(f"  total {sum(s for _, s, _ in ran) / 60:.1f} min")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if "--list" in argv or "-h" in argv or "--help" in argv:
        print(__doc__.strip() + "\n\nbenches: " + " ".join(NAMES))
        return 0
    chosen = _selected(argv)
    if chosen is None:
        return 2
    print("asgideck benchmarks (medians of interleaved runs on this machine)")
    print(f"machine: {machine()}\n")
    ran: list[tuple[str, float, str]] = []
    failed = []
    for name, module in chosen:
        start = time.perf_counter()
        try:
            bench = importlib.import_module(module)
        except Exception as exc:
            if isinstance(exc, ModuleNotFoundError) and exc.name == module:
                skip(f"bench {name}", f"tests/bench/{module}.py does not exist (yet)")
                ran.append((name, 0.0, "missing"))
                continue
            failed.append(name)
            print(f"{name:8s} FAILED to import:\n{traceback.format_exc()}", file=sys.stderr)
            ran.append((name, time.perf_counter() - start, "FAILED to import"))
            continue
        try:
            bench.run()
        except Exception:  # one broken bench must not hide the others' numbers
            failed.append(name)
            print(f"{name:8s} FAILED:\n{traceback.format_exc()}", file=sys.stderr)
            ran.append((name, time.perf_counter() - start, "FAILED (traceback above)"))
        else:
            ran.append((name, time.perf_counter() - start, "ran"))
        sys.stdout.flush()
    print(summary(ran))
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
