"""write(): only confirmed files, atomically, never over a change made since the preview,
and every byte of every other file kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from asgideck.runtime.deploy import DeployError, GeneratedFile, WriteConflict, write


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _preview(root: Path, path: str, text: str) -> GeneratedFile:
    target = root / path
    existing = target.read_bytes().decode("utf-8", "surrogateescape") if target.exists() else None
    return GeneratedFile(Path(path), text, existing, "nginx")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "main.py").write_text("app = None\n")
    (root / "nginx.conf").write_text("# mine\r\nserver {}\n")  # CRLF kept
    (root / "Dockerfile").write_bytes(b"FROM scratch\n\xff\xfe not utf-8\n")
    (root / "nginx.conf").chmod(0o600)
    return root


def test_writes_only_the_confirmed_files_and_keeps_every_other_byte(project: Path) -> None:
    files = [
        _preview(project, "nginx.conf", "upstream u {}\n"),
        _preview(project, "Dockerfile", "FROM python:3.12-slim\n"),
        _preview(project, "k8s/deployment.yaml", "kind: Deployment\n"),
    ]
    before = _snapshot(project)
    written = write(files, project, [Path("nginx.conf"), "k8s/deployment.yaml"])
    assert written == [Path("nginx.conf"), Path("k8s/deployment.yaml")]
    after = _snapshot(project)
    assert after.pop("nginx.conf") == b"upstream u {}\n"
    assert after.pop("k8s/deployment.yaml") == b"kind: Deployment\n"
    before.pop("nginx.conf")
    assert after == before  # Dockerfile (not confirmed, not UTF-8) and app/ untouched
    assert (project / "nginx.conf").stat().st_mode & 0o777 == 0o600  # its mode kept
    assert not [p for p in project.rglob("*.tmp")]


def test_refuses_a_file_changed_since_the_preview_and_writes_nothing(project: Path) -> None:
    files = [
        _preview(project, "nginx.conf", "upstream u {}\n"),
        _preview(project, "compose.yaml", "services: {}\n"),
    ]
    (project / "nginx.conf").write_text("# edited meanwhile\n")
    before = _snapshot(project)
    with pytest.raises(WriteConflict, match=r"nginx\.conf changed since the preview") as caught:
        write(files, project, [f.path for f in files])
    assert caught.value.paths == (Path("nginx.conf"),)
    assert _snapshot(project) == before  # not even compose.yaml


def test_refuses_a_file_that_appeared_or_went_away_since_the_preview(project: Path) -> None:
    new = _preview(project, "compose.yaml", "services: {}\n")
    gone = _preview(project, "Dockerfile", "FROM python:3.12-slim\n")
    (project / "compose.yaml").write_text("services: {mine: {}}\n")
    with pytest.raises(WriteConflict, match=r"compose\.yaml"):
        write([new], project, [new.path])
    os.unlink(project / "Dockerfile")
    with pytest.raises(WriteConflict, match="Dockerfile"):
        write([gone], project, [gone.path])
    assert not (project / "Dockerfile").exists()


def test_an_unchanged_file_is_not_rewritten(project: Path) -> None:
    same = _preview(project, "nginx.conf", (project / "nginx.conf").read_bytes().decode())
    assert not same.changed and same.diff() == ""
    stamp = (project / "nginx.conf").stat().st_mtime_ns
    assert write([same], project, [same.path]) == []
    assert (project / "nginx.conf").stat().st_mtime_ns == stamp


def test_refuses_paths_outside_the_project_and_unknown_confirmations(project: Path) -> None:
    outside = GeneratedFile(Path("../evil.conf"), "x\n", None, "nginx")
    with pytest.raises(DeployError, match="inside the project"):
        write([outside], project, [outside.path])
    assert not (project.parent / "evil.conf").exists()
    with pytest.raises(DeployError, match="not among the generated files: nope"):
        write([], project, ["nope"])


def test_diff_shows_the_change_against_the_project(project: Path) -> None:
    preview = _preview(project, "nginx.conf", "# mine\nserver { listen 80; }\n")
    diff = preview.diff()
    assert diff.startswith("--- a/nginx.conf\n+++ b/nginx.conf\n")
    assert "+server { listen 80; }\n" in diff
