"""Shared test helpers: run tracker (in this process, or the real entry point), fixture paths, free ports."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL = FIXTURES / "small.csv"
AS_OF = "2026-11-26"


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (aiosmtpd's Controller cannot take port 0 itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def state_rows(state_dir: Path, table: str) -> list[dict[str, Any]]:
    """Rows of ``table`` in ``state_dir``/tracker.db, read with plain sqlite3 (not through the code under
    test), oldest first; empty when the database or the table does not exist yet."""
    db = state_dir / "tracker.db"
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(db, timeout=10)) as conn:
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY id")]
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment with no TRACKER_* leaking in and config/state dirs under tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.pop("NO_COLOR", None)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env["XDG_STATE_HOME"] = str(tmp_path / "xdg-state")
    env.update(extra)
    return env


def run_tracker(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real entry point (`python -m tracker`) as a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
    )


def run_in_process(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    input: str | None = None,
    merge_stderr: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``tracker ARGS`` through ``tracker.cli.main`` in this process, as ``run_tracker`` would see it.

    The environment, working directory, stdin, stdout and stderr are swapped for the call and restored
    after it; the exit status is what ``python -m tracker`` would exit with (SystemExit from --help or
    --version included, and 1 with a traceback on stderr when ``-v`` lets a bug through). Output gets
    the universal-newline translation that ``subprocess.run(text=True)`` applies. ``timeout`` is
    accepted for the same signature and ignored. Only the start-up cost of a new interpreter is saved:
    tests that need a separate process (import-time rules, locks, signals, a tty) use ``run_tracker``.
    ``merge_stderr`` writes both streams into ``stdout`` in the order they were written, as a terminal
    shows them (``stderr`` is then empty).
    """
    from tracker.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out = io.StringIO()
    err = out if merge_stderr else io.StringIO()
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    try:
        if saved_env.get("TZ") != os.environ.get("TZ"):
            time.tzset()
        if cwd is not None:
            os.chdir(cwd)
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            _swapped_stdin(io.StringIO(input or "")),
        ):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = _exit_status(exc)
            except Exception:
                traceback.print_exc()
                code = 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        time.tzset()
    return subprocess.CompletedProcess(
        ["tracker", *args],
        code,
        _universal_newlines(out.getvalue()),
        "" if merge_stderr else _universal_newlines(err.getvalue()),
    )


@contextlib.contextmanager
def _swapped_stdin(stream: io.StringIO) -> Iterator[None]:
    saved, sys.stdin = sys.stdin, stream
    try:
        yield
    finally:
        sys.stdin = saved


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _universal_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path)


@pytest.fixture
def tracker(tmp_path: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    """Call as tracker("status", ...): runs ``tracker.cli.main`` in this process, in tmp_path with a clean
    environment (``run_tracker`` is the real entry point, for the tests that need a process)."""

    def call(*args: str, **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
        kw.setdefault("cwd", tmp_path)
        kw.setdefault("env", env)
        return run_in_process(*args, **kw)

    return call


@dataclass(frozen=True)
class PlanHint:
    """A plan for one cycle as the report and digests read it (``tracker.report.PlanLike``; the real
    one is ``tracker.plan.inventory.CycleStart``): the release to move to and the start-by date."""

    target: str
    """``VMware ESXi 8.0``; empty when no path is known."""
    start_by: date | None
