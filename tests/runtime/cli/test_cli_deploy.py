"""``asgideck deploy``: the files printed, written only where asked and never over a file
with other text without --force, --check with the real tools and the readiness findings
(blocking first), one line naming the option or file on a bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.cli import EXIT_ERRORS, EXIT_OK, EXIT_USAGE
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.secrets import secret_values
from support.cli import run_cli

pytestmark = pytest.mark.integration


def test_prints_the_nginx_file_and_checks_it_blocking_findings_first(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(
        "deploy", str(project), "--profile", "production", "--target", "nginx",
        "--instances", "3", "--check",
    )  # fmt: skip
    # sample_app's production SECRET_KEY is a known placeholder: a blocking finding
    assert code == EXIT_ERRORS, capsys.readouterr().err
    assert out.startswith("# nginx in front of proj (3 instances)")  # one file: no header
    assert out.count("server 127.0.0.1:") == 3 and "least_conn;" in out
    report = out[out.index("\nReadiness\n") :]
    lines = [line for line in report.splitlines() if line.strip()]
    assert lines[1].startswith("  BLOCKING SECRET_KEY: ")
    assert "  ok       nginx.conf: nginx -t" in report
    assert report.index("BLOCKING") < report.index("WARNING") < report.index("\nChecks\n")
    env = load_profile(project, "production").environ()
    assert not [value for value in secret_values(env) if value in out]


def test_writes_only_where_asked_and_never_over_other_text_without_force(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = project / "gunicorn.conf.py"
    before = conf.read_bytes()
    args = ("deploy", str(project), "--profile", "production", "--target", "gunicorn")
    code, out = run_cli(*args, "--write")
    assert code == 3 and out == ""
    err = capsys.readouterr().err
    assert "gunicorn.conf.py: already in" in err and "--force replaces it" in err
    assert len([line for line in err.splitlines() if "note:" not in line]) == 1
    assert conf.read_bytes() == before  # nothing written
    code, out = run_cli(*args, "--write", "--force")
    assert code == EXIT_OK and out.startswith("wrote ")
    assert conf.read_bytes() != before and b"worker_class" in conf.read_bytes()

    into = tmp_path / "out"
    code, out = run_cli(
        "deploy", str(project), "--profile", "production", "--target", "compose",
        "--instances", "2", "--out", str(into),
    )  # fmt: skip
    assert code == EXIT_OK, capsys.readouterr().err
    assert sorted(p.name for p in into.iterdir()) == ["compose.yaml", "nginx.compose.conf"]
    assert "replicas: 2" in (into / "compose.yaml").read_text()
    assert not (project / "compose.yaml").exists()  # the project is not touched by --out


def test_several_files_each_after_a_header_and_diff_against_the_project(
    project: Path,
) -> None:
    code, out = run_cli(
        "deploy", str(project), "--profile", "production", "--target", "systemd", "--diff"
    )  # fmt: skip
    assert code == EXIT_OK
    headers = [line for line in out.splitlines() if line.startswith("==> ")]
    assert headers[0].startswith("==> systemd/") and headers[0].endswith(".service (new) <==")
    assert headers[1] == "==> gunicorn.conf.py (changed) <=="  # sample_app has its own
    assert "--- /dev/null\n+++ b/systemd/" in out and "--- a/gunicorn.conf.py\n" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--server", "nope"), "--server: no server named 'nope' (servers: development"),
        (("--instances", "0"), "--instances: 0 must be at least 1"),
        (("--force",), "--force: only with --write or --out"),
        (("--profile", "nope"), "nope"),
    ],
)
def test_a_bad_option_is_one_line_naming_it(
    project: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], message: str
) -> None:
    args = ["deploy", str(project), "--target", "compose"]
    if "--profile" not in extra:
        args += ["--profile", "production"]
    code, out = run_cli(*args, *extra)
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and out == ""
    assert err.startswith("asgideck: ") and message in err and len(err.splitlines()) == 1


def test_an_out_folder_that_cannot_be_made_or_written_is_one_line(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """review14: a traceback reached the user for an --out under a missing system folder."""
    args = ["deploy", str(project), "--profile", "production", "--target", "nginx", "--out"]
    code, out = run_cli(*args, "/proc/sys/asgideck-no-such")
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and out == ""
    assert err == (
        "asgideck: --out: /proc/sys/asgideck-no-such cannot be created "
        "(No such file or directory)\n"
    )

    def refuse(*_args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("asgideck.runtime.deploy._write.os.replace", refuse)
    into = tmp_path / "out"
    code, out = run_cli(*args, str(into))
    err = capsys.readouterr().err
    assert code != EXIT_OK and "Traceback" not in err
    assert err == f"asgideck: {into / 'nginx.conf'}: cannot be written (Permission denied)\n"
    assert [p.name for p in into.iterdir()] == []  # the temporary sibling is gone too
