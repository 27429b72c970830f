"""Which team gets an alert: the first ``[[routes]]`` entry whose glob matches ``vendor/product``."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from tracker.config import Route
from tracker.dataset import LifecycleRecord


def route_subject(record: LifecycleRecord) -> str:
    """The text route globs are matched against."""
    return f"{record.vendor}/{record.product}"


def route_for(record: LifecycleRecord, routes: Iterable[Route]) -> Route | None:
    """First matching route (file order wins), case-insensitive; None when nothing matches."""
    subject = route_subject(record).casefold()
    for route in routes:
        if fnmatch.fnmatchcase(subject, route.match.casefold()):
            return route
    return None
