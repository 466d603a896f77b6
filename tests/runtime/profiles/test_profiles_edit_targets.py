"""Where an edit of a key may go (issue 11: the Profile tab offers the profile's own file
instead of the shared base), and a removal that only takes back what the caller saw."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.profiles import (
    EditConflict,
    Expect,
    edit_target,
    edit_targets,
    load_profile,
    remove_key,
)


def _project(root: Path) -> Path:
    (root / ".env").write_text("SHARED=base\nBOTH=base\n")
    (root / ".env.production").write_text("BOTH=prod\nOWN=prod\n")
    (root / ".env.development").write_text("DEV=1\n")
    return root


def test_a_base_key_may_go_to_the_base_or_the_profiles_own_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    profile = load_profile(root, "production")
    base, own = root / ".env", root / ".env.production"
    assert edit_targets(profile, "SHARED") == [base, own]
    assert edit_targets(profile, "SHARED")[0] == edit_target(profile, "SHARED")
    # A key the profile's own file sets: writing the base would change nothing it reads.
    assert edit_targets(profile, "BOTH") == [own]
    assert edit_targets(profile, "OWN") == [own]
    # A new key: the profile's own file first, the shared base offered after it.
    assert edit_targets(profile, "NEW") == [own, base]


def test_the_default_profile_has_one_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1\n")
    profile = load_profile(tmp_path, "default")
    assert edit_targets(profile, "A") == [tmp_path / ".env"]
    assert edit_targets(profile, "NEW") == [tmp_path / ".env"]


def test_remove_key_with_expected_refuses_a_value_changed_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\nB=2\n")
    with pytest.raises(EditConflict, match="A changed on disk meanwhile \\(now '1'\\)"):
        remove_key(path, "A", expected="0")
    assert path.read_text() == "A=1\nB=2\n"
    remove_key(path, "A", expected="1")
    assert path.read_text() == "B=2\n"
    remove_key(path, "B", expected=Expect.ANY)
    assert path.read_text() == ""
