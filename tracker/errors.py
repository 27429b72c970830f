"""Errors meant for people: each carries the lines to print, and no traceback is shown."""

from __future__ import annotations


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
