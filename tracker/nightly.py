"""The nightly job: the HTML report, then the alerts, under a lock, recorded in the state database.

``nightly_job`` is a plain module-level function taking only strings, so that `tracker run` (cron,
systemd) and `tracker schedule` (APScheduler, which stores the job by reference in its SQLite job
store) run exactly the same code. It never raises for an expected failure (bad dataset, SMTP down,
lock held): it logs, records the run and returns a RunOutcome; the caller decides the exit status.

Each run is a row of the ``runs`` table in ``<state_dir>/tracker.db`` (the file the alert ledger uses;
WAL mode and a busy timeout let both work on it). The scheduler reads it to decide on a catch-up run.

Test hook: ``TRACKER_TEST_JOB_DELAY`` (seconds) makes the job sleep after taking the lock and before
writing the report. It exists only so the tests can stop a scheduler in the middle of a run, or race
two runs deterministically; never set it in production.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tracker.config import Settings, find_config, load_settings
from tracker.errors import TrackerError, describe_os_error
from tracker.estate import EstateSummary
from tracker.runs import (
    Log,
    RunOutcome,
    RunState,
    count_of,
    iso,
    last_successful_run,
    plural,
    record_run,
    run_lock_path,
    shown,
    state_db,
    state_db_path,
    utc_now,
)

__all__ = [
    "Log",
    "RunOutcome",
    "last_successful_run",
    "make_logger",
    "nightly_job",
    "resolve_settings",
    "run_lock_path",
    "state_db",
    "state_db_path",
    "utc_now",
]

TEST_DELAY_ENV = "TRACKER_TEST_JOB_DELAY"


def make_logger(settings: Settings, stream: Any = None) -> Log:
    """Timestamped lines on stderr, in the configured time zone, flushed at once (for journald)."""
    tz = settings.tzinfo()

    def log(message: str) -> None:
        out = stream if stream is not None else sys.stderr
        stamp = datetime.now(tz).astimezone(tz).isoformat(timespec="seconds")
        text = str(message)
        text = text.removeprefix("tracker: ")  # the alert module's lines carry their own prefix
        for line in text.splitlines() or [""]:
            print(f"{stamp} tracker: {line}", file=out, flush=True)

    return log


def resolve_settings(config_path: str | None) -> Settings:
    """The settings the job runs with: the given file, else the usual discovery (./tracker.toml...)."""
    return load_settings(find_config(config_path))


def nightly_job(
    config_path: str | None,
    dataset: str | None = None,
    as_of: str | None = None,
    trigger: str = "cli",
    verbose: bool = False,
    accept_new_ledger: bool = False,
) -> RunOutcome:
    """One night's work: lock, report, alerts, record. Plain arguments only (picklable by reference).

    ``as_of`` None means "today in the configured zone", evaluated when the job runs, so a
    long-running scheduler moves on to each new day. Configuration errors raise ConfigError.
    """
    from tracker.dates import parse_day, today_in
    from tracker.runlock import FileLock, LockTimeout

    settings = resolve_settings(config_path)
    log = make_logger(settings)
    try:
        day = parse_day(as_of) if as_of else None
    except ValueError as exc:
        raise TrackerError(f"--as-of: {exc}") from None

    attempt = utc_now()
    lock = FileLock(run_lock_path(settings))
    try:
        lock.acquire(settings.schedule.lock_timeout_seconds)
    except LockTimeout as exc:
        message = exc.messages[0]
        log(message)
        run_id = record_run(
            settings,
            log,
            "INSERT INTO runs (started_at, ended_at, outcome, trigger, error, pid) "
            "VALUES (?, ?, 'locked', ?, ?, ?)",
            (iso(attempt), iso(utc_now()), trigger, message, os.getpid()),
        )
        return RunOutcome(outcome="locked", errors=(message,), run_id=run_id)
    try:
        as_of_day = day or today_in(settings)
        return _locked_run(settings, log, dataset, as_of_day, trigger, verbose, accept_new_ledger)
    finally:
        lock.release()


def _locked_run(
    settings: Settings,
    log: Log,
    dataset: str | None,
    as_of: date,
    trigger: str,
    verbose: bool,
    accept_new_ledger: bool = False,
) -> RunOutcome:
    from tracker.dataset import bundled_dataset_path, load_dataset

    started = utc_now()
    # We hold the run lock, so a row still 'running' belongs to a run that died mid-way.
    run_id = record_run(
        settings,
        log,
        "INSERT INTO runs (started_at, outcome, trigger, as_of, pid) VALUES (?, 'running', ?, ?, ?)",
        (iso(started), trigger, as_of.isoformat(), os.getpid()),
        before="UPDATE runs SET outcome = 'interrupted', ended_at = ? WHERE outcome = 'running'",
    )
    log(f"run {run_id or '(not recorded)'} started ({trigger}, as of {as_of.isoformat()}, pid {os.getpid()})")
    state = RunState(as_of=as_of, run_id=run_id, to_outbox=settings.smtp is None)
    if run_id is None:
        state.errors.append("the run could not be recorded in the state database")
    try:
        delay = float(os.environ.get(TEST_DELAY_ENV) or 0)
        if delay > 0:
            log(f"{TEST_DELAY_ENV}={delay:g}: sleeping {delay:g} s (test hook)")
            time.sleep(delay)
        dataset_path = Path(dataset) if dataset else settings.dataset or bundled_dataset_path()
        from tracker.metrics import write_metrics_after_run

        try:
            records = load_dataset(dataset_path)
        except TrackerError as exc:
            state.fail(log, "dataset invalid: no report written, no alert sent", exc.messages)
            outcome = state.finish(settings, log)
            write_metrics_after_run(settings, None, as_of, None, log)  # report.metrics_file, when set
            return outcome

        def step(name: str, headline: str, work: Callable[[], Any]) -> tuple[bool, Any]:
            return _step(state, log, name, headline, verbose, work)

        estate_ok, estate = step(
            "inventory",
            "inventory invalid: no report written; alerts sent without host counts",
            lambda: _estate(settings, records, as_of),
        )
        plan = None
        if estate_ok:  # like `tracker report`: no report that silently lacks "Your estate"
            plan = step(
                "report",
                "report failed",
                lambda: _write_report(settings, log, state, records, dataset_path, estate),
            )[1]
        step("change feed", "change feed failed", lambda: _write_changes_feed(settings, log, state, records))
        step(
            "alerts",
            "alerts failed",
            lambda: _send_alerts(
                settings, log, state, records, estate, accept_new_ledger, dataset_path, plan
            ),
        )
        outcome = state.finish(settings, log)
        write_metrics_after_run(settings, records, as_of, estate, log)  # after the run is recorded
        return outcome
    except BaseException as exc:
        # A bug, or the process being torn down: still close the run's row before re-raising.
        state.fail(log, f"internal error: {type(exc).__name__}: {exc}", ())
        state.finish(settings, log)
        raise


def _step(
    state: RunState, log: Log, name: str, headline: str, verbose: bool, work: Callable[[], Any]
) -> tuple[bool, Any]:
    """Run one step of the night; a failure is recorded (with ``headline``) and the night goes on.

    (ok, value): expected failures (TrackerError, an OSError naming a path) are sentences for people;
    anything else is a bug, said plainly, with the traceback under -v.
    """
    try:
        return True, work()
    except TrackerError as exc:
        state.fail(log, headline, exc.messages)
    except OSError as exc:
        state.fail(log, headline, [describe_os_error(exc)])
    except Exception as exc:
        state.fail(log, f"{name}: internal error: {type(exc).__name__}: {exc}", ())
        if verbose:
            log(traceback.format_exc().rstrip())
    return False, None


def _estate(settings: Settings, records: list[Any], as_of: date) -> EstateSummary | None:
    """The inventory summary when one is configured; a bad inventory fails the run, not the alerts."""
    if settings.inventory is None:
        return None
    from tracker.inventory import configured_estate

    return configured_estate(settings, records, as_of)


def _write_report(
    settings: Settings,
    log: Log,
    state: RunState,
    records: list[Any],
    dataset_path: Path,
    estate: EstateSummary | None,
) -> dict[tuple[str, str, str], Any] | None:
    """Write the report and the calendar feed it links to, as `tracker report --calendar` does;
    return the estate's plan (target, start-by per cycle) for the digests, None without one.

    A failure here is recorded but does not stop the alerts: end-of-life warnings matter more.
    """
    from tracker.ical import write_feed_beside
    from tracker.report import write_report

    now = utc_now()
    out_dir = settings.report.out_dir
    write_feed_beside(out_dir, records, settings, now, state.as_of)
    plan = None
    if estate is not None:  # target and start-by per cycle of your estate (tracker plan)
        from tracker.plan.hosts import configured_plan_by_cycle

        plan = configured_plan_by_cycle(settings, records, dataset_path, state.as_of)
    path = write_report(
        records,
        settings,
        as_of=state.as_of,
        out_dir=out_dir,
        dataset_path=dataset_path,
        now=now,
        estate=estate,
        plan_by_cycle=plan,
    )
    state.report_path = Path(path)
    log(f"report written: {shown(Path(path))}")
    return plan


def _write_changes_feed(settings: Settings, log: Log, state: RunState, records: list[Any]) -> None:
    """``out_dir/tracker.atom``: the dataset's changes since the previous run."""
    from tracker.atom import write_changes_feed

    added = write_changes_feed(settings.report.out_dir, records, settings, utc_now(), state.as_of)
    log(f"change feed: {len(added)} new entr{'y' if len(added) == 1 else 'ies'}")


def _send_alerts(
    settings: Settings,
    log: Log,
    state: RunState,
    records: list[Any],
    estate: EstateSummary | None,
    accept_new_ledger: bool,
    dataset_path: Path,
    plan: dict[tuple[str, str, str], Any] | None = None,
) -> None:
    """The digests; ``plan`` is the report's (target and start-by per cycle), planned once a night."""
    from tracker.alerts import run_alerts

    start_by = None
    if "start_by" in settings.alerts.milestones:  # SPEC section 9
        from tracker.plan.hosts import configured_start_by, start_by_of

        if plan is not None:
            start_by = start_by_of(plan)
        else:
            start_by = configured_start_by(settings, records, dataset_path, state.as_of)
    result = run_alerts(
        records,
        settings,
        as_of=state.as_of,
        now=utc_now(),
        dry_run=False,
        log=log,
        accept_new_ledger=accept_new_ledger,
        estate=estate,
        start_by=start_by,
        plan_by_cycle=plan,
    )
    state.digests_sent = count_of(result.digests_sent)
    state.items_sent = count_of(result.items_sent)
    state.failed_routes = len(set(result.failed_routes))
    state.unrouted = count_of(result.unrouted)
    where = "written to the outbox" if state.to_outbox else "sent"
    log(
        f"alerts: {plural(state.digests_sent, 'digest')} "
        f"({plural(state.items_sent, 'item')}) {where}, "
        f"{plural(state.failed_routes, 'failed route')}"
    )
    if result.ok:
        return
    details = []
    if result.refused:
        details.append(f"refused recipients, sent to alone on the next run: {'; '.join(result.refused)}")
    if result.uncertain:
        details.append(
            f"uncertain, sent again on the next run with the same Message-ID: {'; '.join(result.uncertain)}"
        )
    state.fail(
        log,
        f"alerts: delivery failed for {plural(state.failed_routes, 'route')}; "
        "what was not delivered stays due for the next run",
        details,
    )
