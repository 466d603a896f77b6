"""``asgideck run``'s log path carries every line the server prints, in order, unchanged
but for what it must change: the profile's secret masked, ``\\r`` progress collapsed as a
terminal shows it, CRLF as LF. A real server floods its stdout (numbered lines,
multi-byte characters cut between writes, a last line with no newline) and ``run``'s
stdout must equal ``expected_lines`` exactly; the run's log file holds the same lines
in the same order; the secret is nowhere."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from asgideck.runtime.logs import logs_dir
from asgideck.runtime.servers import free_port
from support.log_flood import SECRET, expected_lines, last_marker
from support.running import RunChild, run_args, run_children

pytestmark = pytest.mark.integration
LINES = 20_000
DEADLINE_S = 60.0

#: The server: its startup writes the flood with os.write at the cut points (no Python
#: buffering in between, so the bytes go out exactly as cut), then it serves.
FLOOD_APP = r"""
import os

from support_flood import cut_points, flood_bytes


def _flood():
    data = flood_bytes(int(os.environ["FLOOD_LINES"]))
    start = 0
    for end in [*cut_points(data), len(data)]:
        view = memoryview(data)[start:end]
        while view:
            view = view[os.write(1, view):]
        start = end


class App:  # an instance, not a function: never taken for an app factory
    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    _flood()
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


app = App()
"""


def write_flood_project(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "app.py").write_text(FLOOD_APP, encoding="utf-8")
    support = Path(__file__).resolve().parents[2] / "support" / "log_flood.py"
    (root / "support_flood.py").write_text(support.read_text(encoding="utf-8"), encoding="utf-8")
    (root / ".env").write_text(f"SECRET_KEY={SECRET}\nFLOOD_LINES={LINES}\n", encoding="utf-8")
    return root


def _in_order(wanted: list[str], lines: list[str]) -> bool:
    """``wanted`` appears in ``lines`` in the same order (other lines between allowed)."""
    it = iter(lines)
    return all(any(line == w for line in it) for w in wanted)


def test_run_delivers_every_line_in_order_masked(tmp_path: Path) -> None:
    root = write_flood_project(tmp_path / "flood")
    with run_children() as children:
        child = RunChild(run_args(root, free_port()))
        children.append(child)
        assert child.out is not None
        assert child.out.wait_for(last_marker(LINES), DEADLINE_S), child.err.text()[-2000:]
        child.wait_running(DEADLINE_S)
        child.proc.send_signal(signal.SIGINT)  #: run stops the server; its stdout ends (EOF)
        assert child.finish(DEADLINE_S) == 0, child.err.text()[-2000:]
        out, err = child.out.text(), child.err.text()
    expected = expected_lines(LINES)
    assert out.endswith("\n")
    got = out[:-1].split("\n")
    assert len(got) == len(expected)
    mismatch = next((i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b), None)
    assert mismatch is None, (mismatch, got[mismatch or 0], expected[mismatch or 0])
    assert SECRET not in out and SECRET not in err
    [log] = sorted(logs_dir().glob("*.log"))
    text = log.read_text(encoding="utf-8")
    assert SECRET not in text
    assert _in_order(expected, text.split("\n"))
