"""GitHub's REST description from bytes to a ready Routes tab model, as a ratio to
``json.loads`` of the same bytes; then the Routes tab filtering those operations keystroke
by keystroke, each timed from the key to the tree laid out and painted.

The first ratio is taken as bench_openapi takes its own (interleaved rounds, the median of
the per-round ratios, the collector paused on both sides: see there why); the ratio with
the collector running is printed beside it. The filter figure is the worst keystroke of
three rounds of typing and deleting a query (no debounce: each keystroke does its work
before the next), against one 60 Hz frame; the thread's CPU time per keystroke is printed
too, since on a shared machine the wall clock of a single keystroke also measures the
neighbours.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_openapi import github_description, side_by_side  # noqa: E402
from figures import Figure, file  # noqa: E402

TARGET_RATIO = 1.5  # issue #15: bytes -> routes model within 1.5x json.loads
FRAME_MS = 16.0  # issue #15: the worst keystroke within one frame
TYPED = "repos pulls get"


def run(rounds: int = 7) -> dict[str, float]:
    from asgideck.gui.app import make_app
    from asgideck.gui.tabs.routes.model import RoutesModel
    from asgideck.gui.tabs.routes.view import RoutesView
    from asgideck.runtime.inspect import Inspection, Snapshot, build_index
    from asgideck.runtime.openapi import parse_bytes
    from asgideck.runtime.project import open_project

    app = make_app()
    data = github_description().read_bytes()

    def to_model(raw: bytes) -> RoutesModel:
        model = RoutesModel()
        model.set_entries(build_index(parse_bytes(raw)))
        return model

    to_model(data)  # fonts and Qt's first model: not part of any round
    base, ours, ratio = side_by_side(to_model, data, rounds)
    _, _, with_gc = side_by_side(to_model, data, max(3, rounds // 2), collector=True)
    ops = len(parse_bytes(data).operations)
    print(
        f"routes   GitHub REST ({ops:,} ops) bytes → routes model: {ours:.3f} s vs json.loads "
        f"{base:.3f} s, ratio {ratio:.2f} (target ≤ {TARGET_RATIO:g}) "
        f"{'OK' if ratio <= TARGET_RATIO else 'MISSED'}; "
        f"with the collector running {with_gc:.2f}"
    )
    file(
        Figure(
            bench="routes",
            measure=f"bytes → routes model ({ops:,} ops) ÷ json.loads",
            ours=f"{ours * 1000:.0f} ms",
            reference=f"json.loads {base * 1000:.0f} ms",
            ratio=ratio,
            target=TARGET_RATIO,
        )
    )
    file(
        Figure(
            bench="routes",
            measure="bytes → routes model ÷ json.loads, collector running",
            ours=f"{with_gc:.2f}×",
            reference="json.loads",
            ratio=with_gc,
            target=None,
        )
    )

    inspection = Inspection(open_project(REPO / "sample_app"))
    view = RoutesView(inspection)
    view.resize(1100, 700)
    view.show()
    inspection.apply(Snapshot(entries=tuple(build_index(parse_bytes(data)))))
    app.processEvents()
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(3):
        for n in [*range(1, len(TYPED) + 1), *range(len(TYPED) - 1, -1, -1)]:
            cpu = time.thread_time()
            start = time.perf_counter()
            view.filter.setText(TYPED[:n])  # the view filters and re-expands on textChanged
            app.processEvents()  # and Qt lays out and paints the new tree
            walls.append((time.perf_counter() - start) * 1000)
            cpus.append((time.thread_time() - cpu) * 1000)
    worst, median = max(walls), statistics.median(walls)
    verdict = "OK" if worst <= FRAME_MS else "MISSED"
    view.close()
    print(
        f"routes   filtering {ops:,} operations per keystroke: median {median:.1f} ms, "
        f"worst {worst:.1f} ms over {len(walls)} keystrokes (target ≤ {FRAME_MS:g} ms) "
        f"{verdict}; CPU median {statistics.median(cpus):.1f} ms, worst {max(cpus):.1f} ms"
    )
    file(
        Figure(
            bench="routes",
            measure=f"filter {ops:,} ops per keystroke, worst",
            ours=f"{worst:.1f} ms",
            reference=f"one frame {FRAME_MS:g} ms",
            ratio=worst / FRAME_MS,
            target=1.0,
        )
    )
    return {
        "ratio": ratio,
        "ratio_with_collector": with_gc,
        "keystroke_median_ms": median,
        "keystroke_worst_ms": worst,
        "keystroke_cpu_worst_ms": max(cpus),
    }


if __name__ == "__main__":
    run()
