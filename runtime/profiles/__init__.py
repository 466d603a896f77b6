"""A project's ``.env`` profiles: read exactly as python-dotenv does, layered, diffed,
and edited in place without losing a byte.
"""

from __future__ import annotations

from asgideck.runtime.profiles._edit import remove_key, set_value
from asgideck.runtime.profiles._profile import (
    Profile,
    ProfileDiff,
    Variable,
    diff_profiles,
    edit_target,
    example_file,
    example_keys,
    list_profiles,
    load_profile,
    missing_from_example,
    profile_files,
)
from asgideck.runtime.profiles._read import (
    MAX_FILE_BYTES,
    EnvFileError,
    ParseProblem,
    read_env_file,
)

__all__ = [
    "MAX_FILE_BYTES",
    "EnvFileError",
    "ParseProblem",
    "Profile",
    "ProfileDiff",
    "Variable",
    "diff_profiles",
    "edit_target",
    "example_file",
    "example_keys",
    "list_profiles",
    "load_profile",
    "missing_from_example",
    "profile_files",
    "read_env_file",
    "remove_key",
    "set_value",
]
