"""One sender at a time: an exclusive file lock held across compute-due + send + record.

Two `tracker alert` processes (cron overlapping the scheduler, a person at the terminal) must never
mail the same alert twice; the second waits for the first, then recomputes what is due.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.errors import TrackerError

LOCK_NAME = "alerts.lock"


@contextmanager
def send_lock(state_dir: Path, timeout: float, poll: float = 0.05) -> Iterator[None]:
    path = state_dir / LOCK_NAME
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TrackerError(
                        f"{path}: another `tracker alert` is still sending after {timeout:g} s; "
                        "nothing sent by this run (try again later)"
                    ) from None
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
