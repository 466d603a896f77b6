"""The console script's own options: --version, and which folder opens by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck import __version__
from asgideck.gui import entry
from support import SAMPLE_APP


def _sample(folder: Path) -> Path:
    sample = folder / "sample_app"
    (sample / "app").mkdir(parents=True)
    (sample / ".env.development").write_text("DEBUG=true\n")
    (sample / "app" / "main.py").write_text("app = None\n")
    return sample


def test_version_is_printed_before_anything_else(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        entry.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"asgideck {__version__}"
    assert __version__ != "0+unknown"  # the installed distribution's metadata was found


def test_a_checkout_opens_its_own_sample_app() -> None:
    """`make run` and a bare `asgideck` in a checkout edit the repository's sample."""
    assert entry.BUNDLED_SAMPLE.resolve() == SAMPLE_APP.resolve()
    assert entry.default_project() == entry.BUNDLED_SAMPLE


def test_an_installed_sample_opens_as_the_users_copy(tmp_path: Path, _private_state: Path) -> None:
    installed = _sample(tmp_path / "site-packages" / "asgideck")  # no pyproject.toml beside it
    assert not entry.sample_in_checkout(installed)

    opened = entry.default_project(installed)

    assert opened == _private_state / "sample_app"
    assert (opened / ".env.development").read_text() == "DEBUG=true\n"
    assert (opened / "app" / "main.py").is_file()
    assert [p.name for p in opened.parent.iterdir() if p.name.startswith(".")] == []  # no staging


def test_the_users_copy_is_never_overwritten(tmp_path: Path) -> None:
    installed = _sample(tmp_path / "site-packages" / "asgideck")
    copy = entry.default_project(installed)
    (copy / ".env.development").write_text("DEBUG=false\n")
    (installed / ".env.development").write_text("DEBUG=upgraded\n")

    assert entry.default_project(installed) == copy
    assert (copy / ".env.development").read_text() == "DEBUG=false\n"


def test_help_says_where_the_default_project_is(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, _private_state: Path
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")
    monkeypatch.setattr(entry, "sample_in_checkout", lambda sample=None: False)
    with pytest.raises(SystemExit):
        entry.main(["--help"])
    assert str(_private_state / "sample_app") in capsys.readouterr().out
