"""Run in a fresh interpreter by bench_startup: time from process start to window up.

Prints one JSON line. ``--bare`` shows an empty QMainWindow instead (the baseline).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    bare = "--bare" in sys.argv
    me = psutil.Process()
    started = me.create_time()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    marks: dict[str, float] = {}
    if bare:
        app = QApplication([])
        window: QMainWindow = QMainWindow()
        window.resize(1100, 720)
        window.show()
        app.processEvents()
        marks["shown"] = time.time() - started
        marks["loaded"] = marks["shown"]
        QTimer.singleShot(0, app.quit)
    else:
        from asgideck.gui.app import make_app
        from asgideck.gui.main_window import MainWindow

        app = make_app()
        main_window = MainWindow()
        main_window.loaded.connect(
            lambda: (marks.setdefault("loaded", time.time() - started), app.quit())
        )
        main_window.open_path(REPO / "sample_app")
        main_window.show()
        app.processEvents()
        marks["shown"] = time.time() - started
        QTimer.singleShot(60_000, app.quit)
    app.exec()
    rss = me.memory_info().rss + sum(c.memory_info().rss for c in me.children(recursive=True))
    print(json.dumps({**marks, "rss_mb": me.memory_info().rss / 2**20, "tree_rss_mb": rss / 2**20}))


if __name__ == "__main__":
    main()
