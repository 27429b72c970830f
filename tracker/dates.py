"""Dataset dates: full ISO days, or months when the vendor publishes only a month.

A month-precision milestone counts as the *first* day of its month for status and alerts (warn early
rather than late); it covers the whole month when checking that milestones are in order.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dateutil.relativedelta import relativedelta

    from tracker.config import Settings

_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


@dataclass(frozen=True, order=True)
class MilestoneDate:
    """A date as written in the dataset, with its precision kept."""

    first_day: date
    """The day used for status, days left and alerts (a month's first day)."""
    text: str
    """The dataset's own string, kept for machine outputs."""
    month_only: bool = False
    """True when the vendor gives only a month (``YYYY-MM``)."""

    @property
    def last_day(self) -> date:
        """The last day this date can stand for (the month's end for month-only dates)."""
        if not self.month_only:
            return self.first_day
        y, m = self.first_day.year, self.first_day.month
        return date(y, m, calendar.monthrange(y, m)[1])

    def __str__(self) -> str:
        return self.text


@lru_cache(maxsize=4096)
def parse_milestone(text: str) -> MilestoneDate:
    """Parse ``YYYY-MM-DD`` or ``YYYY-MM``; raise ValueError with a message for people.

    Cached: a dataset repeats its dates (Patch Tuesdays, month ends) and ``MilestoneDate`` is
    immutable; errors are raised again each time, never cached."""
    m = _ISO.match(text)
    if not m:
        raise ValueError(f"not an ISO date (YYYY-MM-DD or YYYY-MM): {text!r}")
    year, month, day = int(m[1]), int(m[2]), m[3]
    try:
        if day is None:
            return MilestoneDate(date(year, month, 1), text, month_only=True)
        return MilestoneDate(date(year, month, int(day)), text)
    except ValueError:
        raise ValueError(f"impossible date: {text!r}") from None


def today_in(settings: Settings | None) -> date:
    """Today in the configured time zone (the system zone when none is set): the default ``as_of``."""
    if settings is None or not settings.timezone:
        return date.today()
    return datetime.now(settings.tzinfo()).date()


def parse_day(text: str) -> date:
    """Parse a full ISO day (command-line dates); ValueError otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"not an ISO date (YYYY-MM-DD): {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"impossible date: {text!r}") from None


AS_OF_RANGE = (date(1900, 1, 1), date(2999, 12, 31))
"""The days ``--as-of`` accepts: room for every window, lead time and timeline around them."""


def parse_as_of(text: str) -> date:
    """``--as-of`` / ``TRACKER_AS_OF``: a full ISO day within ``AS_OF_RANGE``; ValueError otherwise."""
    day = parse_day(text)
    low, high = AS_OF_RANGE
    if not low <= day <= high:
        raise ValueError(f"{text!r} is out of range ({low.isoformat()} to {high.isoformat()})")
    return day


_DURATION = re.compile(r"\s*(\d+)\s*([dwmy])\s*")
_DURATION_LIMITS = {"d": 36600, "w": 5300, "m": 1200, "y": 100}


def parse_duration(text: str) -> relativedelta:
    """A calendar duration: ``90d``, ``2w``, ``6m``, ``1y`` (at most 100 years).

    Months and years are calendar arithmetic (``2027-03-31`` - ``1m`` = ``2027-02-28``), which is why
    this is a ``relativedelta`` and never ``timedelta(days=30)``. ValueError with a message for people.
    """
    from dateutil.relativedelta import relativedelta

    m = _DURATION.fullmatch(text.lower()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"expected a number and a unit d, w, m or y (e.g. 90d, 6m, 1y), not {text!r}")
    n, unit = int(m[1]), m[2]
    if n > _DURATION_LIMITS[unit]:
        raise ValueError(f"{text!r} is too long (at most 100 years)")
    if unit == "d":
        return relativedelta(days=n)
    if unit == "w":
        return relativedelta(weeks=n)
    return relativedelta(months=n) if unit == "m" else relativedelta(years=n)
