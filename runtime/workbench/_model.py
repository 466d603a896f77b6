"""The composer's contents as plain data (:class:`Draft`, :class:`Field`) and how they
become the :class:`~asgideck.runtime.client.RequestSpec` the Sender sends.

Keeping it out of Qt makes the required-field check testable without a window;
the builders live in ``_prefill`` (from a route) and ``_draft`` (back from a spec).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from asgideck.runtime.client import BodyKind, MultipartBody, RequestSpec

__all__ = ["Draft", "Field", "path_placeholders"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}")


@dataclass
class Field:
    """One row of a params table. ``enabled`` rows are sent; ``required`` ones must be."""

    name: str
    value: str = ""
    enabled: bool = True
    required: bool = False
    description: str = ""

    @property
    def is_file(self) -> bool:
        """A multipart row whose value is ``@path`` sends that file (curl's ``-F`` rule)."""
        return self.value.startswith("@") and len(self.value) > 1


@dataclass
class Draft:
    """Everything the composer holds, in the composer's own terms."""

    method: str = "GET"
    path: str = "/"
    path_params: list[Field] = field(default_factory=list)
    query: list[Field] = field(default_factory=list)
    headers: list[Field] = field(default_factory=list)
    cookies: list[Field] = field(default_factory=list)
    body_kind: BodyKind = "none"
    body_text: str = ""
    form: list[Field] = field(default_factory=list)
    content_type: str = ""
    body_required: bool = False
    timeout: float = 30.0
    follow_redirects: bool = False
    verify: bool = True
    security: tuple[str, ...] = ()
    auth_optional: bool = True
    title: str = ""

    def missing(self) -> list[str]:
        """What must be filled in before sending, e.g. ``["path parameter 'item_id'"]``."""
        values = {f.name: f.value for f in self.path_params}
        out = [
            f"path parameter {name!r}"
            for name in path_placeholders(self.path)
            if values.get(name, "") == ""
        ]
        for kind, rows in (("query", self.query), ("header", self.headers)):
            out += [
                f"{kind} parameter {f.name!r}"
                for f in rows
                if f.required and (not f.enabled or f.value == "")
            ]
        out += [
            f"cookie {f.name!r}"
            for f in self.cookies
            if f.required and (not f.enabled or not f.value)
        ]
        if self.body_kind in ("form", "multipart"):
            out += [
                f"form field {f.name!r}"
                for f in self.form
                if f.required and (not f.enabled or f.value == "")
            ]
        elif self.body_required and (
            self.body_kind == "none"
            or (self.body_kind in ("json", "raw") and not self.body_text.strip())
        ):
            out.append("the request body")
        return out

    def to_spec(self, *, base_url: str = "", root_path: str = "", auth: Any = None) -> RequestSpec:
        """The spec to send (path relative to ``base_url`` + ``root_path`` unless absolute)."""
        body: Any = None
        kind: BodyKind = self.body_kind
        if kind in ("json", "raw"):
            body = self.body_text if self.body_text.strip() or kind == "raw" else None
            if body is None or (kind == "raw" and body == ""):
                kind, body = "none", None
        elif kind == "form":
            body = tuple((f.name, f.value) for f in self.form if f.enabled and f.name)
        elif kind == "multipart":
            rows = [f for f in self.form if f.enabled and f.name]
            body = MultipartBody(
                fields=tuple((f.name, f.value) for f in rows if not f.is_file),
                files=tuple((f.name, f.value[1:]) for f in rows if f.is_file),
            )
        return RequestSpec(
            method=self.method.strip().upper() or "GET",
            url=self.path.strip() or "/",
            base_url=base_url,
            root_path=root_path,
            path_params={f.name: f.value for f in self.path_params if f.name},
            query=tuple((f.name, f.value) for f in self.query if f.enabled and f.name),
            headers=tuple((f.name, f.value) for f in self.headers if f.enabled and f.name),
            cookies={f.name: f.value for f in self.cookies if f.enabled and f.name},
            body_kind=kind,
            body=body,
            content_type=self.content_type or None,
            timeout=self.timeout,
            follow_redirects=self.follow_redirects,
            auth=auth,
            verify=self.verify,
        )


def path_placeholders(path: str) -> list[str]:
    """The ``{name}`` placeholders of a route path, in order, without duplicates."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(path)))
