"""The one file lock (``fcntl.flock``) with a bounded wait: runs, senders and schedulers never overlap.

Used for ``run.lock`` (one nightly run at a time), ``alerts.lock`` (one sender at a time: two
`tracker alert` processes must never mail the same alert twice; the second waits for the first, then
recomputes what is due) and ``scheduler.lock`` (one scheduler per state directory).

flock locks belong to the open file, so the kernel releases them when the process dies: a crashed
run never leaves a stale lock behind. The holder writes its pid into the file, for the message that
tells the waiting side who is in the way.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from tracker.errors import TrackerError


class LockTimeout(TrackerError):
    """Another process held the lock for longer than we were willing to wait."""

    def __init__(self, path: Path, holder: int | None, waited: float, *messages: str) -> None:
        super().__init__(*messages)
        self.path = path
        self.holder = holder
        self.waited = waited


class LockUnavailable(TrackerError):
    """The lock file cannot be created or opened (state_dir unwritable, a file in the way): no
    process of this user can take the lock, which callers may treat differently from a held lock."""

    def __init__(self, path: Path, reason: str, *messages: str) -> None:
        super().__init__(*messages)
        self.path = path
        self.reason = reason


def lock_holder(path: Path) -> int | None:
    """The pid written by the current (or last) holder of the lock, if readable."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class FileLock:
    """Exclusive lock on ``path``; ``acquire(timeout)`` waits at most ``timeout`` seconds."""

    poll_seconds = 0.1

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free, without waiting."""
        if self._fd is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            in_the_way = isinstance(exc, FileExistsError | NotADirectoryError)
            said = f"{reason} (a file is in the way where a directory is needed)" if in_the_way else reason
            if self.path.is_file():  # made by another user, say root
                message = (
                    f"{self.path}: cannot open the lock file: {reason}; the user running tracker must "
                    "be able to write it (remove it, or give that user its ownership)"
                )
            else:
                message = (
                    f"{exc.filename or self.path}: cannot create the lock file: {said}; "
                    "state_dir must be a directory the user running tracker can write"
                )
            raise LockUnavailable(self.path, reason, message) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        try:  # the pid only helps the message of whoever waits; a full disk must not stop us here
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError:
            pass
        self._fd = fd
        return True

    def acquire(self, timeout: float, what: str = "tracker run") -> None:
        """Wait up to ``timeout`` seconds, then raise LockTimeout naming the holder."""
        start = time.monotonic()
        while not self.try_acquire():
            waited = time.monotonic() - start
            if waited >= timeout:
                holder = lock_holder(self.path)
                pid = f"pid {holder}" if holder is not None else "pid unknown"
                raise LockTimeout(
                    self.path,
                    holder,
                    waited,
                    f"another {what} holds {self.path} ({pid}); gave up after {timeout:g} s",
                )
            time.sleep(min(self.poll_seconds, max(timeout - waited, 0.01)))

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> FileLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
