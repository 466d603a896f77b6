"""Issue 10, defect 3 (and 11's NUL items): editing a .env never silently loses a write.

Real writer processes race asgideck's edit API on one file; an "editor" saves in place
(truncate, then write slowly) while asgideck edits a key. Each test is bounded to a few
seconds.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dotenv import dotenv_values

from asgideck.runtime.profiles import (
    EditConflict,
    EnvFileError,
    Expect,
    read_env_file,
    remove_key,
    seen,
    set_value,
)
from support.env_writers import editor_cmd, spawn, writer_cmd

COUNT = 200
BASE = (
    "# Production profile\n"
    "ENVIRONMENT=production\n"
    "DEBUG=false\n"
    "SECRET_KEY=change-me\n"
    "DATABASE_URL=sqlite:///./data/production.db\n"
    "CORS_ORIGINS='[\"https://app.example.com\"]'\n"
    "ALPHA=start\n"
    "BETA=start\n"
)


def _finish(proc: subprocess.Popen[str], timeout: float = 30) -> str:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    return out


def test_two_writers_lose_no_edit(tmp_path: Path) -> None:
    path = tmp_path / ".env.production"
    path.write_text(BASE)
    procs = {key: spawn(writer_cmd(path, key, COUNT)) for key in ("ALPHA", "BETA")}
    for proc in procs.values():  # release both at once
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = {key: json.loads(_finish(proc)) for key, proc in procs.items()}
    final = dotenv_values(path)
    for key, result in results.items():
        # Different keys never conflict: every edit lands, and the last one is on disk.
        assert result["refused"] == [], result["refused"][:3]
        assert result["last_ok"] == COUNT - 1
        assert final[key] == f"{key}-{COUNT - 1}"
    # Nothing else moved.
    assert {k: v for k, v in final.items() if k not in results} == {
        k: v for k, v in dotenv_values(stream=_stream(BASE)).items() if k not in results
    }


def _stream(text: str):  # type: ignore[no-untyped-def]
    import io

    return io.StringIO(text)


def test_an_in_place_save_is_never_overwritten_with_a_half_file(tmp_path: Path) -> None:
    path = tmp_path / ".env.production"
    path.write_text(BASE)
    theirs = BASE.replace("ENVIRONMENT=production", "ENVIRONMENT=staging")
    text_file = tmp_path / "theirs.txt"
    text_file.write_text(theirs)
    editor = spawn(editor_cmd(path, text_file, chunk=16, pause=0.01))  # ~0.2 s to save
    assert editor.stdin is not None and editor.stdout is not None
    editor.stdin.write("go\n")
    editor.stdin.flush()
    try:
        assert editor.stdout.readline().strip() == "truncated"
        # The editor is mid-save: the file is empty or half-written right now.
        try:
            set_value(path, "DEBUG", "true")
            refused = None
        except EnvFileError as exc:
            refused = exc
    finally:
        _finish(editor)
    data = path.read_text()
    assert data.strip() != "DEBUG=true"
    if refused is None:  # re-applied on the editor's whole text
        assert data == theirs.replace("DEBUG=false", "DEBUG=true")
    else:  # or refused, naming the file; the editor's text stays as it saved it
        assert str(path) in str(refused)
        assert data == theirs


def test_a_change_to_the_same_binding_is_refused_naming_file_and_both_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process sets DEBUG between asgideck's read and its replace."""
    from asgideck.runtime.profiles import _disk

    path = tmp_path / ".env.production"
    path.write_text(BASE)
    real = _disk.snapshot
    calls: list[Path] = []

    def racing(target: Path) -> _disk.Snapshot | None:
        # The temp file is complete: this is the last check, right before the replace.
        if not calls and any(target.parent.glob(f".{target.name}.*.tmp")):
            calls.append(target)
            code = "import sys, pathlib; p = pathlib.Path(sys.argv[1]); " + (
                "p.write_text(p.read_text().replace('DEBUG=false', 'DEBUG=maybe'))"
            )
            subprocess.run([sys.executable, "-c", code, str(target)], check=True, timeout=30)
        return real(target)

    monkeypatch.setattr(_disk, "snapshot", racing)
    with pytest.raises(EditConflict) as caught:
        set_value(path, "DEBUG", "true")
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "'maybe'" in message and "'true'" in message
    assert "DEBUG=maybe" in path.read_text()  # their write stands
    assert "\n" not in message


def test_a_change_to_another_binding_is_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asgideck.runtime.profiles import _disk

    path = tmp_path / ".env.production"
    path.write_text(BASE)
    real = _disk.snapshot
    calls: list[Path] = []

    def racing(target: Path) -> _disk.Snapshot | None:
        # The temp file is complete: this is the last check, right before the replace.
        if not calls and any(target.parent.glob(f".{target.name}.*.tmp")):
            calls.append(target)
            code = "import sys, pathlib; p = pathlib.Path(sys.argv[1]); " + (
                "p.write_text(p.read_text() + 'ADDED=1\\n')"
            )
            subprocess.run([sys.executable, "-c", code, str(target)], check=True, timeout=30)
        return real(target)

    monkeypatch.setattr(_disk, "snapshot", racing)
    set_value(path, "DEBUG", "true")
    assert path.read_text() == BASE.replace("DEBUG=false", "DEBUG=true") + "ADDED=1\n"


def test_a_secret_conflict_is_masked(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("SECRET_KEY=on-disk-secret\n")
    with pytest.raises(EditConflict) as caught:
        set_value(path, "SECRET_KEY", "my-new-secret", expected="what-i-saw")
    message = str(caught.value)
    assert "on-disk-secret" not in message and "my-new-secret" not in message
    assert "SECRET_KEY" in message and str(path) in message
    assert path.read_text() == "SECRET_KEY=on-disk-secret\n"


def test_a_file_that_never_settles_is_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A program rewriting the file in place every few ms: asgideck waits a bounded
    time for it to finish, then refuses rather than write from a half-written file."""
    from asgideck.runtime.profiles import _disk

    monkeypatch.setattr(_disk, "SETTLE_TIMEOUT", 0.3)
    path = tmp_path / ".env"
    path.write_text(BASE)
    code = (
        "import sys, time, pathlib\n"
        "p = pathlib.Path(sys.argv[1]); end = time.monotonic() + 10; i = 0\n"
        "print('started', flush=True)\n"
        "while time.monotonic() < end:\n"
        "    with open(p, 'r+b') as f:\n"
        "        f.truncate(0); f.write(f'N={i}\\n'.encode()); i += 1\n"
        "    time.sleep(0.005)\n"
    )
    churn = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert churn.stdout is not None and churn.stdout.readline().strip() == "started"
        with pytest.raises(EnvFileError) as caught:
            set_value(path, "DEBUG", "true")
    finally:
        churn.kill()
        churn.communicate(timeout=30)
    assert str(caught.value) == (
        f"{path}: kept changing for 0.3 s (another program is saving it?); "
        "left unchanged, try again"
    )
    assert "DEBUG" not in path.read_text()


# --- defect 11: NUL bytes ---------------------------------------------------------------


def test_a_nul_byte_in_a_value_is_named_at_read_time(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"A=1\n# ok\nSECRET_KEY=ab\x00cd\n")
    with pytest.raises(EnvFileError) as caught:
        read_env_file(path)
    assert str(caught.value) == f"{path}:3: SECRET_KEY: value contains a NUL byte"


def test_an_edit_refuses_a_nul_byte(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n")
    with pytest.raises(EnvFileError, match=r"\.env: TOKEN: value contains a NUL byte"):
        set_value(path, "TOKEN", "ab\x00cd")
    assert path.read_text() == "A=1\n"


# --- review of #10: F2 (an emptied file taken as the base), M4 (a read-only file) -------


@pytest.mark.parametrize("expected", [Expect.ABSENT, Expect.ANY], ids=["absent", "any"])
def test_an_editor_pausing_after_truncating_loses_nothing(tmp_path: Path, expected: Expect) -> None:
    """An editor saves in place: truncate, wait 0.5 s, write. The window's add path ran
    meanwhile and took the empty file as its base: the file ended as 'NEWKEY=1' alone."""
    path = tmp_path / ".env.production"
    path.write_text(BASE)
    theirs = BASE.replace("DEBUG=false", "DEBUG=true")
    text_file = tmp_path / "theirs.txt"
    text_file.write_text(theirs)
    editor = spawn(editor_cmd(path, text_file, chunk=len(theirs), pause=0.5))
    assert editor.stdin is not None and editor.stdout is not None
    editor.stdin.write("go\n")
    editor.stdin.flush()
    try:
        assert editor.stdout.readline().strip() == "truncated"
        try:
            set_value(path, "NEWKEY", "1", expected=expected)
            refused = None
        except EnvFileError as exc:
            refused = exc
    finally:
        _finish(editor)
    data = path.read_text()
    if refused is None:  # made on the editor's whole text
        assert data == theirs + "NEWKEY=1\n"
    else:  # or refused, naming the file; the editor's text stays
        assert str(refused).startswith(f"{path}: ")
        assert data == theirs


def test_a_file_emptied_since_it_was_loaded_is_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(BASE)
    loaded = seen(path)
    path.write_text("")
    os.utime(path, (time.time() - 60, time.time() - 60))  # emptied long ago: no settle wait
    with pytest.raises(EditConflict) as caught:
        set_value(path, "NEWKEY", "1", expected=Expect.ABSENT, loaded=loaded)
    assert str(caught.value) == (
        f"{path}: is empty now; it had 8 lines when loaded; NEWKEY: '1' was not written; reload"
    )
    assert path.read_text() == ""
    with pytest.raises(EditConflict, match="is empty now; it had 8 lines when loaded"):
        remove_key(path, "DEBUG", loaded=loaded)


def test_a_read_only_env_file_is_refused_not_replaced(tmp_path: Path) -> None:
    """Tests run as root, who may write anything: the mode bits decide."""
    path = tmp_path / ".env"
    path.write_text(BASE)
    path.chmod(0o444)
    inode = path.stat().st_ino
    for edit in (lambda: set_value(path, "DEBUG", "true"), lambda: remove_key(path, "DEBUG")):
        with pytest.raises(EnvFileError) as caught:
            edit()
        assert str(caught.value) == f"{path}: read-only (mode 0444); not changed"
    assert path.read_text() == BASE
    assert (path.stat().st_ino, stat.S_IMODE(path.stat().st_mode)) == (inode, 0o444)
