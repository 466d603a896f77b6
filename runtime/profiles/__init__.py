"""A project's ``.env`` profiles: the files its own loader reads (pydantic-settings,
starlette ``Config``, python-decouple, environs, python-dotenv), read exactly as that
loader reads them, layered, diffed, and edited in place without losing a byte (nor another program's
write: edits are refused with :class:`EditConflict` rather than overwrite a change to
the same binding, and re-applied on top of changes to others).
"""

from __future__ import annotations

from asgideck.runtime.profiles._disk import Seen, seen
from asgideck.runtime.profiles._edit import (
    MAX_ENV_ENTRY_BYTES,
    EditConflict,
    Expect,
    remove_key,
    set_value,
)
from asgideck.runtime.profiles._profile import (
    Profile,
    ProfileDiff,
    Variable,
    diff_profiles,
    edit_target,
    edit_targets,
    example_file,
    example_keys,
    list_profiles,
    load_profile,
    missing_from_example,
    profile_files,
    profile_layers,
)
from asgideck.runtime.profiles._read import (
    MAX_FILE_BYTES,
    EnvFileError,
    ParseProblem,
    read_env_file,
    read_plain_env_file,
)
from asgideck.runtime.profiles._sources import (
    DOTENV,
    PLAIN,
    EnvLayer,
    EnvSources,
    SettingsConfig,
    env_sources,
)

__all__ = [
    "DOTENV",
    "MAX_ENV_ENTRY_BYTES",
    "MAX_FILE_BYTES",
    "PLAIN",
    "EditConflict",
    "EnvFileError",
    "EnvLayer",
    "EnvSources",
    "Expect",
    "ParseProblem",
    "Profile",
    "ProfileDiff",
    "Seen",
    "SettingsConfig",
    "Variable",
    "diff_profiles",
    "edit_target",
    "edit_targets",
    "env_sources",
    "example_file",
    "example_keys",
    "list_profiles",
    "load_profile",
    "missing_from_example",
    "profile_files",
    "profile_layers",
    "read_env_file",
    "read_plain_env_file",
    "remove_key",
    "seen",
    "set_value",
]
