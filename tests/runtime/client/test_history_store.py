"""History: stored per project, searchable, re-sendable, capped, deletable, thread-safe."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from asgideck.runtime.client import (
    BearerAuth,
    History,
    HistoryUnavailable,
    MultipartBody,
    RequestFailed,
    RequestSpec,
    ResponseRecord,
)
from asgideck.runtime.errors import AsgideckError, NotFound

BASE = "http://127.0.0.1:8000"


def _response(status: int = 200, body: bytes = b'{"ok": true}', **kw: object) -> ResponseRecord:
    fields: dict[str, object] = {
        "status": status,
        "reason": "OK",
        "http_version": "HTTP/1.1",
        "headers": (("content-type", "application/json"),),
        "body": body,
        "body_file": None,
        "size": len(body),
        "truncated": False,
        "content_type": "application/json",
        "elapsed_s": 0.01,
        "ttfb_s": 0.005,
        "url": BASE,
    }
    fields.update(kw)
    return ResponseRecord(**fields)  # type: ignore[arg-type]


def test_default_location_is_the_user_state_dir(_private_state: Path) -> None:
    with History() as history:
        assert history.path == _private_state / "history.sqlite3"
        history.add("p", RequestSpec("GET", "/x", base_url=BASE), _response())
    assert (_private_state / "history.sqlite3").exists()


def test_add_list_get_newest_first_per_project(tmp_path: Path) -> None:
    with History(tmp_path / "h.db") as history:
        first = history.add("alpha", RequestSpec("GET", "/items", base_url=BASE), _response())
        second = history.add(
            "alpha",
            RequestSpec("POST", "/items", base_url=BASE, body_kind="json", body={"n": 1}),
            _response(201),
        )
        history.add("beta", RequestSpec("GET", "/other", base_url=BASE), _response())
        entries = history.list("alpha")
        assert [e.id for e in entries] == [second, first]
        assert entries[0].method == "POST" and entries[0].status == 201
        assert entries[0].url == BASE + "/items"
        assert history.get(first).response_body == b'{"ok": true}'
        assert [e.url for e in history.list("beta")] == [BASE + "/other"]
        assert history.projects() == ["alpha", "beta"]
        assert history.count() == 3 and history.count("alpha") == 2


def test_search_matches_url_method_status_and_bodies(tmp_path: Path) -> None:
    with History(tmp_path / "h.db") as history:
        history.add("p", RequestSpec("GET", "/users/me", base_url=BASE), _response(401))
        history.add(
            "p",
            RequestSpec("POST", "/items", base_url=BASE, body_kind="json", body={"name": "Gizmo"}),
            _response(body=b'{"id": 42, "label": "Sprocket"}'),
        )
        history.add("p", RequestSpec("DELETE", "/items/1", base_url=BASE), None, "timed out")

        def found(term: str) -> list[str]:
            return [e.url.removeprefix(BASE) for e in history.list("p", term)]

        assert found("users") == ["/users/me"]
        assert found("401") == ["/users/me"]
        assert found("delete") == ["/items/1"]
        assert found("gizmo") == ["/items"]  # request body
        assert found("SPROCKET") == ["/items"]  # response body, case-insensitive
        assert found("timed out") == ["/items/1"]  # error text
        assert found("%") == []  # no LIKE wildcards
        assert len(history.list("p", limit=2)) == 2


def test_error_entries_have_no_response(tmp_path: Path) -> None:
    with History(tmp_path / "h.db") as history:
        entry_id = history.add(
            "p", RequestSpec("GET", "/x", base_url=BASE), None, "connection refused"
        )
        entry = history.get(entry_id)
    assert (entry.status, entry.error, entry.response_body) == (None, "connection refused", b"")


def test_spec_of_gives_back_a_sendable_spec(tmp_path: Path) -> None:
    spec = RequestSpec(
        "PUT",
        "/items/{item_id}",
        base_url=BASE,
        root_path="/api",
        path_params={"item_id": "7"},
        query=(("q", "a b"),),
        headers=(("X-Trace", "1"),),
        body_kind="multipart",
        body=MultipartBody((("title", "x"),), (("file", "/tmp/a.png"),)),
        timeout=5.0,
        follow_redirects=True,
        auth=BearerAuth("tok-abcdef"),
    )
    with History(tmp_path / "h.db") as history:
        back = history.spec_of(history.get(history.add("p", spec, _response())))
    assert back.auth == BearerAuth("****")  # redacted: the GUI re-applies the current token
    assert back == RequestSpec(**{**spec.__dict__, "auth": BearerAuth("****")})


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("json", '{"a": [1, 2]}'),
        ("json", {"a": {"b": None}}),
        ("form", (("a", "1"), ("b", "2"))),
        ("raw", "plain text"),
        ("raw", b"\x00\xffbinary"),
        ("none", None),
    ],
)
def test_every_body_kind_round_trips(tmp_path: Path, kind: str, body: object) -> None:
    spec = RequestSpec("POST", BASE + "/x", body_kind=kind, body=body)  # type: ignore[arg-type]
    with History(tmp_path / "h.db") as history:
        back = history.spec_of(history.get(history.add("p", spec, None, "x")))
    assert (back.body_kind, back.body) == (kind, body)


def test_entry_cap_prunes_the_oldest(tmp_path: Path) -> None:
    with History(tmp_path / "h.db", max_entries=5) as history:
        ids = [
            history.add("p", RequestSpec("GET", f"/n{i}", base_url=BASE), None, "e")
            for i in range(8)
        ]
        assert [e.id for e in history.list("p")] == ids[::-1][:5]
        with pytest.raises(NotFound, match=f"history entry {ids[0]} does not exist"):
            history.get(ids[0])


def test_byte_cap_prunes_the_oldest_and_bodies_are_capped(tmp_path: Path) -> None:
    big = b"x" * 5000
    with History(tmp_path / "h.db", max_body=1000, max_bytes=6000) as history:
        ids = [
            history.add(
                "p",
                RequestSpec("GET", f"/n{i}", base_url=BASE),
                _response(body=big, content_type="text/plain", headers=()),
            )
            for i in range(10)
        ]
        kept = [e.id for e in history.list("p")]
        entry = history.get(kept[0])
    assert entry.response_body == b"x" * 1000 and entry.body_truncated
    assert kept == ids[::-1][: len(kept)] and 3 <= len(kept) <= 5


def test_delete_and_clear(tmp_path: Path) -> None:
    with History(tmp_path / "h.db") as history:
        a = history.add("p", RequestSpec("GET", "/a", base_url=BASE), None, "e")
        history.add("p", RequestSpec("GET", "/b", base_url=BASE), None, "e")
        history.add("q", RequestSpec("GET", "/c", base_url=BASE), None, "e")
        history.delete(a)
        assert [e.url for e in history.list("p")] == [BASE + "/b"]
        history.clear("p")
        assert history.list("p") == [] and history.count("q") == 1
        history.clear()
        assert history.count() == 0


def test_entries_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with History(path) as history:
        entry_id = history.add("p", RequestSpec("GET", "/a", base_url=BASE), _response())
    with History(path) as history:
        assert history.get(entry_id).status == 200


def test_adding_from_many_threads(tmp_path: Path) -> None:
    with History(tmp_path / "h.db") as history:
        errors: list[BaseException] = []

        def work(n: int) -> None:
            try:
                for i in range(20):
                    history.add("p", RequestSpec("GET", f"/t{n}/{i}", base_url=BASE), _response())
                    history.list("p", "t", limit=5)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and history.count("p") == 80


def test_a_corrupt_file_is_moved_aside_once_and_a_fresh_one_started(tmp_path: Path) -> None:
    """Review M5: a file SQLite calls "not a database" would fail every call forever."""
    path = tmp_path / "h.db"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(HistoryUnavailable) as caught:
        History(path)
    [moved] = tmp_path.glob("h.db.damaged-*")
    assert caught.value.moved_to == moved and caught.value.path == path
    assert str(caught.value) == (
        f"cannot open the request history {path}: file is not a database;"
        f" moved it aside to {moved} and started a fresh one"
    )
    assert moved.read_bytes() == garbage  # kept as it was, for whoever wants to look
    with History(path) as history:  # the next call works, and nothing more is moved
        history.add("p", RequestSpec("GET", "/x", base_url=BASE), _response())
        assert history.count() == 1
    assert list(tmp_path.glob("h.db.damaged-*")) == [moved]
    assert path.stat().st_mode & 0o777 == 0o600


# --- issue 10, defect 8: a broken history is its own error, never "the request failed"


def test_history_errors_are_not_request_failures() -> None:
    assert not issubclass(HistoryUnavailable, RequestFailed)
    assert issubclass(HistoryUnavailable, AsgideckError)


def test_a_folder_where_the_file_should_be(tmp_path: Path) -> None:
    (tmp_path / "h.db").mkdir()
    with pytest.raises(HistoryUnavailable) as caught:
        History(tmp_path / "h.db")
    assert str(caught.value).startswith(f"cannot open the request history {tmp_path / 'h.db'}: ")
    assert caught.value.path == tmp_path / "h.db"


def test_a_state_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "home").write_text("not a folder")
    with pytest.raises(HistoryUnavailable, match=r"cannot open the request history .*home"):
        History(tmp_path / "home" / "h.db")


def test_damage_found_after_opening_is_a_history_error(tmp_path: Path) -> None:
    """Only the first page (the schema) is intact: opening works, writing and reading do not."""
    path = tmp_path / "h.db"
    with History(path) as history:
        for i in range(30):
            history.add("p", RequestSpec("GET", f"/n{i}", base_url=BASE), _response())
    data = path.read_bytes()
    page = int.from_bytes(data[16:18], "big")
    path.write_bytes(data[:page] + b"\xa5" * (len(data) - page))
    with History(path) as history:
        with pytest.raises(HistoryUnavailable, match=r"cannot write to the request history ") as c:
            history.add("p", RequestSpec("GET", "/x", base_url=BASE), _response())
        # Damage is damage whenever it is found: moved aside, and this History goes on.
        assert c.value.moved_to is not None and c.value.moved_to.exists()
        assert f"moved it aside to {c.value.moved_to}" in str(c.value)
        assert history.list("p") == []
        history.add("p", RequestSpec("GET", "/y", base_url=BASE), _response())
        assert [entry.url for entry in history.list("p")] == [f"{BASE}/y"]


def test_a_folder_in_the_way_is_never_moved_aside(tmp_path: Path) -> None:
    """Only damage moves a file: a folder in its place is reported, and left alone."""
    (tmp_path / "h.db").mkdir()
    with pytest.raises(HistoryUnavailable) as caught:
        History(tmp_path / "h.db")
    assert caught.value.moved_to is None and (tmp_path / "h.db").is_dir()
    assert list(tmp_path.glob("*damaged*")) == []


def test_a_read_only_file(tmp_path: Path) -> None:
    """chmod for a normal user; root ignores modes, so the immutable flag there."""
    path = tmp_path / "h.db"
    History(path).close()
    if os.geteuid() != 0:
        path.chmod(0o400)
    elif subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("this file system cannot make a file read-only for root (chattr +i)")
    try:
        # a normal user can open it and fails to write; root is refused at opening
        with pytest.raises(HistoryUnavailable, match=r"readonly|not permitted"):  # noqa: SIM117
            with History(path) as history:
                history.add("p", RequestSpec("GET", "/x", base_url=BASE), _response())
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)


_FULL_DISK = """
import resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
from asgideck.runtime.client import History, HistoryUnavailable, RequestFailed, RequestSpec
history = History(Path(sys.argv[1]))
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
spec = RequestSpec("POST", "http://127.0.0.1:9/x", body_kind="raw", body="x" * 20000)
try:
    for _ in range(50):
        history.add("p", spec, None, "connection refused")
except HistoryUnavailable as exc:
    print("unavailable", isinstance(exc, RequestFailed), exc)
else:
    print("no error")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_full_disk_is_a_history_error(tmp_path: Path) -> None:
    """The file cannot grow (a file-size limit stands in for a full disk, in a child)."""
    path = tmp_path / "h.db"
    result = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"unavailable False cannot write to the request history {path}")
