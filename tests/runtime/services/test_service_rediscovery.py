"""Finding a service whose registry entry was lost scans the machine's processes; a
PostgreSQL data folder without ``postmaster.pid`` runs no server, so a start of a
stopped Postgres (the everyday start) skips that scan. A left-over ``postmaster.pid``
(a crash) still scans, and finds nothing when nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.services import ServiceNeed, data_dir
from asgideck.runtime.services import _lifecycle as lifecycle
from support.services import service_home  # noqa: F401


@pytest.fixture
def need(service_home: Path) -> ServiceNeed:  # noqa: F811
    return ServiceNeed("postgres", "postgres", "127.0.0.1", 5999, variables=("DATABASE_URL",))


def _scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each scan of the processes for a server (the kind it looked for)."""
    calls: list[str] = []
    real = lifecycle._candidates

    def counting(need: ServiceNeed) -> object:
        calls.append(need.kind)
        return real(need)

    monkeypatch.setattr(lifecycle, "_candidates", counting)
    return calls


def test_a_stopped_postgres_is_not_looked_for_among_the_processes(
    tmp_path: Path, need: ServiceNeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    (data_dir(tmp_path, "dev", need) / "pgdata").mkdir(parents=True)
    calls = _scans(monkeypatch)
    assert lifecycle._rediscover(tmp_path, "dev", need, set()) is None
    assert calls == []


def test_a_left_over_postmaster_pid_still_scans_and_finds_nothing(
    tmp_path: Path, need: ServiceNeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    pgdata = data_dir(tmp_path, "dev", need) / "pgdata"
    pgdata.mkdir(parents=True)
    (pgdata / "postmaster.pid").write_text("999999\n", encoding="utf-8")
    calls = _scans(monkeypatch)
    assert lifecycle._rediscover(tmp_path, "dev", need, set()) is None
    assert calls == ["postgres"]


def test_the_scan_by_name_sees_what_psutil_names(need: ServiceNeed) -> None:
    """The quick look at process names (``/proc/<pid>/comm`` on Linux) finds the same
    processes psutil calls by those names (this test's own Python among them)."""
    import psutil

    names = ("postgres", "postmaster", "redis-server", psutil.Process().name())
    for _attempt in range(3):  # processes come and go between the two looks
        quick = {pid for pid, _name in lifecycle._named(names)}
        slow = {p.pid for p in psutil.process_iter(["name"]) if p.info["name"] in names}
        if quick == slow:
            break
    assert quick == slow
    assert psutil.Process().pid in quick
