"""The open project and its selected profile: the state every view shows.

All methods run on the caller's thread and events fire synchronously there.
``validate`` starts a subprocess, so the GUI calls it from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from asgideck.runtime.events import Event
from asgideck.runtime.inspect._checks import Finding, readiness_findings
from asgideck.runtime.inspect._settings import SettingsReport, validate_settings
from asgideck.runtime.profiles import (
    EnvFileError,
    Expect,
    Profile,
    edit_target,
    list_profiles,
    load_profile,
    remove_key,
    set_value,
)
from asgideck.runtime.project import Project, open_project
from asgideck.runtime.servers import ServerFacts


@dataclass(frozen=True)
class Validation:
    """What the project's own settings classes and the readiness rules say of a profile."""

    profile: str
    settings: SettingsReport
    findings: tuple[Finding, ...]


class ProjectSession:
    def __init__(self, project: Project, profile: str | None = None) -> None:
        self.project = project
        self.profile_changed: Event[Profile | None] = Event()
        self.profile: Profile | None = None
        self.profile_error: str | None = None
        names = self.profile_names
        if names:
            self.select_profile(profile if profile in names else names[0])

    @classmethod
    def open(
        cls, path: Path | str, *, python: str | None = None, profile: str | None = None
    ) -> ProjectSession:
        return cls(open_project(path, python=python), profile)

    @property
    def root(self) -> Path:
        return self.project.root

    @property
    def profile_names(self) -> list[str]:
        return list_profiles(self.project.root)

    def select_profile(self, name: str) -> Profile | None:
        """Load ``name``; a file that cannot be read leaves ``profile_error`` set."""
        try:
            self.profile = load_profile(self.project.root, name)
            self.profile_error = None
        except EnvFileError as exc:
            self.profile = None
            self.profile_error = str(exc)
        self.profile_changed.emit(self.profile)
        return self.profile

    def reload(self) -> None:
        """Re-read the env files (they may have been edited outside asgideck)."""
        name = self.profile.name if self.profile else None
        names = self.profile_names
        if name not in names:
            name = names[0] if names else None
        if name is None:
            self.profile = None
            self.profile_changed.emit(None)
        else:
            self.select_profile(name)

    def load(self, name: str) -> Profile:
        """Another profile, e.g. the other side of a diff; raises EnvFileError."""
        return load_profile(self.project.root, name)

    def set_value(
        self, key: str, value: str, *, expected: str | Expect | None = Expect.ANY
    ) -> Path:
        """Write ``key`` into the file its effective value comes from, then reload.

        ``expected``: the value the user saw (``Variable.raw``, ``Expect.ABSENT`` for a new
        key); if the file says something else now, EditConflict is raised (the profile is
        reloaded either way, so views show the file as it is).
        """
        profile = self._require_profile()
        target = edit_target(profile, key)
        dialect = profile.sources.dialect if profile.sources is not None else "dotenv"
        try:
            set_value(target, key, value, expected=expected, dialect=dialect)
        finally:
            self.select_profile(profile.name)
        return target

    def remove_key(self, key: str) -> Path:
        profile = self._require_profile()
        target = edit_target(profile, key)
        remove_key(target, key)
        self.select_profile(profile.name)
        return target

    def validate(
        self, profile: Profile | None = None, server: ServerFacts | None = None
    ) -> Validation:
        """Slow (runs the project's interpreter): call it off the GUI thread.

        ``server`` adds the launch rules (reload on, a single worker) for that config.
        """
        profile = profile or self._require_profile()
        report = validate_settings(self.project, profile)
        findings = tuple(readiness_findings(profile, report, server))
        return Validation(profile.name, report, findings)

    def _require_profile(self) -> Profile:
        if self.profile is None:
            reason = (
                f"no profile is loaded ({self.profile_error})"
                if self.profile_error
                else "no profile"
            )
            raise EnvFileError(self.root, reason)
        return self.profile
