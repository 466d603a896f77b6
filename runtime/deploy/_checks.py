"""Each generated file checked with the real tool, before anything is written:

- ``gunicorn.conf.py``: ``gunicorn --check-config`` in the project's interpreter, in the
  project's folder with the profile's variables (it loads the app, as a start would),
  then its worker class loaded the way gunicorn's arbiter loads it;
- nginx: ``nginx -t`` on the file wrapped in a main config whose pid, logs and temp
  folders are all in a private prefix (nothing under ``/var``), compose's service name
  resolved to loopback (nginx resolves upstream hosts while testing);
- compose: the Compose Specification's JSON schema (vendored in ``schemas/``);
- Kubernetes: each document against Kubernetes' published schema (kubernetes-validate,
  strict: an unknown field fails);
- Dockerfile: BuildKit's parser plus the production rules of ``_dockerfile_check``;
- systemd: the unit's syntax, then ``systemd-analyze verify`` where systemd is installed.

The files are checked from a temporary folder, removed afterwards; a tool's output
reaches the result with the profile's secret values masked.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from asgideck.runtime.deploy._compose import NGINX_COMPOSE_CONF
from asgideck.runtime.deploy._dockerfile_check import dockerfile_problems
from asgideck.runtime.deploy._model import CheckResult, GeneratedFile
from asgideck.runtime.deploy._nginx import nginx_main
from asgideck.runtime.deploy._plan import CONTAINER_PORT
from asgideck.runtime.profiles import Profile, load_profile
from asgideck.runtime.project import Project
from asgideck.runtime.secrets import MASK, secret_values

__all__ = [
    "NGINX_CANDIDATES",
    "check",
    "compose_problems",
    "find_nginx",
    "k8s_problems",
    "systemd_problems",
]

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx")
_TIMEOUT = 60.0
#: What a check's process takes from asgideck's environment; the rest is the profile's.
PARENT_ENV_KEYS = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR")


def find_nginx() -> str | None:
    """The nginx binary: on PATH, else where Debian and source builds install it."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((c for c in NGINX_CANDIDATES if os.access(c, os.X_OK)), None)


@cache
def _compose_schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schemas/compose-spec.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def compose_problems(text: str) -> list[str]:
    """Where ``text`` breaks the Compose Specification (``services.app.ports: …``)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [f"not YAML: {exc}"]
    validator = jsonschema.Draft202012Validator(_compose_schema())
    return [
        f"{'.'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    ]


def k8s_problems(text: str, version: str | None = None) -> list[str]:
    """Where the manifests in ``text`` break Kubernetes' schema (strict: no unknown field)."""
    # imported when used: it reads its bundled schemas lazily anyway (no stubs either)
    kubernetes_validate: Any = importlib.import_module("kubernetes_validate")
    utils: Any = importlib.import_module("kubernetes_validate.utils")
    version = version or utils.latest_version()
    problems: list[str] = []
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        return [f"not YAML: {exc}"]
    for document in documents:
        label = f"{document.get('kind', '?')} {document.get('metadata', {}).get('name', '?')}"
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            problems.append(f"{label}: {path}: {exc.message}")
        except (
            kubernetes_validate.SchemaNotFoundError,
            kubernetes_validate.InvalidSchemaError,
        ) as exc:
            problems.append(f"{label}: {exc.message}")
    return problems


_SECTION = re.compile(r"^\[(?P<name>[A-Za-z]+)\]$")


def systemd_problems(text: str) -> list[str]:
    problems: list[str] = []
    section = ""
    keys: dict[str, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        match = _SECTION.match(line)
        if match:
            section = match["name"]
            continue
        key, eq, value = line.partition("=")
        if not eq or not section:
            problems.append(f"line {number}: not Key=Value inside a [Section]")
            continue
        keys.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    exec_start = keys.get("Service.ExecStart", [])
    if len(exec_start) != 1 or not exec_start[0].startswith("/"):
        problems.append("[Service] needs one ExecStart with an absolute path")
    for name in ("Unit.Description", "Install.WantedBy"):
        if name not in keys:
            problems.append(f"missing {name.replace('.', ' ')}")
    kind = keys.get("Service.Type", ["simple"])[-1]
    if kind not in ("simple", "exec", "forking", "oneshot", "dbus", "notify", "idle"):
        problems.append(f"Type={kind} is not a systemd service type")
    return problems


def _masker(env: Mapping[str, str]) -> Callable[[str], str]:
    secrets = secret_values(env)

    def mask(text: str) -> str:
        for value in secrets:
            text = text.replace(value, MASK)
        return text

    return mask


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _run(argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> tuple[bool, str]:
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            env=dict(env),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return False, f"{Path(argv[0]).name} did not finish in {_TIMEOUT:.0f} s"
    except OSError as exc:
        return False, f"{argv[0]}: cannot run ({exc.strerror})"
    return done.returncode == 0, _tail(done.stderr + done.stdout)


#: Loads the config's worker class as gunicorn's arbiter does at start (one line if not).
_WORKER_CHECK = """
import importlib, runpy, sys
name = runpy.run_path(sys.argv[1]).get("worker_class", "sync")
try:
    if isinstance(name, str) and "." in name and not name.startswith("egg:"):
        module, _dot, attr = name.rpartition(".")
        getattr(importlib.import_module(module), attr)
    else:
        from gunicorn.util import load_class
        load_class(name, section="gunicorn.workers")
except Exception as exc:
    print(f"worker_class {name!r} cannot be loaded by this interpreter "
          f"({sys.executable}): {type(exc).__name__}: {str(exc).splitlines()[0]}")
    sys.exit(1)
"""


def _gunicorn(
    file: GeneratedFile, scratch: Path, project: Project, env: dict[str, str]
) -> CheckResult:
    conf = scratch / "gunicorn.conf.py"
    conf.write_text(file.text, encoding="utf-8")
    python = str(project.interpreter.path)
    argv = [python, "-m", "gunicorn", "--check-config", "--config", str(conf)]
    env = dict(env)
    if project.app is not None and project.app.app_dir:
        # gunicorn applies `pythonpath` only when it really starts, after --check-config
        # has already loaded the app: give the check the same import path.
        env["PYTHONPATH"] = str(project.root / project.app.app_dir)
    ok, output = _run(argv, project.root, env)
    if ok:
        # --check-config loads the app but never the worker class, which a start needs
        ok, output = _run([python, "-c", _WORKER_CHECK, str(conf)], project.root, env)
    lines = output.strip().splitlines()
    if not ok and len(lines) > 1:  # a traceback: its last line (the error) goes first
        output = "\n".join([lines[-1], *lines])
    return CheckResult(file.path, "gunicorn --check-config", ok, output)


def _nginx(file: GeneratedFile, scratch: Path) -> CheckResult:
    binary = find_nginx()
    tool = "nginx -t"
    if binary is None:
        return CheckResult(file.path, tool, False, "nginx is not installed (apt install nginx)")
    prefix = scratch / "nginx"
    prefix.mkdir()
    text = file.text
    if file.path.name == NGINX_COMPOSE_CONF:
        # compose's DNS name for the app exists only inside compose's network
        text = text.replace(f"server app:{CONTAINER_PORT}", f"server 127.0.0.1:{CONTAINER_PORT}")
    site = prefix / "site.conf"
    site.write_text(text, encoding="utf-8")
    main = prefix / "nginx.conf"
    main.write_text(nginx_main(prefix, site), encoding="utf-8")
    argv = [
        binary,
        "-t",
        "-q",
        "-p",
        f"{prefix}/",
        "-c",
        str(main),
        "-e",
        str(prefix / "error.log"),
    ]
    env = {k: v for k, v in os.environ.items() if k in PARENT_ENV_KEYS}
    ok, output = _run(argv, prefix, env)
    return CheckResult(file.path, tool, ok, output)


def _systemd(file: GeneratedFile, scratch: Path) -> CheckResult:
    """The unit's syntax, then ``systemd-analyze verify`` on one instance of it where
    systemd is installed. The commands live where the unit will be installed (not here):
    only that complaint is expected, anything else fails."""
    problems = systemd_problems(file.text)
    analyze = shutil.which("systemd-analyze")
    if problems or analyze is None:
        return _listed(file.path, "systemd unit syntax", problems)
    name = file.path.name
    instance = scratch / (name.replace("@.", "@8000.") if "@." in name else name)
    instance.write_text(file.text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k in PARENT_ENV_KEYS}
    _ok, output = _run([analyze, "verify", str(instance)], scratch, env)
    installed = re.compile(r"Command (/\S+) is not executable: No such file or directory")
    left = [
        line
        for line in output.splitlines()
        if line.strip() and not ((m := installed.search(line)) and not Path(m[1]).exists())
    ]
    return CheckResult(file.path, "systemd-analyze verify", not left, "\n".join(left))


def _listed(path: Path, tool: str, problems: list[str]) -> CheckResult:
    return CheckResult(path, tool, not problems, "\n".join(problems))


def check(
    files: Sequence[GeneratedFile], project: Project, profile: Profile | str
) -> list[CheckResult]:
    """One result per checkable file (``.dockerignore`` has no checker)."""
    if isinstance(profile, str):
        profile = load_profile(project.root, profile)
    values = profile.environ()
    env = {k: v for k, v in os.environ.items() if k in PARENT_ENV_KEYS or k.startswith("LC_")}
    env.update(values)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a check leaves nothing in the project
    mask = _masker(values)
    results: list[CheckResult] = []
    done: dict[tuple[str, str, str], CheckResult] = {}
    with tempfile.TemporaryDirectory(prefix="asgideck-deploy-") as folder:
        for number, file in enumerate(files):
            same = done.get((file.kind, file.path.name, file.text))
            if same is not None:  # several targets share a file: check it once
                results.append(same)
                continue
            scratch = Path(folder) / str(number)
            scratch.mkdir()
            if file.kind == "gunicorn":
                result = _gunicorn(file, scratch, project, env)
            elif file.kind == "nginx":
                result = _nginx(file, scratch)
            elif file.kind == "compose":
                result = _listed(file.path, "compose-spec schema", compose_problems(file.text))
            elif file.kind == "k8s":
                result = _listed(file.path, "kubernetes schema", k8s_problems(file.text))
            elif file.kind == "dockerfile":
                problems = dockerfile_problems(file.text)
                result = _listed(file.path, "dockerfile parser", problems)
            elif file.kind == "systemd":
                result = _systemd(file, scratch)
            else:
                continue
            result = CheckResult(result.path, result.tool, result.ok, mask(result.output))
            done[(file.kind, file.path.name, file.text)] = result
            results.append(result)
    return results
