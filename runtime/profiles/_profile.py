"""A project's ``.env`` profiles: read, layer, diff and edit them without losing a byte.

Which files, in which order and parsed how, follows the project's own loader (see
``_sources``): a file a settings class loads is a layer even when it is called
``.env.template``; the last of the loader's files (``.env`` by default) is the one
profiles vary. The rule: profile ``NAME`` is the loader's files with ``.env.NAME``
(or ``NAME.env``, beside that last file) layered on top; a
later binding wins (a later file over an earlier one, a later line over an
earlier line), exactly as if the files were concatenated. A project without
any ``.env.NAME`` but with a ``.env`` has one profile, ``default`` (``.env``
alone). ``.env.example``, ``.env.sample``, ``.env.template`` and ``.env.dist``
(also ``.env.NAME.example`` …) are templates, never profiles.

Files are parsed by python-dotenv's own parser, so a value here is the value
``dotenv_values`` gives, including ``${VAR}`` / ``${VAR:-default}``
interpolation (python-dotenv interpolates single-quoted values too). One
deliberate difference: a variable resolves against the profile only (earlier
lines and lower layers), never against the shell environment of whoever runs
asgideck, so a profile is exactly what its files say. A bare ``KEY`` (no
``=``) has no value: it hides a lower layer's value and is left out of
:meth:`Profile.environ`. Lines python-dotenv
silently skips are kept as :class:`ParseProblem` (``file:line: cannot parse …``).

Reading one file lives in ``_read``, in-place edits in ``_edit``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dotenv.variables import parse_variables

from asgideck.runtime.profiles._read import (
    EnvEntry,
    EnvFile,
    EnvFileError,
    ParseProblem,
    read_env_file,
    read_plain_env_file,
)
from asgideck.runtime.profiles._sources import DOTENV, EnvLayer, EnvSources, env_sources
from asgideck.runtime.secrets import is_secret_key, is_secret_value, mask_value

__all__ = [
    "TEMPLATE_NAMES",
    "Profile",
    "ProfileDiff",
    "Variable",
    "diff_profiles",
    "edit_target",
    "edit_targets",
    "example_file",
    "example_keys",
    "list_profiles",
    "load_profile",
    "missing_from_example",
    "profile_files",
    "profile_layers",
]

TEMPLATE_NAMES = ("example", "sample", "template", "dist")
DEFAULT_PROFILE = "default"
_BACKUP_SUFFIXES = ("bak", "orig", "old", "save", "swp", "tmp", "rej")
_FIRST_PROFILES = ("development", "dev")


@dataclass(frozen=True)
class Variable:
    """A key's effective (interpolated) value, where it comes from and what it hides."""

    key: str
    value: str | None
    origin: EnvEntry
    overrides: tuple[EnvEntry, ...]

    @property
    def raw(self) -> str | None:
        """The value as written in its file, before interpolation."""
        return self.origin.value

    @property
    def secret(self) -> bool:
        """Hidden unless revealed: by its name, or because the value is shaped like a key."""
        return is_secret_key(self.key) or is_secret_value(self.value or "")

    @property
    def masked(self) -> str:
        return mask_value(self.key, self.value)


@dataclass(frozen=True)
class Profile:
    """A profile's layers (lowest first, each with why it is read), its variables as the
    project's loader gives them, and the file where new keys go (``own_file``)."""

    name: str
    root: Path
    files: tuple[Path, ...]
    variables: dict[str, Variable]
    problems: tuple[ParseProblem, ...]
    own_file: Path
    layers: tuple[EnvLayer, ...] = ()
    sources: EnvSources | None = None

    def environ(self) -> dict[str, str]:
        """The environment this profile gives a process (keys without a value left out)."""
        return {k: v.value for k, v in self.variables.items() if v.value is not None}


@dataclass(frozen=True)
class ProfileDiff:
    a: str
    b: str
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    different: tuple[str, ...]
    same: tuple[str, ...]


# --- profiles --------------------------------------------------------------------------


def _is_profile_name(name: str) -> bool:
    if not name or name.endswith("~"):
        return False
    parts = name.lower().split(".")
    return not (set(parts) & set(TEMPLATE_NAMES)) and parts[-1] not in _BACKUP_SUFFIXES


def _profile_order(name: str) -> tuple[int, str]:
    rank = _FIRST_PROFILES.index(name) if name in _FIRST_PROFILES else len(_FIRST_PROFILES)
    return rank, name


def _variants(sources: EnvSources) -> dict[str, Path]:
    """Profile name -> its own file: ``.env.NAME`` and ``NAME.env`` beside the loader's
    last file (``.env.NAME`` wins when both exist)."""
    if not sources.variants:
        return {}
    primary = sources.primary
    try:
        children = sorted(primary.parent.iterdir())
    except OSError:
        return {}
    layered = {layer.path for layer in sources.layers}
    found: dict[str, Path] = {}
    for child in children:
        if child in layered or not _present(child):
            continue
        name = child.name
        if name.startswith(".env."):
            profile = name[len(".env.") :]
        elif name.endswith(".env") and len(name) > len(".env") and not name.startswith("."):
            profile = name[: -len(".env")]
            if profile in found or "." in profile:
                continue
        else:
            continue
        if _is_profile_name(profile):
            found[profile] = child
    return found


def list_profiles(root: Path) -> list[str]:
    """Profile names from ``.env.NAME``/``NAME.env`` files; ``["default"]`` when there are
    none but a file the project loads (``.env`` by default) is there."""
    sources = env_sources(root)
    names = list(_variants(sources))
    if not names and any(_present(layer.path) for layer in sources.layers):
        return [DEFAULT_PROFILE]
    return sorted(names, key=_profile_order)


def profile_layers(root: Path, name: str) -> list[EnvLayer]:
    """The layers of profile ``name`` that exist, lowest first, each with why it is read."""
    sources = env_sources(root)
    layers = [layer for layer in sources.layers if _present(layer.path)]
    if name != DEFAULT_PROFILE:
        own = _variants(sources).get(name)
        if own is not None:
            base = _shown(sources.primary, root)
            layers.append(EnvLayer(own, f"profile {name!r}: layered over {base}"))
    return layers


def profile_files(root: Path, name: str) -> list[Path]:
    """The layers of profile ``name`` that exist, lowest first."""
    return [layer.path for layer in profile_layers(root, name)]


def _shown(path: Path, root: Path) -> str:
    return os.path.relpath(path, root.resolve())


def _present(path: Path) -> bool:
    """An env file is there: a file, a dangling link or a FIFO is reported by read_env_file
    rather than left out; a directory (often a virtualenv called `.env`) never is one."""
    return not path.is_dir() and (path.exists() or path.is_symlink())


def _layer(files: Iterable[EnvFile], *, interpolate: bool = True) -> dict[str, Variable]:
    resolved: dict[str, str | None] = {}
    variables: dict[str, Variable] = {}
    for env_file in files:
        for entry in env_file.entries:
            value = entry.value
            if value is not None and interpolate:
                # Resolve before binding the key: `A=${A}` refers to the earlier A.
                value = "".join(atom.resolve(resolved) for atom in parse_variables(value))
            resolved[entry.key] = value
            earlier = variables.get(entry.key)
            hidden = () if earlier is None else (*earlier.overrides, earlier.origin)
            variables[entry.key] = Variable(entry.key, value, entry, hidden)
    return variables


def load_profile(root: Path, name: str) -> Profile:
    """Read and layer profile ``name`` of the project whose app runs in ``root``."""
    sources = env_sources(root)
    variants = _variants(sources)
    own = sources.primary if name == DEFAULT_PROFILE else variants.get(name)
    known = list_profiles(root)
    present = any(_present(layer.path) for layer in sources.layers)
    if own is None or "/" in name or os.sep in name or (name == DEFAULT_PROFILE and not present):
        listed = ", ".join(known) if known else "none: no .env or .env.NAME files"
        shown = own if own is not None else sources.primary.parent / f".env.{name}"
        if name in TEMPLATE_NAMES:
            raise EnvFileError(shown, f"is a template, not a profile (known profiles: {listed})")
        raise EnvFileError(shown, f"no profile {name!r} here (known profiles: {listed})")
    layers = profile_layers(root, name)
    reader = read_env_file if sources.dialect == DOTENV else read_plain_env_file
    files = [reader(layer.path) for layer in layers]
    return Profile(
        name=name,
        root=root,
        files=tuple(f.path for f in files),
        variables=_layer(files, interpolate=sources.dialect == DOTENV),
        problems=tuple(p for f in files for p in f.problems),
        own_file=own,
        layers=tuple(layers),
        sources=sources,
    )


def diff_profiles(a: Profile, b: Profile) -> ProfileDiff:
    """Keys only in A, only in B, and in both with different or equal effective values."""
    only_a = tuple(k for k in a.variables if k not in b.variables)
    only_b = tuple(k for k in b.variables if k not in a.variables)
    shared = [k for k in a.variables if k in b.variables]
    different = tuple(k for k in shared if a.variables[k].value != b.variables[k].value)
    same = tuple(k for k in shared if a.variables[k].value == b.variables[k].value)
    return ProfileDiff(a.name, b.name, only_a, only_b, different, same)


def example_file(root: Path) -> Path | None:
    """The project's template (``.env.example``, ``.env.sample``, …) beside the file
    profiles vary, if it has one that the project does not load as a layer."""
    sources = env_sources(root)
    layered = {layer.path for layer in sources.layers}
    for folder in dict.fromkeys((sources.primary.parent, root)):
        for name in TEMPLATE_NAMES:
            path = folder / f".env.{name}"
            if path.is_file() and path not in layered:
                return path
    return None


def example_keys(root: Path) -> list[str]:
    """Keys the template declares, in file order; [] without a template."""
    path = example_file(root)
    if path is None:
        return []
    return list(dict.fromkeys(entry.key for entry in read_env_file(path).entries))


def missing_from_example(root: Path, profile: Profile) -> list[str]:
    """Template keys the profile does not give a value."""
    environ = profile.environ()
    return [key for key in example_keys(root) if key not in environ]


def edit_target(profile: Profile, key: str) -> Path:
    """Where an edit of ``key`` belongs: the file its effective value comes from, else
    the profile's own file."""
    variable = profile.variables.get(key)
    return variable.origin.file if variable is not None else profile.own_file


def edit_targets(profile: Profile, key: str) -> list[Path]:
    """The files an edit of ``key`` may go to and still be what this profile reads.

    An existing key: the file its value comes from first (:func:`edit_target`, the
    default), then the layers above it, the profile's own file last; writing the
    profile's own file instead of a shared base gives only this profile the new value.
    A new key: the profile's own file first, then the layers below it (shared with
    other profiles), highest first.
    """
    files = list(profile.files)
    if profile.own_file not in files:
        files.append(profile.own_file)
    variable = profile.variables.get(key)
    if variable is None:
        return [profile.own_file, *(p for p in reversed(files) if p != profile.own_file)]
    origin = variable.origin.file
    above = files[files.index(origin) + 1 :] if origin in files else []
    return list(dict.fromkeys([origin, *above]))
