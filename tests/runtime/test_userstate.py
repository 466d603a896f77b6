"""The careful state-file pair: a backup of the last good state, damaged files kept aside
and said so, unusable ones refused with one line, never a silent default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asgideck.runtime import userstate
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.userstate import StateError, read_state, take_notices, write_state


@pytest.fixture(autouse=True)
def _no_old_notices() -> None:
    take_notices()


def damaged(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.damaged-*"))


def test_a_good_write_keeps_a_backup_of_that_state(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_state(path, {"n": 1})
    write_state(path, {"n": 2})
    assert json.loads(path.read_text()) == {"n": 2}
    assert json.loads((tmp_path / "state.json.bak").read_text()) == {"n": 2}
    assert read_state(path, None) == userstate.StateRead({"n": 2})
    assert take_notices() == []


def test_a_missing_file_is_the_default_without_a_word(tmp_path: Path) -> None:
    assert read_state(tmp_path / "none.json", []).data == []
    assert take_notices() == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"n": 2', "not valid JSON"),
        (b"", "empty"),
        (b"\xff\xfe garbage", "not UTF-8"),
        (b"[1, 2]", "not the expected layout"),
    ],
)
def test_a_damaged_file_is_kept_aside_and_the_backup_restored(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "servers.json"
    write_state(path, {"n": 2})
    path.write_bytes(content)
    found = read_state(path, {}, valid=lambda d: isinstance(d, dict), what="the test state")
    assert found.data == {"n": 2} and found.restored
    [kept] = damaged(path)
    assert kept.read_bytes() == content  # the damaged file is never overwritten
    assert json.loads(path.read_text()) == {"n": 2}  # restored in its place
    assert found.notice is not None
    assert "the test state" in found.notice and problem in found.notice
    assert kept.name in found.notice and "restored from servers.json.bak" in found.notice
    assert take_notices() == [found.notice]
    assert read_state(path, {}).notice is None  # said once


def test_without_a_backup_the_fallback_is_said(tmp_path: Path) -> None:
    path = tmp_path / "configs.json"
    path.write_text('{"servers": [')
    found = read_state(path, "defaults", fallback="defaults are shown")
    assert found.data == "defaults" and not found.restored
    assert found.notice is not None and found.notice.endswith("no backup: defaults are shown")
    assert len(damaged(path)) == 1 and not path.exists()


def test_a_damaged_backup_is_not_restored(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{")
    (tmp_path / "s.json.bak").write_text("[")
    found = read_state(path, 0)
    assert found.data == 0 and "s.json.bak is damaged too" in str(found.notice)


def test_two_damaged_files_in_one_second_keep_both(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    for text in ("{", "["):
        path.write_text(text)
        read_state(path, None)
    assert sorted(p.read_text() for p in damaged(path)) == ["[", "{"]


def test_a_folder_in_place_of_the_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "servers.json"
    path.mkdir()
    with pytest.raises(StateError, match=r"servers.json is a folder, not a state file"):
        read_state(path, {})
    with pytest.raises(StateError, match=r"servers.json is a folder"):
        write_state(path, {})
    assert path.is_dir()  # left as it was
    assert isinstance(StateError("x"), AsgideckError) and isinstance(StateError("x"), OSError)


def test_read_json_never_raises_but_says_why(tmp_path: Path) -> None:
    path = tmp_path / "choice.json"
    path.mkdir()
    assert userstate.read_json(path, {"d": 1}) == {"d": 1}
    [notice] = take_notices()
    assert "choice.json is a folder" in notice


def test_asgideck_home_a_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home-file"
    home.write_text("not a folder")
    monkeypatch.setenv("ASGIDECK_HOME", str(home))
    with pytest.raises(StateError, match=rf"ASGIDECK_HOME={home} is not a folder"):
        userstate.state_dir()
    with pytest.raises(StateError, match="ASGIDECK_HOME="):
        userstate.config_dir()
    assert userstate.state_location() == home


def test_recent_projects_survive_a_damaged_file(tmp_path: Path) -> None:
    userstate.remember_project(tmp_path)
    (userstate.config_dir() / "recent.json").write_text('["/a", ')
    assert userstate.recent_projects() == [tmp_path.resolve()]
    [notice] = take_notices()
    assert "recent.json.bak" in notice
