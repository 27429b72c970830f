"""APScheduler 3.x wiring for `tracker schedule`: crontab translation, fire times, catch-up, signals.

The job itself is ``tracker.nightly.nightly_job``; this module only decides *when* it runs.

Crontab meaning is kept, because users paste lines from their crontab: day-of-week 0 and 7 are
Sunday (APScheduler's ``from_crontab`` counts from Monday = 0, so we never hand it numbers), names
(``mon-fri``, ``jan``) are accepted, and when both day-of-month and day-of-week are restricted the
expression fires when *either* matches (an OrTrigger of two CronTriggers). Six fields mean seconds
first (for tests and quick checks).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from tracker.config import Settings
from tracker.errors import TrackerError

JOB_ID = "nightly"
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


def schedule_timezone(settings: Settings) -> tzinfo:
    """The configured zone, else the system zone as APScheduler itself finds it (tzlocal)."""
    configured = settings.tzinfo()
    if configured is not None:
        return configured
    from tzlocal import get_localzone

    return get_localzone()


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


# ----------------------------------------------------------------------------- the process


@dataclass(frozen=True)
class JobArgs:
    """What the stored job is called with: plain strings only, so the job store can pickle it."""

    config_path: str | None
    dataset: str | None
    as_of: str | None
    verbose: bool = False


def _first_start(settings: Settings, now: datetime) -> datetime:
    """When a scheduler first ran on this state directory (recorded on first call)."""
    from tracker.nightly import state_db

    with state_db(settings) as conn, conn:
        conn.execute(
            "INSERT OR IGNORE INTO schedule_state (key, value) VALUES ('first_start', ?)", (now.isoformat(),)
        )
        row = conn.execute("SELECT value FROM schedule_state WHERE key = 'first_start'").fetchone()
    return datetime.fromisoformat(row[0])


def scheduler_lock_path(settings: Settings) -> Path:
    return settings.state_dir / "scheduler.lock"


def job_store_url(settings: Settings) -> str:
    return f"sqlite:///{settings.state_dir / 'jobs.sqlite'}"


def run_scheduler(
    settings: Settings, expression: str, trigger: Any, tz: tzinfo, job: JobArgs, log: Callable[[str], None]
) -> int:
    """Run until SIGTERM/SIGINT; a running job is allowed to finish. Returns the exit status."""
    from tracker.runlock import FileLock, lock_holder

    lock = FileLock(scheduler_lock_path(settings))
    if not lock.try_acquire():
        holder = lock_holder(lock.path)
        pid = f"pid {holder}" if holder is not None else "pid unknown"
        raise TrackerError(
            f"tracker schedule: another scheduler is already running on "
            f"{settings.state_dir} ({pid}, lock {lock.path}); refusing to start "
            "a second one"
        )
    try:
        return _run_locked(settings, expression, trigger, tz, job, log)
    finally:
        lock.release()


def _run_locked(
    settings: Settings, expression: str, trigger: Any, tz: tzinfo, job: JobArgs, log: Callable[[str], None]
) -> int:
    from apscheduler.events import (
        EVENT_JOB_ERROR,
        EVENT_JOB_EXECUTED,
        EVENT_JOB_MISSED,
        JobEvent,
        JobExecutionEvent,
    )
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.base import STATE_STOPPED
    from apscheduler.schedulers.blocking import BlockingScheduler

    from tracker.nightly import last_successful_run, nightly_job

    _route_apscheduler_logging(log, job.verbose)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(tz)
    first_start = _first_start(settings, now)
    last_ok = last_successful_run(settings)
    last_fire = previous_fire_time(trigger, now)
    catch_up = catch_up_due(last_ok, first_start, last_fire)

    grace = max(int(settings.schedule.misfire_grace_hours * 3600), 1)

    class Scheduler(BlockingScheduler):
        """BlockingScheduler that does nothing once stopped.

        Stock BlockingScheduler runs one last round of job processing after shutdown() wakes its
        loop: it would try to submit a due job to the closed executor (an error in the log) and
        advance the stored next run time of a run that never happened.
        """

        def _process_jobs(self) -> float | None:
            if self.state == STATE_STOPPED:
                return None
            return super()._process_jobs()

    scheduler = Scheduler(
        jobstores={"default": SQLAlchemyJobStore(url=job_store_url(settings))},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"misfire_grace_time": grace, "coalesce": True, "max_instances": 1},
        timezone=tz,
    )
    extra: dict[str, Any] = {}
    if catch_up:
        seen = last_ok.astimezone(tz).isoformat(timespec="seconds") if last_ok else "never"
        assert last_fire is not None
        log(
            f"catch-up: last successful run {seen} is older than the last scheduled time "
            f"{format_fire_time(last_fire, spec_seconds(expression))}; running once now"
        )
        extra["next_run_time"] = now
    else:
        log("no catch-up needed" + (" (no successful run recorded yet)" if last_ok is None else ""))
    scheduler.add_job(
        nightly_job,
        trigger=trigger,
        id=JOB_ID,
        name="tracker nightly job",
        args=[job.config_path, job.dataset, job.as_of],
        kwargs={"trigger": "schedule", "verbose": job.verbose},
        replace_existing=True,
        **extra,
    )

    def on_event(event: JobEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log(
                f"missed the run scheduled at {event.scheduled_run_time} (more than "
                f"{settings.schedule.misfire_grace_hours:g} h late); waiting for the next one"
            )
        elif event.code == EVENT_JOB_ERROR and isinstance(event, JobExecutionEvent):
            log(f"nightly job raised {type(event.exception).__name__}: {event.exception}")
            if job.verbose and event.traceback:
                log(str(event.traceback).rstrip())
        elif isinstance(event, JobExecutionEvent) and event.code == EVENT_JOB_EXECUTED:
            upcoming = next_fire_times(trigger, datetime.now(tz), 1)
            if upcoming and scheduler.state != STATE_STOPPED:
                log(f"next run: {format_fire_time(upcoming[0], spec_seconds(expression))}")

    scheduler.add_listener(on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_EXECUTED)
    stopper = _Stopper(scheduler, log)
    previous = {sig: signal.signal(sig, stopper.on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    upcoming = next_fire_times(trigger, now, 1)
    log(
        f"scheduler started (pid {os.getpid()}): cron {expression!r} in {_zone_name(tz)}; "
        f"next run: {format_fire_time(upcoming[0], spec_seconds(expression)) if upcoming else '-'}"
        f"; job store {job_store_url(settings)}"
    )
    try:
        if stopper.requested:
            stopper.abandon = True
        else:
            scheduler.start()
        stopper.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log("scheduler stopped")
    return 0


def spec_seconds(expression: str) -> bool:
    return len(expression.split()) == 6


def _zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz)


class _Stopper:
    """SIGTERM/SIGINT: stop scheduling, let the running job finish, then return from start().

    The scheduler is shut down from a helper thread, never inside the signal handler, because the
    handler may interrupt the main loop while it holds the scheduler's job store lock.
    """

    def __init__(self, scheduler: Any, log: Callable[[str], None]) -> None:
        self.scheduler = scheduler
        self.log = log
        self.thread: threading.Thread | None = None
        self.abandon = False
        """Set when the signal came before start(): nothing to shut down."""

    @property
    def requested(self) -> bool:
        return self.thread is not None

    def on_signal(self, signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if self.thread is not None:
            self.log(f"{name} again: still waiting for the running job to finish")
            return
        self.log(f"{name} received: stopping after the running job (if any) finishes")
        self.thread = threading.Thread(target=self._shutdown, name="tracker-shutdown")
        self.thread.start()

    def _shutdown(self) -> None:
        import time

        from apscheduler.schedulers import SchedulerNotRunningError
        from apscheduler.schedulers.base import STATE_STOPPED

        while self.scheduler.state == STATE_STOPPED and not self.abandon:
            time.sleep(0.05)  # signalled before start() got going: wait for it, then stop it
        with contextlib.suppress(SchedulerNotRunningError):
            self.scheduler.shutdown(wait=True)

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()


class _LogHandler(logging.Handler):
    def __init__(self, log: Callable[[str], None]) -> None:
        super().__init__()
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.log(f"apscheduler: {record.getMessage()}")
        except Exception:  # pragma: no cover - logging must never kill the scheduler
            self.handleError(record)


def _route_apscheduler_logging(log: Callable[[str], None], verbose: bool) -> None:
    """APScheduler's own warnings (misfires...) in our timestamped format instead of lastResort."""
    logger = logging.getLogger("apscheduler")
    logger.handlers[:] = [_LogHandler(log)]
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False


def print_next(trigger: Any, after: datetime, count: int, seconds: bool, out: Any = None) -> None:
    """`tracker schedule --next N`: one fire time a line, local wall time first."""
    stream = out if out is not None else sys.stdout
    for fire in next_fire_times(trigger, after, count):
        print(format_fire_time(fire, seconds), file=stream)
