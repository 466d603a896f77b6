"""One rule for secret values (UI, server log, history), and private log/state files."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from asgideck.runtime.logs import RunLog, logs_dir
from asgideck.runtime.secrets import MASK, mask_value, secret_values
from asgideck.runtime.servers import Supervisor, secret_masker
from asgideck.runtime.userstate import config_dir, state_dir
from support.servers import TINY_APP, make_spec, write_app

DSN = "host=db password=hunter2222 dbname=prod"

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secret_values_are_what_the_ui_masks() -> None:
    env = {
        "API_TOKEN": "tok-123456789",
        "SHORT_SECRET": "abc",  # too short to scrub from free text
        "DATABASE_URL": "postgresql://u:s3cr3t-pw@db/x,redis://:p%40ssword@cache/0",
        "PG_CONNINFO": DSN,
        "APP_NAME": "my-application",
        "EMPTY_PASSWORD": "",
    }
    values = secret_values(env)
    assert set(values) == {
        "tok-123456789",
        "s3cr3t-pw",
        "p%40ssword",
        "p@ssword",
        "hunter2222",
    }
    assert [len(v) for v in values] == sorted((len(v) for v in values), reverse=True)
    for key, value in env.items():  # whatever the log hides, the UI hides too
        shown = mask_value(key, value)
        assert not any(secret in shown for secret in values if secret in value), key


def test_the_log_masker_hides_a_password_pair() -> None:
    mask = secret_masker({"PG_CONNINFO": DSN})
    assert mask is not None
    assert mask(f"connecting with {DSN}") == f"connecting with host=db password={MASK} dbname=prod"


LEAKY_APP = 'import os\nprint("dsn is", os.environ["PG_CONNINFO"], flush=True)\n' + TINY_APP


@pytest.mark.integration
def test_a_dsn_password_never_reaches_the_run_log(tmp_path: Path) -> None:
    spec = make_spec(
        write_app(tmp_path / "proj", LEAKY_APP, "leaky"), "leaky:app", env={"PG_CONNINFO": DSN}
    )
    sup = Supervisor(spec, name="dsn")
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=20).state == "running"
    finally:
        sup.stop()
    shown = "\n".join(ln.text for ln in sup.buffer.snapshot())
    [run_log] = logs_dir().glob("*dsn*.log")
    on_disk = run_log.read_text()
    assert f"dsn is host=db password={MASK} dbname=prod" in shown
    assert f"password={MASK}" in on_disk
    assert "hunter2222" not in shown and "hunter2222" not in on_disk


@posix_only
def test_run_logs_are_private_even_after_rotation(tmp_path: Path) -> None:
    log = RunLog.create("private")
    log.write("hello")
    log.close()
    assert _mode(log.path) == 0o600
    assert _mode(logs_dir()) == 0o700
    rotating = RunLog(tmp_path / "run.log", cap_bytes=20)
    for i in range(5):
        rotating.write(f"line {i:03d} of text")
    rotating.close()
    assert _mode(tmp_path / "run.log") == 0o600
    assert _mode(tmp_path / "run.log.1") == 0o600


@posix_only
def test_state_and_config_dirs_are_created_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASGIDECK_HOME", str(tmp_path / "fresh-home"))
    assert _mode(state_dir()) == 0o700
    assert _mode(config_dir()) == 0o700
