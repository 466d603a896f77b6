"""Editing a value changes only that binding's bytes (Done means #6), atomically."""

from __future__ import annotations

import os
import random
import stat
from pathlib import Path

import pytest
from dotenv import dotenv_values

from asgideck.runtime.profiles import EnvFileError, read_env_file, remove_key, set_value

# A file a real person might keep: comments, blank lines, export, every quoting style,
# multiline values, a bare key, a quoted key, an unparsable line, duplicates, and no
# final newline.
HAIRY = (
    "# Demo settings — edit me\n"  # 1
    "\t\n"  # 2
    "export PLAIN=value   # trailing comment\n"  # 3
    "SINGLE='it\\'s single'  \n"  # 4
    'DOUBLE="line1\\nline2 \\"q\\""\n'  # 5
    'MULTI="first\n'  # 6
    "second # not a comment\n"  # 7
    'third" # after multi\n'  # 8
    "EMPTY=\n"  # 9
    "EMPTY_COMMENT= # nothing here\n"  # 10
    "HASH=#not-a-comment\n"  # 11
    " SPACED = spaced value \n"  # 12
    "BARE\n"  # 13
    "'QUOTED_KEY'=qk\n"  # 14
    "this line does not parse\n"  # 15
    "URL=postgresql://u:p@h/db\n"  # 16
    "INTERP=${PLAIN}-x\n"  # 17
    "DUP=first\n"  # 18
    "\n"  # 19
    "DUP=second\n"  # 20
    "LAST=end"  # 21, no final newline
)
# key -> (first line, last line) of the binding an edit may touch (the last one for DUP)
SPANS = {
    "PLAIN": (3, 3),
    "SINGLE": (4, 4),
    "DOUBLE": (5, 5),
    "MULTI": (6, 8),
    "EMPTY": (9, 9),
    "EMPTY_COMMENT": (10, 10),
    "HASH": (11, 11),
    "SPACED": (12, 12),
    "BARE": (13, 13),
    "QUOTED_KEY": (14, 14),
    "URL": (16, 16),
    "INTERP": (17, 17),
    "DUP": (20, 20),
    "LAST": (21, 21),
}
VALUES = [
    "simple",
    "",
    "with spaces",
    "  padded  ",
    "#starts-with-hash",
    "has # hash after space",
    "quote\"s and 'single'",
    "back\\slash\\n and \\\\",
    "multi\nline\r\nvalue",
    "ünïcødé ✓",
    "tab\there",
    "$dollar ${PLAIN}",
    "trailing backslash\\",
]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _file(tmp_path: Path, newline: str, bom: bool = False) -> Path:
    path = tmp_path / ".env"
    text = HAIRY.replace("\n", newline)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("key", list(SPANS))
def test_setting_a_value_touches_only_its_own_lines(key: str, newline: str, tmp_path: Path) -> None:
    path = _file(tmp_path, newline)
    before = path.read_bytes()
    others = {k: v for k, v in dotenv_values(path, interpolate=False).items() if k != key}
    first, last = SPANS[key]
    assert [e.line for e in read_env_file(path).entries if e.key == key][-1] == first

    for value in VALUES:
        path.write_bytes(before)
        set_value(path, key, value)
        after = path.read_bytes()

        read_back = dotenv_values(path, interpolate=False)
        assert read_back[key] == value
        assert {k: v for k, v in read_back.items() if k != key} == others
        old, new = _lines(before), _lines(after)
        assert new[: first - 1] == old[: first - 1], value
        tail = len(old) - last
        assert new[len(new) - tail :] == old[last:], value
        assert len(new) - tail - (first - 1) == 1, "the new binding is one line"
        if newline == "\r\n":
            assert after.count(b"\n") == after.count(b"\r\n")


def test_exact_bytes_keep_export_comments_and_quoting_style(tmp_path: Path) -> None:
    path = _file(tmp_path, "\n")
    set_value(path, "PLAIN", "new value")
    set_value(path, "SINGLE", "it's")
    set_value(path, "MULTI", "one line")
    set_value(path, "EMPTY_COMMENT", "filled")
    set_value(path, "BARE", "now=set")
    set_value(path, "DUP", "third")
    lines = path.read_text().splitlines()
    assert lines[2] == 'export PLAIN="new value"   # trailing comment'
    assert lines[3] == "SINGLE='it\\'s'  "
    assert lines[5] == 'MULTI="one line" # after multi'
    assert lines[6] == "EMPTY=" and lines[7] == "EMPTY_COMMENT= filled # nothing here"
    assert lines[10] == "BARE=now=set"
    assert lines[15:18] == ["DUP=first", "", "DUP=third"]
    assert dotenv_values(path)["EMPTY_COMMENT"] == "filled"


def test_a_value_stays_unquoted_when_it_can(tmp_path: Path) -> None:
    path = _file(tmp_path, "\n")
    set_value(path, "URL", "postgresql://app:s3cr3t@db:5432/app?x=1&y=#z")
    assert "URL=postgresql://app:s3cr3t@db:5432/app?x=1&y=#z\n" in path.read_text()


def test_a_new_key_is_appended_after_a_missing_final_newline(tmp_path: Path) -> None:
    for newline in ("\n", "\r\n"):
        path = _file(tmp_path, newline)
        before = path.read_bytes()
        set_value(path, "NEW_KEY", "a b")
        nl = newline.encode()
        assert path.read_bytes() == before + nl + b'NEW_KEY="a b"' + nl
        set_value(path, "OTHER", "x")
        assert path.read_bytes().endswith(b'NEW_KEY="a b"' + nl + b"OTHER=x" + nl)


def test_set_value_creates_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / ".env.production"
    set_value(path, "SECRET_KEY", "s3cr3t value")
    assert path.read_bytes() == b'SECRET_KEY="s3cr3t value"\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # a new env file holds secrets


def test_a_bom_survives_edits(tmp_path: Path) -> None:
    path = _file(tmp_path, "\r\n", bom=True)
    before = path.read_bytes()
    set_value(path, "PLAIN", "x")
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf# Demo")
    assert after == before.replace(b"export PLAIN=value", b"export PLAIN=x")
    remove_key(path, "PLAIN")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf# Demo")
    assert read_env_file(path).had_bom


def test_the_file_mode_is_kept_and_no_temp_file_is_left(tmp_path: Path) -> None:
    path = _file(tmp_path, "\n")
    path.chmod(0o640)
    set_value(path, "PLAIN", "x")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]


def test_a_failed_write_leaves_the_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, "\n")
    before = path.read_bytes()

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(EnvFileError, match=rf"{path}: cannot write it: No space left"):
        set_value(path, "PLAIN", "x")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]


def test_an_edit_that_would_change_other_lines_is_refused(tmp_path: Path) -> None:
    # An unterminated quote: a quoted value appended after it would close it and swallow
    # every line in between, so the file is left as it is.
    path = tmp_path / ".env"
    path.write_text('BROKEN="no closing quote\nOK=1\n')
    before = path.read_bytes()
    with pytest.raises(EnvFileError, match="unparsable lines"):
        set_value(path, "NEW", 'needs "quotes"')
    assert path.read_bytes() == before
    set_value(path, "OK", "2")  # an edit that keeps the meaning still works
    assert path.read_text() == 'BROKEN="no closing quote\nOK=2\n'


def test_editing_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "shared.env"
    real.write_text("A=1\n")
    link = tmp_path / ".env"
    link.symlink_to(real)
    set_value(link, "A", "2")
    assert link.is_symlink()
    assert real.read_text() == "A=2\n"


def test_invalid_key_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    for key in ("", "HAS SPACE", "A=B", "#C", "Q'UOTE"):
        with pytest.raises(ValueError, match="not a valid env variable name"):
            set_value(path, key, "x")
    assert not path.exists()


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_remove_key_removes_every_binding_and_nothing_else(newline: str, tmp_path: Path) -> None:
    path = _file(tmp_path, newline)
    before = _text(path)
    remove_key(path, "DUP")
    nl = newline
    assert _text(path) == before.replace(f"DUP=first{nl}", "").replace(f"DUP=second{nl}", "")
    remove_key(path, "MULTI")
    assert f"{nl}EMPTY=" in _text(path)
    assert "second # not a comment" not in _text(path)
    remove_key(path, "LAST")
    assert _text(path).endswith(f"INTERP=${{PLAIN}}-x{nl}{nl}")
    remaining = dotenv_values(path, interpolate=False)
    assert "DUP" not in remaining and "MULTI" not in remaining and "LAST" not in remaining
    assert remaining["PLAIN"] == "value" and remaining["BARE"] is None


def test_remove_key_that_is_not_there(tmp_path: Path) -> None:
    path = _file(tmp_path, "\n")
    with pytest.raises(EnvFileError, match=rf"{path}: has no NOPE"):
        remove_key(path, "NOPE")
    with pytest.raises(EnvFileError, match="no such file"):
        remove_key(tmp_path / ".env.missing", "A")


def test_random_tricky_values_read_back_exactly(tmp_path: Path) -> None:
    rng = random.Random(20240601)
    alphabet = ["a", "Z", "0", " ", "\t", "#", "'", '"', "\\", "\n", "\r", "$", "{", "}", "=", "é"]
    path = _file(tmp_path, "\r\n")
    for _ in range(300):
        key = rng.choice(list(SPANS))
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        others = {k: v for k, v in dotenv_values(path, interpolate=False).items() if k != key}
        set_value(path, key, value)
        read_back = dotenv_values(path, interpolate=False)
        assert read_back[key] == value
        assert {k: v for k, v in read_back.items() if k != key} == others
    assert path.read_bytes().count(b"\n") == path.read_bytes().count(b"\r\n")
    assert path.read_bytes().startswith(HAIRY.split("\n")[0].encode() + b"\r\n")


def test_old_mac_line_endings_are_kept(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"A=1\rB=2")
    set_value(path, "NEW", "x")
    set_value(path, "A", "one")
    assert path.read_bytes() == b"A=one\rB=2\rNEW=x\r"
