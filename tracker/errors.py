"""Errors meant for people: each carries the lines to print, and no traceback is shown."""

from __future__ import annotations

import errno


class TrackerError(Exception):
    """A failure the user can fix (bad data, bad configuration, delivery failed). Exit status 1."""

    exit_code = 1

    def __init__(self, *messages: str) -> None:
        super().__init__("\n".join(messages))
        self.messages = list(messages)


class UsageError(TrackerError):
    """Bad command-line arguments. Exit status 2."""

    exit_code = 2


class DatasetError(TrackerError):
    """One or more problems in a dataset, each as ``FILE:LINE: column: message``."""


class ConfigError(TrackerError):
    """One or more problems in ``tracker.toml``, each naming the key."""


_ADVICE = {
    errno.EACCES: "the user running tracker may not write or read it: check its owner and mode",
    errno.EPERM: "the user running tracker may not write or read it: check its owner and mode",
    errno.EROFS: "the file system is mounted read-only",
    errno.ENOSPC: "the disk is full: free some space, then run again",
    errno.EDQUOT: "the disk quota is exhausted: free some space, then run again",
    errno.EISDIR: "name a file, not a directory",
    errno.ENOTDIR: "a part of this path is a file, not a directory",
    errno.EEXIST: "a file is in the way where a directory is needed",
    errno.ENOENT: "no such file or directory",
}


def describe_os_error(exc: OSError) -> str:
    """``PATH: what happened (what to do)`` for an expected operating condition."""
    path = exc.filename if exc.filename is not None else exc.filename2
    reason = exc.strerror or str(exc)
    advice = _ADVICE.get(exc.errno or 0)
    if advice and advice.lower() != reason.lower():
        reason = f"{reason} ({advice})"
    return f"{path}: {reason}" if path is not None else reason
