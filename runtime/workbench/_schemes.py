"""The document's ``securitySchemes`` in the terms the Authorize dialog needs.

:func:`security_schemes` reads each scheme into a :class:`Scheme` (those asgideck
cannot use say why); :func:`auth_hint` tells the composer what a route accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from asgideck.runtime.client import ApiKeyLocation
from asgideck.runtime.openapi import Document
from asgideck.runtime.workbench._model import Draft
from asgideck.runtime.workbench._prefill import resolve_mapping

__all__ = ["Scheme", "SchemeKind", "auth_hint", "security_schemes"]

SchemeKind = Literal["oauth2-password", "bearer", "basic", "apikey", "unsupported"]


@dataclass(frozen=True)
class Scheme:
    """One ``securitySchemes`` entry in the terms the Authorize dialog needs."""

    name: str
    kind: SchemeKind
    token_url: str = ""
    scopes: Mapping[str, str] = field(default_factory=dict)
    key_name: str = ""
    location: ApiKeyLocation = "header"
    description: str = ""
    reason: str = ""  # why an unsupported scheme cannot be used here

    @property
    def label(self) -> str:
        what = {
            "oauth2-password": f"OAuth2 password flow, token URL {self.token_url}",
            "bearer": "HTTP bearer token",
            "basic": "HTTP basic",
            "apikey": f"API key {self.key_name!r} in the {self.location}",
            "unsupported": self.reason or "not supported here",
        }[self.kind]
        return f"{self.name} ({what})"


def security_schemes(doc: Document | None) -> list[Scheme]:
    """The document's security schemes; those asgideck cannot use say why (``reason``)."""
    if doc is None:
        return []
    out: list[Scheme] = []
    for name, raw in doc.security_schemes.items():
        node = resolve_mapping(doc, raw)
        kind = str(node.get("type", "")).lower()
        description = str(node.get("description", "") or "")
        if kind == "oauth2":
            out.append(_oauth2(str(name), node, description))
        elif kind == "http":
            scheme = str(node.get("scheme", "")).lower()
            if scheme in ("bearer", "basic"):
                out.append(Scheme(str(name), scheme, description=description))  # type: ignore[arg-type]
            else:
                reason = f"HTTP {scheme or '?'} authentication is not supported"
                out.append(Scheme(str(name), "unsupported", description=description, reason=reason))
        elif kind == "basic":  # Swagger 2.0
            out.append(Scheme(str(name), "basic", description=description))
        elif kind == "apikey":
            where = str(node.get("in", "header")).lower()
            location: ApiKeyLocation = (
                "query" if where == "query" else "cookie" if where == "cookie" else "header"
            )
            key = str(node.get("name", "") or name)
            out.append(
                Scheme(
                    str(name), "apikey", key_name=key, location=location, description=description
                )
            )
        else:
            reason = f"{kind or 'unknown'} schemes are not supported (use a bearer token)"
            out.append(Scheme(str(name), "unsupported", description=description, reason=reason))
    return out


def _oauth2(name: str, node: Mapping[str, Any], description: str) -> Scheme:
    flows = node.get("flows")
    if isinstance(flows, Mapping) and isinstance(flows.get("password"), Mapping):
        flow = flows["password"]
    elif str(node.get("flow", "")) == "password":  # Swagger 2.0
        flow = node
    else:
        found = ", ".join(sorted(flows)) if isinstance(flows, Mapping) else node.get("flow", "?")
        reason = f"only the OAuth2 password flow is supported (this scheme has: {found})"
        return Scheme(name, "unsupported", description=description, reason=reason)
    scopes = flow.get("scopes")
    return Scheme(
        name,
        "oauth2-password",
        token_url=str(flow.get("tokenUrl", "")),
        scopes={str(k): str(v) for k, v in scopes.items()} if isinstance(scopes, Mapping) else {},
        description=description,
    )


def auth_hint(doc: Document | None, draft: Draft) -> str:
    """One sentence on the authorization the route wants, for the composer."""
    if not draft.security:
        return "This route needs no authorization."
    known = {s.name: s for s in security_schemes(doc)}
    shown = [known[n].label if n in known else n for n in draft.security]
    lead = "This route accepts" if draft.auth_optional else "This route requires"
    return f"{lead} {' or '.join(shown)}."
