"""The OpenAPI document of a running server, preferred over the probe's when there is one.

A running server is the truth (its code may be newer than what the probe imported,
and it serves what its own profile produces), so views ask :func:`best_openapi`
after every (re)start: it fetches the server's ``openapi_url`` and falls back to the
document the probe generated, saying which one it used and why.

``root_path``: asgideck talks to its servers directly, where the bare
``openapi_url`` answers (uvicorn ``--root-path`` prefixes every request path with
the root path and Starlette strips it again; ``FastAPI(root_path=...)`` accepts
both). Behind a proxy that strips the prefix only ``root_path + openapi_url``
answers, so that is tried next.

Every fetch goes through the openapi package's capped reader (size, total time,
nesting depth: ``openapi._limits``); a document over a limit is not tried elsewhere
(the server answered, badly) and the probe's document is used, with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from asgideck import __version__
from asgideck.runtime.inspect._app import AppInfo
from asgideck.runtime.openapi import (
    DEADLINE,
    MAX_BYTES,
    MAX_DEPTH,
    Document,
    OpenAPIError,
    OpenAPILimitError,
    parse_bytes,
    parse_document,
    read_url,
)
from asgideck.runtime.secrets import mask_url_password

if TYPE_CHECKING:  # imported when a server's document is fetched: the window starts without it
    import httpx

__all__ = ["DEFAULT_OPENAPI_URL", "USER_AGENT", "OpenAPISource", "best_openapi", "fetch_openapi"]

DEFAULT_OPENAPI_URL = "/openapi.json"
#: how asgideck's own fetches name themselves: the Requests tab hides them from the user's list
USER_AGENT = f"asgideck/{__version__} (internal)"
OpenAPISource = Literal["server", "probe"]


def _candidates(base_url: str, openapi_url: str, root_path: str) -> list[str]:
    base = base_url.rstrip("/")
    path = "/" + openapi_url.lstrip("/")
    prefix = "/" + root_path.strip("/") if root_path.strip("/") else ""
    urls = [base + path]
    if prefix and not base.endswith(prefix):
        urls.append(base + prefix + path)
    return urls


def _fetch(
    base_url: str,
    openapi_url: str,
    root_path: str,
    timeout: float,
    transport: httpx.BaseTransport | None,
    limits: tuple[int, float, int] = (MAX_BYTES, DEADLINE, MAX_DEPTH),
) -> tuple[Document, str]:
    import httpx

    max_bytes, deadline, max_depth = limits
    failures: list[str] = []
    # trust_env=False: the server is local; HTTP_PROXY must not see (or break) the request
    with httpx.Client(
        timeout=timeout,
        transport=transport,
        follow_redirects=True,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    ) as client:
        for url in _candidates(base_url, openapi_url, root_path):
            shown = mask_url_password(url)
            try:
                data = read_url(
                    url,
                    client=client,
                    headers={"Accept": "application/json"},
                    timeout=timeout,
                    max_bytes=max_bytes,
                    deadline=deadline,
                )
            except OpenAPILimitError:
                raise
            except OpenAPIError as exc:
                failures.append(str(exc))
                continue
            try:
                return parse_bytes(data, max_depth=max_depth), url
            except OpenAPILimitError as exc:
                raise OpenAPILimitError(f"{shown}: {exc}") from None
            except OpenAPIError as exc:
                failures.append(f"{shown}: not an OpenAPI document: {exc}")
    raise OpenAPIError("; ".join(failures))


def fetch_openapi(
    base_url: str,
    openapi_url: str = DEFAULT_OPENAPI_URL,
    root_path: str = "",
    timeout: float = 5.0,
    *,
    transport: httpx.BaseTransport | None = None,
    max_bytes: int = MAX_BYTES,
    deadline: float = DEADLINE,
    max_depth: int = MAX_DEPTH,
) -> Document:
    """The document served at ``openapi_url`` by the server at ``base_url``.

    ``timeout`` bounds each read, ``deadline`` each URL's whole fetch. Raises
    :class:`OpenAPIError` naming every URL tried and why each failed, or
    :class:`OpenAPILimitError` for the first answer over a limit.
    """
    limits = (max_bytes, deadline, max_depth)
    return _fetch(base_url, openapi_url, root_path, timeout, transport, limits)[0]


def best_openapi(
    info: AppInfo,
    base_url: str | None,
    *,
    root_path: str | None = None,
    timeout: float = 5.0,
    transport: httpx.BaseTransport | None = None,
    max_bytes: int = MAX_BYTES,
    deadline: float = DEADLINE,
    max_depth: int = MAX_DEPTH,
) -> tuple[Document | None, OpenAPISource | None, str]:
    """(document, where it came from, a note for the user).

    With ``base_url`` (a running server) its document wins; otherwise, or when it
    cannot be read (or is over a limit), the probe's. ``root_path`` defaults to the app's own.
    """
    notes: list[str] = []
    # An app the probe could not load may still run (under another profile): try the default.
    url = info.openapi_url or (DEFAULT_OPENAPI_URL if info.errors else None)
    if base_url and url:
        path = info.root_path if root_path is None else root_path
        try:
            limits = (max_bytes, deadline, max_depth)
            document, fetched = _fetch(base_url, url, path, timeout, transport, limits)
        except OpenAPIError as exc:
            notes.append(f"the running server's document could not be read ({exc})")
        else:
            return document, "server", f"from the running server: {mask_url_password(fetched)}"
    if info.openapi is not None:
        try:
            document = parse_document(info.openapi, max_depth=max_depth)
        except OpenAPIError as exc:
            notes.append(f"the probe's document is not valid: {exc}")
        else:
            source = "from the probe (app.openapi())" + ("" if base_url else ": no server runs")
            return document, "probe", "; ".join([*notes, source])
    return None, None, "; ".join([*notes, info.openapi_note or "no OpenAPI document"])
