"""ServerSpec -> argv, checked by uvicorn's and gunicorn's own command-line parsers."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
from gunicorn.app.wsgiapp import WSGIApplication
from gunicorn.config import Config

from asgideck.runtime.servers import Features, argv, interpreter_features
from support.servers import PY, bare_spec

UVICORN_MAIN = importlib.import_module("uvicorn.main")  # `uvicorn.main` is also the command


def uvicorn_kwargs(args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Run uvicorn's click command on ``args`` with ``uvicorn.run`` replaced: what it would run."""
    assert args[1:3] == ["-m", "uvicorn"]
    seen: dict[str, Any] = {}

    def fake_run(app: str, **kwargs: Any) -> None:
        seen.update(kwargs, app=app)

    monkeypatch.setattr(UVICORN_MAIN, "run", fake_run)
    UVICORN_MAIN.main.main(args[3:], standalone_mode=False)
    return seen


def gunicorn_cfg(args: list[str]) -> tuple[Config, list[str]]:
    """Parse ``args`` with gunicorn's parser and apply them as gunicorn does (no config file)."""
    assert args[1:3] == ["-m", "gunicorn"]
    cfg = Config()
    parsed = cfg.parser().parse_args(args[3:])
    for key, value in vars(parsed).items():
        if value is not None and key not in ("args", "config"):
            cfg.set(key.lower(), value)
    return cfg, parsed.args


def test_uvicorn_defaults_parse_to_the_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = bare_spec(tmp_path, port=8123)
    args = argv(s, Features.all())
    assert args[:3] == [str(PY), "-m", "uvicorn"]
    got = uvicorn_kwargs(args, monkeypatch)
    assert got["app"] == "app.main:app"
    assert (got["host"], got["port"]) == ("127.0.0.1", 8123)
    assert got["reload"] is False
    assert got["workers"] is None
    assert got["log_level"] == "info"
    assert got["access_log"] is True
    assert got["factory"] is False
    assert got["proxy_headers"] is False  # uvicorn's own default is True: we say what the spec says
    assert got["timeout_keep_alive"] == 5
    assert got["limit_max_requests"] is None


def test_uvicorn_every_option_reaches_uvicorn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    s = bare_spec(
        tmp_path,
        app="app.main:create_app",
        host="0.0.0.0",
        port=9001,
        workers=3,
        log_level="debug",
        access_log=False,
        factory=True,
        root_path="/api",
        proxy_headers=True,
        forwarded_allow_ips="10.0.0.1,10.0.0.2",
        ssl_keyfile=key,
        ssl_certfile=cert,
        timeout_keep_alive=17,
        limit_max_requests=1000,
    )
    got = uvicorn_kwargs(argv(s, Features.all()), monkeypatch)
    assert got["app"] == "app.main:create_app"
    assert (got["host"], got["port"], got["workers"]) == ("0.0.0.0", 9001, 3)
    assert got["log_level"] == "debug"
    assert got["access_log"] is False
    assert got["factory"] is True
    assert got["root_path"] == "/api"
    assert got["proxy_headers"] is True
    assert got["forwarded_allow_ips"] == "10.0.0.1,10.0.0.2"
    assert (got["ssl_keyfile"], got["ssl_certfile"]) == (str(key), str(cert))
    assert got["timeout_keep_alive"] == 17
    assert got["limit_max_requests"] == 1000


def test_uvicorn_reload_never_watches_a_virtualenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("app", "tests", ".venv", "node_modules", ".git"):
        (tmp_path / name).mkdir()
    (tmp_path / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
    s = bare_spec(tmp_path, reload=True)

    # Without watchfiles uvicorn's StatReload ignores excludes: watch the other folders.
    got = uvicorn_kwargs(argv(s, Features()), monkeypatch)
    assert got["reload"] is True
    assert sorted(got["reload_dirs"]) == [str(tmp_path / "app"), str(tmp_path / "tests")]
    assert not got["reload_excludes"]

    # With watchfiles: the root, with the virtualenv names excluded.
    got = uvicorn_kwargs(argv(s, Features.all()), monkeypatch)
    assert list(got["reload_dirs"]) == [str(tmp_path)]
    assert {".venv", "venv"} <= set(got["reload_excludes"])


def test_uvicorn_reload_watches_root_without_a_virtualenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app").mkdir()
    got = uvicorn_kwargs(argv(bare_spec(tmp_path, reload=True), Features()), monkeypatch)
    assert list(got["reload_dirs"]) == [str(tmp_path)]


def test_explicit_reload_dirs_drop_virtualenvs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "venv").mkdir()
    dirs = (Path("src"), tmp_path / "venv", Path("missing"))
    s = bare_spec(tmp_path, reload=True, reload_dirs=dirs)
    got = uvicorn_kwargs(argv(s, Features()), monkeypatch)
    assert list(got["reload_dirs"]) == [str(tmp_path / "src")]


def test_uvicorn_single_worker_pinned_when_profile_sets_web_concurrency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = bare_spec(tmp_path, env={"WEB_CONCURRENCY": "4"})
    assert uvicorn_kwargs(argv(s, Features.all()), monkeypatch)["workers"] == 1


def test_gunicorn_defaults_parse_to_the_spec(tmp_path: Path) -> None:
    s = bare_spec(tmp_path, kind="gunicorn", port=8124)
    args = argv(s, Features.all())
    assert args[:3] == [str(PY), "-m", "gunicorn"]
    cfg, positional = gunicorn_cfg(args)
    assert positional == ["app.main:app"]
    assert cfg.bind == ["127.0.0.1:8124"]
    assert cfg.worker_class_str == "uvicorn_worker.UvicornWorker"
    assert cfg.workers == 1
    assert cfg.timeout == 30
    assert cfg.graceful_timeout == 10
    assert cfg.keepalive == 5
    assert cfg.loglevel == "info"
    assert cfg.accesslog == "-"  # access log to stdout
    assert cfg.settings["control_socket_disable"].value is True
    assert cfg.max_requests == 0


def test_gunicorn_every_option_reaches_gunicorn(tmp_path: Path) -> None:
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    s = bare_spec(
        tmp_path,
        kind="gunicorn",
        app="app.main:create_app",
        factory=True,
        host="::1",
        port=9002,
        workers=4,
        worker_class="asgi",
        log_level="trace",
        access_log=False,
        timeout=90,
        graceful_timeout=7,
        timeout_keep_alive=3,
        max_requests=500,
        max_requests_jitter=50,
        forwarded_allow_ips="*",
        root_path="/api",
        ssl_keyfile=key,
        ssl_certfile=cert,
    )
    cfg, positional = gunicorn_cfg(argv(s, Features.all()))
    assert positional == ["app.main:create_app()"]  # gunicorn's factory syntax
    assert cfg.bind == ["[::1]:9002"]
    assert cfg.worker_class_str == "asgi"
    assert cfg.workers == 4
    assert cfg.loglevel == "debug"  # gunicorn has no "trace"
    assert cfg.accesslog is None
    assert (cfg.timeout, cfg.graceful_timeout, cfg.keepalive) == (90, 7, 3)
    assert (cfg.max_requests, cfg.max_requests_jitter) == (500, 50)
    assert cfg.forwarded_allow_ips == ["*"]
    assert cfg.settings["root_path"].value == "/api"
    assert (cfg.keyfile, cfg.certfile) == (str(key), str(cert))


def test_gunicorn_asgi_worker_always_gets_a_graceful_timeout(tmp_path: Path) -> None:
    (tmp_path / "gunicorn.conf.py").write_text("graceful_timeout = 99\n")
    args = argv(bare_spec(tmp_path, kind="gunicorn", worker_class="asgi"), Features.all())
    assert args[args.index("--graceful-timeout") + 1] == "10"


def test_gunicorn_flags_follow_the_installed_version(tmp_path: Path) -> None:
    s = bare_spec(tmp_path, kind="gunicorn", root_path="/api")
    old = argv(s, Features())
    assert "--no-control-socket" not in old and "--root-path" not in old
    new = argv(s, Features.all())
    assert "--no-control-socket" in new and "--root-path" in new


def test_gunicorn_config_file_supplies_what_the_user_did_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gunicorn.conf.py").write_text(
        "workers = 3\ntimeout = 120\nkeepalive = 9\nloglevel = 'warning'\nbind = '0.0.0.0:80'\n"
    )
    s = bare_spec(tmp_path, kind="gunicorn", port=8125, graceful_timeout=4)
    args = argv(s, Features.all())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["gunicorn", *args[3:]])
    app = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]")  # gunicorn's real loading order
    cfg = app.cfg
    assert cfg.bind == ["127.0.0.1:8125"]  # always ours: asgideck owns the port
    assert cfg.worker_class_str == "uvicorn_worker.UvicornWorker"
    assert cfg.accesslog == "-"
    assert (cfg.workers, cfg.timeout, cfg.keepalive, cfg.loglevel) == (3, 120, 9, "warning")
    assert cfg.graceful_timeout == 4  # changed in asgideck: wins over the file


def test_explicit_config_file_is_resolved_against_the_root(tmp_path: Path) -> None:
    args = argv(bare_spec(tmp_path, kind="gunicorn", config_file=Path("conf/g.py")), Features.all())
    assert args[args.index("--config") + 1] == str(tmp_path / "conf" / "g.py")


def test_installed_gunicorn_supports_no_control_socket() -> None:
    feats = interpreter_features(PY)
    assert "--no-control-socket" in feats.gunicorn_flags  # gunicorn 27 is installed here


def test_features_read_from_a_virtualenv_on_disk(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    (site / "gunicorn").mkdir(parents=True)
    (site / "gunicorn" / "config.py").write_text('cli = ["--root-path"]\n')
    (site / "watchfiles").mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "bin").mkdir()
    feats = interpreter_features(venv / "bin" / "python")
    assert feats.gunicorn_flags == frozenset({"--root-path"})
    assert feats.has_watchfiles
