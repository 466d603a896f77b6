"""Services: ``ServiceSet.start()`` of PostgreSQL + Redis until both answer their protocol
vs starting the same two servers by hand, interleaved, on data already initialised (the
everyday start).

asgideck's start adds its own work on top of the servers': reading the profile, the
registry, a lock, ``prepare`` (pg_hba/redis.conf), spawning detached, protocol checks with
the profile's credentials. It starts the two side by side. The issue's target is ≤ 1.2×
by hand. Both sides wait for the same thing: PostgreSQL answers ``SELECT 1`` as the
profile's role, Redis answers ``PING``. Two references, each round:

- by hand: what a developer types, one after the other: ``pg_ctl start -w`` (which looks
  every 100 ms), then ``SELECT 1`` as the role (in this process: the cheapest way to ask),
  ``redis-server`` and ``PING`` until it answers (in this process, every 2 ms: not a
  ``redis-cli`` per try, so the floor is not made slower than it need be). The target.
- floor: both servers spawned at once with asgideck's own command lines, both asked every
  2 ms: the servers' own start, nothing else. Context: what asgideck adds.

Loopback only; every process is stopped before ``run()`` returns; the data lives in a
throwaway home.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, file, skip

ROUNDS = 7
TARGET = 1.2
POLL_S = 0.002
PG_URL = "postgresql://bench:bench-pw@127.0.0.1:{port}/bench"


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def run() -> None:
    bindir = _postgres_bin()
    if bindir is None or shutil.which("redis-server") is None:
        print("services  SKIPPED: PostgreSQL or redis-server is not installed "
              "(apt install postgresql redis-server); no figure")  # fmt: skip
        skip("services", "PostgreSQL or redis-server not installed")
        return
    home = Path(tempfile.mkdtemp(prefix="asgideck-bench-svc-"))
    home.chmod(0o711)
    before = os.environ.get("ASGIDECK_HOME")
    os.environ["ASGIDECK_HOME"] = str(home / "state")
    try:
        _measure(home, bindir)
    finally:
        if before is None:
            os.environ.pop("ASGIDECK_HOME", None)
        else:
            os.environ["ASGIDECK_HOME"] = before
        shutil.rmtree(home, ignore_errors=True)


def _measure(home: Path, bindir: Path) -> None:
    from asgideck.runtime.servers import free_port
    from asgideck.runtime.services import ServiceSet

    project = home / "project"
    project.mkdir()
    pg, rd = free_port(), free_port()
    env = {"DATABASE_URL": PG_URL.format(port=pg), "REDIS_URL": f"redis://127.0.0.1:{rd}/0"}
    services = ServiceSet(project, "bench", env=env)
    services.start(timeout=120)  # initdb, role and database: once, not measured
    pgdata = next(Path(home / "state" / "services").glob("*/bench/postgres/pgdata"))
    services.stop()
    sides: dict[str, Callable[[], float]] = {
        "asgideck": lambda: _asgideck(project, env),
        "by hand": _ByHand(bindir, pgdata, pg, rd, home).start_and_stop,
        "floor": _Floor(bindir, pgdata, pg, rd, home).start_and_stop,
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    try:
        for i in range(ROUNDS):
            order = list(sides) if i % 2 == 0 else list(reversed(sides))
            for name in order:
                times[name].append(sides[name]())
    finally:
        ServiceSet(project, "bench", env=env).stop(grace=2)
    ours, hand, floor = (statistics.median(times[n]) for n in sides)
    per_round = statistics.median(
        a / b for a, b in zip(times["asgideck"], times["by hand"], strict=True)
    )
    to_floor = statistics.median(
        a / b for a, b in zip(times["asgideck"], times["floor"], strict=True)
    )
    verdict = "met" if per_round <= TARGET else "NOT met"
    print(
        f"services  Postgres + Redis ready: asgideck {ours * 1000:.0f} ms vs by hand "
        f"{hand * 1000:.0f} ms = {per_round:.2f}x (target <= {TARGET}x: {verdict}; median of "
        f"{ROUNDS} interleaved rounds' ratios)"
    )
    print(
        f"services    floor (both servers spawned at once, asked every {POLL_S * 1000:g} ms) "
        f"{floor * 1000:.0f} ms: asgideck = {to_floor:.2f}x it; rounds (ms) asgideck "
        f"{_list(times['asgideck'])}; by hand {_list(times['by hand'])}; floor "
        f"{_list(times['floor'])}"
    )
    file(
        Figure(
            bench="services",
            measure="start Postgres + Redis until ready, ÷ by hand (pg_ctl -w, redis-server)",
            ours=f"{ours * 1000:.0f} ms",
            reference=f"by hand {hand * 1000:.0f} ms",
            ratio=per_round,
            target=TARGET,
        )
    )
    file(
        Figure(
            bench="services",
            measure="start Postgres + Redis until ready, ÷ both servers' own start",
            ours=f"{ours * 1000:.0f} ms",
            reference=f"floor {floor * 1000:.0f} ms",
            ratio=to_floor,
            target=None,
        )
    )


def _list(values: list[float]) -> str:
    return ", ".join(f"{v * 1000:.0f}" for v in values)


def _asgideck(project: Path, env: dict[str, str]) -> float:
    from asgideck.runtime.services import ServiceSet

    began = time.perf_counter()
    ServiceSet(project, "bench", env=env).start(timeout=120)
    elapsed = time.perf_counter() - began
    ServiceSet(project, "bench", env=env).stop()
    return elapsed


def _postgres_answers(port: int) -> bool:
    """asgideck's readiness for Postgres: the profile's role answers ``SELECT 1``."""
    import psycopg

    try:
        with psycopg.connect(PG_URL.format(port=port), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return False
    return True


def _redis_answers(port: int) -> bool:
    """asgideck's readiness for Redis: ``PING`` answers."""
    import redis

    try:  # no CLIENT SETINFO round trips, as asgideck's own check
        import redis.driver_info

        quiet: dict[str, Any] = {"driver_info": None}
    except ImportError:
        quiet = {"lib_name": None, "lib_version": None}
    client = redis.Redis(port=port, socket_connect_timeout=2, socket_timeout=2, **quiet)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _until(answers: Callable[[int], bool], port: int) -> None:
    deadline = time.monotonic() + 60
    while not answers(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing answered on port {port} within 60 s")
        time.sleep(POLL_S)


class _ByHand:
    """What a developer types: pg_ctl start -w (as postgres when root), redis-server, ping."""

    def __init__(self, bindir: Path, pgdata: Path, pg: int, rd: int, home: Path) -> None:
        self.bindir, self.pgdata, self.pg, self.rd, self.home = bindir, pgdata, pg, rd, home
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start_and_stop(self) -> float:
        log = self.home / "by-hand.log"
        began = time.perf_counter()
        options = f"-p {self.pg} -h 127.0.0.1 -c unix_socket_directories=''"
        subprocess.run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "start", "-w", "-D", str(self.pgdata),
             "-o", options, "-l", "/dev/null"],
            check=True, capture_output=True,
        )  # fmt: skip
        _until(_postgres_answers, self.pg)
        with log.open("ab") as out:
            redis = subprocess.Popen(
                ["redis-server", "--port", str(self.rd), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        _until(_redis_answers, self.rd)
        elapsed = time.perf_counter() - began
        redis.terminate()
        redis.wait(10)
        subprocess.run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "stop", "-m", "fast", "-w", "-D",
             str(self.pgdata)],
            check=True, capture_output=True,
        )  # fmt: skip
        return elapsed


class _Floor:
    """Both servers spawned at once, with the command lines asgideck uses, asked every
    :data:`POLL_S` until both answer: the servers' own start and nothing else."""

    def __init__(self, bindir: Path, pgdata: Path, pg: int, rd: int, home: Path) -> None:
        self.bindir, self.pgdata, self.pg, self.rd, self.home = bindir, pgdata, pg, rd, home
        self.user = "postgres" if os.geteuid() == 0 else None

    def start_and_stop(self) -> float:
        log = self.home / "floor.log"
        with log.open("ab") as out:
            began = time.perf_counter()
            postgres = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.pgdata), "-p", str(self.pg),
                 "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                 "-c", "logging_collector=off"],
                stdout=out, stderr=subprocess.STDOUT, user=self.user,
                cwd=self.pgdata.parent, start_new_session=True,
            )  # fmt: skip
            redis = subprocess.Popen(
                ["redis-server", "--port", str(self.rd), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            pending = {self.pg: _postgres_answers, self.rd: _redis_answers}
            deadline = time.monotonic() + 60
            while pending:
                for port, answers in list(pending.items()):
                    if answers(port):
                        del pending[port]
                if pending:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the floor's servers did not answer within 60 s")
                    time.sleep(POLL_S)
            return time.perf_counter() - began
        finally:
            postgres.send_signal(signal.SIGINT)  # fast shutdown
            redis.terminate()
            postgres.wait(30)
            redis.wait(10)


if __name__ == "__main__":
    run()
