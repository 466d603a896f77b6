"""What an app really is: its middleware in run order, every route, its mounts and OpenAPI.

The probe's ``inspect`` task (``runtime/probe_inspect.py``) reads the app inside the
project's own interpreter; this module runs it and turns its answer into frozen
dataclasses for the views, and into the JSON ``asgideck inspect --json`` prints.
Nothing here raises for a broken app: import errors, settings errors and a probe
that cannot start all come back as :class:`InspectError` entries in
:attr:`AppInfo.errors`, so a view can show them where the routes would be.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

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
    cls: str
    module: str
    qualname: str
    kind: str  # "middleware" or "router"
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
    use_cache: bool
    is_generator: bool  # a dependency with ``yield``
    is_async: bool
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
    include_in_schema: bool
    response_model: str | None
    status_code: int | None
    operation_id: str | None
    dependencies: tuple[Dependency, ...]
    params: Mapping[str, tuple[str, ...]]
    mount: str | None  # the mount path this route lives under, None at the top
    route_class: str
    app: str | None = None  # for a mount: the mounted app's class
    host: str | None = None


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


@dataclass(frozen=True)
class AppInfo:
    app: str
    app_class: str | None
    fastapi: str | None
    starlette: str | None
    python: str
    middleware: tuple[MiddlewareLayer, ...]
    routes: tuple[RouteInfo, ...]
    mounts: tuple[MountInfo, ...]
    openapi: Mapping[str, Any] | None
    openapi_url: str | None
    openapi_note: str
    root_path: str
    errors: tuple[InspectError, ...]
    output: str = ""  # what the app printed while being imported
    stderr: str = ""

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
    name raises (:class:`~runtime.profiles.EnvFileError`, naming the known ones).
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
        return _failed(target.import_string, _error(answer.get("error") or {}))
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


# ---------------------------------------------------------------------------- probe JSON in


def app_info(answer: Mapping[str, Any], python: str = "") -> AppInfo:
    """An :class:`AppInfo` from the probe's ``inspect`` answer."""
    openapi = answer.get("openapi")
    return AppInfo(
        app=str(answer.get("app", "")),
        app_class=_opt_str(answer.get("app_class")),
        fastapi=_opt_str(answer.get("fastapi")),
        starlette=_opt_str(answer.get("starlette")),
        python=python,
        middleware=tuple(_layer(item) for item in answer.get("middleware") or ()),
        routes=tuple(_route(item) for item in answer.get("routes") or ()),
        mounts=tuple(_mount(item) for item in answer.get("mounts") or ()),
        openapi=openapi if isinstance(openapi, Mapping) else None,
        openapi_url=_opt_str(answer.get("openapi_url")),
        openapi_note=str(answer.get("openapi_note") or ""),
        root_path=str(answer.get("root_path") or ""),
        errors=tuple(_error(item) for item in answer.get("errors") or ()),
    )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _error(data: Mapping[str, Any]) -> InspectError:
    return InspectError(
        type=str(data.get("type", "")),
        message=str(data.get("message", "")),
        stage=str(data.get("stage", "")),
        where=str(data.get("where", "") or ""),
        module=str(data.get("module", "") or ""),
        traceback=str(data.get("traceback", "") or ""),
    )


def _layer(data: Mapping[str, Any]) -> MiddlewareLayer:
    return MiddlewareLayer(
        name=str(data.get("name", "")),
        cls=str(data.get("class", "")),
        module=str(data.get("module", "")),
        qualname=str(data.get("qualname", "")),
        kind=str(data.get("kind", "middleware")),
        user=bool(data.get("user")),
        options=dict(data.get("options") or {}),
        source=_opt_str(data.get("source")),
        defined_at=_opt_str(data.get("defined_at")),
        added_index=_opt_int(data.get("added_index")),
        added_at=_opt_str(data.get("added_at")),
        added_by=_opt_str(data.get("added_by")),
        function=_opt_str(data.get("function")),
        factory=_opt_str(data.get("factory")),
        note=_opt_str(data.get("note")),
    )


def _params(data: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, Mapping):
        return {}
    return {str(k): tuple(str(n) for n in v) for k, v in data.items()}


def _dependency(data: Mapping[str, Any]) -> Dependency:
    security = data.get("security")
    return Dependency(
        name=_opt_str(data.get("name")),
        call=_opt_str(data.get("call")),
        callable=_opt_str(data.get("callable")),
        source=_opt_str(data.get("source")),
        use_cache=bool(data.get("use_cache", True)),
        is_generator=bool(data.get("yield")),
        is_async=bool(data.get("async")),
        scope=_opt_str(data.get("scope")),
        security=dict(security) if isinstance(security, Mapping) else None,
        scopes=tuple(str(s) for s in data.get("scopes") or ()),
        params=_params(data.get("params")),
        dependencies=tuple(_dependency(d) for d in data.get("dependencies") or ()),
        truncated=bool(data.get("truncated")),
    )


def _route(data: Mapping[str, Any]) -> RouteInfo:
    deprecated = data.get("deprecated")
    return RouteInfo(
        kind=str(data.get("kind", "")),
        path=str(data.get("path", "")),
        path_format=str(data.get("path_format", "")),
        methods=tuple(str(m) for m in data.get("methods") or ()),
        name=_opt_str(data.get("name")),
        endpoint=_opt_str(data.get("endpoint")),
        source=_opt_str(data.get("source")),
        tags=tuple(str(t) for t in data.get("tags") or ()),
        summary=_opt_str(data.get("summary")),
        deprecated=None if deprecated is None else bool(deprecated),
        include_in_schema=bool(data.get("include_in_schema", True)),
        response_model=_opt_str(data.get("response_model")),
        status_code=_opt_int(data.get("status_code")),
        operation_id=_opt_str(data.get("operation_id")),
        dependencies=tuple(_dependency(d) for d in data.get("dependencies") or ()),
        params=_params(data.get("params")),
        mount=_opt_str(data.get("mount")),
        route_class=str(data.get("class", "")),
        app=_opt_str(data.get("app")),
        host=_opt_str(data.get("host")),
    )


def _mount(data: Mapping[str, Any]) -> MountInfo:
    return MountInfo(
        path=str(data.get("path", "")),
        name=_opt_str(data.get("name")),
        app=str(data.get("app", "")),
        opaque=bool(data.get("opaque")),
        detail=_opt_str(data.get("detail")),
        middleware=tuple(_layer(item) for item in data.get("middleware") or ()),
        routes=tuple(_route(item) for item in data.get("routes") or ()),
        mount=_opt_str(data.get("mount")),
        host=_opt_str(data.get("host")),
    )


# ---------------------------------------------------------------------------- JSON out


def app_info_json(info: AppInfo) -> dict[str, Any]:
    """What ``asgideck inspect --json`` prints (middleware outermost first, ending with
    the router; ``mounts`` lists every mounted app, nested ones included)."""
    return {
        "app": info.app,
        "fastapi": info.fastapi,
        "starlette": info.starlette,
        "middleware": [_layer_json(layer) for layer in info.middleware],
        "routes": [_route_json(route) for route in info.routes],
        "mounts": [_mount_json(mount) for mount in info.mounts],
        "openapi": dict(info.openapi) if info.openapi is not None else None,
        "openapi_note": info.openapi_note,
        "errors": [_error_json(error) for error in info.errors],
    }


def _layer_json(layer: MiddlewareLayer) -> dict[str, Any]:
    return {
        "name": layer.name,
        "class": layer.cls,
        "module": layer.module,
        "qualname": layer.qualname,
        "kind": layer.kind,
        "user": layer.user,
        "options": dict(layer.options),
        "source": layer.source,
        "defined_at": layer.defined_at,
        "added_index": layer.added_index,
        "added_at": layer.added_at,
        "added_by": layer.added_by,
        "function": layer.function,
        "factory": layer.factory,
        "note": layer.note,
    }


def _dependency_json(dep: Dependency) -> dict[str, Any]:
    return {
        "name": dep.name,
        "call": dep.call,
        "callable": dep.callable,
        "source": dep.source,
        "use_cache": dep.use_cache,
        "yield": dep.is_generator,
        "async": dep.is_async,
        "scope": dep.scope,
        "security": dict(dep.security) if dep.security is not None else None,
        "scopes": list(dep.scopes),
        "params": {k: list(v) for k, v in dep.params.items()},
        "dependencies": [_dependency_json(d) for d in dep.dependencies],
        "truncated": dep.truncated,
    }


def _route_json(route: RouteInfo) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": route.kind,
        "path": route.path,
        "path_format": route.path_format,
        "methods": list(route.methods),
        "name": route.name,
        "endpoint": route.endpoint,
        "source": route.source,
        "tags": list(route.tags),
        "summary": route.summary,
        "deprecated": route.deprecated,
        "include_in_schema": route.include_in_schema,
        "response_model": route.response_model,
        "status_code": route.status_code,
        "operation_id": route.operation_id,
        "dependencies": [_dependency_json(d) for d in route.dependencies],
        "params": {k: list(v) for k, v in route.params.items()},
        "mount": route.mount,
        "class": route.route_class,
    }
    if route.kind in ("mount", "host"):
        data["app"] = route.app
        data["host"] = route.host
    return data


def _mount_json(mount: MountInfo) -> dict[str, Any]:
    return {
        "path": mount.path,
        "name": mount.name,
        "app": mount.app,
        "opaque": mount.opaque,
        "detail": mount.detail,
        "middleware": [_layer_json(layer) for layer in mount.middleware],
        "routes": [_route_json(route) for route in mount.routes],
        "mount": mount.mount,
        "host": mount.host,
    }


def _error_json(error: InspectError) -> dict[str, Any]:
    return {
        "type": error.type,
        "message": error.message,
        "stage": error.stage,
        "where": error.where,
        "module": error.module,
        "traceback": error.traceback,
    }
