"""The wheel works with no checkout beside it (what `pipx install .` / `uv tool install .` do).

Build the wheel from a copy of the source, install it into a fresh venv in a temp
folder, and run the console script from there. The new venv borrows the project's
*dependencies* from this suite's venv through a ``.pth`` line (installing PySide6
again would take minutes); ``asgideck`` itself comes only from the wheel, which the
first test proves.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import REPO
from support.files import png_size

pytestmark = pytest.mark.integration

BUILD_TIMEOUT_S = 300
RUN_TIMEOUT_S = 120


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path
    site_packages: Path
    home: Path  # ASGIDECK_HOME for every command run from the venv
    work: Path  # cwd for those commands: outside the checkout
    source_files: tuple[str, ...]  # what the wheel was built from, relative to the repo

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        return {
            **env,
            "ASGIDECK_HOME": str(self.home),
            "PATH": f"{self.bin}{os.pathsep}{env['PATH']}",
        }

    def run(self, command: str, *args: str, **env: str) -> str:
        """Run ``command`` from the venv's bin/, outside the checkout; its checked stdout."""
        return _run(self.bin / command, *args, cwd=self.work, env={**self.env, **env})


def _run(
    *args: str | Path,
    timeout: float = RUN_TIMEOUT_S,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run one step; fail with its output when it fails, else return its stdout."""
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _source_files() -> list[str]:
    """What a clean clone would hold, plus files not committed yet (minus the ignored ones)."""
    listed = _run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    return sorted(name for name in listed.split("\0") if name and (REPO / name).is_file())


def _build_wheel(files: list[str], root: Path) -> Path:
    """Build from a copy, so the build's build/ and egg-info folders stay out of the repo."""
    source = root / "src"
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    dist = root / "dist"
    pip = (sys.executable, "-m", "pip")
    _run(*pip, "wheel", "--no-deps", "--quiet", "-w", dist, source, timeout=BUILD_TIMEOUT_S)
    (wheel,) = dist.glob("asgideck-*.whl")
    return wheel


def _venv_with_our_dependencies(venv: Path) -> Path:
    """A fresh venv that sees this suite's dependencies but no asgideck; its site-packages."""
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = Path(_run(venv / "bin" / "python", "-I", "-c", code).strip())
    # A plain path line: the folder joins sys.path *after* the venv's own site-packages,
    # and the .pth files in it (the editable install's finder) are not run.
    deps = sysconfig.get_paths()["purelib"]
    (site_packages / "asgideck-test-deps.pth").write_text(f"{deps}\n")
    return site_packages


@pytest.fixture(scope="module")
def installed() -> Iterator[Installed]:
    with tempfile.TemporaryDirectory(prefix="asgideck-wheel-") as tmp:
        root = Path(tmp)
        files = _source_files()
        wheel = _build_wheel(files, root)
        venv = root / "venv"
        site_packages = _venv_with_our_dependencies(venv)
        pip = (venv / "bin" / "python", "-m", "pip")  # this suite's pip, through the .pth
        _run(*pip, "install", "--no-deps", "--no-index", "--quiet", wheel, timeout=BUILD_TIMEOUT_S)
        work = root / "work"
        work.mkdir()
        yield Installed(wheel, venv / "bin", site_packages, root / "home", work, tuple(files))


def _tree(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def test_asgideck_comes_from_the_wheel_not_the_checkout(installed: Installed) -> None:
    code = "import asgideck, asgideck.gui.entry as e; print(asgideck.__file__); print(e.__file__)"
    for line in installed.run("python", "-I", "-c", code).split():
        assert Path(line).is_relative_to(installed.site_packages), line


def test_site_packages_holds_asgideck_and_no_bare_runtime_or_gui(installed: Installed) -> None:
    top = {p.name for p in installed.site_packages.iterdir()}
    assert "asgideck" in top
    assert not {"runtime", "gui", "resources", "sample_app"} & top


def test_the_wheel_ships_the_stylesheet_icons_and_the_whole_sample(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    icons = sorted(p.name for p in (REPO / "resources" / "icons").glob("*.svg"))
    assert icons, "no icons in the checkout to compare with"
    assert "asgideck/resources/style.qss" in names
    assert {f"asgideck/resources/icons/{name}" for name in icons} <= names
    assert "asgideck/sample_app/.env.development" in names
    sample = [
        n.removeprefix("sample_app/") for n in installed.source_files if n.startswith("sample_app/")
    ]
    assert _tree(installed.site_packages / "asgideck" / "sample_app") == sorted(sample)


def test_version(installed: Installed) -> None:
    with (REPO / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    assert installed.run("asgideck", "--version").strip() == f"asgideck {version}"
    assert (
        installed.run("python", "-I", "-m", "asgideck", "--version").strip()
        == f"asgideck {version}"
    )


def test_profiles_of_the_bundled_sample(installed: Installed) -> None:
    sample = installed.site_packages / "asgideck" / "sample_app"
    out = installed.run("asgideck", "profiles", str(sample))
    assert "development" in out and "production" in out


def test_screenshot_opens_a_copy_of_the_sample_not_site_packages(installed: Installed) -> None:
    shot = installed.work / "shot.png"
    sample = installed.site_packages / "asgideck" / "sample_app"
    before = _tree(sample)
    installed.run("asgideck", "--screenshot", str(shot), QT_QPA_PLATFORM="offscreen")
    width, height = png_size(shot)
    assert width >= 600 and height >= 600, (width, height)
    assert _tree(installed.home / "sample_app") == before  # the user's own copy ...
    assert _tree(sample) == before  # ... and nothing written into site-packages
    help_text = installed.run("asgideck", "--help", COLUMNS="1000")
    assert str(installed.home / "sample_app") in help_text
