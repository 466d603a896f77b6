"""Turn a plan into the files of one target, each with the text already in the project
(for the preview's diff and for :func:`write`'s "changed since" check)."""

from __future__ import annotations

from pathlib import Path

from asgideck.runtime.deploy._compose import NGINX_COMPOSE_CONF, compose_file, compose_nginx
from asgideck.runtime.deploy._docker import dockerfile, dockerignore
from asgideck.runtime.deploy._gunicorn import CONF_NAME, gunicorn_conf
from asgideck.runtime.deploy._kubernetes import manifests
from asgideck.runtime.deploy._model import TARGETS, DeployError, FileKind, GeneratedFile, Target
from asgideck.runtime.deploy._nginx import nginx_site
from asgideck.runtime.deploy._plan import DeployPlan, plan_deploy
from asgideck.runtime.deploy._systemd import systemd_unit, unit_name
from asgideck.runtime.inspect import AppInfo
from asgideck.runtime.profiles import Profile
from asgideck.runtime.project import Project
from asgideck.runtime.servers import LaunchConfig

__all__ = ["generate", "read_existing", "render"]

_MAX_PORT = 65535


def read_existing(root: Path, path: Path) -> str | None:
    """The file's text as it is now (bytes kept: undecodable ones as surrogates), or None."""
    try:
        return (root / path).read_bytes().decode("utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None
    except IsADirectoryError as exc:
        raise DeployError(f"{root / path}: is a folder, a file is generated there") from exc
    except OSError as exc:
        raise DeployError(f"{root / path}: cannot be read ({exc.strerror})") from exc


def _file(plan: DeployPlan, path: str, text: str, kind: FileKind, *notes: str) -> GeneratedFile:
    relative = Path(path)
    return GeneratedFile(relative, text, read_existing(plan.root, relative), kind, tuple(notes))


def _server_notes(plan: DeployPlan) -> list[str]:
    notes = list(plan.notes)
    missing = plan.missing_server_packages()
    if missing:
        notes.append(
            f"{', '.join(missing)}: not in the project's dependencies "
            f"({', '.join(plan.dependencies.files) or 'none found'}); add "
            f"{'them' if len(missing) > 1 else 'it'} so the version is pinned"
        )
    return notes


def render(plan: DeployPlan, target: Target) -> list[GeneratedFile]:
    """The files of ``target`` for ``plan`` (nothing is written)."""
    last = plan.port + plan.instances - 1
    if target in ("nginx", "systemd") and last > _MAX_PORT:
        raise DeployError(
            f"instances: {plan.instances} from port {plan.port} would need port {last} "
            f"(the highest is {_MAX_PORT}): use fewer instances or a lower port"
        )
    notes = _server_notes(plan)
    gunicorn = _file(plan, CONF_NAME, gunicorn_conf(plan), "gunicorn", *notes)
    if target == "gunicorn":
        return [gunicorn]
    if target == "docker":
        docker_notes = list(notes)
        if plan.health is None:
            docker_notes.append("no health route found: the image has no HEALTHCHECK")
        if plan.dependencies.tool in ("pyproject", "none"):
            docker_notes.append("no lock or requirements file: versions resolve at build time")
        files = [
            _file(plan, "Dockerfile", dockerfile(plan), "dockerfile", *docker_notes),
            _file(plan, ".dockerignore", dockerignore(plan), "dockerignore"),
        ]
        return files + ([gunicorn] if plan.kind == "gunicorn" else [])
    if target == "compose":
        return [
            _file(plan, "compose.yaml", compose_file(plan), "compose", *plan.notes),
            _file(plan, NGINX_COMPOSE_CONF, compose_nginx(plan), "nginx"),
        ]
    if target == "nginx":
        servers = [f"127.0.0.1:{plan.port + i}" for i in range(plan.instances)]
        return [_file(plan, "nginx.conf", nginx_site(plan, servers), "nginx")]
    if target == "systemd":
        unit_notes = list(notes)
        if plan.interpolated:
            unit_notes.append(
                f"{', '.join(plan.interpolated)} use ${{…}}, which systemd's EnvironmentFile "
                "does not expand: write the value out in the copy under /etc"
            )
        unit = _file(plan, f"systemd/{unit_name(plan)}", systemd_unit(plan), "systemd", *unit_notes)
        return [unit] + ([gunicorn] if plan.kind == "gunicorn" else [])
    if target == "k8s":
        return [
            _file(plan, f"k8s/{name}", text, "k8s", *file_notes)
            for name, (text, file_notes) in manifests(plan).items()
        ]
    raise DeployError(f"target: {target!r} is not one of {', '.join(TARGETS)}")


def generate(
    project: Project,
    profile: Profile | str,
    config: LaunchConfig,
    target: Target,
    instances: int = 1,
    *,
    app: AppInfo | None = None,
) -> list[GeneratedFile]:
    """Preview ``target``'s files for ``project`` under ``profile`` and ``config`` (the
    inspected ``app`` is looked up when not given: pass it to generate several targets)."""
    return render(plan_deploy(project, profile, config, instances, app=app), target)
