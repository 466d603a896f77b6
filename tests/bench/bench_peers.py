"""GitHub's REST description (13 MB, 1,223 operations) on screen: asgideck's Routes tab vs
Swagger UI (and, with ``BENCH_DOCS_UIS=swagger,redoc,scalar``, Redoc and Scalar) in a
headless Chromium, side by side in one run, rounds interleaved.

Both read the document over loopback HTTP from one static server (127.0.0.1).
asgideck: a fresh process (this interpreter, offscreen) takes the window's path for a
running server's document, ``fetch_openapi`` → ``build_index`` → ``Inspection.apply`` →
the Routes tab painted; timed from the fetch, and from its own spawn (Qt start included).
Browser: the system Chromium, already up on about:blank, driven over the DevTools protocol
by Playwright from ``$PEERS_VENV`` (never ``playwright install``); timed in the page from
navigation start to the first operation in the DOM, and to settled (no DOM change for 3 s).
Chromium resolves every host but 127.0.0.1 to nothing, so nothing leaves the machine.
Memory: peak PSS of each side's whole process tree (shared pages split fairly), sampled
every 100 ms; RSS printed too.

The same file is the two drivers it spawns: ``--gui URL`` (asgideck's interpreter) and
``--browser CDP_PORT URL UI TARGET TIMEOUT`` (the peers venv's, which has Playwright).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from figures import Figure, file, peers_venv, skip

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CACHE = REPO / ".bench-cache"
ROUNDS = 3
LOAD_TIMEOUT_S = 120.0
QUIET_MS = 3000  # settled: no DOM change for this long after the first operation showed
HOWTO = "see the README, Benchmarks: the peers"

UIS = {"swagger": "Swagger UI", "redoc": "Redoc", "scalar": "Scalar"}
PACKS = {"swagger": "swagger-ui-dist", "redoc": "redoc", "scalar": "@scalar/api-reference"}
#: operations in the DOM, per UI (each gives 11 on sample_app's 11-operation document)
COUNTERS = {
    "swagger": "document.querySelectorAll('.opblock').length",
    "redoc": 'document.querySelectorAll(\'[data-section-id^="tag/"]'
    '[data-section-id*="/operation/"]\').length',
    "scalar": "new Set([...document.querySelectorAll('[id*=\"/tag/\"]')].map(e => e.id)"
    ".filter(i => /\\/tag\\/[^/]+\\/(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE)\\//"
    ".test(i))).size",
}
PAGES = {
    "swagger": '<!doctype html><html><head><meta charset="utf-8"><title>Swagger UI</title>'
    '<link rel="stylesheet" href="/ui/swagger/swagger-ui.css"></head><body>'
    '<div id="swagger-ui"></div><script src="/ui/swagger/swagger-ui-bundle.js"></script>'
    '<script>window.ui = SwaggerUIBundle({url: "SPEC", dom_id: "#swagger-ui", '
    "validatorUrl: null});</script></body></html>",
    "redoc": '<!doctype html><html><head><meta charset="utf-8"><title>Redoc</title></head>'
    '<body><redoc spec-url="SPEC"></redoc>'
    '<script src="/ui/redoc/bundles/redoc.standalone.js"></script></body></html>',
    "scalar": '<!doctype html><html><head><meta charset="utf-8"><title>Scalar</title></head>'
    '<body><div id="app"></div><script src="/ui/scalar/dist/browser/standalone.js"></script>'
    "<script>Scalar.createApiReference('#app', {url: 'SPEC', withDefaultFonts: false});"
    "</script></body></html>",
}
#: runs in the page before its scripts: ms since navigation start of the first operation
#: in the DOM, of TARGET operations, the most seen, and the latest DOM change
PROBE = """(() => {
  const marks = window.__bench = {first: null, all: null, max: 0, last: 0};
  const seen = () => {
    const n = COUNTER;
    if (n > marks.max) marks.max = n;
    if (n > 0 && marks.first === null) marks.first = performance.now();
    if (n >= TARGET && marks.all === null) marks.all = performance.now();
  };
  new MutationObserver(() => {
    marks.last = performance.now();
    if (marks.first === null) seen();  // small DOM until then: count on every change
  }).observe(document, {childList: true, subtree: true, characterData: true});
  const tick = () => { seen(); setTimeout(tick, marks.first === null ? 20 : 100); };
  setTimeout(tick, 0);
})();"""


# --------------------------------------------------------------------------- drivers


def gui_driver(url: str) -> None:
    """asgideck's Routes tab filled from ``url`` in this fresh process; one JSON line."""
    from urllib.parse import urlsplit

    import psutil

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from asgideck.gui.app import make_app
    from asgideck.gui.tabs.routes.view import RoutesView
    from asgideck.runtime.inspect import Inspection, Snapshot, build_index, fetch_openapi
    from asgideck.runtime.project import open_project

    app = make_app()
    inspection = Inspection(open_project(REPO / "sample_app"))
    view = RoutesView(inspection)
    view.resize(1100, 700)
    view.show()
    app.processEvents()
    window_up = time.time()
    parts = urlsplit(url)
    start = time.perf_counter()
    doc = fetch_openapi(f"{parts.scheme}://{parts.netloc}", parts.path, timeout=60)
    fetched = time.perf_counter()
    inspection.apply(Snapshot(document=doc, source="server", entries=tuple(build_index(doc))))
    app.processEvents()  # the tree lays out and paints its first rows
    shown = time.perf_counter()
    result = {
        "fetch_parse_ms": (fetched - start) * 1000,
        "first_ms": (shown - start) * 1000,  # every operation is in the model by now
        "shown_at": time.time(),  # wall clock: the parent subtracts its spawn time
        "window_up_at": window_up,
        "ops": view.model.shown,
        "rss_mb": psutil.Process().memory_info().rss / 2**20,
    }
    view.close()
    print(json.dumps(result), flush=True)


def browser_driver(port: str, url: str, ui: str, target: str, timeout: str, hold: str) -> None:
    """One page load in the Chromium listening on ``port``; one JSON line of marks. With
    ``hold`` > 0 the tab stays open until ``hold`` s after navigation, and the browser's
    tree memory is taken then (the steady state of a docs tab left open)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        page = browser.contexts[0].new_page()
        page.add_init_script(PROBE.replace("COUNTER", COUNTERS[ui]).replace("TARGET", target))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)[:200]))
        navigated = time.monotonic()
        page.goto(url, wait_until="commit", timeout=float(timeout) * 1000)
        deadline = navigated + float(timeout)
        marks: dict[str, Any] = {}
        settled = None
        while time.monotonic() < deadline:
            marks, now = page.evaluate("[window.__bench || {}, performance.now()]")
            if marks.get("first") is not None and now - marks["last"] >= QUIET_MS:
                settled = marks["last"]
                break
            time.sleep(0.25)  # polling the page's own marks, with a deadline
        held = {}
        if float(hold) > 0:
            time.sleep(max(0.0, navigated + float(hold) - time.monotonic()))  # the measure's age
            held = _tree_memory(int(os.environ["BENCH_BROWSER_PID"]))
        page.close()
        browser.close()
    print(json.dumps({**marks, "settled": settled, "errors": errors, "held": held}), flush=True)


def _tree_memory(pid: int) -> dict[str, float]:
    """Summed PSS and RSS (MiB) of ``pid`` and its descendants right now."""
    import psutil

    pss = rss = 0
    with contextlib.suppress(psutil.NoSuchProcess):
        root = psutil.Process(pid)
        for proc in (root, *root.children(recursive=True)):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                info = proc.memory_full_info()
                pss, rss = pss + info.pss, rss + info.rss
    return {"pss": pss / 2**20, "rss": rss / 2**20}


# --------------------------------------------------------------------------- pieces


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)  # polling a port that is opening, with a deadline
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


def _spawn(args: list[str], **kw: Any) -> subprocess.Popen[bytes]:
    """In its own session: ``_end`` ends it and everything it started, by its group id."""
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True, **kw)


def _end(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(5)


class PeakMemory:
    """Peak summed PSS and RSS (MiB) of a process tree, sampled every 100 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.pss = self.rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = _tree_memory(self.pid)
            self.pss, self.rss = max(self.pss, now["pss"]), max(self.rss, now["rss"])
            self._stop.wait(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return None


def peers_python() -> Path | None:
    """The peers venv's Python when it has Playwright (it drives Chromium over CDP)."""
    py = peers_venv() / "bin" / "python"
    if not py.is_file():
        return None
    probe = [str(py), "-c", "import playwright.sync_api, psutil"]
    ok = subprocess.run(probe, capture_output=True, timeout=60).returncode == 0
    return py if ok else None


def docs_ui(ui: str) -> Path:
    """The UI's npm package, unpacked under .bench-cache/docs-ui (``npm pack`` on first use)."""
    base = CACHE / "docs-ui"
    base.mkdir(parents=True, exist_ok=True)
    stem = PACKS[ui].replace("@", "").replace("/", "-")
    tarballs = sorted(base.glob(f"{stem}-[0-9]*.tgz"))
    if not tarballs:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"npm is needed once to fetch {PACKS[ui]} into {base}")
        cmd = [npm, "pack", PACKS[ui], "--silent"]
        subprocess.run(cmd, cwd=base, check=True, capture_output=True, timeout=300)
        tarballs = sorted(base.glob(f"{stem}-[0-9]*.tgz"))
    target = base / tarballs[-1].name.removesuffix(".tgz")
    if not (target / "package").is_dir():
        with tarfile.open(tarballs[-1]) as archive:
            archive.extractall(target, filter="data")
    return target / "package"


def count_operations(path: Path) -> int:
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    doc = json.loads(path.read_bytes())
    return sum(1 for item in doc.get("paths", {}).values() for m in item if m in methods)


# --------------------------------------------------------------------------- one load each


def load_gui(url: str) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    spawned = time.time()
    args = [sys.executable, __file__, "--gui", url]
    proc = _spawn(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        with PeakMemory(proc.pid) as mem:
            out, err = proc.communicate(timeout=LOAD_TIMEOUT_S)
    finally:
        _end(proc)
    if proc.returncode != 0:
        tail = err.decode(errors="replace").strip()[-400:]
        raise RuntimeError(f"the Routes tab driver exited with {proc.returncode}: {tail}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    result.update(from_spawn_ms=(result["shown_at"] - spawned) * 1000, pss=mem.pss, rss=mem.rss)
    return result


def load_browser(
    py: Path, browser: str, url: str, ui: str, target: int, hold: float = 0.0
) -> dict[str, Any]:
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="asgideck-bench-chromium-") as profile:
        proc = _spawn(
            [
                browser, "--headless=new", "--disable-gpu", "--no-sandbox",
                f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
                f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update",
                "--disable-features=MediaRouter,OptimizationHints,Translate",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--window-size=1280,900", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_listening(port, proc, 30)
            args = [str(py), __file__, "--browser", str(port), url, ui, str(target)]
            env = {**os.environ, "BENCH_BROWSER_PID": str(proc.pid)}
            with PeakMemory(proc.pid) as mem:
                try:
                    out = subprocess.run(
                        [*args, str(LOAD_TIMEOUT_S), str(hold)],
                        capture_output=True,
                        text=True,
                        timeout=LOAD_TIMEOUT_S + hold + 60,
                        env=env,
                        check=False,
                    )
                except subprocess.TimeoutExpired:  # a page that blocks its own main thread
                    late = f"no answer within {LOAD_TIMEOUT_S + hold + 60:g} s"
                    marks = {"first": None, "settled": None, "max": 0, "errors": [late]}
                    return {**marks, "pss": mem.pss, "rss": mem.rss}
        finally:
            _end(proc)
    if out.returncode != 0:
        raise RuntimeError(f"the browser driver failed: {out.stderr.strip()[-400:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result.update(pss=mem.pss, rss=mem.rss)
    return result


# --------------------------------------------------------------------------- memory (m6)

IDLE_S = 10.0  # memory is taken this long after the server answers / the page navigated


def _sample_copy(dest: Path) -> Path:
    """A private copy of sample_app (its SQLite file is written on start)."""
    skip_names = shutil.ignore_patterns("__pycache__", ".mypy_cache", "*.db", "*.db-*")
    return Path(shutil.copytree(REPO / "sample_app", dest / "sample_app", ignore=skip_names))


def _get(url: str, timeout: float = 2.0) -> bytes | None:
    import urllib.request

    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=timeout) as answer:
        body: bytes = answer.read()
        return body if answer.status == 200 else None
    return None


def window_memory(work: Path) -> dict[str, Any]:
    """The asgideck window (offscreen) on a copy of sample_app, its development server
    started by the window (``--start development``) on a free port: the window process's
    PSS and RSS ``IDLE_S`` after the server answered, and its server tree's apart."""
    import psutil

    from asgideck.runtime.servers import LaunchConfig, save_configs

    project = _sample_copy(work)
    home = work / "home"
    port = _free_port()
    env = {**os.environ, "ASGIDECK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    old = os.environ.get("ASGIDECK_HOME")
    os.environ["ASGIDECK_HOME"] = str(home)
    try:  # the default development server, on a free port instead of 8000
        config = LaunchConfig("development", "development", "uvicorn", port=port, reload=True)
        save_configs(project, [config])
    finally:
        if old is None:
            os.environ.pop("ASGIDECK_HOME", None)
        else:
            os.environ["ASGIDECK_HOME"] = old
    exe = Path(sys.executable).with_name("asgideck")
    cmd = [str(exe)] if exe.is_file() else [sys.executable, "-m", "asgideck"]
    cmd += ["--python", sys.executable, "--start", "development", str(project)]
    proc = _spawn(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    family: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 90
        while _get(f"http://127.0.0.1:{port}/health", 1) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the window's development server never answered on {port}")
            time.sleep(0.1)  # polling a server that is starting, with a deadline
        answered = time.monotonic()
        document = _get(f"http://127.0.0.1:{port}/openapi.json", 10)
        time.sleep(max(0.0, answered + IDLE_S - time.monotonic()))  # the measure's age
        family = psutil.Process(proc.pid).children(recursive=True)
        info = psutil.Process(proc.pid).memory_full_info()
        own = {"pss": info.pss / 2**20, "rss": info.rss / 2**20}
        tree = _tree_memory(proc.pid)
        server = {k: tree[k] - own[k] for k in own}
        return {**own, "server": server, "document": document}
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)  # the window closes and stops its server
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(20)
        _end(proc)
        for child in family:  # a server in a session of its own
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        psutil.wait_procs(family, timeout=5)


def memory(py: Path | None, browser: str | None) -> None:
    """m6: the window with sample_app open and a server running vs Chromium showing
    Swagger UI for the same app's document, both left idle ``IDLE_S`` seconds."""
    with tempfile.TemporaryDirectory(prefix="asgideck-bench-m6-") as tmp:
        work = Path(tmp)
        ours = window_memory(work)
        print(
            f"peers    window (offscreen) with sample_app open and its development server "
            f"running, {IDLE_S:g} s after it answered: PSS {ours['pss']:,.0f} MiB, RSS "
            f"{ours['rss']:,.0f} MiB (server tree apart: PSS {ours['server']['pss']:,.0f} MiB)"
        )
        if py is None or browser is None:
            return  # the caller says why
        if not ours["document"]:
            skip("Swagger UI memory (peers)", "the sample server's /openapi.json did not answer")
            return
        site = work / "site"
        (site / "ui").mkdir(parents=True)
        (site / "sample.json").write_bytes(ours["document"])
        (site / "ui" / "swagger").symlink_to(docs_ui("swagger"), target_is_directory=True)
        (site / "swagger.html").write_text(PAGES["swagger"].replace("SPEC", "/sample.json"))
        ops = count_operations(site / "sample.json")
        port = _free_port()
        server = _spawn(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=site,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_listening(port, server, 15)
            url = f"http://127.0.0.1:{port}/swagger.html"
            theirs = load_browser(py, browser, url, "swagger", ops, hold=IDLE_S)
        finally:
            _end(server)
    held = theirs.get("held") or {}
    if not held.get("pss"):
        skip("Swagger UI memory (peers)", "the browser's memory could not be read")
        return
    print(
        f"peers    headless Chromium with Swagger UI of the same app ({ops} ops), {IDLE_S:g} s "
        f"after navigation: PSS {held['pss']:,.0f} MiB, RSS {held['rss']:,.0f} MiB (whole tree)"
    )
    file(
        Figure(
            bench="peers",
            measure="PSS, window + server running ÷ Chromium + Swagger UI tab",
            ours=f"PSS {ours['pss']:,.0f} MiB (RSS {ours['rss']:,.0f})",
            reference=f"PSS {held['pss']:,.0f} MiB (RSS {held['rss']:,.0f})",
            ratio=ours["pss"] / held["pss"],
            target=1.0,
        )
    )


# --------------------------------------------------------------------------- the bench


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _chosen_uis() -> list[str]:
    wanted = os.environ.get("BENCH_DOCS_UIS", "swagger").replace(",", " ").split()
    for ui in ("redoc", "scalar"):
        if ui not in wanted:
            skip(
                f"{UIS[ui]} (peers)",
                "slow and heavy (15 s to over 2 min and up to 4 GB per load here): "
                "BENCH_DOCS_UIS=swagger,redoc,scalar to include it",
            )
    return [ui for ui in UIS if ui in wanted]


def _site(spec: Path, uis: list[str], root: Path) -> None:
    (root / "ui").mkdir()
    (root / "github.json").symlink_to(spec)
    for ui in uis:
        (root / "ui" / ui).symlink_to(docs_ui(ui), target_is_directory=True)
        (root / f"{ui}.html").write_text(PAGES[ui].replace("SPEC", "/github.json"))


def run(rounds: int = ROUNDS) -> dict[str, Any]:
    browser, py = chromium(), peers_python()
    uis = _chosen_uis()
    if browser is None:
        skip("Swagger UI (peers)", f"no chromium on PATH: apt-get install chromium ({HOWTO})")
        uis = []
    elif py is None:
        why = f"no Playwright in $PEERS_VENV (pip install playwright psutil; {HOWTO})"
        skip("Swagger UI (peers)", why)
        uis = []
    summary: dict[str, Any] = {}
    try:
        from bench_openapi import github_description

        spec: Path | None = github_description()
    except Exception as exc:  # the figure needs the document; the memory one does not
        skip("GitHub spec on screen (peers)", f"GitHub's description unavailable: {exc}")
        spec = None
    if spec is not None:
        summary, uis = on_screen(spec, uis, py, browser, rounds)
    if "swagger" in uis:  # the memory reference is a Swagger UI tab
        memory(py, browser)
    else:
        memory(None, None)
        skip("Chromium + Swagger UI memory (peers)", "no Swagger UI in headless Chromium (above)")
    return summary


def on_screen(
    spec: Path, uis: list[str], py: Path | None, browser: str | None, rounds: int
) -> tuple[dict[str, Any], list[str]]:
    """The Routes tab vs the docs UIs on GitHub's description; the UIs that could run."""
    target = count_operations(spec)
    with tempfile.TemporaryDirectory(prefix="asgideck-bench-site-") as tmp:
        site = Path(tmp)
        try:
            _site(spec, uis, site)
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            skip("docs UIs (peers)", f"could not fetch them with npm pack: {exc}")
            uis = []
        results: dict[str, list[dict[str, Any]]] = {"gui": [], **{ui: [] for ui in uis}}
        port = _free_port()
        server = _spawn(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=site,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_listening(port, server, 15)
            base = f"http://127.0.0.1:{port}"
            for _ in range(rounds):  # interleaved: asgideck, Swagger UI, …, asgideck, …
                for name in results:
                    if name == "gui":
                        results[name].append(load_gui(f"{base}/github.json"))
                    else:
                        assert py is not None and browser is not None
                        page = f"{base}/{name}.html"
                        results[name].append(load_browser(py, browser, page, name, target))
        finally:
            _end(server)
    return _report(results, target), uis


def _report(results: dict[str, list[dict[str, Any]]], target: int) -> dict[str, Any]:
    gui = results["gui"]
    first = statistics.median(r["first_ms"] for r in gui)
    spawn = statistics.median(r["from_spawn_ms"] for r in gui)
    pss, rss = statistics.median(r["pss"] for r in gui), statistics.median(r["rss"] for r in gui)
    print(
        f"peers    GitHub REST ({target:,} ops), asgideck Routes tab: fetch → tree painted "
        f"{first:,.0f} ms (fetch + parse {statistics.median(r['fetch_parse_ms'] for r in gui):,.0f}"
        f" ms), from process spawn {spawn:,.0f} ms; peak PSS {pss:,.0f} MiB, RSS {rss:,.0f} MiB; "
        f"{gui[-1]['ops']:,} routes in the model"
    )
    summary: dict[str, Any] = {"gui_first_ms": first, "gui_spawn_ms": spawn, "gui_pss_mb": pss}
    for ui, runs in results.items():
        if ui == "gui":
            continue
        b_first = _median([r.get("first") for r in runs])
        # the last DOM change, never before the first operation (polled: up to a tick late)
        settled = _median([_later(r.get("settled"), r.get("first")) for r in runs])
        b_pss = statistics.median(r["pss"] for r in runs)
        b_rss = statistics.median(r["rss"] for r in runs)
        errors = sum(len(r.get("errors", [])) for r in runs)
        print(
            f"peers    {UIS[ui]} in headless Chromium: navigation → first operation "
            f"{_fmt(b_first)} ms, settled {_fmt(settled)} ms, most operations in the DOM "
            f"{max(r.get('max', 0) for r in runs):,}; peak PSS {b_pss:,.0f} MiB, RSS "
            f"{b_rss:,.0f} MiB (whole browser tree){f'; page errors {errors}' if errors else ''}"
        )
        summary[ui] = {"first_ms": b_first, "settled_ms": settled, "pss_mb": b_pss}
        if b_first is None:
            print(f"peers    {UIS[ui]} never showed an operation: no figure")
            continue
        pairs = [
            g["first_ms"] / r["first"] for g, r in zip(gui, runs, strict=True) if r.get("first")
        ]
        file(
            Figure(
                bench="peers",
                measure=f"GitHub spec: fetch → Routes tab painted ÷ {UIS[ui]} 1st op",
                ours=f"{first:,.0f} ms",
                reference=f"{UIS[ui]} {b_first:,.0f} ms (settled {_fmt(settled)} ms)",
                ratio=statistics.median(pairs),
                target=1.0,
            )
        )
        spawn_pairs = [
            g["from_spawn_ms"] / r["first"]
            for g, r in zip(gui, runs, strict=True)
            if r.get("first")
        ]
        file(
            Figure(
                bench="peers",
                measure=f"GitHub spec: from spawn (Qt start in) ÷ {UIS[ui]} 1st op",
                ours=f"{spawn:,.0f} ms",
                reference=f"{UIS[ui]} {b_first:,.0f} ms",
                ratio=statistics.median(spawn_pairs),
                target=1.0,
            )
        )
        file(
            Figure(
                bench="peers",
                measure=f"GitHub spec: peak PSS ÷ Chromium + {UIS[ui]}",
                ours=f"{pss:,.0f} MiB",
                reference=f"Chromium + {UIS[ui]} {b_pss:,.0f} MiB (RSS {b_rss:,.0f})",
                ratio=pss / b_pss,
                target=1.0,
            )
        )
    print(
        "peers      (browser times run from navigation start with Chromium already up; "
        "asgideck's from the fetch, and from spawn; ratios are medians of per-round ratios)"
    )
    return summary


def _later(a: float | None, b: float | None) -> float | None:
    return None if a is None else max(a, b or a)


def _fmt(value: float | None) -> str:
    return "never" if value is None else f"{value:,.0f}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--gui"]:
        gui_driver(sys.argv[2])
    elif sys.argv[1:2] == ["--browser"]:
        browser_driver(*sys.argv[2:8])
    else:
        run()
