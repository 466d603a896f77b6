"""The detail pane's HTML for one route: parameters, body, responses, dependencies, source."""

from __future__ import annotations

import html
import json
from typing import Any

from asgideck.gui.tabs.routes.model import METHOD_COLOURS
from asgideck.runtime.inspect import Dependency, RouteEntry
from asgideck.runtime.openapi import Document, OpenAPIError, body_example

MAX_SCHEMA_CHARS = 6_000
#: what the detail pane says before a route is selected
EMPTY_HINT = "Select a route to see its parameters, body and dependencies."
_DEP_INDENT_PX = 18


def _e(text: object) -> str:
    return html.escape(str(text))


def _pretty(value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    if len(text) > MAX_SCHEMA_CHARS:
        text = text[:MAX_SCHEMA_CHARS] + "\n… (cut)"
    return f"<pre>{_e(text)}</pre>"


def _schema_label(doc: Document | None, schema: Any, depth: int = 0) -> str:
    """The schema's type as written: ``string | null`` for ``str | None`` (an ``anyOf``),
    a ``$ref``'s name, ``array of X``; never ``object`` for something that is not one."""
    if not isinstance(schema, dict) or depth > 4:
        return ""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            labels = [_schema_label(doc, option, depth + 1) or "any" for option in options]
            joiner = " & " if key == "allOf" else " | "
            return joiner.join(dict.fromkeys(labels))
    kind = schema.get("type", "")
    if isinstance(kind, list):
        kind = " | ".join(map(str, kind))
    if kind == "array" and isinstance(schema.get("items"), dict):
        inner = _schema_label(doc, schema["items"], depth + 1)
        kind = f"array of {inner}" if inner else kind
    fmt = schema.get("format")
    if kind:
        return f"{kind}{f' ({fmt})' if fmt else ''}"
    if "properties" in schema:
        return "object"
    return "any"


def short_source(source: str) -> str:
    """``…/site-packages/fastapi/security/oauth2.py:12`` → ``fastapi/security/oauth2.py:12``:
    an installed package's file named from its package (the full path is the tooltip)."""
    for marker in ("site-packages/", "dist-packages/"):
        cut = source.rfind(marker)
        if cut >= 0:
            return source[cut + len(marker) :]
    return source


def render_empty() -> str:
    return f"<p style='color:gray'><i>{_e(EMPTY_HINT)}</i></p>"


def render(entry: RouteEntry, doc: Document | None) -> str:
    colour = METHOD_COLOURS.get(entry.method, "#6b7280")
    style = "text-decoration: line-through;" if entry.deprecated else ""
    parts = [
        f'<h3><span style="color:{colour}">{_e(entry.method)}</span> '
        f'<code style="{style}">{_e(entry.path)}</code></h3>'
    ]
    if entry.summary:
        parts.append(f"<p>{_e(entry.summary)}</p>")
    notes = []
    if entry.deprecated:
        notes.append("deprecated")
    if entry.kind == "websocket":
        notes.append("WebSocket route: OpenAPI does not describe it")
    if entry.kind == "http" and not entry.in_schema:
        notes.append("not in the OpenAPI schema (include_in_schema=False)")
    if notes:
        parts.append(f"<p><i>{_e('; '.join(notes))}</i></p>")
    route = entry.route
    if route is not None:
        facts = []
        if route.endpoint:
            facts.append(f"endpoint <code>{_e(route.endpoint)}</code>")
        if route.source:
            facts.append(f'<a href="source:{_e(route.source)}">{_e(route.source)}</a>')
        if route.response_model:
            facts.append(f"response model <code>{_e(route.response_model)}</code>")
        if route.status_code:
            facts.append(f"status {route.status_code}")
        if route.mount:
            facts.append(f"under mount <code>{_e(route.mount)}</code>")
        if facts:
            parts.append("<p>" + " · ".join(facts) + "</p>")
    op = entry.operation
    if op is not None:
        if op.description and op.description != op.summary:
            parts.append(f"<p>{_e(op.description)}</p>")
        if op.parameters:
            rows = "".join(
                f"<tr><td><code>{_e(p.name)}</code>{' *' if p.required else ''}</td>"
                f"<td>{_e(p.location)}</td><td>{_e(_schema_label(doc, p.schema))}</td>"
                f"<td>{_e(p.description)}</td></tr>"
                for p in op.parameters
            )
            legend = (
                "<p><small>* required</small></p>" if any(p.required for p in op.parameters) else ""
            )
            parts.append(
                "<h4>Parameters</h4><table cellpadding=3>"
                "<tr><th align=left>name</th><th align=left>in</th><th align=left>type</th>"
                f"<th align=left></th></tr>{rows}</table>{legend}"
            )
        if op.request_body is not None:
            body = op.request_body
            kinds = ", ".join(body.content_types)
            parts.append(f"<h4>Request body{' (required)' if body.required else ''}</h4>")
            parts.append(f"<p>{_e(kinds)}</p>")
            if doc is not None:
                try:
                    parts.append(_pretty(body_example(doc, body)))
                except OpenAPIError as exc:
                    parts.append(f"<p><i>{_e(exc)}</i></p>")
        if op.responses:
            rows = "".join(
                f"<tr><td><b>{_e(code)}</b></td><td>{_e(resp.get('description', ''))}</td></tr>"
                for code, resp in op.responses.items()
            )
            parts.append(f"<h4>Responses</h4><table cellpadding=3>{rows}</table>")
        if op.security:
            names = sorted({name for req in op.security for name in req})
            parts.append(f"<p>Security: {_e(', '.join(names))}</p>")
    if route is not None and route.dependencies:
        parts.append("<h4>Dependencies</h4>" + _deps(route.dependencies))
    return "".join(parts)


def _deps(deps: tuple[Dependency, ...], depth: int = 0) -> str:
    """One line per dependency, each level indented by the same step, never wrapped
    (Qt's nested lists indent unevenly); installed packages' paths are shortened."""
    lines = []
    for dep in deps:
        label = dep.callable or dep.call or dep.name or "?"
        marks = []
        if dep.is_generator:
            marks.append("yield")
        if not dep.use_cache:
            marks.append("not cached")
        if dep.scopes:
            marks.append("scopes " + ", ".join(dep.scopes))
        if dep.security:
            marks.append("security")
        where = ""
        if dep.source:
            where = (
                f' — <a href="source:{_e(dep.source)}" title="{_e(dep.source)}">'
                f"{_e(short_source(dep.source))}</a>"
            )
        mark = f" <i>({_e(', '.join(marks))})</i>" if marks else ""
        bullet = "•" if depth == 0 else "◦"
        lines.append(
            f'<p style="margin-top:0; margin-bottom:2px; margin-left:{depth * _DEP_INDENT_PX}px;'
            f' white-space:pre">{bullet} <code>{_e(label)}</code>{mark}{where}</p>'
        )
        if dep.dependencies:
            lines.append(_deps(dep.dependencies, depth + 1))
    return "".join(lines)
