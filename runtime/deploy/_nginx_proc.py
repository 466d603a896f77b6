"""A real nginx run unprivileged in front of local instances: its prefix, its process
and its readiness.

nginx runs with ``daemon off;`` in its own process group (``servers.spawn``: a new
session and the launch marker), with ``-p PREFIX -c PREFIX/nginx.conf -e
PREFIX/error.log`` and every file it writes inside ``PREFIX`` (DESIGN, Facts), so
nothing under ``/var`` is touched. Its workers keep the launch marker (``env``
directives: nginx clears a worker's environment otherwise), and as root they run as
the master's user (nginx would switch them to ``nobody``, who cannot enter asgideck's
private state folder). It is registered (kind ``nginx``) so ``asgideck ps``/``stop``
and the window see it, and ended the way every tree is.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pwd
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from asgideck.runtime.deploy._checks import find_nginx
from asgideck.runtime.deploy._model import DeployError
from asgideck.runtime.deploy._nginx import nginx_main
from asgideck.runtime.servers import (
    LAUNCH_VARS,
    EndResult,
    Entry,
    ProcessTree,
    create_time_of,
    new_id,
    port_accepts,
    register,
    spawn,
    unregister,
)
from asgideck.runtime.userstate import StateError

__all__ = ["NGINX_PACKAGE", "NginxProcess", "nginx_binary"]

#: What to install when nginx is missing (Debian/Ubuntu's package name; Homebrew's too).
NGINX_PACKAGE = "nginx"
#: Statuses nginx answers itself when no instance did (bad gateway, unavailable, timeout).
_GATEWAY_ERRORS = frozenset({502, 503, 504})
_POLL_S = 0.02


def nginx_binary() -> str:
    """The nginx to run, or ``DeployError`` in one line naming the package to install."""
    found = find_nginx()
    if found is None:
        raise DeployError(
            f"nginx is not installed: install the {NGINX_PACKAGE!r} package "
            f"(apt install {NGINX_PACKAGE}, brew install {NGINX_PACKAGE}) to run scaled"
        )
    return found


def _main_config(prefix: Path, site: Path) -> str:
    """``nginx_main`` (daemon off, everything in ``prefix``) plus the marker kept for the
    workers and, as root, the workers' user."""
    lines = [f"env {name};" for name in LAUNCH_VARS]
    if sys.platform != "win32" and os.geteuid() == 0:
        lines.append(f"user {pwd.getpwuid(os.geteuid()).pw_name};")
    return "\n".join(lines) + "\n" + nginx_main(prefix, site, daemon=False)


class NginxProcess:
    """One nginx master (and its workers) serving ``site_text`` from ``prefix``.

    ``on_exit(code)`` is called on the watcher thread (``asgideck-nginx-watch``) when the
    master exits without :meth:`stop` having asked it to.
    """

    def __init__(
        self,
        prefix: Path,
        site_text: str,
        *,
        host: str,
        port: int,
        root: Path,
        name: str,
        on_exit: Callable[[int], None] | None = None,
    ) -> None:
        self.prefix = prefix
        self.site_text = site_text
        self.host = host
        self.port = port
        self.root = root
        self.name = name
        self.on_exit = on_exit
        self.popen: subprocess.Popen[bytes] | None = None
        self.tree: ProcessTree | None = None
        self.entry: Entry | None = None
        self._stopping = False
        self._ended: EndResult | None = None
        self._watcher: threading.Thread | None = None

    @property
    def error_log(self) -> Path:
        return self.prefix / "error.log"

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None

    def _prepare(self) -> list[str]:
        """A fresh prefix (the last run's logs and temp files go) and the command."""
        binary = nginx_binary()
        shutil.rmtree(self.prefix, ignore_errors=True)
        self.prefix.mkdir(parents=True, exist_ok=True)
        site = self.prefix / "site.conf"
        site.write_text(self.site_text, encoding="utf-8")
        conf = self.prefix / "nginx.conf"
        conf.write_text(_main_config(self.prefix, site), encoding="utf-8")
        return [binary, "-p", f"{self.prefix}/", "-c", str(conf), "-e", str(self.error_log)]

    def start(self, *, die_with_parent: bool = False) -> None:
        """Spawn and register nginx (ready comes with :meth:`wait_ready`)."""
        args = self._prepare()
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "TZ", "LANG")}
        try:
            popen = spawn(
                args,
                cwd=self.prefix,
                env=env,
                output=self.error_log,
                die_with_parent=die_with_parent,
            )
        except OSError as exc:
            raise DeployError(f"could not start {args[0]}: {exc.strerror or exc}") from exc
        ctime = create_time_of(popen.pid)
        tree = ProcessTree.started(popen, ctime)
        self.popen, self.tree = popen, tree
        entry = Entry(
            id=new_id(),
            pid=popen.pid,
            create_time=ctime or time.time(),
            argv=tuple(args),
            port=self.port,
            host=self.host,
            root=str(self.root),
            kind="nginx",
            started_at=time.time(),
            pgid=tree.pgid,
            name=self.name,
            launch=tree.launch or "",
        )
        try:
            register(entry)
        except (OSError, StateError) as exc:
            tree.end(0)
            popen.wait()
            raise DeployError(f"nginx not started, asgideck could not record it: {exc}") from exc
        self.entry = entry
        self._watcher = threading.Thread(
            target=self._watch, args=(popen,), name="asgideck-nginx-watch", daemon=True
        )
        self._watcher.start()

    def _watch(self, popen: subprocess.Popen[bytes]) -> None:
        code = popen.wait()
        if not self._stopping and self.on_exit is not None:
            self.on_exit(code)

    def wait_ready(self, deadline: float, path: str, cancel: threading.Event) -> None:
        """Until the port accepts *and* a request through nginx reaches an instance (any
        answer but nginx's own 502/503/504); ``DeployError`` quoting the error log when
        nginx exits or ``deadline`` (monotonic) passes."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        host = "::1" if host == "::" else host
        last = ""
        while True:
            popen = self.popen
            if popen is None or popen.poll() is not None:
                code = popen.returncode if popen is not None else None
                raise DeployError(f"nginx exited with code {code} while starting{self.tail()}")
            if port_accepts(host, self.port):
                status = _probe(host, self.port, path)
                if status is not None and status not in _GATEWAY_ERRORS:
                    return
                last = f" (its last answer: {status})" if status is not None else ""
            if time.monotonic() >= deadline:
                raise DeployError(
                    f"nginx on {self.host}:{self.port} did not pass a request to an instance "
                    f"in time{last}{self.tail()}"
                )
            if cancel.wait(_POLL_S):
                raise DeployError("start cancelled")

    def tail(self, count: int = 5) -> str:
        """The error log's last lines, as a suffix for a message ("" when empty)."""
        try:
            lines = self.error_log.read_text("utf-8", "replace").strip().splitlines()
        except OSError:
            return ""
        return ("; " + str(self.error_log) + ": " + " | ".join(lines[-count:])) if lines else ""

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, grace: float) -> EndResult:
        """End the master and its workers (SIGTERM: nginx's fast shutdown), verify, and
        drop the registry entry once nothing of it is left."""
        self._stopping = True
        if self.tree is None or self.popen is None:
            return EndResult()
        if self._ended is not None and not self._ended.survivors:  # its pgid may be reused
            return self._ended
        result = self.tree.end(grace, port=(self.host or "127.0.0.1", self.port))
        self._ended = result
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(1.0)  # reaped: no zombie in a long-lived window
        if self._watcher is not None:
            self._watcher.join(1.0)
        if not result.survivors and self.entry is not None:
            with contextlib.suppress(OSError, StateError):
                unregister(self.entry.id)
        return result


def _probe(host: str, port: int, path: str) -> int | None:
    """The status of one GET through nginx (None: no answer)."""
    connection = http.client.HTTPConnection(host, port, timeout=2.0)
    try:
        connection.request("GET", path, headers={"User-Agent": "asgideck-ready"})
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()
