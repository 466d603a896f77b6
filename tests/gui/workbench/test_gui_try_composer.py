"""The Try tab without a server: prefill from a route, required checks, JSON validation,
curl paste, shortcuts, the Authorize dialog's choices, and every item model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import QLineEdit

from asgideck.gui.tabs.workbench.models import HistoryModel, PairsModel, ParamsModel, WsLogModel
from asgideck.runtime.client import BearerAuth, History, WsMessage
from asgideck.runtime.openapi import Document, parse_document
from asgideck.runtime.workbench import Field
from support.try_view import Views

DOC = {
    "openapi": "3.1.0",
    "info": {"title": "shop", "version": "1"},
    "components": {
        "securitySchemes": {
            "OAuth2PasswordBearer": {
                "type": "oauth2",
                "flows": {"password": {"tokenUrl": "/auth/token", "scopes": {}}},
            },
            "Key": {"type": "apiKey", "in": "header", "name": "X-Key"},
        },
        "schemas": {
            "Item": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "price": {"type": "number"}},
            }
        },
    },
    "paths": {
        "/items/{item_id}": {
            "put": {
                "summary": "Replace an item",
                "security": [{"OAuth2PasswordBearer": []}],
                "parameters": [
                    {
                        "name": "item_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 20}},
                    {"name": "mode", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                    },
                },
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}


@pytest.fixture
def doc() -> Document:
    return parse_document(DOC)


def table(model: ParamsModel) -> list[tuple[str, str, bool]]:
    return [(f.name, f.value, f.enabled) for f in model.rows()]


def test_a_route_prefills_the_composer(views: Views, doc: Document) -> None:
    view = views("http://127.0.0.1:8000", doc)
    view.open_operation(doc.operations[0])
    composer = view.composer
    assert composer.method.currentText() == "PUT"
    assert composer.url.text() == "/items/{item_id}"
    assert composer.base_label.text() == "http://127.0.0.1:8000"
    assert table(composer.path_model) == [("item_id", "", True)]
    path_name = composer.path_model.index(0, ParamsModel.NAME)
    assert composer.path_model.data(path_name) == "item_id *"  # the required mark
    assert table(composer.query_model) == [("limit", "20", False), ("mode", "", True)]
    assert table(composer.headers_model) == [("X-Trace", "", False)]
    assert composer.body_kind.currentData() == "json"
    assert json.loads(composer.body_edit.toPlainText()) == {"name": "string", "price": 0}
    assert composer.json_status.text() == "Valid JSON."
    assert composer.highlighter.document() is composer.body_edit.document()
    assert composer.tabs.tabText(0) == "Params (2)"
    assert composer.auth_hint.text() == (
        "This route requires OAuth2PasswordBearer (OAuth2 password flow, token URL /auth/token)."
    )
    assert composer.auth_status.text() == "No authorization for this server."


def test_required_fields_are_checked_before_sending(views: Views, doc: Document) -> None:
    view = views("http://127.0.0.1:8000", doc)
    view.open_operation(doc.operations[0])
    assert view.send() is False
    assert view.banner.text() == (
        "Fill in before sending: path parameter 'item_id', query parameter 'mode'."
    )
    assert view._flight is None and view.response.chip.isHidden()
    view.composer.path_model.set_value("item_id", "5")
    view.composer.query_model.set_value("mode", "fast")
    view.composer.body_edit.setPlainText('{"name": 1,}')
    assert view.send() is False
    assert view.banner.text().startswith(
        "The JSON body is not valid. Invalid JSON: line 1, column 12"
    )
    assert view.composer.json_status.property("severity") == "error"


def test_url_placeholders_keep_the_path_table_in_step(views: Views) -> None:
    view = views("http://127.0.0.1:8000")
    composer = view.composer
    composer.url.setText("")
    composer.url.setFocus()
    for text in ("/a/{x}", "/a/{x}/b/{y}"):
        composer.url.setText(text)
        composer.url.textEdited.emit(text)
    composer.path_model.set_value("x", "1")
    composer.url.setText("/b/{y}/{x}")
    composer.url.textEdited.emit("/b/{y}/{x}")
    assert table(composer.path_model) == [("y", "", True), ("x", "1", True)]
    composer.url.setText("/plain")
    composer.url.textEdited.emit("/plain")
    assert table(composer.path_model) == []


def test_no_server_means_a_clear_message_not_a_request(views: Views) -> None:
    view = views(None)
    assert view.target_label.text() == "No server running"
    view.composer.url.setText("/health")
    assert view.send() is False
    assert "no server is running, so '/health' has nowhere to go" in view.banner.text()
    assert view.authorize() is None
    assert view.banner.text() == "Start a server first: credentials belong to a server."


def test_paste_curl_fills_the_composer_relative_to_the_server(views: Views) -> None:
    view = views("http://127.0.0.1:8000")
    command = (
        "curl -sS -X POST 'http://127.0.0.1:8000/items/7?mode=fast&mode=slow' "
        "-H 'X-Trace: abc' -H 'Content-Type: application/json' --data-binary '{\"name\": \"x\"}'"
    )
    QGuiApplication.clipboard().setText(command)
    view.actions_["paste_curl"].trigger()
    composer = view.composer
    assert (composer.method.currentText(), composer.url.text()) == ("POST", "/items/7")
    assert table(composer.query_model) == [("mode", "fast", True), ("mode", "slow", True)]
    headers = table(composer.headers_model)
    assert ("X-Trace", "abc", True) in headers
    assert composer.body_kind.currentData() == "json"
    assert json.loads(composer.body_edit.toPlainText()) == {"name": "x"}
    assert view.status.text().startswith("Filled the composer from the curl command.")
    assert view.paste_curl("ls -la") is False
    assert view.banner.text().startswith("Not a curl command I can read ('ls -la')")


def test_copy_as_curl_and_httpx_hold_the_request_with_its_credentials(views: Views) -> None:
    view = views("http://127.0.0.1:8000")
    view.workbench.set_auth(BearerAuth("secret-token"))
    view.composer.url.setText("/items")
    text = view.copy_curl()
    assert (
        text
        == "curl -sS -X GET http://127.0.0.1:8000/items -H 'Authorization: Bearer secret-token'"
    )
    assert QGuiApplication.clipboard().text() == text
    assert "includes this server's credentials" in view.status.text()
    snippet = view.copy_httpx()
    assert snippet is not None and "'Authorization', 'Bearer secret-token'" in snippet
    view.composer.use_auth.setChecked(False)
    assert view.copy_curl() == "curl -sS -X GET http://127.0.0.1:8000/items"


def test_shortcuts_reach_their_actions(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views(None)
    view.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is not None, timeout=5000)
    view.composer.url.setFocus()
    view.composer.url.setText("/health")
    qtbot.keyClick(view.composer.url, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "nowhere to go" in view.banner.text()  # Ctrl+Enter tried to send
    qtbot.keyClick(view.composer.url, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert view.modes.currentWidget() is view.ws_panel
    keys = {
        name: [k.toString() for k in action.shortcuts()] for name, action in view.actions_.items()
    }
    assert all(keys.values()), keys  # every action has a shortcut
    flat = [k for ks in keys.values() for k in ks]
    assert len(flat) == len(set(flat))  # and no two share one
    assert set(view.menu_actions()) == set(view.actions_.values())


def test_authorize_dialog_offers_the_documents_schemes(views: Views, doc: Document, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views("http://127.0.0.1:8000", doc)
    view.open_operation(doc.operations[0])
    dialog = view.authorize()
    assert dialog is not None
    labels = [dialog.choice.itemText(i) for i in range(dialog.choice.count())]
    assert labels == [
        "OAuth2PasswordBearer (OAuth2 password flow, token URL /auth/token)",
        "Key (API key 'X-Key' in the header)",
        "Bearer token (HTTP bearer token)",
        "HTTP basic (HTTP basic)",
        "API key (API key 'X-API-Key' in the header)",
    ]
    assert dialog.scheme.name == "OAuth2PasswordBearer"  # the route's scheme is preselected
    assert dialog.token_url.text() == "/auth/token"
    dialog.select_scheme("Key")
    assert dialog.key_name.text() == "X-Key"
    dialog.key_value.setText("k-1")
    dialog.submit()
    assert view.workbench.auth is not None and view.workbench.auth.value == "k-1"  # type: ignore[union-attr]
    expected = "Authorized: API key 'X-Key' in the header."
    qtbot.waitUntil(lambda: view.auth_label.text() == expected, timeout=5000)  # via the scope
    assert view.auth_flow.dialog is None  # the dialog closed itself
    assert "k-1" not in view.auth_label.text()


def test_params_model_edits_and_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = ParamsModel()
    model.set_rows([Field("id", "", required=True), Field("q", "x", enabled=False)])
    qtmodeltester.check(model)
    assert model.setData(model.index(1, ParamsModel.VALUE), "y")
    assert model.row(1) == Field("q", "y", enabled=True)  # typing a value ticks the row
    assert not model.setData(model.index(0, ParamsModel.NAME), "renamed")  # required: fixed
    assert model.remove_row(0) is False and model.remove_row(1) is True
    model.add_row("new", "v")
    model.setData(
        model.index(1, ParamsModel.SEND),
        Qt.CheckState.Unchecked.value,
        Qt.ItemDataRole.CheckStateRole,
    )
    assert model.row(1) == Field("new", "v", enabled=False)
    qtmodeltester.check(model)


def test_read_only_models_pass_the_model_tester(qtmodeltester, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pairs = PairsModel()
    pairs.set_rows([("content-type", "text/plain"), ("x", "1")])
    qtmodeltester.check(pairs)

    from asgideck.runtime.client import RequestSpec

    with History(tmp_path / "h.sqlite3") as history:
        history.add("p", RequestSpec("GET", "http://127.0.0.1:1/a"), None, "connection refused")
        history.add("p", RequestSpec("POST", "http://127.0.0.1:1/b"), None, "boom")
        entries = history.list("p")
    model = HistoryModel()
    model.set_rows(entries)
    qtmodeltester.check(model)
    assert model.data(model.index(0, HistoryModel.METHOD)) == "POST"
    assert model.data(model.index(0, HistoryModel.STATUS)) == "error"

    log = WsLogModel(limit=3)
    log.append([WsMessage(i, "sent" if i % 2 else "received", 0.0, f"m{i}") for i in range(1, 6)])
    qtmodeltester.check(log)
    assert [log.row(r).text for r in range(log.rowCount())] == ["m3", "m4", "m5"]  # type: ignore[union-attr]
    log.set_filter("m", "sent")
    assert [log.row(r).text for r in range(log.rowCount())] == ["m3", "m5"]  # type: ignore[union-attr]
    qtmodeltester.check(log)


def test_json_highlighter_colours_keys_strings_and_numbers(views: Views) -> None:
    view = views(None)
    composer = view.composer
    composer.body_kind.setCurrentIndex(composer.body_kind.findData("json"))
    composer.body_edit.setPlainText('{"key": "value", "n": 12, "t": true}')
    composer.validate_body()
    block = composer.body_edit.document().firstBlock()
    formats = {
        block.text()[r.start : r.start + r.length]: r.format.foreground().color().name()
        for r in block.layout().formats()
    }
    colours = composer.highlighter.formats
    assert formats['"key"'] == colours["key"].foreground().color().name()
    assert formats['"value"'] == colours["string"].foreground().color().name()
    assert formats["12"] == colours["number"].foreground().color().name()
    assert formats["true"] == colours["literal"].foreground().color().name()
    cursor = composer.body_edit.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    composer.body_edit.setTextCursor(cursor)
    composer.body_edit.insertPlainText("x" * 70_000)
    composer.validate_body()
    assert composer.highlighter.document() is None  # big bodies are not coloured


def test_insert_and_delete_keys_edit_a_params_table(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views(None)
    view.composer.tabs.setCurrentIndex(1)  # Headers
    table = view.composer.headers_table
    table.view.setFocus()
    qtbot.keyClick(table.view, Qt.Key.Key_Insert)
    assert view.composer.headers_model.rowCount() == 1
    editor = table.view.viewport().findChild(QLineEdit)  # Insert opened the name's editor
    assert editor is not None
    qtbot.keyClicks(editor, "X-Added")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next turn
    model = view.composer.headers_model
    qtbot.waitUntil(lambda: model.row(0).name == "X-Added", timeout=5000)  # type: ignore[union-attr]
    table.view.setFocus()
    qtbot.keyClick(table.view, Qt.Key.Key_Delete)
    assert view.composer.headers_model.rowCount() == 0
