"""Per-run log files: capped, rotated once, old runs pruned, I/O errors never fatal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from asgideck.runtime.logs import RunLog, logs_dir, prune_run_logs


def test_run_log_lives_in_the_state_dir(_private_state: Path) -> None:
    log = RunLog.create("dev server:8000")
    log.write("hello\nworld")
    log.close()
    assert log.path.parent == logs_dir() == _private_state / "logs"
    assert log.path.name.endswith("-dev_server_8000.log")
    assert log.path.read_text() == "hello\nworld\n"


def test_cap_rotates_once_keeping_the_newest(tmp_path: Path) -> None:
    log = RunLog(tmp_path / "run.log", cap_bytes=100)
    for i in range(30):
        log.write(f"line {i:03d}")
    log.close()
    current = (tmp_path / "run.log").read_text()
    previous = (tmp_path / "run.log.1").read_text()
    assert "line 029" in current
    assert len(current) <= 100 + 10 and len(previous) <= 100 + 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.log", "run.log.1"]


def test_prune_keeps_the_newest_files(tmp_path: Path) -> None:
    for i in range(6):
        path = tmp_path / f"{i}.log"
        path.write_text("x" * 10)
        os.utime(path, (1000 + i, 1000 + i))
    removed = prune_run_logs(tmp_path, keep=3)
    assert sorted(p.name for p in removed) == ["0.log", "1.log", "2.log"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3.log", "4.log", "5.log"]


def test_prune_respects_a_total_size(tmp_path: Path) -> None:
    for i in range(4):
        path = tmp_path / f"{i}.log"
        path.write_text("x" * 100)
        os.utime(path, (1000 + i, 1000 + i))
    prune_run_logs(tmp_path, keep=10, max_total_bytes=250)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2.log", "3.log"]


def test_create_prunes_old_runs(_private_state: Path) -> None:
    for i in range(5):
        RunLog.create(f"run{i}", keep=3).close()
    assert len(list(logs_dir().iterdir())) == 3


def test_unwritable_location_disables_the_file(tmp_path: Path) -> None:
    log = RunLog(tmp_path / "missing-dir" / "run.log")
    assert log.error is not None
    log.write("ignored")  # no exception
    log.flush()
    log.close()


def test_write_after_close_is_ignored(tmp_path: Path) -> None:
    log = RunLog(tmp_path / "run.log")
    log.close()
    log.write("late line")
    assert (tmp_path / "run.log").read_text() == ""


def test_a_leftover_old_file_does_not_end_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``.1.old`` left by a process that died mid-delete: rotation still works (on
    Windows ``os.rename`` refuses an existing target; stood in for here)."""
    real_rename = os.rename

    def windows_rename(src: Any, dst: Any) -> None:
        if os.path.exists(dst):
            raise FileExistsError(dst)
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", windows_rename)
    (tmp_path / "run.log.1.old").write_text("left over\n")
    log = RunLog(tmp_path / "run.log", cap_bytes=100)
    for i in range(30):
        log.write(f"line {i:03d}")
    log.close()  # waits for the deleter
    assert log.error is None
    assert "line 029" in (tmp_path / "run.log").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.log", "run.log.1"]
