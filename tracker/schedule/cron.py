"""Crontab expressions -> APScheduler 3.x triggers, with crontab's meaning kept.

Users paste lines from their crontab: day-of-week 0 and 7 are Sunday (APScheduler's ``from_crontab``
counts from Monday = 0, so we never hand it numbers), names (``mon-fri``, ``jan``) are accepted, and
when both day-of-month and day-of-week are restricted the expression fires when *either* matches (an
OrTrigger of two CronTriggers). Six fields mean seconds first (for tests and quick checks). Parsing
needs only the standard library; APScheduler is imported when a trigger is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from tracker.errors import TrackerError

WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class CronError(TrackerError):
    """A cron expression we cannot honour; the message names the field."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    """Accepted names, numbered from ``low``."""


SECOND = _Field("second", 0, 59)
MINUTE = _Field("minute", 0, 59)
HOUR = _Field("hour", 0, 23)
DAY = _Field("day-of-month", 1, 31)
MONTH = _Field("month", 1, 12, MONTH_NAMES)
WEEKDAY = _Field("day-of-week", 0, 7, WEEKDAY_NAMES)


def _value(field: _Field, text: str) -> int:
    lowered = text.lower()
    if lowered in field.names:
        return field.low + field.names.index(lowered)
    if not text.isdigit():
        known = f" (names: {', '.join(field.names)})" if field.names else ""
        raise CronError(f"{field.name}: {text!r} is not a number{known}")
    value = int(text)
    if not field.low <= value <= field.high:
        raise CronError(f"{field.name}: {value} is out of range {field.low}-{field.high}")
    return value


def expand_field(field: _Field, text: str) -> set[int]:
    """The values a crontab field selects: lists, ranges, steps, ``*`` and names, as in cron(5)."""
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise CronError(f"{field.name}: empty list item in {text!r}")
        body, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{field.name}: step must be a positive number in {item!r}")
            step = int(step_text)
        if body == "*":
            first, last = field.low, field.high
        else:
            start, dash, end = body.partition("-")
            first = _value(field, start)
            # "a/n" (no range) means "from a to the end", as in Vixie cron and APScheduler
            last = _value(field, end) if dash else (field.high if slash else first)
            if field is WEEKDAY and dash and last == 0:
                last = 7  # "fri-sun": Sunday as the end of a range is day 7
            if last < first:
                raise CronError(f"{field.name}: range {body!r} goes backwards")
        values.update(range(first, last + 1, step))
    return values


@dataclass(frozen=True)
class CronSpec:
    """A parsed crontab expression, ready to become APScheduler triggers."""

    expression: str
    second: str
    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str
    either_day: bool
    """Both day fields restricted: fire when either matches (crontab rule)."""
    has_seconds: bool


def _join(values: set[int], field: _Field) -> str:
    if values == set(range(field.low, field.high + 1)):
        return "*"
    return ",".join(str(v) for v in sorted(values))


def parse_cron(expression: str) -> CronSpec:
    """Translate a five- or six-field crontab expression; raise CronError naming the bad field."""
    parts = expression.split()
    if len(parts) not in (5, 6):
        raise CronError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), or 6 "
            f"with seconds first, got {len(parts)}: {expression!r}"
        )
    has_seconds = len(parts) == 6
    if not has_seconds:
        parts = ["0", *parts]
    sec, minute, hour, day, month, dow = parts
    weekdays = {v % 7 for v in expand_field(WEEKDAY, dow)}  # 7 is Sunday too
    days = expand_field(DAY, day)
    months = expand_field(MONTH, month)
    # cron(5)/Vixie: when both day fields are restricted (neither starts with "*"), a day matching
    # either runs the job; otherwise both must match ("*/2" still restricts, with AND).
    either_day = not day.startswith("*") and not dow.startswith("*")
    dow_text = (
        "*"
        if len(weekdays) == 7
        else ",".join(WEEKDAY_NAMES[d] for d in sorted(weekdays, key=lambda d: (d + 6) % 7))
    )
    return CronSpec(
        expression=expression,
        second=_join(expand_field(SECOND, sec), SECOND),
        minute=_join(expand_field(MINUTE, minute), MINUTE),
        hour=_join(expand_field(HOUR, hour), HOUR),
        day=_join(days, DAY),
        month=_join(months, MONTH),
        day_of_week=dow_text,
        either_day=either_day,
        has_seconds=has_seconds,
    )


def build_trigger(spec: CronSpec, tz: tzinfo) -> Any:
    """CronTrigger, or OrTrigger of a day-of-month and a day-of-week CronTrigger (either matches)."""
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    def cron(day: str, day_of_week: str) -> CronTrigger:
        return CronTrigger(
            second=spec.second,
            minute=spec.minute,
            hour=spec.hour,
            day=day,
            month=spec.month,
            day_of_week=day_of_week,
            timezone=tz,
        )

    if spec.either_day:
        return OrTrigger([cron(spec.day, "*"), cron("*", spec.day_of_week)])
    return cron(spec.day, spec.day_of_week)


def trigger_for(expression: str, tz: tzinfo, where: str) -> Any:
    """Parse and build, turning every problem into one clear error naming ``where``."""
    try:
        spec = parse_cron(expression)
        trigger = build_trigger(spec, tz)
    except CronError as exc:
        raise CronError(f"{where}: {exc.messages[0]}") from None
    except ValueError as exc:  # APScheduler's own check, should ours miss something
        raise CronError(f"{where}: {exc}") from None
    probe = datetime.now(tz)
    if trigger.get_next_fire_time(None, probe) is None:
        raise CronError(f"{where}: {expression!r} never fires (no such date)")
    return trigger


def spec_seconds(expression: str) -> bool:
    return len(expression.split()) == 6
