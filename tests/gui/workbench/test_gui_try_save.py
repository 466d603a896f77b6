"""Saving a response body that cannot be written says why in the view's banner (no
traceback on stderr); a body kept in a temporary file is copied whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.client import ResponseRecord
from support.try_view import Views

TIMEOUT_MS = 10_000


def record(body: bytes, body_file: Path | None = None) -> ResponseRecord:
    size = body_file.stat().st_size if body_file is not None else len(body)
    return ResponseRecord(
        200, "OK", "HTTP/1.1", (), body, body_file, size, body_file is not None,
        "application/octet-stream", 0.01, 0.01, "http://127.0.0.1:1/files/data.bin",
    )  # fmt: skip


@pytest.mark.parametrize("where", ["missing-folder/body.bin", "a-folder"])
def test_an_unwritable_target_is_shown_in_the_banner(  # type: ignore[no-untyped-def]
    views: Views, qtbot, tmp_path: Path, capfd: pytest.CaptureFixture[str], where: str
) -> None:
    view = views()
    (tmp_path / "a-folder").mkdir()
    view.response.record = record(b"0123456789")
    view.save_body_to(tmp_path / where)
    qtbot.waitUntil(lambda: not view.banner.isHidden(), timeout=TIMEOUT_MS)
    assert view.banner.text().startswith("Could not save the body: [Errno ")
    assert str(tmp_path / where) in view.banner.text()
    assert "Saved" not in view.status.text()
    assert "Traceback" not in capfd.readouterr().err


def test_a_big_body_is_copied_from_its_temporary_file(views: Views, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = views()
    whole = tmp_path / "whole.bin"
    whole.write_bytes(bytes(range(256)) * 4096)
    view.response.record = record(b"head only", whole)
    target = tmp_path / "saved.bin"
    view.save_body_to(target)
    qtbot.waitUntil(
        lambda: view.status.text().startswith("Saved 1,048,576 bytes"), timeout=TIMEOUT_MS
    )
    assert target.read_bytes() == whole.read_bytes()
    assert view.banner.isHidden()


def test_a_save_finishing_after_detach_is_not_reported(views: Views, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = views()
    view.response.record = record(b"0123456789")
    view.save_body_to(tmp_path / "body.bin")
    view.detach()  # the page closes while the write runs
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=TIMEOUT_MS)
    assert view.status.text() == "" and view.banner.isHidden()
