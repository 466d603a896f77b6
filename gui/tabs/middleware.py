"""Middleware tab: the request's path through the real stack, outermost first, to the
router and endpoint, and the response back up — with the course's lifecycle steps
described (in words, so the cards' 1..N is the only numbering) on the layers that do them.

A line on top says whose stack it is: the app, the profile it was inspected under, and
the server running it (the page may name the selected server with ``set_subject``)."""

from __future__ import annotations

import html
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from asgideck.gui.core import theme
from asgideck.gui.core.widgets import Banner, muted, section_title
from asgideck.runtime.inspect import Inspection, MiddlewareLayer, Snapshot

# The seed course's request lifecycle, as the real stack performs it. No step numbers:
# the cards are numbered 1..N outermost first, and a second scheme beside it confused.
LIFECYCLE_IN = (
    "the client's request reaches the ASGI server (uvicorn), which calls the app "
    "with scope, receive and send"
)
LIFECYCLE_MIDDLEWARE = "through every layer, top to bottom"
LIFECYCLE_ROUTER = "matches the path and method to a route"
LIFECYCLE_ENDPOINT = (
    "dependencies resolved, parameters extracted and the request validated; your endpoint "
    "runs; the response is built and validated against response_model"
)
LIFECYCLE_OUT = "climbs back up the same layers, innermost first, and is sent to the client"
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")


def _ordinal(index: int) -> str:
    """``0`` → "first": the add order in words, so it does not compete with card numbers."""
    return ORDINALS[index] if index < len(ORDINALS) else f"number {index + 1}"


class LayerCard(QFrame):
    """One layer of the stack: name, where it comes from, its options."""

    def __init__(self, layer: MiddlewareLayer, position: int, total_user: int) -> None:
        super().__init__()
        self.layer = layer
        self.setObjectName("LayerCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        colour = theme.ACCENT if layer.user else "palette(mid)"
        self.setStyleSheet(
            f"#LayerCard {{ border: 1px solid {colour}; border-left: 4px solid {colour};"
            " border-radius: 6px; }"
        )
        title = (
            layer.function.rsplit(":", 1)[-1] + " (http middleware)"
            if layer.function
            else layer.name
        )
        where = layer.source or layer.defined_at
        if not layer.user:  # built-in layers: one quiet line, no site-packages paths
            path = f"{html.escape(layer.module)}.{html.escape(layer.qualname)}"
            lines = [
                f"<b>{position}. {html.escape(title)}</b> <i>— built in</i> · <code>{path}</code>"
            ]
        else:
            lines = [f"<b>{position}. {html.escape(title)}</b> <i>— your middleware</i>"]
            lines.append(f"<code>{html.escape(layer.module)}.{html.escape(layer.qualname)}</code>")
            if layer.added_index is not None and total_user > 1:
                last, first = layer.added_index == total_user - 1, layer.added_index == 0
                order = (
                    "added last → runs first"
                    if last
                    else "added first → runs last"
                    if first
                    else ""
                )
                lines.append(
                    f"{order} (of {total_user})"
                    if order
                    else f"added {_ordinal(layer.added_index)} of {total_user}"
                )
            if where:
                lines.append(f"source {html.escape(where)}")
        if layer.note:
            lines.append(f"<i>{html.escape(layer.note)}</i>")
        label = QLabel("<br>".join(lines))
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        if layer.options:
            options = QLabel(json.dumps(dict(layer.options), indent=1, default=str))
            options.setFont(theme.mono_font())
            options.setWordWrap(True)
            options.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(options)

    @property
    def title(self) -> str:
        return self.layer.name


def _arrow(text: str) -> QLabel:
    label = QLabel(f"↓  {text}" if text else "↓")
    label.setObjectName("Muted")
    label.setAlignment(Qt.AlignmentFlag.AlignLeft)
    return label


class MiddlewareView(QWidget):
    def __init__(self, inspection: Inspection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspection = inspection
        self.banner = Banner()
        self.subject = QLabel("")
        self.subject.setObjectName("Subject")
        self.subject.setWordWrap(True)
        self.subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._subject_override = ""
        self.note = muted("")
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.subject)
        layout.addWidget(self.note)
        layout.addWidget(scroll, 1)
        self.cards: list[LayerCard] = []
        inspection.changed.connect(self._on_changed)
        self._on_changed(inspection.snapshot)

    def detach(self) -> None:
        """Stop listening to the inspection (the page is closing)."""
        self.inspection.changed.disconnect(self._on_changed)

    def set_subject(self, text: str) -> None:
        """Say whose stack this is (e.g. "Server prod · profile production"); an empty
        text goes back to what the inspection says."""
        self._subject_override = text
        self._show_subject(self.inspection.snapshot)

    def _show_subject(self, snapshot: Snapshot) -> None:
        if self._subject_override:
            self.subject.setText(self._subject_override)
            return
        if snapshot.info is None:
            self.subject.setText("")
            return
        text = f"Middleware of {snapshot.info.app}"
        if snapshot.profile:
            text += f" under profile {snapshot.profile}"
        if snapshot.server:
            text += f" · server {snapshot.server} is running it"
        else:
            text += " · as the probe sees it (no running server)"
        self.subject.setText(text)

    def _clear(self) -> None:
        # Hide before the deferred delete: a card only taken out of the layout stays
        # painted where it was until deleteLater runs, on top of the new cards.
        while (item := self.body_layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.cards = []

    def _on_changed(self, snapshot: Snapshot) -> None:
        self._clear()
        self._show_subject(snapshot)
        info = snapshot.info
        if info is None:
            self.note.setText("Inspecting the app…")
            return
        if info.errors:
            first = info.errors[0]
            self.banner.show_message(f"{first.type}: {first.message}", "error")
        else:
            self.banner.clear_message()
        user = info.user_middleware()
        if len(user) > 1:
            self.note.setText(
                "Starlette's add_middleware puts each new layer outside the earlier ones: "
                "the middleware added last runs first on the way in. This is the order "
                "the built stack really has."
            )
        else:
            self.note.setText("The stack as built by the app (app.build_middleware_stack()).")
        self._stack("Request", info.middleware, len(user))
        for mount in info.mounts:
            self.body_layout.addWidget(section_title(f"Mounted at {mount.path}: {mount.app}"))
            if mount.opaque:
                self.body_layout.addWidget(
                    muted(mount.detail or "opaque: asgideck cannot look inside")
                )
            else:
                mounted_user = sum(1 for layer in mount.middleware if layer.user)
                self._stack(f"Request under {mount.path}", mount.middleware, mounted_user)

    def _stack(self, title: str, layers: tuple[MiddlewareLayer, ...], total_user: int) -> None:
        self.body_layout.addWidget(section_title(f"{title} ↓"))
        self.body_layout.addWidget(_arrow(LIFECYCLE_IN))
        middle = [layer for layer in layers if layer.kind != "router"]
        for position, layer in enumerate(middle, start=1):
            card = LayerCard(layer, position, total_user)
            self.cards.append(card)
            self.body_layout.addWidget(card)
            self.body_layout.addWidget(_arrow(LIFECYCLE_MIDDLEWARE if position == 1 else ""))
        router = next((layer for layer in layers if layer.kind == "router"), None)
        router_label = QLabel(
            f"<b>Router</b> <code>{html.escape(router.qualname if router else 'Router')}</code>"
            f" — {html.escape(LIFECYCLE_ROUTER)}"
        )
        self.body_layout.addWidget(router_label)
        self.body_layout.addWidget(_arrow(""))
        endpoint = QLabel(f"<b>Endpoint</b> — {html.escape(LIFECYCLE_ENDPOINT)}")
        endpoint.setWordWrap(True)
        self.body_layout.addWidget(endpoint)
        back = QLabel(f"↑  <b>Response</b> — {html.escape(LIFECYCLE_OUT)}")
        back.setWordWrap(True)
        self.body_layout.addWidget(back)

    def layer_names(self) -> list[str]:
        """Outermost first (for tests and the screenshot)."""
        return [card.title for card in self.cards]
