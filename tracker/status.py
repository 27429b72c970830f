"""The status rules, once: pure functions of a record and an explicit ``as_of`` (see README).

README "Asking questions" describes the statuses; each milestone date is the last day of its phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tracker.dataset import MILESTONES, LifecycleRecord
from tracker.dates import MilestoneDate


class Status(StrEnum):
    UNRELEASED = "unreleased"
    SUPPORTED = "supported"
    SECURITY_ONLY = "security-only"
    EXTENDED = "extended"
    END_OF_LIFE = "end-of-life"


STATUS_ORDER = tuple(Status)
"""Lifecycle order; a cycle only ever moves forward through it as ``as_of`` grows."""


def status_of(record: LifecycleRecord, as_of: date) -> Status:
    """Status of ``record`` on ``as_of``. A milestone's day still belongs to its phase."""
    if as_of < record.release.first_day:
        return Status.UNRELEASED
    support_end, eol, extended_end = record.support_end, record.eol, record.extended_end
    if support_end is None:
        if eol is None or as_of <= eol.first_day:
            return Status.SUPPORTED
    elif as_of <= support_end.first_day:
        return Status.SUPPORTED
    elif eol is None or as_of <= eol.first_day:
        return Status.SECURITY_ONLY
    assert eol is not None
    if extended_end is not None and as_of <= extended_end.first_day:
        return Status.EXTENDED
    return Status.END_OF_LIFE


def days_to_eol(record: LifecycleRecord, as_of: date) -> int | None:
    """``eol - as_of`` in days: negative once past, None when eol is not announced."""
    if record.eol is None:
        return None
    return (record.eol.first_day - as_of).days


def is_approaching(record: LifecycleRecord, as_of: date, warning_days: int) -> bool:
    days = days_to_eol(record, as_of)
    return days is not None and 0 <= days <= warning_days


@dataclass(frozen=True)
class Milestone:
    """One dated milestone of one cycle."""

    record: LifecycleRecord
    milestone: str
    """``support_end``, ``eol`` or ``extended_end``."""
    when: MilestoneDate

    @property
    def day(self) -> date:
        return self.when.first_day

    def days_left(self, as_of: date) -> int:
        return (self.day - as_of).days


def milestones_of(record: LifecycleRecord, which: Iterable[str] = MILESTONES) -> list[Milestone]:
    out = []
    for name in which:
        value = record.milestone(name)
        if value is not None:
            out.append(Milestone(record, name, value))
    return out


def expiring(
    records: Iterable[LifecycleRecord], start: date, end: date, which: Sequence[str] = MILESTONES
) -> list[Milestone]:
    """Milestones whose (first) day falls in ``start..end`` inclusive, sorted by date."""
    found = [m for r in records for m in milestones_of(r, which) if start <= m.day <= end]
    found.sort(
        key=lambda m: (
            m.day,
            m.record.vendor,
            m.record.product,
            m.record.cycle,
            MILESTONES.index(m.milestone),
        )
    )
    return found
