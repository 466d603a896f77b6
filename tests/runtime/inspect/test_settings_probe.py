"""The probe, for real: the project's interpreter in a subprocess on tiny project folders."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from asgideck.runtime.inspect import ProbeError, probe_environment, run_probe
from asgideck.runtime.servers import LAUNCH_VARS
from support.files import write_files

PYTHON = Path(sys.executable)


def settings_task(*classes: tuple[str, str], **extra: Any) -> dict[str, Any]:
    specs = [{"module": m, "qualname": q} for m, q in classes]
    return {"kind": "settings", "classes": specs, **extra}


def only_class(result: dict[str, Any]) -> dict[str, Any]:
    task = result["results"][0]
    assert task["ok"], task
    [entry] = task["classes"]
    return entry


def wait_gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


CONFIG = textwrap.dedent(
    """\
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class Settings(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="SHOP_", env_file=".env")

        secret_key: str
        workers: int = 1
        debug: bool = False
        db_password: int = 0
"""
)


def test_every_error_at_once_with_env_var_names(tmp_path: Path) -> None:
    write_files(tmp_path, {"config.py": CONFIG})
    env = {"SHOP_WORKERS": "many", "SHOP_DB_PASSWORD": "hunter2", "SHOP_DEBUG": "yes"}
    result = run_probe(PYTHON, tmp_path, env, [settings_task(("config", "Settings"))])
    entry = only_class(result)
    assert entry["ok"] is False and entry["values"] is None and entry["error"] is None
    errors = {e["field"]: e for e in entry["errors"]}
    assert set(errors) == {"secret_key", "workers", "db_password"}
    assert errors["secret_key"]["env_var"] == "SHOP_SECRET_KEY"
    assert errors["secret_key"]["type"] == "missing"
    assert "input" not in errors["secret_key"]  # pydantic's input there is every value
    assert errors["workers"]["env_var"] == "SHOP_WORKERS"
    assert errors["workers"]["type"] == "int_parsing"
    assert errors["workers"]["input"] == "many"
    assert errors["db_password"]["input"] == "****"  # a secret's bad value is never shown
    assert "hunter2" not in str(result)


def test_case_sensitive_and_alias_env_names(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "config.py": """\
                from pydantic import Field
                from pydantic_settings import BaseSettings, SettingsConfigDict

                class Settings(BaseSettings):
                    model_config = SettingsConfigDict(case_sensitive=True, env_prefix="app_")
                    port: int
                    url: str = Field(validation_alias="DATABASE_URL")
            """
        },
    )
    result = run_probe(PYTHON, tmp_path, {"app_port": "x"}, [settings_task(("config", "Settings"))])
    entry = only_class(result)
    assert entry["fields"] == {"port": "app_port", "url": "DATABASE_URL"}
    assert {e["env_var"]: e["type"] for e in entry["errors"]} == {
        "app_port": "int_parsing",
        "DATABASE_URL": "missing",
    }


def test_the_class_reads_its_own_env_file_under_the_environment(tmp_path: Path) -> None:
    """As at start: the class loads its env_file from the working directory, and the
    environment the server gets wins over it."""
    write_files(
        tmp_path,
        {"config.py": CONFIG, ".env": "SHOP_SECRET_KEY=from-the-class-env-file\nSHOP_WORKERS=3\n"},
    )
    env = {"SHOP_WORKERS": "5"}
    entry = only_class(run_probe(PYTHON, tmp_path, env, [settings_task(("config", "Settings"))]))
    assert entry["ok"] is True
    assert entry["secrets"]["secret_key"]["length"] == len("from-the-class-env-file")
    assert entry["values"]["workers"] == 5
    assert entry["env_files"] == [str(tmp_path / ".env")]
    assert entry["config"] == {
        "env_prefix": "SHOP_",
        "env_nested_delimiter": "",
        "case_sensitive": False,
    }


def test_the_shell_environment_does_not_leak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_SECRET_KEY", "from-the-shell")
    monkeypatch.setenv("SHOP_WORKERS", "7")
    write_files(tmp_path, {"config.py": CONFIG})
    env = {"SHOP_SECRET_KEY": "k" * 40}
    result = run_probe(
        PYTHON, tmp_path, env, [settings_task(("config", "Settings")), {"kind": "ping"}]
    )
    entry = only_class(result)
    assert entry["ok"] is True
    assert entry["values"]["workers"] == 1  # the class default, not the shell's 7
    assert entry["secrets"]["secret_key"]["length"] == 40  # the profile's, not the shell's
    ping = result["results"][1]
    assert "SHOP_WORKERS" not in ping["env_keys"]
    assert set(ping["env_keys"]) <= set(probe_environment(env)) | {"LC_CTYPE", *LAUNCH_VARS}
    assert ping["sys_path"][0] == str(tmp_path)  # not asgideck's runtime/ folder
    assert ping["masking"] == "asgideck"


def test_values_are_masked_and_secrets_described(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "config.py": """\
                from pydantic import SecretStr
                from pydantic_settings import BaseSettings

                class Settings(BaseSettings):
                    signing: SecretStr
                    api_token: str = "change-me"
                    token_ttl: int = 30
                    auth_enabled: bool = True
                    database_url: str = "postgresql://app:pw123@db/app"
                    tags: list[str] = ["a"]
            """
        },
    )
    task = settings_task(("config", "Settings"), placeholders=["change[-_ ]?me"])
    result = run_probe(PYTHON, tmp_path, {"SIGNING": "s" * 12}, [task])
    entry = only_class(result)
    assert entry["values"] == {
        "signing": "****",
        "api_token": "****",
        "token_ttl": 30,
        "auth_enabled": True,
        "database_url": "postgresql://app:****@db/app",
        "tags": ["a"],
    }
    assert entry["secrets"] == {
        "signing": {"length": 12, "placeholder": False},
        "api_token": {"length": 9, "placeholder": True},
    }
    assert "pw123" not in str(result)


def test_unparsable_complex_value_and_other_errors_together(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "config.py": """\
                from pydantic_settings import BaseSettings

                class Settings(BaseSettings):
                    cors_origins: list[str] = []
                    allowed_hosts: list[str]
                    port: int = 8000
            """
        },
    )
    env = {"CORS_ORIGINS": "http://a, http://b", "ALLOWED_HOSTS": "{", "PORT": "eighty"}
    entry = only_class(run_probe(PYTHON, tmp_path, env, [settings_task(("config", "Settings"))]))
    by_var = {e["env_var"]: e for e in entry["errors"]}
    assert set(by_var) == {"CORS_ORIGINS", "ALLOWED_HOSTS", "PORT"}
    assert by_var["CORS_ORIGINS"]["type"] == "parsing"
    assert "JSON" in by_var["CORS_ORIGINS"]["message"]
    assert by_var["CORS_ORIGINS"]["input"] == "http://a, http://b"
    assert by_var["ALLOWED_HOSTS"]["type"] == "parsing"  # not also reported as missing
    assert by_var["PORT"]["type"] == "int_parsing"


def test_settings_instantiated_at_import_time_are_still_checked(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": CONFIG + "\nsettings = Settings()\n",
        },
    )
    entry = only_class(run_probe(PYTHON, tmp_path, {}, [settings_task(("app.config", "Settings"))]))
    assert [e["env_var"] for e in entry["errors"]] == ["SHOP_SECRET_KEY"]
    assert entry["import_error"]["type"] == "ValidationError"
    assert entry["import_error"]["where"].endswith("app/config.py:11")


def test_import_error_is_structured_with_traceback(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": "import app.helpers\n",
            "app/helpers.py": "x = 1\nraise RuntimeError('no database driver')\n",
        },
    )
    task = settings_task(("app.config", "Settings"), ("app.missing", "Settings"))
    [result] = run_probe(PYTHON, tmp_path, {}, [task])["results"]
    first, second = result["classes"]
    assert first["ok"] is False
    error = first["error"]
    assert (error["type"], error["message"], error["stage"]) == (
        "RuntimeError",
        "no database driver",
        "import",
    )
    assert error["where"] == f"{tmp_path / 'app/helpers.py'}:2"
    assert "Traceback (most recent call last)" in error["traceback"]
    assert "app/helpers.py" in error["traceback"]
    assert second["error"]["type"] == "ModuleNotFoundError"


def test_syntax_error_and_sys_exit_at_import(tmp_path: Path) -> None:
    write_files(tmp_path, {"broken.py": "def f(:\n", "quitter.py": "import sys\nsys.exit(3)\n"})
    task = settings_task(("broken", "Settings"), ("quitter", "Settings"))
    [result] = run_probe(PYTHON, tmp_path, {}, [task])["results"]
    broken, quitter = result["classes"]
    assert broken["error"]["type"] == "SyntaxError"
    assert broken["error"]["where"] == f"{tmp_path / 'broken.py'}:1"
    assert quitter["error"]["type"] == "SystemExit"


def test_missing_class_in_a_module(tmp_path: Path) -> None:
    write_files(tmp_path, {"config.py": "X = 1\n"})
    entry = only_class(run_probe(PYTHON, tmp_path, {}, [settings_task(("config", "Nope"))]))
    assert entry["error"]["type"] == "AttributeError"
    assert "'Nope'" in entry["error"]["message"]


def test_app_output_on_stdout_does_not_corrupt_the_result(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "config.py": """\
                import sys
                print("hello from the app", end="")
                sys.stdout.write('{"ok": false}')
                print("warning!", file=sys.stderr)
                sys.stdout = open(__import__("os").devnull, "w")
                from pydantic_settings import BaseSettings

                class Settings(BaseSettings):
                    name: str = "x"
            """
        },
    )
    result = run_probe(PYTHON, tmp_path, {}, [settings_task(("config", "Settings"))])
    assert only_class(result)["ok"] is True
    assert result["output"] == 'hello from the app{"ok": false}'
    assert "warning!" in result["stderr"]


def test_unknown_task_kind(tmp_path: Path) -> None:
    [result] = run_probe(PYTHON, tmp_path, {}, [{"kind": "teleport"}])["results"]
    assert result["ok"] is False
    assert result["error"]["message"] == "unknown task kind 'teleport'"


def test_a_hanging_probe_times_out_and_leaves_nothing(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    write_files(
        tmp_path,
        {
            "config.py": f"""\
                import subprocess, sys, time, pathlib
                child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
                pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))
                time.sleep(60)
            """
        },
    )
    with pytest.raises(ProbeError) as caught:  # the probe sleeps 60 s: only the timeout ends it
        run_probe(PYTHON, tmp_path, {}, [settings_task(("config", "S"))], timeout=2)
    assert caught.value.kind == "timeout"
    assert "within 2 s" in str(caught.value) and str(PYTHON) in str(caught.value)
    assert wait_gone(int(pid_file.read_text()))


def test_a_timeout_also_kills_a_child_that_left_the_process_group(tmp_path: Path) -> None:
    """A child in a session of its own escapes the group kill; it is still a descendant."""
    pid_file = tmp_path / "child.pid"
    write_files(
        tmp_path,
        {
            "config.py": f"""\
                import subprocess, sys, time, pathlib
                child = subprocess.Popen(
                    [sys.executable, "-c", "import time; time.sleep(60)"],
                    start_new_session=True,
                )
                pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))
                time.sleep(60)
            """
        },
    )
    with pytest.raises(ProbeError) as caught:
        run_probe(PYTHON, tmp_path, {}, [settings_task(("config", "S"))], timeout=2)
    assert caught.value.kind == "timeout"
    assert wait_gone(int(pid_file.read_text()))


def test_a_child_holding_the_pipe_does_not_delay_the_result(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    write_files(
        tmp_path,
        {
            "config.py": f"""\
                import subprocess, sys, pathlib
                child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
                pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))
                from pydantic_settings import BaseSettings

                class Settings(BaseSettings):
                    name: str = "x"
            """
        },
    )
    # the child holds the pipe for 60 s: waiting for its end would hit the 20 s timeout
    # (a ProbeError) instead of giving this result
    result = run_probe(PYTHON, tmp_path, {}, [settings_task(("config", "Settings"))], timeout=20)
    assert only_class(result)["ok"] is True
    assert wait_gone(int(pid_file.read_text()))


def test_missing_interpreter(tmp_path: Path) -> None:
    with pytest.raises(ProbeError) as caught:
        run_probe(tmp_path / "no-python", tmp_path, {}, [])
    assert caught.value.kind == "interpreter"
    assert str(tmp_path / "no-python") in str(caught.value)


def test_interpreter_that_gives_no_result(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'not a python' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(ProbeError) as caught:
        run_probe(fake, tmp_path, {}, [])
    assert caught.value.kind == "no-result"
    assert "exited with code 3" in str(caught.value)
    assert "not a python" in str(caught.value)


def test_src_layout_via_sys_path(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"src/shop/__init__.py": "", "src/shop/config.py": CONFIG.replace("secret_key: str", "")},
    )
    task = settings_task(("shop.config", "Settings"))
    entry = only_class(run_probe(PYTHON, tmp_path, {}, [task], sys_path=("src",)))
    assert entry["ok"] is True


def test_probe_is_self_contained() -> None:
    """It runs under interpreters without asgideck: stdlib imports only, no runtime package."""
    import ast

    import asgideck.runtime.probe._main as probe

    tree = ast.parse(Path(probe.__file__).read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            roots.add((node.module or "").split(".")[0])
    assert roots <= set(sys.stdlib_module_names) | {"__future__"}
    ast.parse(Path(probe.__file__).read_text(encoding="utf-8"), feature_version=(3, 8))


def test_fallback_masking_when_asgideck_rules_cannot_load(tmp_path: Path) -> None:
    from asgideck.runtime.probe._main import MASK, Context

    ctx = Context(str(tmp_path), {"secrets_module": str(tmp_path / "missing.py")})
    assert ctx.masking == "fallback"
    assert ctx.mask("DB_PASSWORD", "pw") == MASK
    assert ctx.mask("DATABASE_URL", "postgres://u:pw@h/db") == "postgres://u:****@h/db"
    assert ctx.mask("NESTED", {"api_key": "k", "port": 1}) == {"api_key": MASK, "port": 1}
    assert ctx.mask("NAME", "") == ""
