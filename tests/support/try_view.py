"""Helpers for the Try tab's GUI tests: loopback servers and a view on a fresh workbench.

The loopback servers come from :mod:`support.loopback` (real uvicorn children on
free ports, always stopped).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from asgideck.runtime.openapi import Document, parse_bytes
from support import APPS
from support.loopback import (
    DEMO_USER,
    free_port,
    serve,
    serve_echo,
    serve_sample,
)

__all__ = [
    "DEMO_USER",
    "fetch_document",
    "free_port",
    "operation",
    "serve_echo",
    "serve_sample",
    "serve_stream",
]


@contextmanager
def serve_stream(log_dir: Path) -> Iterator[str]:
    """The streaming app of ``try_stream_app.py`` on a free loopback port."""
    with serve("try_stream_app:app", app_dir=APPS, log=log_dir / "stream-server.log") as url:
        yield url


def fetch_document(base_url: str) -> Document:
    """The running server's OpenAPI document, parsed."""
    response = httpx.get(base_url + "/openapi.json", timeout=10)
    response.raise_for_status()
    return parse_bytes(response.content)


def operation(doc: Document, method: str, path: str):  # type: ignore[no-untyped-def]
    found = [op for op in doc.operations if op.method == method and op.path == path]
    assert found, f"no {method} {path} in the document"
    return found[0]


class Views:
    """Builds Try views on fresh workbenches; :meth:`close` detaches them all."""

    def __init__(self, qtbot, history_path: Path) -> None:  # type: ignore[no-untyped-def]
        self.qtbot = qtbot
        self.history_path = history_path
        self.built: list = []  # type: ignore[type-arg]

    def __call__(self, target: str | None = None, doc: Document | None = None, **kwargs):  # type: ignore[no-untyped-def]
        from asgideck.gui.app import make_app
        from asgideck.gui.core.tasks import TaskRunner
        from asgideck.gui.tabs.workbench.view import TryView
        from asgideck.runtime.client import TokenStore
        from asgideck.runtime.workbench import Workbench

        make_app()
        workbench = Workbench(
            "try-tests", self.history_path, tokens=kwargs.pop("tokens", None) or TokenStore()
        )
        if target is not None:
            workbench.set_target(kwargs.pop("name", "dev"), target, kwargs.pop("root_path", ""))
        if doc is not None:
            workbench.set_document(doc)
        runner = TaskRunner()
        view = TryView(workbench, runner)
        view.resize(1100, 720)
        self.qtbot.addWidget(view)
        view.show()
        self.built.append(view)
        return view

    def close(self) -> None:
        for view in self.built:
            view.detach()
            view.runner.wait(15_000)
