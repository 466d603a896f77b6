"""Run scaled: N app instances on free loopback ports behind a real nginx with the
generated upstream, as one supervised group, so a user sees locally what the
production files do (issue 14, "Prove it locally").

Each instance is an ordinary server (``servers.Supervisor``: its own process tree,
registered, ended as every tree is); nginx is :class:`NginxProcess` (its own process
group, ``daemon off;``, everything in a prefix under asgideck's state folder). The
group starts the instances together, waits until each serves, then starts nginx and
waits until a request through it reaches an instance. It is one thing to the user:

- :meth:`ScaledGroup.stop` ends nginx first (no request goes to a dying instance),
  then every instance, and verifies that no process of any tree survives and every
  port is free;
- any member ending on its own (a crash, ``asgideck stop`` on one of them, a signal)
  ends the rest: the group's state becomes ``failed`` and its error says which and how;
- the status counts each instance's access-log lines (read from its output as it
  arrives), so it shows how nginx spread the requests.

Events (:attr:`ScaledGroup.events`, a :class:`ScaledStatus` per change) are emitted on
the thread that saw the change: the caller of ``start``/``stop``, or ``asgideck-scaled-end``
when a member ended on its own. Instances never reload nor record (one records folder
per config would be shared): a scaled run is how production is tried.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from asgideck.runtime.deploy._model import DeployError
from asgideck.runtime.deploy._nginx import nginx_site
from asgideck.runtime.deploy._nginx_proc import NginxProcess, nginx_binary
from asgideck.runtime.deploy._plan import DeployPlan, plan_deploy
from asgideck.runtime.events import Event
from asgideck.runtime.logs import count_status_classes
from asgideck.runtime.project import Project
from asgideck.runtime.servers import (
    EndResult,
    LaunchConfig,
    PortInUse,
    ServerEvent,
    StateChanged,
    Supervisor,
    bind_problem,
    build_spec,
    entry_holding,
    free_port,
    is_port_free,
    next_free_port,
    port_holder,
)
from asgideck.runtime.userstate import state_dir

__all__ = ["InstanceStatus", "ScaledGroup", "ScaledState", "ScaledStatus", "scaled_prefix"]

ScaledState = Literal["stopped", "starting", "running", "stopping", "failed"]
#: Tap for the instances' output: (instance number from 1, "stdout"/"stderr"/"event", text).
InstanceTap = Callable[[int, str, str], None]
_WAIT_SLICE = 0.1
_Down = Literal["crashed", "crash-loop", "stopped"]
_DOWN: tuple[_Down, ...] = ("crashed", "crash-loop", "stopped")


@dataclass(frozen=True)
class InstanceStatus:
    """One instance: where it listens, its process, and the requests its access log showed."""

    number: int
    port: int
    pid: int | None
    #: the instance's server state (``servers.Status.state``)
    state: str
    requests: int


@dataclass(frozen=True)
class ScaledStatus:
    """The group at one moment; ``error`` says why it failed (one line)."""

    state: ScaledState
    host: str
    port: int
    instances: tuple[InstanceStatus, ...]
    nginx_pid: int | None = None
    message: str = ""
    error: str | None = None
    #: the group ended because a member was stopped from outside (not a crash)
    ended_elsewhere: bool = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def requests(self) -> int:
        return sum(i.requests for i in self.instances)

    def spread(self) -> str:
        """How the requests spread: ``#1 :40001 101 (34%) · #2 :40002 99 (33%) · …``."""
        total = self.requests
        parts = []
        for item in self.instances:
            share = f" ({item.requests * 100 / total:.0f}%)" if total else ""
            parts.append(f"#{item.number} :{item.port} {item.requests}{share}")
        return " · ".join(parts)


def scaled_prefix(plan: DeployPlan, port: int) -> Path:
    """nginx's prefix for a group: in asgideck's state folder, one per app and port."""
    return state_dir() / "scaled" / f"{plan.slug}-{port}"


class _Member:
    """One instance: its supervisor and the access lines counted from its output."""

    def __init__(self, number: int, port: int) -> None:
        self.number = number
        self.port = port
        self.supervisor: Supervisor | None = None
        self.requests = 0
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.closed = False  # stopped and its event thread ended (its status stays readable)

    def status(self) -> InstanceStatus:
        sup = self.supervisor
        status = sup.status if sup is not None else None
        return InstanceStatus(
            self.number,
            self.port,
            status.pid if status is not None else None,
            status.state if status is not None else "stopped",
            self.requests,
        )


class ScaledGroup:
    """``instances`` copies of ``config``'s server behind nginx on ``config.host:config.port``.

    ``plan`` is the deploy plan the nginx file is generated from (looked up with the
    app's inspection when not given). ``die_with_parent`` (Linux, ``asgideck run``):
    every member gets SIGTERM when this process dies, even by SIGKILL. ``tap`` sees
    every chunk an instance prints, as it arrives.
    """

    def __init__(
        self,
        project: Project,
        config: LaunchConfig,
        instances: int,
        *,
        plan: DeployPlan | None = None,
        ready_timeout: float = 60.0,
        die_with_parent: bool = False,
        tap: InstanceTap | None = None,
    ) -> None:
        if instances < 1:
            raise DeployError(f"instances: {instances} must be at least 1")
        self.project = project
        self.config = replace(config, reload=False, record=False)
        self.count = instances
        self.plan = plan
        self.ready_timeout = ready_timeout
        self.die_with_parent = die_with_parent
        self.tap = tap
        self.events: Event[ScaledStatus] = Event()
        self._members: list[_Member] = []
        self._nginx: NginxProcess | None = None
        self._lock = threading.Lock()
        self._op_lock = threading.Lock()
        self._state: ScaledState = "stopped"
        self._message = ""
        self._error: str | None = None
        self._elsewhere = False

    # -- status

    @property
    def name(self) -> str:
        return f"{self.config.name} ×{self.count}"

    @property
    def host(self) -> str:
        return self.config.host

    @property
    def port(self) -> int:
        return self.config.port

    @property
    def url(self) -> str:
        return self.status().url

    @property
    def state(self) -> ScaledState:
        return self._state

    @property
    def supervisors(self) -> list[Supervisor]:
        """The instances' supervisors (their logs, stats and pids), first to last."""
        return [m.supervisor for m in self._members if m.supervisor is not None]

    @property
    def nginx_error_log(self) -> Path | None:
        return self._nginx.error_log if self._nginx is not None else None

    def status(self) -> ScaledStatus:
        nginx = self._nginx
        with self._lock:
            return ScaledStatus(
                state=self._state,
                host=self.config.host,
                port=self.config.port,
                instances=tuple(m.status() for m in self._members),
                nginx_pid=nginx.pid if nginx is not None and nginx.alive() else None,
                message=self._message,
                error=self._error,
                ended_elsewhere=self._elsewhere,
            )

    def pids(self) -> list[int]:
        """Every process of the group seen so far: nginx's master and workers, each tree."""
        found: list[int] = []
        nginx = self._nginx
        if nginx is not None and nginx.tree is not None:
            nginx.tree.refresh(scan_group=True)
            found += nginx.tree.pids
        for sup in self.supervisors:
            found += sup.pids
        return found

    def _set(self, state: ScaledState, message: str, error: str | None = None) -> None:
        with self._lock:
            self._state, self._message, self._error = state, message, error
        self.events.emit(self.status())

    # -- start

    def start(self, cancel: threading.Event | None = None) -> None:
        """Start every instance, then nginx; return once a request through nginx reached
        an instance. ``DeployError`` (one line) when it cannot, with nothing left running;
        ``cancel`` (set from another thread) ends the wait the same way."""
        cancel = cancel or threading.Event()
        with self._op_lock:
            if self._state in ("starting", "running", "stopping"):
                raise DeployError(f"{self.name} is already {self._state}")
            self._elsewhere = False
            self._check_listen()
            binary = nginx_binary()  # before anything starts: say what to install
            self._set("starting", f"starting {self.count} instances")
            deadline = time.monotonic() + self.ready_timeout
            try:
                plan = self.plan or plan_deploy(
                    self.project, self.config.profile, self.config, self.count
                )
                self.plan = plan
                self._start_instances(deadline, cancel)
                self._start_nginx(plan, binary, deadline, cancel)
            except BaseException as exc:
                self._end_members(3.0)
                message = str(exc) if isinstance(exc, DeployError) else f"{exc}"
                self._set("failed", "could not start", message.splitlines()[0] if message else "")
                if isinstance(exc, DeployError):
                    raise
                if isinstance(exc, PortInUse):
                    raise DeployError(str(exc)) from exc
                raise
            ports = ", ".join(str(m.port) for m in self._members)
            self._set("running", f"nginx on {self.url} → {self.count} instances ({ports})")

    def _check_listen(self) -> None:
        host, port = self.config.host, self.config.port
        problem = bind_problem(host)
        if problem is not None:
            raise DeployError(f"host: {problem}")
        if not is_port_free(port, host):
            holder = port_holder(port, host)
            entry = entry_holding(holder.pid) if holder and holder.pid is not None else None
            try:
                suggestion: int | None = next_free_port(port + 1, host)
            except OSError:
                suggestion = None
            raise DeployError(str(PortInUse(host, port, holder, suggestion, entry)))

    def _start_instances(self, deadline: float, cancel: threading.Event) -> None:
        taken = {self.config.port}
        self._members = []
        for number in range(1, self.count + 1):
            port = free_port()
            while port in taken:
                port = free_port()
            taken.add(port)
            self._members.append(_Member(number, port))
        for member in self._members:
            config = replace(
                self.config,
                name=f"{self.config.name} #{member.number}",
                host="127.0.0.1",
                port=member.port,
            )
            member.supervisor = Supervisor(
                build_spec(self.project, config),
                name=config.name,
                ready_timeout=max(1.0, deadline - time.monotonic()),
                tap=self._tap_for(member),
                die_with_parent=self.die_with_parent,
                on_event=self._on_member_event(member),
            )
            try:
                member.supervisor.start()
            except PortInUse:  # another process took the free port meanwhile: once more
                member.port = free_port()
                member.supervisor.spec = replace(member.supervisor.spec, port=member.port)
                member.supervisor.start()
        for member in self._members:
            self._wait_member(member, deadline, cancel)

    def _wait_member(self, member: _Member, deadline: float, cancel: threading.Event) -> None:
        sup = member.supervisor
        assert sup is not None
        while True:
            status = sup.wait_for("running", *_DOWN, timeout=_WAIT_SLICE)
            if status.state == "running":
                return
            if status.state in _DOWN:
                why = (status.error or status.message or status.state).splitlines()[0]
                raise DeployError(
                    f"instance #{member.number} (port {member.port}): {why}{_last_words(sup)}"
                )
            if cancel.is_set():
                raise DeployError("start cancelled")
            if time.monotonic() >= deadline:
                raise DeployError(
                    f"instance #{member.number} (port {member.port}) was not ready within "
                    f"{self.ready_timeout:g} s"
                )

    def _start_nginx(
        self, plan: DeployPlan, binary: str, deadline: float, cancel: threading.Event
    ) -> None:
        del binary  # found again by NginxProcess; looked up first only to fail early
        servers = [f"127.0.0.1:{m.port}" for m in self._members]
        site = nginx_site(plan, servers, self.config.port)
        site = _listen_on(site, self.config.host, self.config.port)
        nginx = NginxProcess(
            scaled_prefix(plan, self.config.port),
            site,
            host=self.config.host,
            port=self.config.port,
            root=self.project.root,
            name=f"{self.name} (nginx)",
            on_exit=self._on_nginx_exit,
        )
        self._nginx = nginx
        nginx.start(die_with_parent=self.die_with_parent)
        nginx.wait_ready(deadline, plan.health or "/", cancel)

    # -- members ending on their own

    def _tap_for(self, member: _Member) -> Callable[[str, str], None]:
        def tap(stream: str, text: str) -> None:
            if stream == "stdout":  # where every server here writes its access lines
                with member.lock:
                    member.requests += count_status_classes(text, member.counts)
            if self.tap is not None:
                self.tap(member.number, stream, text)

        return tap

    def _on_member_event(self, member: _Member) -> Callable[[ServerEvent], None]:
        def handle(event: ServerEvent) -> None:
            if not isinstance(event, StateChanged) or event.status.state not in _DOWN:
                return
            if event.status.cause == "stop":
                return  # the group (or a failed start) stopped it
            status = event.status
            how = (status.error or status.message or status.state).splitlines()[0]
            words = _last_words(member.supervisor) if member.supervisor is not None else ""
            self._member_ended(
                f"instance #{member.number} (port {member.port}) {how}{words}",
                elsewhere=status.cause in ("elsewhere", "outside", "exited"),
            )

        return handle

    def _on_nginx_exit(self, code: int) -> None:
        how = f"nginx exited (code {code})" if code >= 0 else f"nginx ended by signal {-code}"
        tail = self._nginx.tail() if self._nginx is not None else ""
        self._member_ended(how + (tail if code > 0 else ""), elsewhere=code <= 0)

    def _member_ended(self, why: str, *, elsewhere: bool) -> None:
        """A member ended without the group asking: end the rest (off the member's own
        event thread, which a stop would wait on)."""
        with self._lock:
            if self._state != "running":
                return
            self._state = "stopping"
            self._elsewhere = elsewhere

        def end() -> None:
            with self._op_lock:
                self._end_members(5.0)
                self._set("failed", "stopped: a member ended", f"{why}: the group was stopped")

        threading.Thread(target=end, name="asgideck-scaled-end", daemon=True).start()

    # -- stop

    def stop(self, grace: float = 5.0) -> EndResult:
        """End nginx, then every instance (SIGTERM, ``grace`` s, SIGKILL); verify that no
        process of the group survives and every port is free."""
        with self._op_lock:
            if self._state == "stopped" and self._nginx is None and not self._members:
                return EndResult()
            failed = self._state == "failed"
            self._set("stopping", f"stopping (grace {grace:g} s)", self._error)
            result = self._end_members(grace)
            if not result.clean:
                error = (
                    f"processes survived: {', '.join(map(str, result.survivors))}"
                    if result.survivors
                    else "a port is still in use"
                )
                self._set("failed", "not stopped cleanly", error)
            elif failed:
                self._set("failed", self._message, self._error)
            else:
                self._set("stopped", "stopped")
            return result

    def _end_members(self, grace: float) -> EndResult:
        """nginx first, then the instances in parallel; the results combined."""
        results: list[EndResult] = []
        nginx = self._nginx
        if nginx is not None:
            results.append(nginx.stop(grace))
        outcome: dict[int, EndResult] = {}

        def stop_one(member: _Member) -> None:
            sup = member.supervisor
            if sup is not None and not member.closed:
                outcome[member.number] = sup.stop(grace)
                sup.close(0)
                member.closed = True

        threads = [
            threading.Thread(target=stop_one, args=(m,), name=f"asgideck-scaled-stop-{m.number}")
            for m in self._members
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results += outcome.values()
        return EndResult(
            survivors=tuple(pid for r in results for pid in r.survivors),
            killed=any(r.killed for r in results),
            port_free=all(r.port_free for r in results),
        )

    def close(self, grace: float = 5.0) -> None:
        """Stop the group (if anything of it runs)."""
        self.stop(grace)


def _last_words(sup: Supervisor) -> str:
    """The instance's last line of output (its traceback's last line: the why), as a
    suffix; "" when it said nothing."""
    lines = [line.text.strip() for line in sup.buffer.since(0)[-50:] if line.stream != "event"]
    lines = [text for text in lines if text]
    return f" — its last line: {lines[-1]}" if lines else ""


def _listen_on(site: str, host: str, port: int) -> str:
    """The generated server listens on every address (``listen PORT;``, as production
    does); the local group listens where the user said (loopback by default)."""
    if host in ("0.0.0.0", ""):
        return site
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    old, new = f"    listen {port};\n", f"    listen {address};\n"
    if site.count(old) != 1:
        raise DeployError(f"the generated nginx file has no single 'listen {port};' line")
    return site.replace(old, new)
