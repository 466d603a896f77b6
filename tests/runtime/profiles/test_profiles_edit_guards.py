"""Edits refuse what a process environment cannot hold, and a change the user never saw;
reading names a NUL byte by file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.profiles import (
    MAX_ENV_ENTRY_BYTES,
    PLAIN,
    EditConflict,
    EnvFileError,
    Expect,
    load_profile,
    read_env_file,
    read_plain_env_file,
    remove_key,
    set_value,
)


def test_nul_in_a_multiline_value_names_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b'A=1\nCERT="line one\nline\x00two"\nB=2\n')
    with pytest.raises(EnvFileError) as caught:
        read_env_file(path)
    assert str(caught.value) == f"{path}:3: CERT: value contains a NUL byte"
    assert caught.value.line == 3


def test_nul_in_a_plain_dialect_file_and_in_a_key(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"# c\nTOKEN=x\x00y\n")
    with pytest.raises(EnvFileError, match=rf"^{path}:2: TOKEN: value contains a NUL byte$"):
        read_plain_env_file(path)
    path.write_bytes(b"A=1\nBA\x00D=1\n")
    with pytest.raises(EnvFileError, match=r":2: BA\\x00D: the name contains a NUL byte$"):
        read_env_file(path)


def test_nul_in_a_comment_is_harmless(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"# odd \x00 comment\nA=1\n")
    assert [(e.key, e.value) for e in read_env_file(path).entries] == [("A", "1")]


def test_a_profile_with_a_nul_fails_to_load_naming_it(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"A=1\n")
    (tmp_path / ".env.production").write_bytes(b"DEBUG=false\nSECRET_KEY=s\x00\n")
    with pytest.raises(EnvFileError, match=r"\.env\.production:2: SECRET_KEY: value contains"):
        load_profile(tmp_path, "production")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\x00b", r"TOKEN: value contains a NUL byte"),
        ("bad \udc80 text", r"TOKEN: value is not valid text \(a lone surrogate at character 4\)"),
        ("x" * MAX_ENV_ENTRY_BYTES, r"TOKEN: value is 131072 bytes; .* at most 131065 for TOKEN"),
    ],
    ids=["nul", "surrogate", "too-long"],
)
def test_edits_refuse_values_no_environment_can_hold(
    tmp_path: Path, value: str, message: str
) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n")
    with pytest.raises(EnvFileError, match=rf"^{path}: {message}"):
        set_value(path, "TOKEN", value)
    assert path.read_text() == "A=1\n"
    set_value(path, "TOKEN", "x" * (MAX_ENV_ENTRY_BYTES - len("TOKEN=") - 1))  # the limit fits


def test_a_nul_in_a_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a valid env variable name"):
        set_value(tmp_path / ".env", "A\x00B", "x")


def test_expected_value_guards_against_a_change_never_seen(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("DEBUG=maybe\nOTHER=1\n")
    with pytest.raises(EditConflict) as caught:
        set_value(path, "DEBUG", "true", expected="false")
    assert str(caught.value) == (
        f"{path}: DEBUG changed on disk meanwhile (now 'maybe'); 'true' was not written; "
        "reload the file and edit again"
    )
    assert caught.value.key == "DEBUG" and caught.value.theirs == "maybe"
    assert path.read_text() == "DEBUG=maybe\nOTHER=1\n"
    set_value(path, "DEBUG", "true", expected="maybe")
    assert path.read_text() == "DEBUG=true\nOTHER=1\n"
    set_value(path, "DEBUG", "true", expected="stale")  # already says so: no conflict
    assert path.read_text() == "DEBUG=true\nOTHER=1\n"


def test_expected_absent_and_bare_keys(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("BARE\n")
    with pytest.raises(EditConflict, match=r"NEW changed on disk meanwhile \(now not set\)"):
        set_value(path, "NEW", "1", expected="0")
    with pytest.raises(EditConflict, match=r"BARE changed .*\(now set with no value\)"):
        set_value(path, "BARE", "1", expected=Expect.ABSENT)
    set_value(path, "BARE", "1", expected=None)
    set_value(path, "NEW", "1", expected=Expect.ABSENT)
    assert path.read_text() == "BARE=1\nNEW=1\n"


def test_expected_is_compared_as_the_project_reads_it(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=x # kept by starlette\n")
    set_value(path, "A", "y", expected="x # kept by starlette", dialect=PLAIN)
    assert path.read_text() == "A=y # kept by starlette\n"


def test_a_conflict_message_is_one_line_even_for_multiline_values(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text('NOTE="two\\nlines"\n')
    with pytest.raises(EditConflict) as caught:
        set_value(path, "NOTE", "new\nvalue", expected="old")
    assert "\n" not in str(caught.value)
    assert "'two\\nlines'" in str(caught.value) and "'new\\nvalue'" in str(caught.value)


def test_remove_key_still_refuses_what_is_not_there(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n")
    remove_key(path, "A")
    assert path.read_text() == ""
    with pytest.raises(EnvFileError, match="has no A"):
        remove_key(path, "A")
