"""Before-start tasks (#12 item 4): commands a server's start runs first, in order, with
the profile's environment and the project's interpreter; their output is in the server's
log, a failure stops the start, a stop ends the task's whole tree."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.project import Project, open_project
from asgideck.runtime.secrets import MASK
from asgideck.runtime.servers import (
    ConfigError,
    LaunchConfig,
    ServerManager,
    StateChanged,
    TaskCancelled,
    TaskFailed,
    configs_path,
    free_port,
    load_configs,
    run_tasks,
    save_configs,
    suggest_tasks,
)
from asgideck.runtime.servers._tasks import task_argv, task_env
from support.projects import copy_project, make_venv
from support.servers import live, wait_until

FIXTURE = "tasks_prestart"
SECRET = "tasks-fixture-secret-value-9f8e7d"  # the fixture profile's SECRET_KEY


def make_project(tmp_path: Path) -> Project:
    """The fixture backend with its own venv: a module only that venv has, and a stand-in
    ``alembic`` console script in the venv's bin folder (its python on the first line)."""
    root = copy_project(FIXTURE, tmp_path)
    python = make_venv(root / ".venv", only_here=["tasks_only_here"])
    script = root / "tools" / "alembic"
    body = script.read_text(encoding="utf-8").split("\n", 1)[1]
    tool = python.parent / "alembic"
    tool.write_text(f"#!{python}\n{body}", encoding="utf-8")
    tool.chmod(0o755)
    project = open_project(root)
    assert project.interpreter.path == python, project.interpreter
    return project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


def profile_env(project: Project) -> dict[str, str]:
    from asgideck.runtime.profiles import load_profile

    return load_profile(project.root, "default").environ()


def texts(buffer: LogBuffer) -> list[str]:
    return [line.text for line in buffer.snapshot()]


# ----------------------------------------------------------------- configs


def test_a_saved_config_without_tasks_still_loads_and_tasks_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    path = configs_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    old = {"name": "dev", "profile": "development", "kind": "uvicorn", "port": 8000}
    path.write_text(json.dumps({"root": str(root), "servers": [old]}), encoding="utf-8")
    (loaded,) = load_configs(root, ["development"])
    assert loaded.tasks == ()
    tasks = ("alembic upgrade head", "bash scripts/prestart.sh", "python seed.py --n 'two words'")
    save_configs(root, [LaunchConfig("dev", "development", tasks=tasks)])
    assert json.loads(path.read_text())["servers"][0]["tasks"] == list(tasks)
    (again,) = load_configs(root, ["development"])
    assert again.tasks == tasks
    assert "3 before-start tasks" in again.describe()


@pytest.mark.parametrize(
    "tasks",
    [("python -c 'unclosed",), ("",), ("   ",), "alembic upgrade head", (3,)],
)
def test_a_task_that_cannot_be_read_names_the_field(tasks: object) -> None:
    with pytest.raises(ConfigError, match=r"^tasks:"):
        LaunchConfig("dev", "development", tasks=tasks)  # type: ignore[arg-type]


# ----------------------------------------------------------------- suggestions


def test_suggestions_follow_the_projects_layout(tmp_path: Path) -> None:
    backend = copy_project(FIXTURE, tmp_path)  # the template's backend/, opened itself
    assert suggest_tasks(backend) == ["bash scripts/prestart.sh", "alembic upgrade head"]

    top = tmp_path / "template"  # the template opened at its top: backend/ one level down
    top.mkdir()
    backend.rename(top / "backend")
    (top / "frontend").mkdir()
    (top / "frontend" / "package.json").write_text("{}")
    assert suggest_tasks(top) == [
        "bash -c 'cd backend && bash scripts/prestart.sh'",
        "bash -c 'cd backend && alembic upgrade head'",
    ]

    docker_style = tmp_path / "image"  # tiangolo's uvicorn-gunicorn images: /app/prestart.sh
    docker_style.mkdir()
    (docker_style / "prestart.sh").write_text("echo hi\n")
    (docker_style / "scripts").mkdir()
    (docker_style / "scripts" / "prestart_seed.py").write_text("print('seed')\n")
    assert suggest_tasks(docker_style) == ["bash prestart.sh", "python scripts/prestart_seed.py"]

    bare = tmp_path / "bare"
    bare.mkdir()
    assert suggest_tasks(bare) == []


# ----------------------------------------------------------------- running


def test_python_and_console_scripts_are_the_projects(project: Project) -> None:
    python = project.interpreter.path
    env = task_env(python, {"PATH": "/usr/bin:/bin", "APP_DB": "x"}, parent={"PATH": "/x"})
    assert env["PATH"].split(":")[0] == str(python.parent)
    assert env["VIRTUAL_ENV"] == str(python.parent.parent)
    assert env["APP_DB"] == "x" and env["PYTHONUNBUFFERED"] == "1"
    path = env["PATH"]
    assert task_argv("python -m x", python, project.root, path)[0] == str(python)
    assert task_argv("alembic upgrade head", python, project.root, path) == [
        str(python.parent / "alembic"),
        "upgrade",
        "head",
    ]
    bash, script = task_argv("scripts/prestart.sh", python, project.root, path)
    assert Path(bash).name == "bash" and script == "scripts/prestart.sh"  # run from the root


@pytest.mark.integration
def test_tasks_run_in_order_with_the_profile_and_the_projects_interpreter(
    project: Project,
) -> None:
    """The template's prestart.sh: `python` and `alembic` are the venv's, APP_DB is the
    profile's; every line is in the server's buffer, in order, as the task prints it."""
    config = LaunchConfig(
        "dev",
        "default",
        tasks=(
            "bash scripts/prestart.sh",
            "python -c 'import os; print(os.environ[\"SECRET_KEY\"])'",
        ),
    )
    buffer = LogBuffer()
    seen: list[tuple[str, str]] = []
    run_tasks(
        project,
        config.tasks,
        profile_env(project),
        buffer,
        on_line=lambda stream, text: seen.append((stream, text)),
    )
    venv = project.interpreter.path.parent.parent
    db = project.root / "data" / "app.db"
    assert db.read_text().splitlines() == [f"migrated by {venv}", "seeded"]
    lines = texts(buffer)
    order = [
        "asgideck: before-start task 1/2: bash scripts/prestart.sh",
        "+ python app/backend_pre_start.py",
        f"pre-start python prefix: {venv}",
        f"pre-start venv module: {venv}",
        "pre-start database: data/app.db",
        "+ alembic upgrade head",
        "Running upgrade  -> 1a31ce608336, init",
        "+ python app/initial_data.py",
        "Initial data created",
        "asgideck: before-start task 1/2 done",
        "asgideck: before-start task 2/2:",
        "asgideck: before-start task 2/2 done",
    ]
    positions = [next(i for i, t in enumerate(lines) if want in t) for want in order]
    assert positions == sorted(positions), lines
    assert not any(SECRET in t for t in lines), "a secret reached the log"
    assert MASK in lines[lines.index(next(t for t in lines if "task 2/2:" in t)) + 1]
    assert any("Running upgrade" in text for _stream, text in seen)  # the terminal's tap


@pytest.mark.integration
def test_a_failing_task_stops_the_start_with_its_last_lines(project: Project) -> None:
    failing = "python -c 'import sys; [print(f\"line {i}\") for i in range(30)]; sys.exit(3)'"
    config = LaunchConfig(
        "dev", "default", port=free_port(), tasks=(failing, "alembic upgrade head")
    )
    manager = ServerManager(project, ["default"])
    manager.servers.clear()
    server = manager.add(config)
    states: list[str] = []
    manager.events.connect(
        lambda pair: (
            states.append(pair[1].status.state) if isinstance(pair[1], StateChanged) else None
        )
    )
    try:
        with pytest.raises(TaskFailed) as caught:
            server.start()
    finally:
        manager.close(0.5)
    error = caught.value
    assert str(error).startswith(f"before-start task `{failing}` failed (exit 3): line 29")
    assert "\n" not in str(error)
    assert error.exit_code == 3
    assert list(error.lines) == [f"line {i}" for i in range(10, 30)]
    assert not (project.root / "data").exists(), "a task after the failing one ran"
    assert server.supervisor is None, "the server started after a failed task"
    assert states == ["starting", "crashed"]
    assert server.state == "crashed"
    assert any(str(error) in t for t in texts(server.buffer))


@pytest.mark.integration
def test_a_command_that_is_not_installed_is_named(project: Project) -> None:
    config = LaunchConfig("dev", "default", tasks=("no-such-tool --flag",))
    with pytest.raises(TaskFailed, match=r"`no-such-tool --flag` could not start: no-such-tool"):
        run_tasks(project, config.tasks, profile_env(project), LogBuffer())


@pytest.mark.integration
def test_the_server_starts_after_its_tasks_and_a_restart_runs_them_again(
    project: Project,
) -> None:
    """The app's lifespan fails without the migrated database: it serves, so the tasks
    ran first; their lines come before the server's own in its log."""
    port = free_port()
    config = LaunchConfig(
        "dev", "default", port=port, tasks=("alembic upgrade head", "python app/initial_data.py")
    )
    manager = ServerManager(project, ["default"])
    manager.servers.clear()
    server = manager.add(config)
    try:
        server.start()
        assert server.supervisor is not None
        status = server.supervisor.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
        assert body["rows"][1] == "seeded"
        lines = texts(server.buffer)
        task_line = next(i for i, t in enumerate(lines) if "Running upgrade" in t)
        server_line = next(i for i, t in enumerate(lines) if t.startswith("asgideck: starting:"))
        assert task_line < server_line
        server.restart(1.0)
        status = server.supervisor.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        rows = (project.root / "data" / "app.db").read_text().splitlines()
        assert rows[1:] == ["seeded"]  # migrated afresh by the restart, seeded once more
        assert sum("before-start task 1/2:" in t for t in texts(server.buffer)) == 2
    finally:
        manager.close(1.0)
    assert server.state == "stopped"


@pytest.mark.integration
@pytest.mark.parametrize("how", ["stop", "close"])
def test_stopping_while_a_task_runs_ends_its_tree(project: Project, how: str) -> None:
    """bash runs a python child that sleeps: a stop (or closing the project) ends both,
    the start returns without starting the server, and the next task never runs."""
    pid_file = project.root / "child.pid"
    config = LaunchConfig(
        "dev",
        "default",
        port=free_port(),
        tasks=(f"bash scripts/slow_task.sh {pid_file}", "alembic upgrade head"),
    )
    manager = ServerManager(project, ["default"])
    manager.servers.clear()
    server = manager.add(config)
    outcome: list[BaseException | None] = []

    def start() -> None:
        try:
            server.start()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=start, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: pid_file.is_file() and pid_file.read_text() != "", 30)
        child = int(pid_file.read_text())
        assert live([child]) == [child]
        assert server.running and server.state == "starting"
        if how == "stop":
            server.stop(1.0)
        else:
            manager.close(1.0)
        thread.join(30)
        assert not thread.is_alive()
    finally:
        manager.close(0.5)
    assert outcome == [None]
    assert live([child]) == []
    assert server.supervisor is None and not server.running
    assert server.state == "stopped"
    assert not (project.root / "data").exists()
    assert any("stopped: the server is not started" in t for t in texts(server.buffer))


@pytest.mark.integration
def test_run_tasks_cancel_raises_and_ends_the_task(project: Project) -> None:
    pid_file = project.root / "child.pid"
    config = LaunchConfig("dev", "default", tasks=(f"bash scripts/slow_task.sh {pid_file}",))
    cancel = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            run_tasks(project, config.tasks, profile_env(project), LogBuffer(), cancel=cancel)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert wait_until(lambda: pid_file.is_file() and pid_file.read_text() != "", 30)
    child = int(pid_file.read_text())
    cancel.set()
    thread.join(30)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], TaskCancelled)
    assert live([child]) == []


@pytest.mark.integration
def test_a_task_leaves_nothing_running(project: Project) -> None:
    """A task that exits with a child still running in the background (holding its
    output open) returns all the same, and the child ends with it."""
    config = LaunchConfig("dev", "default", tasks=("bash -c 'sleep 600 & echo $!'",))
    buffer = LogBuffer()
    run_tasks(project, config.tasks, profile_env(project), buffer)
    lines = texts(buffer)
    child = int(next(t for t in lines if t.isdigit()))
    assert live([child]) == []


@pytest.mark.integration
def test_a_busy_port_after_the_tasks_is_said_and_the_start_is_over(project: Project) -> None:
    import socket

    from asgideck.runtime.servers import PortInUse

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    manager = ServerManager(project, ["default"])
    manager.servers.clear()
    server = manager.add(LaunchConfig("dev", "default", port=port, tasks=("alembic upgrade head",)))
    states: list[str] = []
    manager.events.connect(
        lambda pair: (
            states.append(pair[1].status.state) if isinstance(pair[1], StateChanged) else None
        )
    )
    try:
        with pytest.raises(PortInUse):
            server.start()
    finally:
        holder.close()
        manager.close(0.5)
    assert states == ["starting", "stopped"]
    assert not server.running and server.state == "stopped"


def test_a_command_with_shell_syntax_runs_with_sh_and_a_plain_one_directly(
    project: Project,
) -> None:
    python = project.interpreter.path
    path = task_env(python, {})["PATH"]
    for command in (
        "cd app && alembic upgrade head",
        "alembic upgrade head || true",
        "alembic current | tail -1",
        "alembic upgrade head; echo done",
        "alembic upgrade head > out.txt",
        "echo $APP_DB",
        'echo "${APP_DB}"',
        "echo `id -u`",
    ):
        assert task_argv(command, python, project.root, path) == ["/bin/sh", "-c", command]
    for plain in (
        "alembic upgrade head",
        "python -c 'import os; print(os.environ[\"APP_DB\"])'",
        "bash -c 'cd app && alembic upgrade head'",
        "echo 'a && b' \\$HOME",
    ):
        assert task_argv(plain, python, project.root, path)[0] != "/bin/sh", plain


@pytest.mark.integration
def test_shell_operators_variables_and_failures_are_the_shells(project: Project) -> None:
    """`cd app && …` changes folder, `$APP_DB` is the profile's, `python` is the
    project's, `> file` redirects, and `echo … && false` fails the task (exit 1)."""
    out = project.root / "shell-out.txt"
    task = (
        "cd app && python -c 'import os, sys; print(os.getcwd(), sys.prefix)' > ../shell-out.txt"
        ' && echo "db=$APP_DB" >> ../shell-out.txt'
    )
    run_tasks(project, (task,), profile_env(project), LogBuffer())
    cwd_prefix, db = out.read_text(encoding="utf-8").splitlines()
    venv = project.interpreter.path.parent.parent
    assert cwd_prefix == f"{project.root / 'app'} {venv}"
    assert db == "db=data/app.db"
    with pytest.raises(TaskFailed) as caught:
        run_tasks(project, ("echo $SECRET_KEY && false",), profile_env(project), LogBuffer())
    assert caught.value.exit_code == 1
    assert SECRET not in str(caught.value)
