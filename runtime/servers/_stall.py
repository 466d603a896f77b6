"""What a server that is slow to come up is doing: the Python stack of its startup.

Two ways, the first that works:

- ``py-spy dump --pid`` when py-spy is on PATH (needs ptrace rights; asked first);
- else the process dumps itself: every server starts with a tiny ``sitecustomize``
  on ``PYTHONPATH`` (``with_stack_site``: a folder in asgideck's state dir, never the project) that
  registers ``faulthandler`` on a real-time signal (``SIGRTMIN+7``: uvicorn and
  gunicorn use SIGUSR1/SIGUSR2 for themselves) and, chained to it, a Python handler
  that prints the stacks of the pending asyncio tasks — an async lifespan waiting
  between retries shows as the event loop's ``select`` in a thread dump, but as
  ``await connect(...)`` in its task's stack. The dumps go to the server's stderr,
  so they land in its log. A process is signalled only when ``/proc`` shows it
  catches that signal (the default action would end it).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import psutil

from asgideck.runtime.userstate import state_dir

__all__ = [
    "DUMP_MARK",
    "STACK_SIGNAL",
    "connect_frames",
    "dump_with_py_spy",
    "signal_for_dump",
    "site_dir",
    "stack_excerpt",
    "waiting_pids",
    "with_stack_site",
]

#: faulthandler's header line; the asyncio part prints ``DUMP_MARK``.
DUMP_MARK = "asgideck: asyncio tasks"
STACK_SIGNAL: int = getattr(signal, "SIGRTMIN", 34) + 7

_SITECUSTOMIZE = f'''\
"""Written by asgideck: lets asgideck ask a slow-starting server for its stack."""
import os as _os
import sys as _sys


def _asgideck_install():
    import faulthandler
    import signal

    sig = {STACK_SIGNAL}

    def chain(obj, out, seen):
        # follow what each coroutine awaits (cr_await); an async generator's asend()
        # (an @asynccontextmanager lifespan) shows no link: find the suspended generator
        while obj is not None and id(obj) not in seen and len(seen) < 200:
            seen.add(id(obj))
            frame = None
            for name in ("cr_frame", "gi_frame", "ag_frame"):
                frame = frame or getattr(obj, name, None)
            if frame is not None:
                out.append('  File "%s", line %d, in %s' % (
                    frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
            nxt = None
            for name in ("cr_await", "gi_yieldfrom", "ag_await"):
                nxt = nxt or getattr(obj, name, None)
            if nxt is None and frame is None and type(obj).__name__ == "async_generator_asend":
                import gc
                import inspect

                gens = [g for g in gc.get_objects()
                        if inspect.isasyncgen(g) and g.ag_await is not None
                        and id(g) not in seen]
                nxt = gens[0] if len(gens) == 1 else None
            obj = nxt

    def tasks(_signum, _frame):
        try:
            import asyncio

            loop = asyncio.get_running_loop()
        except Exception:
            return
        out = ["{DUMP_MARK} (pid %d):" % _os.getpid()]
        for task in asyncio.all_tasks(loop):
            out.append("Task %s (most recent call last):" % task.get_name())
            chain(task.get_coro(), out, set())
        _sys.stderr.write("\\n".join(out) + "\\n")
        _sys.stderr.flush()

    signal.signal(sig, tasks)
    faulthandler.register(sig, all_threads=True, chain=True)


try:
    _asgideck_install()
except Exception:
    pass

# the project's own sitecustomize, if any, still runs
_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here]
_me = _sys.modules.pop("sitecustomize")
try:
    import sitecustomize  # noqa: F401
except ImportError:
    pass
finally:
    _sys.modules["sitecustomize"] = _me  # the import that runs this file expects itself
'''


def site_dir() -> Path | None:
    """The folder holding asgideck's ``sitecustomize.py`` (written on first use);
    None off POSIX or when it cannot be written."""
    if sys.platform == "win32":
        return None
    folder = state_dir() / "stack-site"
    target = folder / "sitecustomize.py"
    try:
        if not target.is_file() or target.read_text(encoding="utf-8") != _SITECUSTOMIZE:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".sitecustomize.{os.getpid()}.tmp"
            tmp.write_text(_SITECUSTOMIZE, encoding="utf-8")
            os.replace(tmp, target)
    except OSError:
        return None
    return folder


def with_stack_site(env: dict[str, str]) -> dict[str, str]:
    """``env`` with asgideck's stack-dump ``sitecustomize`` (``site_dir``) first on
    ``PYTHONPATH``; unchanged where that folder cannot be had."""
    folder = site_dir()
    if folder is None:
        return env
    paths = [str(folder), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}


def waiting_pids(pids: Sequence[int]) -> list[int]:
    """The processes of a tree that run the app: those without children of their own
    (a reloader, gunicorn's arbiter and Granian's main process only wait on them)."""
    alive = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if any("resource_tracker" in part for part in proc.cmdline()):
                continue
            children = [c for c in proc.children() if c.status() != psutil.STATUS_ZOMBIE]
        except psutil.Error:
            continue
        if not children:
            alive.append(pid)
    return alive


def _catches(pid: int, signum: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    match = re.search(r"^SigCgt:\s*([0-9a-fA-F]+)", text, re.MULTILINE)
    return bool(match and int(match.group(1), 16) & (1 << (signum - 1)))


def signal_for_dump(pids: Iterable[int]) -> list[int]:
    """Send the stack signal to each pid that catches it; returns those signalled."""
    sent = []
    for pid in pids:
        if _catches(pid, STACK_SIGNAL):
            with contextlib.suppress(OSError):
                os.kill(pid, STACK_SIGNAL)
                sent.append(pid)
    return sent


def dump_with_py_spy(pid: int, timeout: float = 5.0) -> str | None:
    """``py-spy dump --pid`` output, or None (not installed, no ptrace rights, timeout)."""
    exe = shutil.which("py-spy")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "dump", "--pid", str(pid)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout.strip() else None


_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+),? in (\S+)')
_CONNECTING = re.compile(r"connect|create_connection|getaddrinfo|open_connection|sock_connect")


def connect_frames(lines: Iterable[str]) -> list[str]:
    """Frames of a dump that are making a connection (``connect``, ``getaddrinfo`` …)."""
    return [ln.strip() for ln in lines if _FRAME.match(ln) and _CONNECTING.search(ln)]


def stack_excerpt(lines: Sequence[str], limit: int = 40) -> list[str]:
    """The dump's lines that matter: headers and the frames outside the stdlib's
    event loop machinery, newest call first as Python prints them, at most ``limit``."""
    keep: list[str] = []
    for line in lines:
        if "most recent call " in line or DUMP_MARK in line:
            keep.append(line)
            continue
        match = _FRAME.match(line)
        if match is None:
            if line.strip() and not line.startswith(" ") and keep:
                keep.append(line)  # e.g. py-spy's "Thread 123 (idle)" headers
            continue
        path = match.group(1)
        if any(part in path for part in ("/asyncio/", "/selectors.py", "/threading.py")):
            continue
        keep.append(line)
    return keep[:limit]
