"""Measuring one fresh child process, shared by the benchmarks (run them as `python bench/X.py`)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path


def measure(
    argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[float, int]:
    """Wall seconds and peak RSS in bytes of one child, reaped with os.wait4 for its own usage."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)}\n{err}")
    return wall, usage.ru_maxrss * 1024  # Linux reports KiB
