"""Services: ``ServiceSet.start()`` of PostgreSQL + Redis until both answer their protocol
vs starting the same two servers by hand (``pg_ctl start -w`` and ``redis-server`` +
``redis-cli ping``), interleaved, on data already initialised (the everyday start).

asgideck's start adds its own work on top of the servers': reading the profile, the
registry, a lock, ``prepare`` (pg_hba/redis.conf), spawning detached, protocol checks with
the profile's credentials. The issue's target is ≤ 1.2× by hand. Loopback only; every
process is stopped before ``run()`` returns; the data lives in a throwaway home.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROUNDS = 5
TARGET = 1.2


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def run() -> None:
    bindir = _postgres_bin()
    if bindir is None or shutil.which("redis-server") is None:
        print("services  SKIPPED: PostgreSQL or redis-server is not installed "
              "(apt install postgresql redis-server); no figure")  # fmt: skip
        return
    home = Path(tempfile.mkdtemp(prefix="asgideck-bench-svc-"))
    home.chmod(0o711)
    os.environ["ASGIDECK_HOME"] = str(home / "state")
    try:
        _measure(home, bindir)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _measure(home: Path, bindir: Path) -> None:
    from asgideck.runtime.servers import free_port
    from asgideck.runtime.services import ServiceSet

    project = home / "project"
    project.mkdir()
    pg, rd = free_port(), free_port()
    env = {
        "DATABASE_URL": f"postgresql://bench:bench-pw@127.0.0.1:{pg}/bench",
        "REDIS_URL": f"redis://127.0.0.1:{rd}/0",
    }
    services = ServiceSet(project, "bench", env=env)
    services.start(timeout=120)  # initdb, role and database: once, not measured
    pgdata = next(Path(home / "state" / "services").glob("*/bench/postgres/pgdata"))
    services.stop()
    by_hand = _ByHand(bindir, pgdata, pg, rd, home)
    ours: list[float] = []
    theirs: list[float] = []
    try:
        for _ in range(ROUNDS):
            began = time.perf_counter()
            ServiceSet(project, "bench", env=env).start(timeout=120)
            ours.append(time.perf_counter() - began)
            ServiceSet(project, "bench", env=env).stop()

            theirs.append(by_hand.start_and_stop())
    finally:
        ServiceSet(project, "bench", env=env).stop(grace=2)
    a, b = statistics.median(ours), statistics.median(theirs)
    verdict = "met" if a / b <= TARGET else "NOT met"
    print(
        f"services  Postgres + Redis ready: asgideck {a * 1000:.0f} ms vs by hand "
        f"{b * 1000:.0f} ms = {a / b:.2f}x (target <= {TARGET}x: {verdict}; "
        f"medians of {ROUNDS} interleaved rounds)"
    )


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
        redis = subprocess.Popen(
            ["redis-server", "--port", str(self.rd), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.rd), "ping"], capture_output=True, text=True
            ).stdout.strip()
            != "PONG"
        ):
            time.sleep(0.01)  # polling, as a script would: the figure includes it
        elapsed = time.perf_counter() - began
        redis.terminate()
        redis.wait(10)
        subprocess.run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "stop", "-m", "fast", "-w", "-D",
             str(self.pgdata)],
            check=True, capture_output=True,
        )  # fmt: skip
        return elapsed


if __name__ == "__main__":
    run()
