"""GitHub's REST description from bytes to a ready Routes tab model, as a ratio to
``json.loads``; then the Routes tab filtering those operations keystroke by keystroke."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_openapi import _timed, github_description  # noqa: E402

TARGET_RATIO = 3.0
TARGET_KEYSTROKE_MS = 50.0
TYPED = "repos pulls get"


def run(rounds: int = 5) -> dict[str, float]:
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

    loads, models = [], []
    for _ in range(rounds):
        loads.append(_timed(json.loads, data))
        models.append(_timed(to_model, data))
    base, ours = statistics.median(loads), statistics.median(models)
    ratio = ours / base
    ops = len(parse_bytes(data).operations)
    print(
        f"routes   GitHub REST ({ops:,} ops) bytes → routes model: {ours:.2f} s vs json.loads "
        f"{base:.2f} s, ratio {ratio:.2f} (target ≤ {TARGET_RATIO:g}) "
        f"{'OK' if ratio <= TARGET_RATIO else 'MISSED'}"
    )

    inspection = Inspection(open_project(REPO / "sample_app"))
    view = RoutesView(inspection)
    view.resize(1100, 700)
    view.show()
    entries = tuple(build_index(parse_bytes(data)))
    inspection.apply(Snapshot(entries=entries))
    app.processEvents()
    timings: list[float] = []
    for _ in range(3):
        for n in [*range(1, len(TYPED) + 1), *range(len(TYPED) - 1, -1, -1)]:
            start = time.perf_counter()
            view.filter.setText(TYPED[:n])  # the view filters and re-expands on textChanged
            app.processEvents()  # and Qt lays out and paints the new tree
            timings.append((time.perf_counter() - start) * 1000)
    worst, median = max(timings), statistics.median(timings)
    verdict = "OK" if worst <= TARGET_KEYSTROKE_MS else "MISSED"
    view.close()
    print(
        f"routes   filtering {ops:,} operations per keystroke: median {median:.1f} ms, "
        f"worst {worst:.1f} ms over {len(timings)} keystrokes "
        f"(target ≤ {TARGET_KEYSTROKE_MS:g} ms) {verdict}"
    )
    return {"ratio": ratio, "keystroke_median_ms": median, "keystroke_worst_ms": worst}


if __name__ == "__main__":
    run()
