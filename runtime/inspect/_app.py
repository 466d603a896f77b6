"""What an app really is: its middleware in run order, every route, its mounts and OpenAPI.

The probe's ``inspect`` task (``probe/_inspect.py``) reads the app inside the
project's own interpreter; this module runs it and turns its answer into frozen
dataclasses for the views, and into the JSON ``asgideck inspect --json`` prints:
both directions through one codec (``_codec``), so the JSON keys live with the fields.
Nothing here raises for a broken app: import errors, settings errors and a probe
that cannot start all come back as :class:`InspectError` entries in
:attr:`AppInfo.errors`, so a view can show them where the routes would be.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from asgideck.runtime.inspect._codec import from_json, meta, to_json
from asgideck.runtime.inspect._runner import ProbeError, run_probe
from asgideck.runtime.profiles import Profile, load_profile
from asgideck.runtime.project import Project

__all__ = [
    "AppInfo",
    "Dependency",
    "InspectError",
    "MiddlewareLayer",
    "MountInfo",
    "RouteInfo",
    "app_info",
    "app_info_json",
    "inspect_project",
]


@dataclass(frozen=True)
class InspectError:
    """One thing that went wrong; ``stage`` says where (import, factory, middleware, ...)."""

    type: str
    message: str
    stage: str
    where: str = ""
    module: str = ""
    traceback: str = ""

    def __str__(self) -> str:
        where = f" ({self.where})" if self.where else ""
        return f"{self.stage}: {self.type}: {self.message}{where}"


@dataclass(frozen=True)
class MiddlewareLayer:
    """One layer of the built stack. ``added_index`` 0 is the first ``add_middleware`` call,
    so the highest index among the user's layers is the outermost: added last, runs first."""

    name: str
    cls: str = field(metadata=meta(key="class"))
    module: str
    qualname: str
    kind: str = field(metadata=meta(missing="middleware"))  # "middleware" or "router"
    user: bool
    options: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None  # where to open it: the project's file:line
    defined_at: str | None = None  # the class or function, wherever it lives
    added_index: int | None = None
    added_at: str | None = None  # the add_middleware / @app.middleware call
    added_by: str | None = None  # "add_middleware", "constructor", "wraps the app", None
    function: str | None = None  # the @app.middleware("http") function, module:qualname
    factory: str | None = None
    note: str | None = None

    @property
    def is_router(self) -> bool:
        return self.kind == "router"


@dataclass(frozen=True)
class Dependency:
    """One ``Depends()`` node; ``name`` is the parameter it feeds (None for ``dependencies=``)."""

    name: str | None
    call: str | None
    callable: str | None
    source: str | None
    use_cache: bool = field(metadata=meta(missing=True))
    is_generator: bool = field(metadata=meta(key="yield"))  # a dependency with ``yield``
    is_async: bool = field(metadata=meta(key="async"))
    scope: str | None
    security: Mapping[str, Any] | None
    scopes: tuple[str, ...]
    params: Mapping[str, tuple[str, ...]]
    dependencies: tuple[Dependency, ...]
    truncated: bool = False

    def walk(self) -> Iterator[Dependency]:
        yield self
        for child in self.dependencies:
            yield from child.walk()


def _mounts(route: RouteInfo) -> bool:
    """Only a mount or host route has an ``app`` and ``host`` in the JSON."""
    return route.kind in ("mount", "host")


@dataclass(frozen=True)
class RouteInfo:
    kind: str  # "http", "websocket", "mount", "host" or "other"
    path: str  # full, with every mount prefix
    path_format: str
    methods: tuple[str, ...]
    name: str | None
    endpoint: str | None  # module:qualname
    source: str | None  # file:line, relative to the project root inside it
    tags: tuple[str, ...]
    summary: str | None
    deprecated: bool | None
    include_in_schema: bool = field(metadata=meta(missing=True))
    response_model: str | None
    status_code: int | None
    operation_id: str | None
    dependencies: tuple[Dependency, ...]
    params: Mapping[str, tuple[str, ...]]
    mount: str | None  # the mount path this route lives under, None at the top
    route_class: str = field(metadata=meta(key="class"))
    app: str | None = field(default=None, metadata=meta(out=_mounts))  # the mounted app's class
    host: str | None = field(default=None, metadata=meta(out=_mounts))


@dataclass(frozen=True)
class MountInfo:
    path: str
    name: str | None
    app: str
    opaque: bool  # a WSGI app, static files or any ASGI app asgideck cannot look into
    detail: str | None
    middleware: tuple[MiddlewareLayer, ...]
    routes: tuple[RouteInfo, ...]
    mount: str | None  # the enclosing mount's path
    host: str | None = None


_VIEWS_ONLY = meta(out=False)


@dataclass(frozen=True)
class AppInfo:
    """The probe's answer; ``app_info_json`` leaves out what only the views use."""

    app: str
    app_class: str | None = field(metadata=_VIEWS_ONLY)
    fastapi: str | None
    starlette: str | None
    python: str = field(metadata=_VIEWS_ONLY)  # from the probe's result, not the answer
    middleware: tuple[MiddlewareLayer, ...]
    routes: tuple[RouteInfo, ...]
    mounts: tuple[MountInfo, ...]
    openapi: Mapping[str, Any] | None
    openapi_url: str | None = field(metadata=_VIEWS_ONLY)
    openapi_note: str
    root_path: str = field(metadata=_VIEWS_ONLY)
    errors: tuple[InspectError, ...]
    output: str = field(default="", metadata=_VIEWS_ONLY)  # printed while being imported
    stderr: str = field(default="", metadata=_VIEWS_ONLY)

    @property
    def ok(self) -> bool:
        return not self.errors

    def all_routes(self) -> tuple[RouteInfo, ...]:
        """The app's routes followed by those of every mounted app (paths are full already)."""
        return self.routes + tuple(r for m in self.mounts for r in m.routes)

    def user_middleware(self) -> tuple[MiddlewareLayer, ...]:
        return tuple(layer for layer in self.middleware if layer.user)


# ---------------------------------------------------------------------------- running


def inspect_project(
    project: Project, profile: Profile | str | None = None, timeout: float = 60.0
) -> AppInfo:
    """Inspect ``project``'s app under ``profile``'s environment (default: its first profile,
    or an empty environment when it has none).

    A broken app or probe is reported in :attr:`AppInfo.errors`; only an unknown profile
    name raises (:class:`~asgideck.runtime.profiles.EnvFileError`, naming the known ones).
    """
    target = project.app
    if target is None:
        message = project.app_error or "no app found"
        return _failed("?", InspectError("AppNotFound", message, "discovery"))
    if isinstance(profile, str):
        profile = load_profile(project.root, profile)
    elif profile is None and project.profiles:
        profile = load_profile(project.root, project.profiles[0])
    env = profile.environ() if profile is not None else {}
    task = {
        "kind": "inspect",
        "module": target.module,
        "attr": target.attr,
        "factory": target.factory,
    }
    try:
        result = run_probe(
            project.interpreter.path,
            project.root,
            env,
            [task],
            timeout,
            sys_path=(target.app_dir,) if target.app_dir else (),
        )
    except ProbeError as exc:
        error = InspectError("ProbeError", str(exc), exc.kind, traceback=exc.stderr)
        return _failed(target.import_string, error)
    answer = result["results"][0]
    if not answer.get("ok"):
        return _failed(target.import_string, from_json(InspectError, answer.get("error") or {}))
    info = app_info(answer, python=str(result.get("python", "")))
    return replace(info, output=str(result.get("output", "")), stderr=str(result.get("stderr", "")))


def _failed(app: str, error: InspectError) -> AppInfo:
    return AppInfo(
        app=app,
        app_class=None,
        fastapi=None,
        starlette=None,
        python="",
        middleware=(),
        routes=(),
        mounts=(),
        openapi=None,
        openapi_url=None,
        openapi_note="the app could not be inspected",
        root_path="",
        errors=(error,),
    )


# ---------------------------------------------------------------------------- JSON


def app_info(answer: Mapping[str, Any], python: str = "") -> AppInfo:
    """An :class:`AppInfo` from the probe's ``inspect`` answer."""
    return replace(from_json(AppInfo, answer), python=python)


def app_info_json(info: AppInfo) -> dict[str, Any]:
    """What ``asgideck inspect --json`` prints (middleware outermost first, ending with
    the router; ``mounts`` lists every mounted app, nested ones included)."""
    data: dict[str, Any] = to_json(info)
    return data
