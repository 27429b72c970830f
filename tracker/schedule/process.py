"""The `tracker schedule` process: one scheduler per state directory, a SQLite job store, catch-up
at start, signals that let a running job finish, APScheduler's log in ours.

The job itself is ``tracker.nightly.nightly_job``; this module only decides *when* it runs.
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
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from tracker.config import Settings
from tracker.errors import TrackerError
from tracker.schedule.cron import spec_seconds
from tracker.schedule.fire_times import catch_up_due, format_fire_time, next_fire_times, previous_fire_time

JOB_ID = "nightly"


def schedule_timezone(settings: Settings) -> tzinfo:
    """The configured zone, else the system zone as APScheduler itself finds it (tzlocal)."""
    configured = settings.tzinfo()
    if configured is not None:
        return configured
    from tzlocal import get_localzone

    return get_localzone()


@dataclass(frozen=True)
class JobArgs:
    """What the stored job is called with: plain strings only, so the job store can pickle it."""

    config_path: str | None
    dataset: str | None
    as_of: str | None
    verbose: bool = False


def _first_start(settings: Settings, now: datetime) -> datetime:
    """When a scheduler first ran on this state directory (recorded on first call)."""
    from tracker.runs import state_db

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
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED

    from tracker.nightly import nightly_job

    _route_apscheduler_logging(log, job.verbose)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(tz)
    scheduler = _make_scheduler(settings, tz)
    scheduler.add_job(
        nightly_job,
        trigger=trigger,
        id=JOB_ID,
        name="tracker nightly job",
        args=[job.config_path, job.dataset, job.as_of],
        kwargs={"trigger": "schedule", "verbose": job.verbose},
        replace_existing=True,
        **_catch_up(settings, expression, trigger, now, log),
    )
    scheduler.add_listener(
        _event_logger(settings, expression, trigger, tz, job.verbose, scheduler, log),
        EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_EXECUTED,
    )
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


def _make_scheduler(settings: Settings, tz: tzinfo) -> Any:
    """A BlockingScheduler on the SQLite job store: one worker, coalesced runs, the configured grace."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.base import STATE_STOPPED
    from apscheduler.schedulers.blocking import BlockingScheduler

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

    grace = max(int(settings.schedule.misfire_grace_hours * 3600), 1)
    return Scheduler(
        jobstores={"default": SQLAlchemyJobStore(url=job_store_url(settings))},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"misfire_grace_time": grace, "coalesce": True, "max_instances": 1},
        timezone=tz,
    )


def _catch_up(
    settings: Settings, expression: str, trigger: Any, now: datetime, log: Callable[[str], None]
) -> dict[str, Any]:
    """``add_job`` options: ``next_run_time=now`` when a scheduled time passed with no successful run
    since (logged either way)."""
    from tracker.runs import last_successful_run

    first_start = _first_start(settings, now)
    last_ok = last_successful_run(settings)
    last_fire = previous_fire_time(trigger, now)
    if not catch_up_due(last_ok, first_start, last_fire):
        log("no catch-up needed" + (" (no successful run recorded yet)" if last_ok is None else ""))
        return {}
    seen = last_ok.astimezone(now.tzinfo).isoformat(timespec="seconds") if last_ok else "never"
    assert last_fire is not None
    log(
        f"catch-up: last successful run {seen} is older than the last scheduled time "
        f"{format_fire_time(last_fire, spec_seconds(expression))}; running once now"
    )
    return {"next_run_time": now}


def _event_logger(
    settings: Settings,
    expression: str,
    trigger: Any,
    tz: tzinfo,
    verbose: bool,
    scheduler: Any,
    log: Callable[[str], None],
) -> Callable[[Any], None]:
    """A listener that logs missed runs, job errors and, after each run, the next fire time."""
    from apscheduler.events import (
        EVENT_JOB_ERROR,
        EVENT_JOB_EXECUTED,
        EVENT_JOB_MISSED,
        JobEvent,
        JobExecutionEvent,
    )
    from apscheduler.schedulers.base import STATE_STOPPED

    def on_event(event: JobEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log(
                f"missed the run scheduled at {event.scheduled_run_time} (more than "
                f"{settings.schedule.misfire_grace_hours:g} h late); waiting for the next one"
            )
        elif event.code == EVENT_JOB_ERROR and isinstance(event, JobExecutionEvent):
            if isinstance(event.exception, TrackerError):  # e.g. tracker.toml edited into an error
                log(f"nightly job failed: {'; '.join(event.exception.messages)}")
            else:
                log(f"nightly job raised {type(event.exception).__name__}: {event.exception}")
                if verbose and event.traceback:
                    log(str(event.traceback).rstrip())
        if isinstance(event, JobExecutionEvent) and event.code in (EVENT_JOB_EXECUTED, EVENT_JOB_ERROR):
            upcoming = next_fire_times(trigger, datetime.now(tz), 1)
            if upcoming and scheduler.state != STATE_STOPPED:
                log(f"next run: {format_fire_time(upcoming[0], spec_seconds(expression))}")

    return on_event


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
            message = record.getMessage()
            if record.exc_info and message.endswith("raised an exception"):
                return  # the job error listener says it in one line, without the trigger's repr
            self.log(f"apscheduler: {message}")
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
