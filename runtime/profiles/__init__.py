"""A project's ``.env`` profiles: the files its own loader reads (pydantic-settings,
starlette ``Config``, python-decouple, environs, python-dotenv), read exactly as that
loader reads them, layered, diffed, and edited in place without losing a byte (nor another program's
write: edits are refused with :class:`EditConflict` rather than overwrite a change to
the same binding, and re-applied on top of changes to others).

The names are loaded on first use (PEP 562): opening a project lists and reads
profiles without importing the editor (edits, snapshots, safe replacement).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgideck.runtime._lazy import lazy_exports

if TYPE_CHECKING:
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

#: where each public name lives (the private module in this package)
_HOME: dict[str, str] = {
    "DOTENV": "_sources",
    "MAX_ENV_ENTRY_BYTES": "_edit",
    "MAX_FILE_BYTES": "_read",
    "PLAIN": "_sources",
    "EditConflict": "_edit",
    "EnvFileError": "_read",
    "EnvLayer": "_sources",
    "EnvSources": "_sources",
    "Expect": "_edit",
    "ParseProblem": "_read",
    "Profile": "_profile",
    "ProfileDiff": "_profile",
    "Seen": "_disk",
    "SettingsConfig": "_sources",
    "Variable": "_profile",
    "diff_profiles": "_profile",
    "edit_target": "_profile",
    "edit_targets": "_profile",
    "env_sources": "_sources",
    "example_file": "_profile",
    "example_keys": "_profile",
    "list_profiles": "_profile",
    "load_profile": "_profile",
    "missing_from_example": "_profile",
    "profile_files": "_profile",
    "profile_layers": "_profile",
    "read_env_file": "_read",
    "read_plain_env_file": "_read",
    "remove_key": "_edit",
    "seen": "_disk",
    "set_value": "_edit",
}


__getattr__, __dir__ = lazy_exports(globals(), _HOME)
