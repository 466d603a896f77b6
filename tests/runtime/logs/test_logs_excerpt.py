"""The error excerpt shown when a server dies: the lines that explain why."""

from __future__ import annotations

from asgideck.runtime.logs import error_excerpt

SYNTAX = """\
INFO:     Will watch for changes
Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "/venv/lib/python3.11/site-packages/uvicorn/importer.py", line 19, in import_from_string
    module = importlib.import_module(module_str)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed
  File "/proj/app/main.py", line 3
    x = (
        ^
SyntaxError: '(' was never closed"""

PYDANTIC = """\
Traceback (most recent call last):
  File "/proj/app/core/config.py", line 40, in get_settings
    return Settings()
           ^^^^^^^^^^
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
secret_key
  Field required [type=missing, input_value={'app_name': 'x'}, input_type=dict]
    For further information visit https://errors.pydantic.dev/2.14/v/missing"""

GUNICORN = """\
[2026-11-25 00:21:20 +0000] [20455] [INFO] Starting gunicorn 27.0.1
[2026-11-25 00:21:20 +0000] [20456] [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/venv/gunicorn/arbiter.py", line 752, in spawn_worker
    worker.init_process()
  File "/proj/badimp.py", line 1, in <module>
    import nonexistent_mod_xyz
ModuleNotFoundError: No module named 'nonexistent_mod_xyz'
[2026-11-25 00:21:20 +0000] [20456] [INFO] Worker exiting (pid: 20456)
[2026-11-25 00:21:20 +0000] [20455] [ERROR] Worker (pid:20456) exited with code 3.
Traceback (most recent call last):
  File "/venv/gunicorn/arbiter.py", line 683, in reap_workers
    raise HaltServer(reason, self.WORKER_BOOT_ERROR)
gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>
[2026-11-25 00:21:20 +0000] [20455] [ERROR] Reason: Worker failed to boot."""


def test_syntax_error_shows_file_line_and_caret() -> None:
    assert error_excerpt(SYNTAX.splitlines()) == (
        '  File "/proj/app/main.py", line 3\n'
        "    x = (\n"
        "        ^\n"
        "SyntaxError: '(' was never closed"
    )


def test_pydantic_validation_error_keeps_its_details() -> None:
    text = error_excerpt(PYDANTIC.splitlines())
    assert text is not None
    assert text.startswith('  File "/proj/app/core/config.py", line 40, in get_settings')
    assert "ValidationError: 1 validation error for Settings" in text
    assert "secret_key\n  Field required" in text
    assert text.endswith("errors.pydantic.dev/2.14/v/missing")


def test_gunicorn_worker_traceback_beats_the_halt_wrapper() -> None:
    text = error_excerpt(GUNICORN.splitlines())
    assert text is not None
    assert text.endswith("ModuleNotFoundError: No module named 'nonexistent_mod_xyz'")
    assert "HaltServer" not in text


def test_error_lines_without_traceback() -> None:
    lines = [
        "INFO:     Started",
        'ERROR:    Error loading ASGI app. Could not import module "nope".',
    ]
    assert error_excerpt(lines) == lines[1]


def test_usage_errors_and_missing_server_module() -> None:
    assert error_excerpt(["Usage: ...", "", "Error: No such option: --bogus"]) == (
        "Error: No such option: --bogus"
    )
    assert error_excerpt(["/venv/bin/python: No module named uvicorn"]) == (
        "/venv/bin/python: No module named uvicorn"
    )


def test_fallback_is_the_last_lines() -> None:
    lines = [f"line {i}" for i in range(30)]
    assert error_excerpt(lines) == "\n".join(lines[-10:])
    assert error_excerpt(["", "  "]) is None
