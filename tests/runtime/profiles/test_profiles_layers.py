"""Profiles: which exist, how layers stack, where each value comes from, diffs and templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.profiles import (
    EnvFileError,
    ParseProblem,
    diff_profiles,
    edit_target,
    example_file,
    example_keys,
    list_profiles,
    load_profile,
    missing_from_example,
    profile_files,
    read_env_file,
)


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


BASE = """\
# shared by every profile
APP_NAME=demo
DEBUG=false
DATABASE_URL=sqlite:///./app.db
SECRET_KEY=change-me
"""
DEV = """\
DEBUG=true
"""
PROD = """\
# production
DATABASE_URL=postgresql://app:pw@db/app

SECRET_KEY=${APP_NAME}-0123456789abcdef
WORKERS=4
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return _project(
        tmp_path,
        {
            ".env": BASE,
            ".env.development": DEV,
            ".env.production": PROD,
            ".env.example": "APP_NAME=\nSECRET_KEY=\nSENTRY_DSN=\nWORKERS=\nAPP_NAME=\n",
        },
    )


def test_profiles_are_the_env_name_files_and_templates_are_not(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            ".env": "",
            ".env.production": "",
            ".env.staging": "",
            ".env.dev": "",
            ".env.development": "",
            ".env.example": "",
            ".env.sample": "",
            ".env.template": "",
            ".env.dist": "",
            ".env.production.example": "",
            ".env.production.bak": "",
            ".env.staging~": "",
            "env.production": "",
        },
    )
    (tmp_path / ".env.d").mkdir()
    assert list_profiles(tmp_path) == ["development", "dev", "production", "staging"]


def test_a_lone_env_file_is_the_default_profile(tmp_path: Path) -> None:
    _project(tmp_path, {".env": "A=1\n", ".env.example": "A=\n"})
    assert list_profiles(tmp_path) == ["default"]
    profile = load_profile(tmp_path, "default")
    assert profile.files == (tmp_path / ".env",)
    assert profile.environ() == {"A": "1"}
    assert profile.own_file == tmp_path / ".env"


def test_no_env_files_means_no_profiles(tmp_path: Path) -> None:
    assert list_profiles(tmp_path) == []
    assert list_profiles(tmp_path / "missing") == []
    (tmp_path / ".env").mkdir()  # a virtualenv called .env is not an env file
    assert list_profiles(tmp_path) == []


def test_a_profile_layers_its_file_over_env(project: Path) -> None:
    profile = load_profile(project, "production")
    assert profile.files == (project / ".env", project / ".env.production")
    assert profile_files(project, "production") == list(profile.files)
    assert list(profile.variables) == ["APP_NAME", "DEBUG", "DATABASE_URL", "SECRET_KEY", "WORKERS"]
    assert profile.environ() == {
        "APP_NAME": "demo",
        "DEBUG": "false",
        "DATABASE_URL": "postgresql://app:pw@db/app",
        "SECRET_KEY": "demo-0123456789abcdef",
        "WORKERS": "4",
    }


def test_every_value_knows_its_file_line_and_what_it_overrides(project: Path) -> None:
    profile = load_profile(project, "production")
    secret = profile.variables["SECRET_KEY"]
    assert (secret.origin.file, secret.origin.line) == (project / ".env.production", 4)
    assert secret.raw == "${APP_NAME}-0123456789abcdef"
    assert [(e.file.name, e.line, e.value) for e in secret.overrides] == [(".env", 5, "change-me")]
    app = profile.variables["APP_NAME"]
    assert (app.origin.file.name, app.origin.line, app.overrides) == (".env", 2, ())


def test_a_repeated_key_in_one_file_overrides_the_earlier_line(tmp_path: Path) -> None:
    _project(tmp_path, {".env": "A=1\nA=2\n", ".env.x": "A=3\n"})
    variable = load_profile(tmp_path, "x").variables["A"]
    assert variable.value == "3"
    assert [(e.file.name, e.line) for e in variable.overrides] == [(".env", 1), (".env", 2)]


def test_a_key_without_value_hides_the_lower_layer(tmp_path: Path) -> None:
    _project(tmp_path, {".env": "A=1\n", ".env.x": "A\n"})
    profile = load_profile(tmp_path, "x")
    assert profile.variables["A"].value is None
    assert profile.environ() == {}


def test_secret_values_are_masked_and_names_are_not(project: Path) -> None:
    profile = load_profile(project, "production")
    assert profile.variables["SECRET_KEY"].secret
    assert profile.variables["SECRET_KEY"].masked == "****"
    assert profile.variables["DATABASE_URL"].masked == "postgresql://app:****@db/app"
    assert profile.variables["APP_NAME"].masked == "demo"


def test_unknown_profile_names_the_known_ones(project: Path) -> None:
    with pytest.raises(EnvFileError) as caught:
        load_profile(project, "staging")
    assert "staging" in str(caught.value)
    assert "development, production" in str(caught.value)
    with pytest.raises(EnvFileError, match="template"):
        load_profile(project, "example")
    with pytest.raises(EnvFileError, match="no profile"):
        load_profile(project, "../outside")


def test_unparsable_lines_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"A=1\r\n\r\n\r\nnot a binding\r\nB: yaml style\r\n\r\nC=3\r\n")
    env_file = read_env_file(path)
    assert [(e.key, e.line) for e in env_file.entries] == [("A", 1), ("C", 7)]
    assert [str(p) for p in env_file.problems] == [
        f"{path}:4: cannot parse 'not a binding'",
        f"{path}:5: cannot parse 'B: yaml style'",
    ]
    assert load_profile(tmp_path, "default").problems == env_file.problems


def test_line_numbers_count_multiline_values(tmp_path: Path) -> None:
    path = _project(tmp_path, {".env": "A=\"one\ntwo\nthree\"\n# c\nB=1\n'q'=2\n"}) / ".env"
    assert [(e.key, e.line) for e in read_env_file(path).entries] == [
        ("A", 1),
        ("B", 5),
        ("q", 6),
    ]


def test_a_problem_reads_file_line_cannot_parse() -> None:
    problem = ParseProblem(Path("/p/.env"), 3, "x" * 20)
    assert str(problem) == "/p/.env:3: cannot parse 'xxxxxxxxxxxxxxxxxxxx'"


def test_problem_text_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("bad " + "y" * 500 + "\n")
    (problem,) = read_env_file(path).problems
    assert len(problem.text) <= 60
    assert problem.text.startswith("bad yyy")


def test_diff_two_profiles(project: Path) -> None:
    diff = diff_profiles(load_profile(project, "development"), load_profile(project, "production"))
    assert (diff.a, diff.b) == ("development", "production")
    assert diff.only_a == ()
    assert diff.only_b == ("WORKERS",)
    assert diff.different == ("DEBUG", "DATABASE_URL", "SECRET_KEY")
    assert diff.same == ("APP_NAME",)


def test_template_keys_missing_from_a_profile(project: Path) -> None:
    assert example_file(project) == project / ".env.example"
    assert example_keys(project) == ["APP_NAME", "SECRET_KEY", "SENTRY_DSN", "WORKERS"]
    assert missing_from_example(project, load_profile(project, "development")) == [
        "SENTRY_DSN",
        "WORKERS",
    ]
    assert missing_from_example(project, load_profile(project, "production")) == ["SENTRY_DSN"]


def test_other_template_names_and_no_template(tmp_path: Path) -> None:
    _project(tmp_path, {".env": "A=1\n"})
    assert example_keys(tmp_path) == []
    assert missing_from_example(tmp_path, load_profile(tmp_path, "default")) == []
    _project(tmp_path, {".env.dist": "A=\nB=\n"})
    assert example_keys(tmp_path) == ["A", "B"]


def test_edits_go_where_the_effective_value_comes_from(project: Path) -> None:
    production = load_profile(project, "production")
    assert edit_target(production, "SECRET_KEY") == project / ".env.production"
    assert edit_target(production, "APP_NAME") == project / ".env"
    assert edit_target(production, "BRAND_NEW") == project / ".env.production"
    (project / ".env.production").unlink()
    (project / ".env.development").unlink()
    default = load_profile(project, "default")
    assert edit_target(default, "BRAND_NEW") == project / ".env"
