"""Which team gets an alert: the first ``[[routes]]`` entry whose glob matches ``vendor/product``."""

from __future__ import annotations

import fnmatch
import re
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


def route_warnings(records: Iterable[LifecycleRecord], routes: Iterable[Route]) -> list[str]:
    """Configured routes that can never get an alert: a glob that matches no ``vendor/product`` of
    the dataset (often a vendor written as people say it: VMware products are
    ``Broadcom (VMware)/...``), or one whose products an earlier route all takes first (except a
    catch-all such as ``*``, there for products the dataset gains later)."""
    subjects = sorted({route_subject(r) for r in records})
    earlier: list[tuple[int, Route]] = []
    warnings = []
    for index, route in enumerate(routes):
        matched = [s for s in subjects if _fits(s, route)]
        if not matched:
            words = [w for w in re.split(r"[^a-z0-9]+", route.match.casefold()) if len(w) > 2]
            like = [s for s in subjects if words and words[0] in s.casefold()]
            hint = f", e.g. '{like[0]}'" if like else ""
            warnings.append(
                f"routes[{index}] match '{route.match}' matches no vendor/product in the dataset, so "
                f"it never gets an alert (globs see the dataset's names{hint}; `tracker status` "
                "lists them)"
            )
        else:
            firsts = [next((i for i, r in earlier if _fits(s, r)), None) for s in matched]
            if None not in firsts and route.match.strip("*/"):  # a catch-all waits for new products
                first = ", ".join(f"routes[{i}] '{r.match}'" for i, r in earlier if i in firsts)
                warnings.append(
                    f"routes[{index}] match '{route.match}' never gets an alert: every product it "
                    f"matches goes to {first} first (the first matching route wins)"
                )
        earlier.append((index, route))
    return warnings


def _fits(subject: str, route: Route) -> bool:
    return fnmatch.fnmatchcase(subject.casefold(), route.match.casefold())
