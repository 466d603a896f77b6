"""`asgideck --start NAME PATH` starts a server; SIGTERM to asgideck stops it with the window."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.servers import (
    LaunchConfig,
    alive_entries,
    free_port,
    is_port_free,
    port_accepts,
    save_configs,
)
from support import REPO
from support.files import copy_sample_app

pytestmark = pytest.mark.integration


def test_sigterm_closes_the_window_and_stops_its_servers(tmp_path: Path) -> None:
    project = copy_sample_app(tmp_path / "proj")
    port = free_port()
    save_configs(project.resolve(), [LaunchConfig("dev", "development", port=port)])
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    gui = subprocess.Popen(
        [sys.executable, "-m", "asgideck", "--start", "dev", str(project)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        tick = threading.Event()
        while not port_accepts("127.0.0.1", port):
            assert time.monotonic() < deadline and gui.poll() is None, "the server never came up"
            tick.wait(0.05)
        [entry] = [e for e in alive_entries() if e.port == port]
        root = psutil.Process(entry.pid)
        tree = [root, *root.children(recursive=True)]
        gui.send_signal(signal.SIGTERM)
        _out, err = gui.communicate(timeout=30)
    finally:
        if gui.poll() is None:
            gui.kill()
            gui.communicate()
    assert gui.returncode == 0, err
    _gone, alive = psutil.wait_procs(tree, timeout=5)
    assert alive == []
    assert is_port_free(port)
    assert alive_entries() == []
