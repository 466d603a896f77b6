"""Issue 10, defect 10 (and defect 6's parent-death part): processes that escape the tree.

A double-forked daemon started by the app, a double-forked child that takes the port
once the server lets go, an app that daemonizes while the probe imports it, and
``asgideck run`` killed with SIGKILL. Real uvicorn servers on loopback, bounded waits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.inspect import inspect_project
from asgideck.runtime.project import open_project
from asgideck.runtime.servers import Supervisor, free_port, is_port_free, port_accepts, spawn
from asgideck.runtime.servers import _registry as registry
from asgideck.runtime.servers._process_tree import marked_processes
from asgideck.runtime.userstate import state_location
from support import REPO
from support.files import copy_sample_app
from support.marked import asgideck_cli, reaped
from support.servers import TINY_APP, live, make_spec, wait_until, write_app

pytestmark = pytest.mark.integration

#: Double-forks a daemon at import (stdio on /dev/null, so no pipe stays open); the
#: middle process writes the daemon's pid beside the module before it exits.
DAEMON_AT_IMPORT = """
import os, time
from pathlib import Path

def _daemonize():
    middle = os.fork()
    if middle:
        os.waitpid(middle, 0)
        return
    os.setsid()
    daemon = os.fork()
    if daemon:
        Path(__file__).with_name("daemon.pid").write_text(str(daemon))
        os._exit(0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    time.sleep(60)
    os._exit(0)

_daemonize()
"""

#: The daemon ignores SIGTERM and, once the server stops listening, takes its port.
PORT_TAKER = """
import os, signal, socket, time
from pathlib import Path

def _taker(port):
    middle = os.fork()
    if middle:
        os.waitpid(middle, 0)
        return
    os.setsid()
    daemon = os.fork()
    if daemon:
        Path(__file__).with_name("daemon.pid").write_text(str(daemon))
        os._exit(0)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    deadline = time.time() + 60
    def accepts():
        with socket.socket() as probe:
            probe.settimeout(0.2)
            return probe.connect_ex(("127.0.0.1", port)) == 0
    while not accepts() and time.time() < deadline:
        time.sleep(0.02)
    while time.time() < deadline:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
            break
        except OSError:
            sock.close()
            time.sleep(0.02)
    time.sleep(60)
    os._exit(0)

_taker(int(os.environ["TAKE_PORT"]))
"""


@contextlib.contextmanager
def daemon_reaper(pidfile: Path) -> Iterator[None]:
    """SIGKILL the daemon named in ``pidfile`` at the end, should a test fail."""
    try:
        yield
    finally:
        if pidfile.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pidfile.read_text()), signal.SIGKILL)


def daemon_pid(pidfile: Path) -> int:
    assert wait_until(pidfile.exists, 10), "the app never forked its daemon"
    return int(pidfile.read_text())


def gone(pid: int) -> bool:
    return live([pid]) == []


def test_a_double_forked_daemon_goes_with_its_server(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj", DAEMON_AT_IMPORT + TINY_APP)
    spec = make_spec(root)
    supervisor = Supervisor(spec, log_to_file=False)
    with daemon_reaper(root / "daemon.pid"):
        try:
            supervisor.start()
            assert supervisor.wait_for("running", "crashed", timeout=30).state == "running"
            daemon = daemon_pid(root / "daemon.pid")
            assert not gone(daemon)
            result = supervisor.stop(grace=3)
        finally:
            supervisor.close(0)
        assert result.clean, result
        assert wait_until(lambda: gone(daemon), 5), f"daemon {daemon} survived the stop"
    assert registry.entries() == []


def test_a_child_that_takes_the_port_is_stopped_too(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj", PORT_TAKER + TINY_APP)
    spec = make_spec(root)
    spec = make_spec(root, port=spec.port, env={"TAKE_PORT": str(spec.port)})
    supervisor = Supervisor(spec, log_to_file=False)
    with daemon_reaper(root / "daemon.pid"):
        try:
            supervisor.start()
            assert supervisor.wait_for("running", "crashed", timeout=30).state == "running"
            daemon = daemon_pid(root / "daemon.pid")
            result = supervisor.stop(grace=1)
        finally:
            supervisor.close(0)
        assert result.clean, (result, supervisor.status.error)
        assert gone(daemon) and is_port_free(spec.port)
    assert registry.entries() == []


#: Forks a child out of the session that lives on after its parent (the root) exits.
ROOT_LEAVES_A_CHILD = """
import os, time
child = os.fork()
if child == 0:
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
"""


def test_a_survivor_stays_listed_until_it_is_gone(tmp_path: Path) -> None:
    with reaped() as procs:
        root = spawn([sys.executable, "-c", ROOT_LEAVES_A_CHILD], cwd=tmp_path, env={})
        procs.append(root)
        assert root.stdout is not None
        child = int(root.stdout.readline())
        entry = registry.Entry(
            id=registry.new_id(),
            pid=root.pid,
            create_time=psutil.Process(root.pid).create_time(),
            argv=("python",),
            port=0,
            host="127.0.0.1",
            root=str(tmp_path),
            kind="uvicorn",
            started_at=0.0,
            pgid=root.pid,
        )
        registry.register(entry)
        root.wait(10)
        try:
            registry.unregister(entry.id)  # what a stop does once the tracked tree is gone
            assert [e.id for e in registry.entries()] == [entry.id]  # kept: a child still runs
            assert [e.id for e in registry.alive_entries()] == [entry.id]  # `ps` lists it
            result = registry.stop_orphan(registry.entries()[0], grace=2)  # `stop --all`
            assert result.clean and gone(child)
            assert registry.entries() == []
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)


def test_an_app_that_daemonizes_at_import_leaves_no_probe_behind(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj", DAEMON_AT_IMPORT + TINY_APP, module="main")
    project = open_project(root, python=sys.executable, app="main:app")
    with daemon_reaper(root / "daemon.pid"):
        inspect_project(project, timeout=30)
        daemon = daemon_pid(root / "daemon.pid")
        assert wait_until(lambda: gone(daemon), 5), f"daemon {daemon} outlived the probe"
    mine = str(state_location())
    assert [m.process.pid for m in marked_processes() if m.state == mine] == []


def test_run_killed_with_sigkill_takes_its_server_along(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux only")
    project = copy_sample_app(tmp_path / "proj")
    port = free_port()
    argv = ["run", str(project), "--profile", "development", "--port", str(port)]
    run = subprocess.Popen(
        [sys.executable, "-m", "asgideck", *argv],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: port_accepts("127.0.0.1", port) or run.poll() is not None, 30)
        assert run.poll() is None, "run exited before its server was ready"
        tree = [p for p in psutil.Process(run.pid).children(recursive=True)]
        assert tree, "no server process under run"
        run.send_signal(signal.SIGKILL)
        run.wait(5)
        _gone, alive = psutil.wait_procs(tree, timeout=5)
        assert alive == [], f"the server outlived run: {[p.pid for p in alive]}"
        assert wait_until(lambda: is_port_free(port), 3)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(5)
        asgideck_cli("stop", "--all", "--grace", "1")  # whatever survived a failed run


def _probes() -> list[psutil.Process]:
    """Processes asgideck started for this test's state folder (the probe carries it)."""
    mine = str(state_location())
    return [m.process for m in marked_processes() if m.state == mine]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL, signal.SIGHUP])
def test_inspect_killed_takes_its_spinning_probe_along(tmp_path: Path, signum: int) -> None:
    """Review of #10, F3: an app spinning at import kept the probe running (ppid 1, full
    CPU) after ``inspect`` died by any signal but SIGINT."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux only")
    root = write_app(tmp_path / "proj", "while True:\n    pass\n", module="main")
    inspect = subprocess.Popen(
        [sys.executable, "-m", "asgideck", "inspect", str(root), "--app", "main:app"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: _probes() != [] or inspect.poll() is not None, 20)
        probes = _probes()
        assert probes and inspect.poll() is None, "no probe under inspect"
        inspect.send_signal(signum)
        inspect.wait(5)
        _gone, alive = psutil.wait_procs(probes, timeout=5)
        assert alive == [], f"the probe outlived inspect: {[p.pid for p in alive]}"
    finally:
        if inspect.poll() is None:
            inspect.kill()
            inspect.wait(5)
        for proc in _probes():
            with contextlib.suppress(psutil.Error):
                proc.kill()
            with contextlib.suppress(psutil.Error):
                proc.wait(5)
