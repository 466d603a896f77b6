"""The Middleware tab (issue 11, #9): a rebuilt stack leaves nothing stale painted, one
numbering scheme, and a line saying whose stack it is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from asgideck.gui.tabs.middleware import LayerCard, MiddlewareView
from asgideck.runtime.inspect import AppInfo, Inspection, MiddlewareLayer, Snapshot
from asgideck.runtime.project import open_project


def _layer(name: str, *, user: bool = False, added: int | None = None) -> MiddlewareLayer:
    return MiddlewareLayer(
        name=name,
        cls=name,
        module="app.core.middleware" if user else "starlette.middleware",
        qualname=name,
        kind="middleware",
        user=user,
        source="app/core/middleware.py:10" if user else None,
        added_index=added,
    )


ROUTER = MiddlewareLayer(
    name="Router", cls="Router", module="starlette.routing", qualname="Router",
    kind="router", user=False,
)  # fmt: skip


def _snapshot(layers: tuple[MiddlewareLayer, ...], *, server: str | None = None) -> Snapshot:
    info = AppInfo(
        app="app.main:app", app_class="FastAPI", fastapi="0.115", starlette="0.40",
        python="3.11", middleware=(*layers, ROUTER), routes=(), mounts=(), openapi=None,
        openapi_url=None, openapi_note="", root_path="", errors=(),
    )  # fmt: skip
    return Snapshot(info=info, source="server" if server else "probe", profile="development",
                    server=server)  # fmt: skip


MANY = (
    _layer("ServerErrorMiddleware"),
    _layer("RequestIDMiddleware", user=True, added=2),
    _layer("TimingMiddleware", user=True, added=1),
    _layer("CORSMiddleware", user=True, added=0),
    _layer("ExceptionMiddleware"),
)
FEW = (_layer("ServerErrorMiddleware"), _layer("GZipMiddleware", user=True, added=0))


@pytest.fixture
def inspection(project_copy: Path) -> Inspection:
    return Inspection(open_project(project_copy))


@pytest.fixture
def view(qtbot, inspection: Inspection) -> Iterator[MiddlewareView]:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app

    make_app()  # the real stylesheet and palette
    built = MiddlewareView(inspection)
    qtbot.addWidget(built)
    built.resize(700, 900)
    built.show()
    qtbot.waitExposed(built)
    yield built
    built.detach()


def _visible_cards(view: MiddlewareView) -> list[str]:
    return [card.title for card in view.findChildren(LayerCard) if card.isVisible()]


def test_a_rebuilt_stack_paints_only_the_current_cards(
    qtbot, view: MiddlewareView, inspection: Inspection
) -> None:  # type: ignore[no-untyped-def]
    inspection.apply(_snapshot(MANY))
    inspection.apply(_snapshot(MANY))
    inspection.apply(_snapshot(FEW))
    # Posted events run (the new cards show) but not the deferred deletes, which wait
    # for the event loop: the moment the screenshot script grabbed the window.
    QCoreApplication.processEvents()
    assert _visible_cards(view) == ["ServerErrorMiddleware", "GZipMiddleware"]
    assert view.layer_names() == ["ServerErrorMiddleware", "GZipMiddleware"]
    rebuilt = view.grab().toImage()

    fresh = MiddlewareView(inspection)  # built once, on the same snapshot
    qtbot.addWidget(fresh)
    fresh.resize(view.size())
    fresh.show()
    qtbot.waitExposed(fresh)
    try:
        assert _same_image(rebuilt, fresh.grab().toImage())
    finally:
        fresh.detach()


def _same_image(a: QImage, b: QImage) -> bool:
    a = a.convertToFormat(QImage.Format.Format_RGB32)
    b = b.convertToFormat(QImage.Format.Format_RGB32)
    return a.size() == b.size() and a == b


def test_cards_are_the_only_numbers_and_lifecycle_steps_are_words(
    view: MiddlewareView, inspection: Inspection
) -> None:  # type: ignore[no-untyped-def]
    inspection.apply(_snapshot(MANY))
    QCoreApplication.processEvents()  # new children show on a posted event
    texts = [label.text() for label in view.body.findChildren(QLabel) if label.isVisible()]
    card_texts = [text for text in texts if re.search(r"<b>\d+\. ", text)]
    numbers = [int(m.group(1)) for t in card_texts if (m := re.search(r"<b>(\d+)\. ", t))]
    assert numbers == [1, 2, 3, 4, 5]  # one scheme: 1..N outermost first
    others = [text for text in texts if text not in card_texts]
    for text in others:  # the lifecycle and arrows: no step numbers competing with the cards
        assert not re.search(r"\d", re.sub(r"<[^>]+>", "", text)), text
    added = [t for t in card_texts if "added" in t]
    assert any("added last → runs first (of 3)" in t for t in added)
    assert any("added second of 3" in t for t in added)
    assert not any("#" in re.sub(r"<[^>]+>", "", t) for t in added)


def test_the_view_says_whose_stack_it_shows(view: MiddlewareView, inspection: Inspection) -> None:  # type: ignore[no-untyped-def]
    inspection.apply(_snapshot(FEW))
    assert view.subject.isVisible()
    assert view.subject.text() == (
        "Middleware of app.main:app under profile development"
        " · as the probe sees it (no running server)"
    )
    inspection.apply(_snapshot(FEW, server="dev"))
    assert view.subject.text() == (
        "Middleware of app.main:app under profile development · server dev is running it"
    )
    view.set_subject("Server prod · profile production")  # the page names the selected server
    inspection.apply(_snapshot(FEW))
    assert view.subject.text() == "Server prod · profile production"
    view.set_subject("")
    assert "under profile development" in view.subject.text()
