"""``asgideck call``: one request to the project's running server, from a terminal.

Items after the route, httpie-style: ``name==value`` query, ``Name:value`` header,
``name=value`` JSON string field, ``name:=json`` raw JSON field. ``--auth USER:PASS``
logs in through the app's OAuth2 password flow (its ``tokenUrl``, read from the
OpenAPI document the server really serves: ``/openapi.json``, else the document its
``/docs`` or ``/redoc`` page loads, else common prefixed locations such as
``/api/v1/openapi.json``), and says where it found it; when the app declares no
such flow it says so and sends HTTP basic auth. The request lands in the history,
redacted, like one sent from the window.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, TextIO

import httpx

from asgideck.runtime.client import (
    BasicAuth,
    BearerAuth,
    History,
    RequestFailed,
    RequestSpec,
    ResponseRecord,
    Sender,
    oauth2_password_token,
)
from asgideck.runtime.errors import InputError
from asgideck.runtime.inspect import fetch_openapi
from asgideck.runtime.openapi import OpenAPIError
from asgideck.runtime.project import open_project
from asgideck.runtime.servers import alive_entries

EXIT_OK, EXIT_NO_SERVER, EXIT_FAILED = 0, 2, 3
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class ItemError(InputError):
    pass


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    call = sub.add_parser("call", help="send a request to the project's running server")
    call.add_argument("path", type=Path, help="project folder")
    call.add_argument("method", type=str.upper, choices=METHODS, metavar="METHOD")
    call.add_argument("route", help="e.g. /api/v1/items/3")
    call.add_argument("items", nargs="*", metavar="ITEM", help="name==q  Name:header  k=v  k:=json")
    call.add_argument("--profile", metavar="NAME", help="prefer the server running this profile")
    call.add_argument("--url", help="base URL of the server (default: found in `asgideck ps`)")
    call.add_argument("--auth", metavar="USER:PASS", help="log in (OAuth2 password flow or basic)")
    call.add_argument("--timeout", type=float, default=30.0)
    call.add_argument("--no-history", action="store_true", help="do not record this request")
    call.set_defaults(run=run)


def parse_items(
    items: list[str],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, Any]]:
    """(query, headers, JSON body fields); raises ItemError naming the bad item."""
    query: list[tuple[str, str]] = []
    headers: list[tuple[str, str]] = []
    body: dict[str, Any] = {}
    for item in items:
        for sep in ("==", ":=", "=", ":"):  # longest separators first
            name, found, value = item.partition(sep)
            if found and name and sep in item:
                break
        else:
            raise ItemError(f"{item!r}: expected name==query, Header:value, key=value or key:=json")
        if sep == "==":
            query.append((name, value))
        elif sep == ":=":
            try:
                body[name] = json.loads(value)
            except ValueError as exc:
                raise ItemError(f"{item!r}: {value!r} is not JSON ({exc})") from None
        elif sep == "=":
            body[name] = value
        else:
            headers.append((name, value.lstrip()))
    return query, headers, body


def running_base_url(root: Path, profile: str | None) -> str | None:
    """The URL of a server asgideck started for ``root`` (matching ``profile`` when asked)."""
    entries = [e for e in alive_entries() if Path(e.root) == root]
    if profile:
        named = [e for e in entries if e.name == profile or e.name.endswith(f":{profile}")]
        entries = named or entries
    if not entries:
        return None
    entry = entries[0]
    host = "127.0.0.1" if entry.host in ("0.0.0.0", "") else entry.host
    return f"http://{host}:{entry.port}"


#: Where apps commonly serve their document when it is not at /openapi.json.
COMMON_OPENAPI_URLS = (
    "/api/openapi.json",
    "/api/v1/openapi.json",
    "/api/v2/openapi.json",
    "/v1/openapi.json",
    "/docs/openapi.json",
)
DOCS_PAGES = ("/docs", "/redoc", "/api/docs", "/api/v1/docs")
# FastAPI's Swagger UI page: ``url: '/api/v1/openapi.json'``; ReDoc: ``spec-url="..."``
_DOC_URL = re.compile(r"""(?:\burl\s*:\s*|spec-url=)['"]([^'"]+\.json)['"]""")


def openapi_locations(base_url: str, timeout: float) -> list[str]:
    """Where the server may serve its document: /openapi.json, what its docs pages
    load (they name the app's real ``openapi_url``, root path included), common spots."""
    found = ["/openapi.json"]
    with httpx.Client(timeout=timeout, trust_env=False, follow_redirects=True) as client:
        for page in DOCS_PAGES:
            try:
                response = client.get(base_url.rstrip("/") + page)
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                found += [m for m in _DOC_URL.findall(response.text) if m.startswith("/")]
    found += COMMON_OPENAPI_URLS
    return list(dict.fromkeys(found))


def token_url(base_url: str, timeout: float) -> tuple[str | None, str]:
    """(the OAuth2 password flow's tokenUrl or None, where it was looked for)."""
    tried: list[str] = []
    for location in openapi_locations(base_url, timeout):
        try:
            doc = fetch_openapi(base_url, location, timeout=timeout)
        except OpenAPIError:
            tried.append(location)
            continue
        for scheme in doc.security_schemes.values():
            flows = scheme.get("flows", {}) if isinstance(scheme, dict) else {}
            password = flows.get("password") if isinstance(flows, dict) else None
            if isinstance(password, dict) and isinstance(password.get("tokenUrl"), str):
                return str(password["tokenUrl"]), location
        return None, f"{location} declares no OAuth2 password flow"
    return None, f"no OpenAPI document at {', '.join(tried)}"


def run(args: argparse.Namespace, out: TextIO) -> int:
    project = open_project(args.path)
    base = args.url or running_base_url(project.root, args.profile)
    if base is None:
        print(
            f"asgideck: no running server of {project.root} "
            f"(start one: asgideck run {args.path} --profile NAME, or pass --url)",
            file=sys.stderr,
        )
        return EXIT_NO_SERVER
    query, headers, fields = parse_items(args.items)
    try:
        auth = _login(args.auth, base, args.timeout) if args.auth else None
    except RequestFailed as exc:
        print(f"asgideck: logging in failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    spec = RequestSpec(
        args.method,
        args.route,
        base_url=base,
        query=query,
        headers=headers,
        body_kind="json" if fields else "none",
        body=fields or None,
        timeout=args.timeout,
        auth=auth,
    )
    with Sender() as sender:
        try:
            response = sender.send(spec)
        except RequestFailed as exc:
            _record(args, project.name, spec, None, str(exc))
            print(f"asgideck: {exc}", file=sys.stderr)
            return EXIT_FAILED
        _record(args, project.name, spec, response, None)
        _print(response, out)
    return EXIT_OK if response.status < 400 else response.status // 100


def _login(credentials: str, base: str, timeout: float) -> BearerAuth | BasicAuth:
    user, _, password = credentials.partition(":")
    url, where = token_url(base, timeout)
    if url is None:
        print(f"asgideck: {where}; sending HTTP basic auth instead", file=sys.stderr)
        return BasicAuth(user, password)
    print(f"asgideck: logging in at {url} (the tokenUrl in {where})", file=sys.stderr)
    return BearerAuth(oauth2_password_token(base, url, user, password, timeout=timeout))


def _record(
    args: argparse.Namespace,
    project: str,
    spec: RequestSpec,
    response: ResponseRecord | None,
    error: str | None,
) -> None:
    if args.no_history:
        return
    history = History()
    try:
        history.add(project, spec, response, error)
    finally:
        history.close()


def _print(response: ResponseRecord, out: TextIO) -> None:
    print(f"{response.http_version} {response.status} {response.reason}", file=out)
    for name, value in response.headers:
        print(f"{name}: {value}", file=out)
    print(file=out)
    print(response.pretty(), file=out)
    notice = response.notice()
    if notice:
        print(f"\n({notice})", file=out)


__all__ = ["ItemError", "add_parser", "parse_items", "run", "running_base_url", "token_url"]
