"""Files that cannot be read give one clear message naming the file (and line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.profiles import (
    MAX_FILE_BYTES,
    EnvFileError,
    load_profile,
    read_env_file,
    set_value,
)


def test_not_utf8_names_file_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"A=1\n# caf\xc3\xa9 is fine\nNAME=caf\xe9\n")
    with pytest.raises(EnvFileError) as caught:
        read_env_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: not valid UTF-8")
    assert "0xe9" in message
    assert "column 9" in message
    assert caught.value.path == path
    assert caught.value.line == 3


def test_utf16_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes("A=1\n".encode("utf-16"))
    with pytest.raises(EnvFileError, match=r"UTF-16.*save it as UTF-8"):
        read_env_file(path)


def test_a_directory_is_not_an_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env.production").mkdir()
    with pytest.raises(EnvFileError, match=r"\.env\.production: is a directory"):
        read_env_file(tmp_path / ".env.production")


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EnvFileError, match=r"\.env: no such file"):
        read_env_file(tmp_path / ".env")


def test_a_dangling_link_in_a_profile_is_reported_not_skipped(tmp_path: Path) -> None:
    (tmp_path / ".env").symlink_to(tmp_path / "gone")
    (tmp_path / ".env.production").write_text("A=1\n")
    with pytest.raises(EnvFileError, match=rf"{tmp_path / '.env'}: no such file"):
        load_profile(tmp_path, "production")


def test_a_symlink_loop(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.symlink_to(path)
    with pytest.raises(EnvFileError, match=rf"{path}: cannot read it: .*symbolic links"):
        read_env_file(path)


def test_permission_denied_reads_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root here, and root reads a mode-000 file anyway: the OS refusal is faked.
    path = tmp_path / ".env"
    path.write_text("A=1\n")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(EnvFileError, match=rf"{path}: cannot read it: permission denied"):
        read_env_file(path)


def test_a_file_too_big_to_be_an_env_file(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(EnvFileError, match="too big for an env file"):
        read_env_file(path)


def test_ten_thousand_keys_load_and_edit(tmp_path: Path) -> None:
    lines = [f"# setting {i}\nKEY_{i}=value-{i}  # note\n" for i in range(10_000)]
    lines.append("LAST=${KEY_9999}\n")
    path = tmp_path / ".env"
    path.write_text("".join(lines))

    profile = load_profile(tmp_path, "default")
    assert len(profile.variables) == 10_001
    assert profile.variables["KEY_9999"].origin.line == 20_000
    assert profile.variables["LAST"].value == "value-9999"

    before = path.read_bytes()
    set_value(path, "KEY_5000", "changed")
    after = path.read_bytes()
    assert after == before.replace(b"KEY_5000=value-5000  #", b"KEY_5000=changed  #")
