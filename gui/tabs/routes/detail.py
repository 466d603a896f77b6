"""The detail pane's HTML for one route: parameters, body, responses, dependencies, source."""

from __future__ import annotations

import html
import json
from typing import Any

from asgideck.gui.tabs.routes.model import METHOD_COLOURS
from asgideck.runtime.inspect import Dependency, RouteEntry
from asgideck.runtime.openapi import Document, OpenAPIError, body_example

MAX_SCHEMA_CHARS = 6_000


def _e(text: object) -> str:
    return html.escape(str(text))


def _pretty(value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    if len(text) > MAX_SCHEMA_CHARS:
        text = text[:MAX_SCHEMA_CHARS] + "\n… (cut)"
    return f"<pre>{_e(text)}</pre>"


def _schema_label(doc: Document | None, schema: Any) -> str:
    if not isinstance(schema, dict):
        return ""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    kind = schema.get("type", "")
    if isinstance(kind, list):
        kind = " | ".join(map(str, kind))
    fmt = schema.get("format")
    return f"{kind}{f' ({fmt})' if fmt else ''}" or ("any" if not schema else "object")


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
            parts.append(
                "<h4>Parameters</h4><table cellpadding=3>"
                "<tr><th align=left>name</th><th align=left>in</th><th align=left>type</th>"
                f"<th align=left></th></tr>{rows}</table><p><small>* required</small></p>"
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


def _deps(deps: tuple[Dependency, ...]) -> str:
    items = []
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
        where = f' — <a href="source:{_e(dep.source)}">{_e(dep.source)}</a>' if dep.source else ""
        mark = f" <i>({_e(', '.join(marks))})</i>" if marks else ""
        sub = _deps(dep.dependencies) if dep.dependencies else ""
        items.append(f"<li><code>{_e(label)}</code>{mark}{where}{sub}</li>")
    return "<ul>" + "".join(items) + "</ul>"
