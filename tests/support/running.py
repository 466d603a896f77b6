"""``asgideck run`` as a child process, the way a terminal, a script, an IDE or systemd
starts it, against a small project written for the test (``write_run_project``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import psutil

from support import REPO

#: One module, several apps: ``app`` answers and prints on request; ``stubborn`` ignores
#: SIGTERM once started; ``held`` finishes starting (and only then binds its port, as
#: uvicorn does) once a file named ``go`` exists in its folder.
RUN_APP = r"""
import asyncio
import os
import signal
import sys
from urllib.parse import parse_qs


class App:
    def __init__(self, stubborn=False, held=False):
        self.stubborn, self.held = stubborn, held

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    while self.held and not os.path.exists("go"):
                        await asyncio.sleep(0.05)
                    if self.stubborn:
                        signal.signal(signal.SIGTERM, signal.SIG_IGN)
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        query = parse_qs(scope["query_string"].decode())
        if scope["path"] == "/burst":
            n = int(query["n"][0])
            sys.stdout.write("".join(f"burst {i}\n" for i in range(n)))
            sys.stdout.flush()
        elif scope["path"] == "/escapes":
            # a clipboard write (OSC 52), a title change, cursor moves, a bell, colour
            text = (
                "before\x1b]52;c;ZWNobyBwd25lZA==\x07after "
                "\x1b]0;owned\x07\x1b[2J\x1b[1;1H\x1b[1Aup\x07 \x1b[31mred\x1b[0m end\n"
            )
            sys.stdout.write(text)
            sys.stderr.write(text)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


app = App()
stubborn = App(stubborn=True)
held = App(held=True)
"""


def write_run_project(root: Path) -> Path:
    """A project folder with ``app.py`` (``RUN_APP``) and an empty ``.env`` (profile
    ``default``)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(RUN_APP)
    (root / ".env").write_text("")
    return root


def run_args(root: Path, port: int, *extra: str, app: str = "app:app") -> list[str]:
    return [
        sys.executable, "-m", "asgideck", "run", str(root), "--profile", "default",
        "--app", app, "--python", sys.executable, "--port", str(port), *extra,
    ]  # fmt: skip


class Output:
    """One pipe of a child, read line by line on a thread (bytes, kept whole)."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self.lines: list[bytes] = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.thread.start()

    def _read(self, pipe: IO[bytes]) -> None:
        for line in pipe:
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def text(self) -> str:
        with self.cond:
            return b"".join(self.lines).decode("utf-8", "replace")

    def wait_for(self, needle: str, timeout: float) -> bool:
        """True once a line contains ``needle``; False at the deadline or at EOF."""
        return self.wait_for_count(needle, 1, timeout)

    def wait_for_count(self, needle: str, count: int, timeout: float) -> bool:
        """True once ``count`` lines contain ``needle``; False at the deadline or at EOF."""
        raw = needle.encode()
        deadline = time.monotonic() + timeout
        found = seen = 0
        with self.cond:
            while True:
                found += sum(raw in line for line in self.lines[seen:])
                if found >= count:
                    return True
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or not self.thread.is_alive():
                    return False
                self.cond.wait(min(left, 0.5))


class RunChild:
    """One ``asgideck run`` child: its stdout/stderr readers and its server's tree."""

    def __init__(self, args: list[str], *, read_stdout: bool = True, **popen: Any) -> None:
        self.proc = subprocess.Popen(
            args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.err = Output(self.proc.stderr)
        self.out = Output(self.proc.stdout) if read_stdout else None
        self.tree: list[psutil.Process] = []

    def wait_running(self, timeout: float = 20.0) -> list[psutil.Process]:
        """Wait for "asgideck: running on"; records (and returns) the server's tree."""
        assert self.err.wait_for("asgideck: running on", timeout), self.err.text()
        self.tree = psutil.Process(self.proc.pid).children(recursive=True)
        assert self.tree, "no server process under asgideck run"
        return self.tree

    def server(self) -> psutil.Process:
        """The server's root: the child of ``run`` that leads its own session."""
        return next(p for p in self.tree if p.ppid() == self.proc.pid)

    def finish(self, timeout: float = 20.0) -> int:
        """Wait for ``run`` to exit (and its pipes to close); returns its exit code."""
        code = self.proc.wait(timeout)
        self.err.thread.join(timeout)
        if self.out is not None:
            self.out.thread.join(timeout)
        return code

    def tree_gone(self, timeout: float = 5.0) -> list[psutil.Process]:
        """The server processes still alive after ``timeout`` (should be none)."""
        _gone, alive = psutil.wait_procs(self.tree, timeout=timeout)
        return alive

    def kill(self) -> None:
        """Leave nothing behind, whatever the test did: SIGKILL run and its server's tree."""
        with contextlib.suppress(psutil.Error):
            known = {p.pid for p in self.tree}
            self.tree += [
                p for p in psutil.Process(self.proc.pid).children(recursive=True)
                if p.pid not in known
            ]  # fmt: skip
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        for proc in self.tree:
            with contextlib.suppress(OSError):
                if os.getpgid(proc.pid) == proc.pid:  # the server's own group, never ours
                    os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(psutil.Error):
                proc.kill()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


@contextlib.contextmanager
def run_children() -> Iterator[list[RunChild]]:
    """Children to kill at the end (with their servers), so a failing test leaks nothing."""
    children: list[RunChild] = []
    try:
        yield children
    finally:
        for child in children:
            if child.proc.poll() is None or child.tree_gone(0):
                child.kill()
