"""Hand the written files to an engine that scales past one machine: ``docker compose up
--scale`` for ``compose.yaml``, ``kubectl apply`` for the manifests. asgideck never
reimplements either: it builds the command, runs it in the project's folder and streams
its output; without the tool it says, in one line, what to install.

A run is one process tree started the one way asgideck starts trees (``servers.spawn``,
its own session): :meth:`HandoffRun.cancel` ends the whole group (compose first gets
SIGINT, as Ctrl-C in a terminal, so it stops its containers). Output lines reach
``on_line`` from a reader thread, with the profile's secret values masked; ``on_exit``
gets the exit code once, after the last line.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from asgideck.runtime.deploy._compose import NGINX_COMPOSE_CONF
from asgideck.runtime.deploy._kubernetes import PLACEHOLDER
from asgideck.runtime.deploy._model import DeployError, Target
from asgideck.runtime.profiles import Profile
from asgideck.runtime.secrets import MASK, secret_values
from asgideck.runtime.servers import EndResult, ProcessTree, spawn

__all__ = ["HANDOFF_TARGETS", "Handoff", "HandoffRun", "handoff"]

#: The targets an engine runs (the others are files a person installs).
HANDOFF_TARGETS: tuple[Target, ...] = ("compose", "k8s")
COMPOSE_INSTALL = (
    "docker compose is not installed: install Docker Engine with its compose plugin "
    "(https://docs.docker.com/compose/install/) or Podman with podman-compose"
)
KUBECTL_INSTALL = (
    "kubectl is not installed: install it (https://kubernetes.io/docs/tasks/tools/) "
    "and point it at your cluster"
)
_COMPOSE_GRACE = 20.0  # compose stops its containers on SIGINT (10 s each by default)
_KUBECTL_GRACE = 5.0


@dataclass(frozen=True)
class Handoff:
    """The command that hands ``target``'s files to its engine (``argv`` empty and
    ``missing`` saying what to install when the engine is not on PATH)."""

    target: Target
    label: str
    root: Path
    argv: tuple[str, ...]
    missing: str = ""
    #: the project's files the command reads (relative to ``root``)
    needs: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()
    #: the profile's secret values, masked in the output (never shown, never stored)
    secrets: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        return bool(self.argv)

    def command(self) -> str:
        """The command as a person would type it (in the project's folder)."""
        return shlex.join([Path(self.argv[0]).name, *self.argv[1:]]) if self.argv else ""

    def absent(self) -> list[Path]:
        """The files the command reads that are not in the project (not written yet)."""
        return [p for p in self.needs if not (self.root / p).exists()]

    def start(
        self,
        on_line: Callable[[str], None] | None = None,
        on_exit: Callable[[int], None] | None = None,
    ) -> HandoffRun:
        """Run the command (see :class:`HandoffRun`); raises :class:`DeployError` when the
        engine is missing or a file it reads is not in the project yet."""
        if not self.available:
            raise DeployError(self.missing)
        absent = self.absent()
        if absent:
            names = ", ".join(p.as_posix() for p in absent)
            raise DeployError(
                f"{names}: not in {self.root} yet: write the generated files first "
                f"({self.argv[0]} runs the project's own files)"
            )
        return HandoffRun(self, on_line, on_exit)


def _compose(root: Path, instances: int, env_files: Sequence[str]) -> Handoff:
    label = "Run with docker compose"
    needs = (Path("compose.yaml"), Path(NGINX_COMPOSE_CONF), Path("Dockerfile"))
    for engine in ("docker", "podman"):
        binary = shutil.which(engine)
        if binary is None:
            continue
        argv = [binary, "compose", "-f", "compose.yaml"]
        for name in env_files:
            argv += ["--env-file", name]
        argv += ["up", "--build", "--scale", f"app={instances}"]
        if engine == "podman":
            label = "Run with podman compose"
        return Handoff("compose", label, root, tuple(argv), needs=needs)
    return Handoff("compose", label, root, (), COMPOSE_INSTALL, needs)


def _k8s(root: Path) -> Handoff:
    label = "kubectl apply"
    binary = shutil.which("kubectl")
    folder = root / "k8s"
    secret = folder / "secret.yaml"
    if binary is None:
        return Handoff("k8s", label, root, (), KUBECTL_INSTALL, (Path("k8s"),))
    try:
        placeholders = PLACEHOLDER in secret.read_text(encoding="utf-8", errors="replace")
    except OSError:
        placeholders = False
    if not placeholders:
        return Handoff("k8s", label, root, (binary, "apply", "-f", "k8s/"), needs=(Path("k8s"),))
    # Applying the placeholder Secret would replace the real one in the cluster.
    manifests = sorted(p.relative_to(root) for p in folder.glob("*.y*ml") if p.name != secret.name)
    argv = [binary, "apply"]
    for path in manifests:
        argv += ["-f", path.as_posix()]
    note = (
        "k8s/secret.yaml still holds REPLACE_ME: not applied (create the Secret with "
        "kubectl create secret generic … --from-env-file, or fill it in)"
    )
    return Handoff("k8s", label, root, tuple(argv), needs=tuple(manifests), notes=(note,))


def handoff(
    target: Target, root: Path, instances: int = 1, *, profile: Profile | None = None
) -> Handoff | None:
    """The hand-off of ``target`` (None: an engine does not run it). ``profile``: its env
    files go to ``compose --env-file`` (compose fills its ``${…}`` references from them)
    and its secret values are masked in the output."""
    if instances < 1:
        raise DeployError(f"instances: {instances} must be at least 1")
    if target not in HANDOFF_TARGETS:
        return None
    env_files: list[str] = []
    secrets: tuple[str, ...] = ()
    if profile is not None:
        for path in profile.files:
            try:
                env_files.append(path.relative_to(root).as_posix())
            except ValueError:
                env_files.append(str(path))
        secrets = tuple(secret_values(profile.environ()))
    found = _compose(root, instances, env_files) if target == "compose" else _k8s(root)
    return replace(found, secrets=secrets)


class HandoffRun:
    """One run of a hand-off command: started at once, output streamed line by line from
    reader threads, cancellable (the whole process group ends, nothing is left behind)."""

    def __init__(
        self,
        handoff: Handoff,
        on_line: Callable[[str], None] | None = None,
        on_exit: Callable[[int], None] | None = None,
    ) -> None:
        self.handoff = handoff
        self._on_line = on_line
        self._on_exit = on_exit
        self._done = threading.Event()
        self._cancelled = False
        self.returncode: int | None = None
        env = dict(os.environ)
        env.setdefault("COMPOSE_MENU", "false")  # no interactive key menu without a tty
        try:
            self._popen = spawn(list(handoff.argv), cwd=handoff.root, env=env)
        except OSError as exc:
            raise DeployError(f"{handoff.argv[0]}: cannot run ({exc.strerror or exc})") from exc
        self.tree = ProcessTree.started(self._popen)
        self._readers = [
            threading.Thread(target=self._read, args=(stream,), daemon=True, name="handoff-out")
            for stream in (self._popen.stdout, self._popen.stderr)
        ]
        for reader in self._readers:
            reader.start()
        threading.Thread(target=self._watch, daemon=True, name="handoff-wait").start()

    @property
    def running(self) -> bool:
        return not self._done.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def _mask(self, text: str) -> str:
        for value in self.handoff.secrets:
            text = text.replace(value, MASK)
        return text

    def _read(self, stream: object) -> None:
        fd = stream.fileno()  # type: ignore[attr-defined]
        pending = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._emit(line)
        if pending:
            self._emit(pending)

    def _emit(self, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        if self._on_line is not None:
            self._on_line(self._mask(line))

    def _watch(self) -> None:
        for reader in self._readers:
            reader.join()
        code = self._popen.wait()
        for stream in (self._popen.stdout, self._popen.stderr):
            if stream is not None:
                stream.close()
        self.returncode = code
        self._done.set()
        if self._on_exit is not None:
            self._on_exit(code)

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit code once the command ended and its output was delivered (None: still
        running after ``timeout`` seconds)."""
        self._done.wait(timeout)
        return self.returncode

    def cancel(self, grace: float | None = None) -> EndResult:
        """End the command's whole process group: SIGINT for compose (it then stops its
        containers), SIGTERM for kubectl, SIGKILL after ``grace`` seconds. Blocks until
        the tree is gone: call it off the GUI thread."""
        self._cancelled = True
        compose = self.handoff.target == "compose"
        if grace is None:
            grace = _COMPOSE_GRACE if compose else _KUBECTL_GRACE
        first = signal.SIGINT if compose else signal.SIGTERM
        result = self.tree.end(grace, first_signal=first)
        self._done.wait(5.0)
        return result
