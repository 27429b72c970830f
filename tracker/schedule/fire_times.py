"""Fire-time maths on APScheduler triggers: the next N, the last one passed, catch-up, display."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def next_fire_times(trigger: Any, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``."""
    times: list[datetime] = []
    previous: datetime | None = None
    now = after
    while len(times) < count:
        # Step in UTC: wall-clock arithmetic on a zoned datetime drops `fold` and would return
        # the first of two 02:30s again in the autumn.
        now = (now.astimezone(UTC) + timedelta(microseconds=1)).astimezone(now.tzinfo)
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        times.append(fire)
        previous = now = fire
    return times


def previous_fire_time(
    trigger: Any, now: datetime, horizon: timedelta = timedelta(days=366 * 9)
) -> datetime | None:
    """The last fire time at or before ``now`` (APScheduler 3 triggers only look forward).

    Gallops back until a window [now - w, now] holds a fire time, then binary-searches (to the
    second) the latest start whose next fire time is still <= now. About 60 trigger calls at most.
    """

    def first_at_or_after(moment: datetime) -> datetime | None:
        return trigger.get_next_fire_time(None, moment)

    window = timedelta(seconds=1)
    while True:
        fire = first_at_or_after(now - window)
        if fire is not None and fire <= now:
            break
        if window > horizon:
            return None
        window *= 2
    lo, hi = 0, int((now - fire).total_seconds()) + 1  # offsets from `fire`, in seconds
    while hi - lo > 1:
        mid = (lo + hi) // 2
        probe = first_at_or_after(fire + timedelta(seconds=mid))
        if probe is not None and probe <= now:
            lo = mid
        else:
            hi = mid
    best = first_at_or_after(fire + timedelta(seconds=lo))
    return best if best is not None and best <= now else fire


def format_fire_time(moment: datetime, seconds: bool = False) -> str:
    """``2027-03-28 06:00 CEST (+02:00)``: local wall time first, then the zone and its offset.

    Normalised through UTC: a time that does not exist locally (02:30 on the spring change) is
    shown as the instant it really fires at (03:30 summer time).
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).astimezone(moment.tzinfo)
    wall = moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    offset = moment.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else ""
    name = moment.tzname() or ""
    return f"{wall} {name} ({offset})" if offset else f"{wall} {name}".rstrip()


def catch_up_due(last_ok: datetime | None, first_start: datetime, last_fire: datetime | None) -> bool:
    """A scheduled time passed with no successful run since: run once now.

    With no successful run yet, the first time this state directory saw a scheduler stands in, so
    a fresh install does not fire at once (like systemd's Persistent=true with no stamp file).
    """
    if last_fire is None:
        return False
    reference = last_ok if last_ok is not None else first_start
    return reference < last_fire
