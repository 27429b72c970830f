"""Shared test helpers: run the real entry point, fixture paths, free ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

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


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path)


@pytest.fixture
def tracker(tmp_path: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    """Call as tracker("status", ...): runs in tmp_path with a clean environment."""

    def call(*args: str, **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
        kw.setdefault("cwd", tmp_path)
        kw.setdefault("env", env)
        return run_tracker(*args, **kw)

    return call
