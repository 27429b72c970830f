"""Helpers for the nightly-job and scheduler tests: a real SMTP sink, configs, processes, polling."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alerts_support import smtp_server

from tests.conftest import state_rows


class Sink:
    """aiosmtpd handler that keeps every accepted message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@contextmanager
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    with smtp_server(sink) as port:
        yield sink, port


def write_config(
    directory: Path,
    *,
    smtp_port: int | None = None,
    lock_timeout: float = 30,
    cron: str = "0 6 * * *",
    extra: str = "",
) -> Path:
    """tracker.toml with state and reports under ``directory``; [smtp] when a port is given."""
    lines = [
        'timezone = "Europe/Paris"',
        'state_dir = "state"',
        extra,
        "[report]",
        'out_dir = "reports"',
        "[schedule]",
        f'cron = "{cron}"',
        f"lock_timeout_seconds = {lock_timeout}",
        "misfire_grace_hours = 1",
    ]
    if smtp_port is not None:
        lines += [
            "[smtp]",
            'host = "127.0.0.1"',
            f"port = {smtp_port}",
            'security = "none"',
            'from = "tracker@example.org"',
            "timeout = 5",
            "retries = 0",
            "[[routes]]",
            'match = "Microsoft/*"',
            'to = ["windows@example.org"]',
            "[[routes]]",
            'match = "*"',
            'to = ["infra@example.org"]',
        ]
    path = directory / "tracker.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def runs(state_dir: Path) -> list[dict[str, Any]]:
    """Rows of the runs table, read with plain sqlite3 (not through the code under test)."""
    return state_rows(state_dir, "runs")


def wait_for(what: str, predicate: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Proc:
    """A `python -m tracker` subprocess whose stderr goes to a file we can poll."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], name: str) -> None:
        self.err_path = cwd / f"{name}.stderr"
        self.out_path = cwd / f"{name}.stdout"
        self._err = open(self.err_path, "w")  # noqa: SIM115 - closed in wait()
        self._out = open(self.out_path, "w")  # noqa: SIM115
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "tracker", *args],
            cwd=cwd,
            env=env,
            stdout=self._out,
            stderr=self._err,
            text=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8")

    def stdout(self) -> str:
        return self.out_path.read_text(encoding="utf-8")

    def wait_stderr(self, text: str, timeout: float = 20) -> None:
        wait_for(f"{text!r} on stderr", lambda: text in self.stderr() or self._died(), timeout)
        if text not in self.stderr():
            raise AssertionError(
                f"process exited ({self.popen.returncode}) before {text!r}:\n{self.stderr()}"
            )

    def _died(self) -> bool:
        return self.popen.poll() is not None

    def signal(self, signum: int) -> None:
        os.kill(self.popen.pid, signum)

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.popen.wait(timeout)
        finally:
            if self.popen.poll() is not None:
                self._err.close()
                self._out.close()

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)
        self._err.close()
        self._out.close()
