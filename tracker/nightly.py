"""The nightly job: the HTML report, then the alerts, under a lock, recorded in the state database.

``nightly_job`` is a plain module-level function taking only strings, so that `tracker run` (cron,
systemd) and `tracker schedule` (APScheduler, which stores the job by reference in its SQLite job
store) run exactly the same code. It never raises for an expected failure (bad dataset, SMTP down,
lock held): it logs, records the run and returns a RunOutcome; the caller decides the exit status.
When no lock file can be made (state_dir not writable by this user, a file in its way), the report
and feeds are still written, without the lock; no alert is sent and the run is not recorded.

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
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker import vocabulary as vocab
from tracker.config import Settings, find_config, load_settings
from tracker.errors import TrackerError, describe_os_error
from tracker.estate import EstateSummary
from tracker.runs import (
    Log,
    RunOutcome,
    RunState,
    iso,
    record_run,
    run_lock_path,
    shown,
    utc_now,
)

if TYPE_CHECKING:
    from tracker.plan.inventory import CycleStart

__all__ = ["make_logger", "nightly_job", "resolve_settings"]

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
    from tracker.dates import parse_as_of, today_in
    from tracker.runlock import FileLock, LockTimeout, LockUnavailable

    settings = resolve_settings(config_path)
    log = make_logger(settings)
    try:
        day = parse_as_of(as_of) if as_of else None
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
    except LockUnavailable as exc:
        # No lock file can exist there, so no alert can be sent nor the run recorded; the report
        # (written atomically, outside state_dir) still is: it matters most when things are broken.
        if exc.path.is_file():
            unusable = f"the run lock {exc.path} is not writable ({exc.reason})"
        elif settings.state_dir.exists() and not settings.state_dir.is_dir():
            unusable = f"state_dir {settings.state_dir} is a file, not a directory"
        else:
            unusable = f"state_dir {settings.state_dir} is not writable ({exc.reason})"
        run = _Run(settings, log, dataset, day or today_in(settings), trigger, verbose, accept_new_ledger)
        return _locked_run(run, unusable=(unusable, exc.messages[0]))
    try:
        run = _Run(settings, log, dataset, day or today_in(settings), trigger, verbose, accept_new_ledger)
        return _locked_run(run)
    finally:
        lock.release()


@dataclass(frozen=True)
class _Run:
    """What one night's work runs with."""

    settings: Settings
    log: Log
    dataset: str | None
    as_of: date
    trigger: str
    verbose: bool
    accept_new_ledger: bool


def _begin(run: _Run, unusable: tuple[str, str] | None) -> RunState:
    """Record the start of the run (unless the state directory is ``unusable``: why, and the detail)."""
    settings, log, as_of = run.settings, run.log, run.as_of
    state = RunState(as_of=as_of, run_id=None, to_outbox=settings.smtp is None)
    if unusable is not None:
        log(f"run (not recorded) started ({run.trigger}, as of {as_of.isoformat()}, pid {os.getpid()})")
        state.state_problem = unusable[0]
        state.fail(log, f"{unusable[0]}: no alert sent and the run not recorded", (unusable[1],))
        return state
    said: list[str] = []

    def noted(line: str) -> None:
        said.append(line)
        log(line)

    # We hold the run lock, so a row still 'running' belongs to a run that died mid-way.
    state.run_id = record_run(
        settings,
        noted,
        "INSERT INTO runs (started_at, outcome, trigger, as_of, pid) VALUES (?, 'running', ?, ?, ?)",
        (iso(utc_now()), run.trigger, as_of.isoformat(), os.getpid()),
        before="UPDATE runs SET outcome = 'interrupted', ended_at = ? WHERE outcome = 'running'",
    )
    log(
        f"run {state.run_id or '(not recorded)'} started "
        f"({run.trigger}, as of {as_of.isoformat()}, pid {os.getpid()})"
    )
    if state.run_id is None:
        state.errors.append("the run could not be recorded in the state database")
        state.problems.append(said[-1] if said else state.errors[-1])
    return state


def _locked_run(run: _Run, unusable: tuple[str, str] | None = None) -> RunOutcome:
    """The night under the run lock; ``unusable``: no lock could be made, so report and feeds only."""
    from tracker.dataset import bundled_dataset_path, load_dataset
    from tracker.metrics import write_metrics_after_run

    settings, log, as_of = run.settings, run.log, run.as_of
    state = _begin(run, unusable)
    try:
        delay = float(os.environ.get(TEST_DELAY_ENV) or 0)
        if delay > 0:
            log(f"{TEST_DELAY_ENV}={delay:g}: sleeping {delay:g} s (test hook)")
            time.sleep(delay)
        dataset_path = Path(run.dataset) if run.dataset else settings.dataset or bundled_dataset_path()
        try:
            records = load_dataset(dataset_path)
        except TrackerError as exc:
            state.fail(log, "dataset invalid: no report written, no alert sent", exc.messages)
            outcome = state.finish(settings, log)
            write_metrics_after_run(settings, None, as_of, None, log)  # report.metrics_file, when set
            return outcome
        estate = _night_steps(run, state, records, dataset_path, send=unusable is None)
        outcome = state.finish(settings, log)
        write_metrics_after_run(settings, records, as_of, estate, log)  # after the run is recorded
        return outcome
    except BaseException as exc:
        # A bug, or the process being torn down: still close the run's row before re-raising.
        state.fail(log, f"internal error: {type(exc).__name__}: {exc}", ())
        state.finish(settings, log)
        raise


def _night_steps(
    run: _Run, state: RunState, records: list[Any], dataset_path: Path, send: bool
) -> EstateSummary | None:
    """Inventory, calendar feed, report, change feed, alerts: each failure recorded, the next goes on."""
    settings, log, as_of = run.settings, run.log, run.as_of

    def step(name: str, headline: str, work: Callable[[], Any]) -> tuple[bool, Any]:
        return _step(state, log, name, headline, run.verbose, work)

    estate_ok, estate = step(
        "inventory",
        "inventory invalid: no report written; alerts sent without host counts",
        lambda: _estate(settings, records, as_of),
    )
    plan_ok, plan = True, None
    if estate is not None:  # target and start-by per cycle (tracker plan): report and alerts
        plan_ok, plan = step(
            "plan",
            "upgrade plan failed: no report written; alerts sent without start-by dates",
            lambda: _plan(settings, records, dataset_path, as_of),
        )
    if estate_ok and plan_ok:  # like `tracker report`: no report that silently lacks "Your estate"
        # The feed first (the report links to it when it exists); its failure does not stop the report.
        step("calendar feed", "calendar feed failed", lambda: _write_calendar(settings, log, state, records))
        step(
            "report",
            "report failed",
            lambda: _write_report(settings, log, state, records, dataset_path, estate, plan),
        )
    step("change feed", "change feed failed", lambda: _write_changes_feed(settings, log, state, records))
    if send:
        step(
            "alerts",
            "alerts failed",
            lambda: _send_alerts(settings, log, state, records, estate, run.accept_new_ledger, plan),
        )
    return estate


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


def _plan(
    settings: Settings, records: list[Any], dataset_path: Path, as_of: date
) -> dict[tuple[str, str, str], CycleStart] | None:
    """Target and start-by per cycle of the configured inventory, once for the report and alerts."""
    from tracker.plan.inventory import configured_plan_by_cycle

    return configured_plan_by_cycle(settings, records, dataset_path, as_of)


def _write_report(
    settings: Settings,
    log: Log,
    state: RunState,
    records: list[Any],
    dataset_path: Path,
    estate: EstateSummary | None,
    plan: dict[tuple[str, str, str], CycleStart] | None,
) -> None:
    """Write the report, as `tracker report --calendar` does (the feed is written just before).

    A failure here is recorded but does not stop the alerts: end-of-life warnings matter more.
    """
    from tracker.report import write_report

    now = utc_now()
    out_dir = settings.report.out_dir
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


def _write_calendar(settings: Settings, log: Log, state: RunState, records: list[Any]) -> None:
    """``out_dir/tracker.ics``, which the report links to; its state lives in state_dir."""
    from tracker.ical import state_path, write_feed_beside

    try:
        path = write_feed_beside(settings.report.out_dir, records, settings, utc_now(), state.as_of)
    except OSError as exc:
        if exc.filename is None or Path(exc.filename) != state_path(settings):
            raise
        raise TrackerError(
            f"{describe_os_error(exc)}; the feed was written, but not the state that dates its changes"
        ) from None
    log(f"calendar feed written: {shown(Path(path))}")


def _write_changes_feed(settings: Settings, log: Log, state: RunState, records: list[Any]) -> None:
    """``out_dir/tracker.atom``: the dataset's changes since the previous run."""
    from tracker.atom import write_changes_feed

    added = write_changes_feed(settings.report.out_dir, records, settings, utc_now(), state.as_of)
    log(f"change feed: {vocab.plural(len(added), 'new entry', 'new entries')}")


def _send_alerts(
    settings: Settings,
    log: Log,
    state: RunState,
    records: list[Any],
    estate: EstateSummary | None,
    accept_new_ledger: bool,
    plan: dict[tuple[str, str, str], CycleStart] | None,
) -> None:
    """The digests; ``plan`` is the night's plan step (target and start-by per cycle), as in the report."""
    from tracker.alerts import run_alerts
    from tracker.plan.inventory import start_by_alerts

    try:
        result = run_alerts(
            records,
            settings,
            as_of=state.as_of,
            now=utc_now(),
            dry_run=False,
            log=log,
            accept_new_ledger=accept_new_ledger,
            estate=estate,
            start_by=start_by_alerts(settings, plan),  # README "Planning upgrades"
            plan_by_cycle=plan,
        )
    except TrackerError as exc:  # the ledger or its lock: the one line of `tracker run` names it
        state.alert_problem = exc.messages[0] if exc.messages else str(exc)
        raise
    state.digests_sent = result.digests_sent
    state.items_sent = result.items_sent
    state.failed_routes = len(set(result.failed_routes))
    state.unrouted = len(result.unrouted)
    where = "written to the outbox" if state.to_outbox else "sent"
    log(
        f"alerts: {vocab.plural(state.digests_sent, 'digest')} "
        f"({vocab.plural(state.items_sent, 'item')}) {where}, "
        f"{vocab.plural(state.failed_routes, 'failed route')}"
    )
    if result.ok:
        return
    state.fail(
        log,
        f"alerts: delivery failed for {vocab.plural(state.failed_routes, 'route')}; "
        "what was not delivered stays due",
        result.failure_parts(),
    )
