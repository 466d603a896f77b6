"""Issue 13, Done means 1: requests recorded by the agent inside real servers.

sample_app (a copy) runs under uvicorn ``--reload``, uvicorn ``--workers 2`` and gunicorn
with two uvicorn workers, recorded; the requests the test sends come back through
``RequestLog`` with their route template and status, the layer list the Middleware tab
shows for the same project and profile (the probe's inspection), layer times that nest,
the pid of the worker that served them, and the SQL of a route that queries (SQLite via
the sample's data layer). ``record_nplus1`` (a fixture project) adds what sample_app must
not hold: a route whose own code raises and an N+1 route beside its batched twin.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.inspect import inspect_project
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import open_project
from asgideck.runtime.recording import RequestLog, RequestRecord, Span, records_dir
from asgideck.runtime.servers import (
    LaunchConfig,
    ServerSpec,
    Supervisor,
    begin_run,
    build_spec,
    free_port,
)
from asgideck.runtime.userstate import state_dir
from support.files import copy_sample_app
from support.projects import copy_project
from support.servers import PY, assert_tree_gone, wait_until

pytestmark = pytest.mark.integration

PROFILE = "development"
#: a value only the test knows, sent as a query parameter the SQL binds: never in a record's SQL
MARKER = "zebra-7731"
#: float noise allowed between a span's end and its parent's (the agent rounds its times)
EPS = 0.002


# --------------------------------------------------------------------------- harness


@dataclass
class Recorded:
    """A running recorded server and what its agent wrote so far, read back."""

    spec: ServerSpec
    supervisor: Supervisor
    log: RequestLog
    seen: dict[str, RequestRecord] = field(default_factory=dict)
    pids: set[int] = field(default_factory=set)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.spec.port}"

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        """One request on a fresh connection (so ``--workers`` spreads them)."""
        self.pids.update(self.supervisor.pids)
        return httpx.get(self.base + path, timeout=15, **kwargs)  # type: ignore[arg-type]

    def poll(self) -> list[RequestRecord]:
        for record in self.log.poll():
            self.seen[record.id] = record
        return list(self.seen.values())

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0) -> list[RequestRecord]:
        """The records of ``path`` once ``count`` of them were read (fails after ``timeout``)."""

        def matching() -> list[RequestRecord]:
            return [r for r in self.poll() if r.path == path]

        assert wait_until(lambda: len(matching()) >= count, timeout), (
            f"{len(matching())}/{count} records of {path} after {timeout:g} s; "
            f"read {len(self.seen)}: {sorted({r.path for r in self.seen.values()})}; "
            f"files {sorted(p.name for p in self.log.directory.iterdir())}; "
            f"server log tail: {self.log_tail()}"
        )
        return sorted(matching(), key=lambda r: r.start)

    def log_tail(self, lines: int = 15) -> list[str]:
        return [line.text for line in self.supervisor.buffer.snapshot()[-lines:]]


@contextlib.contextmanager
def recorded(spec: ServerSpec, timeout: float = 60.0) -> Iterator[Recorded]:
    """Start ``spec`` (recorded: ``spec.record`` set) and stop it after; nothing survives."""
    assert spec.record is not None
    spec.record.mkdir(parents=True, exist_ok=True)
    sup = Supervisor(spec, log_to_file=False)
    run = Recorded(spec, sup, RequestLog(spec.record))
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=timeout)
        assert status.state == "running", f"{status.error}: {run.log_tail(40)}"
        run.pids.update(sup.pids)
        yield run
    finally:
        run.pids.update(sup.pids)
        sup.stop()
        sup.close(0)
    assert_tree_gone(run.pids, spec.port)


def sample_spec(root: Path, records: Path, **changes: object) -> ServerSpec:
    values: dict[str, object] = {
        "kind": "uvicorn",
        "app": "app.main:app",
        "root": root,
        "python": PY,
        "env": load_profile(root, PROFILE).environ(),
        "port": free_port(),
        "graceful_timeout": 3,
        "record": records,
    }
    values.update(changes)
    return ServerSpec(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of sample_app for this module's servers (its SQLite file lands in it)."""
    return copy_sample_app(tmp_path_factory.mktemp("record") / "sample_app")


@pytest.fixture(scope="module")
def sample_stack(sample_root: Path) -> list[str]:
    """The Middleware tab's stack for the copy under the development profile."""
    info = inspect_project(open_project(sample_root, python=str(PY)), PROFILE, timeout=60)
    assert not info.errors, info.errors
    return [layer.name for layer in info.middleware]


# --------------------------------------------------------------------------- checks


def check_nesting(record: RequestRecord) -> None:
    """Each layer encloses the next one in; the router encloses the dependencies, the
    endpoint (which run one after another) and the SQL; the total encloses everything."""
    layers = record.layers
    assert layers, record
    spans = [*layers, *record.dependencies, *([record.endpoint] if record.endpoint else [])]
    for span in spans:
        assert -EPS <= span.start_ms <= span.end_ms <= record.duration_ms + EPS, (span, record)
    for outer, inner in itertools.pairwise(layers):
        assert outer.start_ms <= inner.start_ms + EPS, (outer, inner)
        assert inner.end_ms <= outer.end_ms + EPS, (outer, inner)
        assert outer.duration_ms + EPS >= inner.duration_ms, (outer, inner)
    router = layers[-1]
    parts = [*record.dependencies, *([record.endpoint] if record.endpoint else [])]
    for part in parts:
        assert router.start_ms - EPS <= part.start_ms, (router, part)
        assert part.end_ms <= router.end_ms + EPS, (router, part)
    for statement in record.sql:  # SQL runs inside the app: within the router's span
        assert router.start_ms - EPS <= statement.start_ms, (router, statement)
        assert statement.start_ms + statement.duration_ms <= router.end_ms + EPS, statement
    sequential = outermost(parts)
    for before, after in itertools.pairwise(sequential):
        assert before.end_ms <= after.start_ms + EPS, (before, after)  # one after another
    assert sum(p.duration_ms for p in sequential) <= router.duration_ms + EPS * len(parts)
    assert record.duration_ms + EPS >= layers[0].duration_ms


def outermost(spans: list[Span]) -> list[Span]:
    """The spans no other span encloses, in start order (nested sub-spans left out)."""
    ordered = sorted(spans, key=lambda s: (s.start_ms, -s.end_ms))
    top: list[Span] = []
    for span in ordered:
        if top and span.end_ms <= top[-1].end_ms and span.start_ms >= top[-1].start_ms:
            continue
        top.append(span)
    return top


def check_sample_requests(run: Recorded, stack: list[str], worker_pids: set[int]) -> None:
    """The requests every sample_app server gets, and what their records must say."""
    assert run.get("/health").status_code == 200
    assert run.get("/api/v1/items/987654").status_code == 404
    assert run.get("/api/v1/items", params={"q": MARKER, "limit": 7}).status_code == 200
    assert run.get("/no/such/page").status_code == 404

    (health,) = run.wait_for("/health")[-1:]
    assert (health.method, health.route, health.status) == ("GET", "/health", 200)
    assert [layer.name for layer in health.layers] == stack
    assert health.endpoint is not None and health.endpoint.source is not None
    assert health.endpoint.source.startswith("app/api/v1/routes/system.py:"), health.endpoint
    assert health.response_size > 0 and health.client.startswith("127.0.0.1")
    check_nesting(health)

    (missing_item,) = run.wait_for("/api/v1/items/987654")
    assert (missing_item.route, missing_item.status) == ("/api/v1/items/{item_id}", 404)
    assert [layer.name for layer in missing_item.layers] == stack
    check_nesting(missing_item)

    (listing,) = run.wait_for("/api/v1/items")
    assert (listing.route, listing.status) == ("/api/v1/items", 200)
    check_nesting(listing)
    selects = [s for s in listing.sql if "items" in s.statement.lower()]
    assert selects, f"no SQL on items recorded: {listing.sql}"
    assert any(s.statement.lstrip().upper().startswith("SELECT") for s in selects), selects
    assert max(s.params for s in selects) >= 3  # q, limit, offset: counted, never written
    assert all(MARKER not in s.statement for s in listing.sql)
    assert not listing.has_n_plus_one

    (nowhere,) = run.wait_for("/no/such/page")
    assert (nowhere.route, nowhere.status) == (None, 404)

    records = [health, missing_item, listing, nowhere]
    assert {r.pid for r in records} <= worker_pids, (records, worker_pids)
    workers = {w.pid: w for w in run.log.workers()}
    assert {r.pid for r in records} <= set(workers), workers
    for pid in {r.pid for r in records}:
        assert list(workers[pid].layers) == stack, workers[pid]
        assert workers[pid].app == "app.main:app", workers[pid]


def spread_until_pids(run: Recorded, want: int, timeout: float = 30.0) -> set[int]:
    """Send fresh-connection requests until records from ``want`` distinct pids were read."""

    def pids_seen() -> set[int]:
        return {r.pid for r in run.poll() if r.path == "/health"}

    def enough() -> bool:
        for _ in range(8):
            assert run.get("/health").status_code == 200
        return len(pids_seen()) >= want

    assert wait_until(enough, timeout), f"pids seen {pids_seen()}; log {run.log_tail()}"
    return pids_seen()


def server_children(run: Recorded) -> set[int]:
    """The server's processes other than the one asgideck started (workers, reloader child)."""
    main = run.supervisor.status.pid
    return {pid for pid in run.supervisor.pids if pid != main}


# --------------------------------------------------------------------------- sample_app


def test_uvicorn_reload_records_and_follows_a_reload(
    sample_root: Path, sample_stack: list[str]
) -> None:
    """Built as the window builds it: a development server with reload records by default,
    into asgideck's state folder (never the project)."""
    project = open_project(sample_root, python=str(PY))
    config = LaunchConfig(name="dev", profile=PROFILE, reload=True, port=free_port())
    spec = replace(build_spec(project, config), graceful_timeout=3)
    assert spec.record == records_dir(sample_root, "dev") and spec.record.is_relative_to(
        state_dir()
    )
    begin_run(project, config, spec)
    with recorded(spec) as run:
        check_sample_requests(run, sample_stack, server_children(run))
        first_pid = run.wait_for("/health")[-1].pid
        assert first_pid in server_children(run)

        # a reload starts a new worker process: it records too, under its own pid
        touched = sample_root / "app" / "api" / "v1" / "routes" / "system.py"
        touched.write_text(touched.read_text(encoding="utf-8") + "\n", encoding="utf-8")

        def new_worker_recorded() -> bool:
            try:
                if run.get("/health").status_code != 200:
                    return False
            except httpx.TransportError:  # the reloader is between two workers
                return False
            return any(r.pid != first_pid for r in run.poll() if r.path == "/health")

        assert wait_until(new_worker_recorded, 40), run.log_tail()
        latest = max((r for r in run.seen.values() if r.path == "/health"), key=lambda r: r.start)
        assert latest.pid != first_pid and latest.route == "/health"
        assert [layer.name for layer in latest.layers] == sample_stack
        assert latest.pid in {w.pid for w in run.log.workers()}


def test_uvicorn_two_workers_each_report_with_their_pid(
    sample_root: Path, sample_stack: list[str], tmp_path: Path
) -> None:
    spec = sample_spec(sample_root, tmp_path / "records", workers=2)
    with recorded(spec) as run:
        pids = spread_until_pids(run, 2)
        assert pids <= server_children(run)
        assert len({w.pid for w in run.log.workers()} & pids) == 2
        check_sample_requests(run, sample_stack, server_children(run))
        files = {p.name for p in spec.record.iterdir()} if spec.record else set()
        assert {f"{pid}.jsonl" for pid in pids} <= files, files


def test_gunicorn_uvicorn_workers_each_report_with_their_pid(
    sample_root: Path, sample_stack: list[str], tmp_path: Path
) -> None:
    spec = sample_spec(sample_root, tmp_path / "records", kind="gunicorn", workers=2)
    with recorded(spec) as run:
        pids = spread_until_pids(run, 2)
        assert pids <= server_children(run)
        assert len({w.pid for w in run.log.workers()} & pids) == 2
        check_sample_requests(run, sample_stack, server_children(run))


# --------------------------------------------------------------------------- record_nplus1


@pytest.fixture
def nplus1(tmp_path: Path) -> Iterator[tuple[Recorded, list[str]]]:
    root = copy_project("record_nplus1", tmp_path)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shelf.db'}"}
    info = inspect_project(open_project(root, python=str(PY)), None, timeout=60)
    assert not info.errors, info.errors
    spec = ServerSpec(
        kind="uvicorn",
        app="app.main:app",
        root=root,
        python=PY,
        env=env,
        port=free_port(),
        graceful_timeout=3,
        record=tmp_path / "records",
    )
    with recorded(spec) as run:
        yield run, [layer.name for layer in info.middleware]


def test_the_exception_points_at_the_project_frame(
    nplus1: tuple[Recorded, list[str]],
) -> None:
    run, stack = nplus1
    assert run.get("/shelf/3/broken").status_code == 500
    (record,) = run.wait_for("/shelf/3/broken")
    assert (record.route, record.status) == ("/shelf/{author_id}/broken", 500)
    assert record.has_error and record.exception is not None
    assert record.exception.type.rsplit(".", 1)[-1] == "LookupError"
    assert "no shelf for author 3" in record.exception.message
    frame = record.exception.project_frame
    assert frame is not None, record.exception.frames
    services = (run.spec.root / "app" / "services.py").read_text(encoding="utf-8").splitlines()
    raise_line = next(n for n, text in enumerate(services, 1) if "raise LookupError" in text)
    assert (frame.relpath, frame.line, frame.function) == ("app/services.py", raise_line, "explode")
    relpaths = [f.relpath for f in record.exception.frames if f.project]
    assert "app/main.py" in relpaths  # the endpoint that called it, also the project's
    assert all(not f.project for f in record.exception.frames if "site-packages" in f.file)
    assert [layer.name for layer in record.layers] == stack
    check_nesting(record)


def test_an_n_plus_one_route_is_flagged_and_its_batched_twin_is_not(
    nplus1: tuple[Recorded, list[str]],
) -> None:
    run, stack = nplus1
    one_by_one = run.get("/shelf/one-by-one")
    batched = run.get("/shelf/batched")
    assert one_by_one.status_code == batched.status_code == 200
    assert one_by_one.json() == batched.json() and len(batched.json()) >= 5

    (slow,) = run.wait_for("/shelf/one-by-one")
    assert slow.route == "/shelf/one-by-one" and slow.has_n_plus_one
    ((shape, times),) = slow.repeated_sql()
    assert "books" in shape.lower() and times >= len(batched.json())
    assert len(slow.sql) >= len(batched.json()) + 1

    (fast,) = run.wait_for("/shelf/batched")
    assert fast.sql and not fast.has_n_plus_one
    assert len(fast.sql) < len(slow.sql)
    for record in (slow, fast):
        assert [layer.name for layer in record.layers] == stack
        assert record.endpoint is not None and record.endpoint.source is not None
        assert record.endpoint.source.startswith("app/main.py:")
        check_nesting(record)
