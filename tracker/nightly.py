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
import sqlite3
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tracker.config import Settings, find_config, load_settings
from tracker.errors import TrackerError
from tracker.estate import EstateSummary

RUNS_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,               -- ISO 8601, UTC: when the run got the lock
    ended_at TEXT,                          -- NULL while running
    outcome TEXT NOT NULL,                  -- running | ok | failed | locked | interrupted
    trigger TEXT NOT NULL,                  -- cli | schedule
    as_of TEXT,
    report_path TEXT,
    digests_sent INTEGER NOT NULL DEFAULT 0,
    items_sent INTEGER NOT NULL DEFAULT 0,
    failed_routes INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS runs_outcome_started ON runs (outcome, started_at);
CREATE TABLE IF NOT EXISTS schedule_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

TEST_DELAY_ENV = "TRACKER_TEST_JOB_DELAY"

Log = Callable[[str], None]


def state_db_path(settings: Settings) -> Path:
    return settings.state_dir / "tracker.db"


def run_lock_path(settings: Settings) -> Path:
    return settings.state_dir / "run.lock"


@contextmanager
def state_db(settings: Settings) -> Iterator[sqlite3.Connection]:
    """The state database (created on first use), in WAL mode so the alert ledger can share it."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(state_db_path(settings), timeout=30)) as conn:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(RUNS_SCHEMA)
        yield conn


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def last_successful_run(settings: Settings) -> datetime | None:
    """When the last run that ended ``ok`` started (UTC), or None if there never was one."""
    with state_db(settings) as conn:
        row = conn.execute("SELECT max(started_at) FROM runs WHERE outcome = 'ok'").fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def recorded_runs(settings: Settings) -> list[dict[str, Any]]:
    """Every recorded run, oldest first (for tests and `tracker run --history`-like tooling)."""
    with state_db(settings) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY id")]


@dataclass(frozen=True)
class RunOutcome:
    """What one nightly run did; ``ok`` only when both the report and the alerts succeeded."""

    outcome: str
    """ok | failed | locked"""
    as_of: date | None = None
    report_path: Path | None = None
    digests_sent: int = 0
    items_sent: int = 0
    failed_routes: int = 0
    unrouted: int = 0
    to_outbox: bool = False
    """Digests went to ``<state_dir>/outbox`` (no [smtp] section)."""
    errors: tuple[str, ...] = ()
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def summary(self) -> str:
        """The one-line summary `tracker run` prints on stdout."""
        if self.outcome == "locked":
            return f"tracker run: failed — lock not obtained: {self.errors[0]}"
        report = f"report {_shown(self.report_path)}" if self.report_path else "no report"
        verb = "written to the outbox" if self.to_outbox else "sent"
        parts = [
            report,
            f"{_plural(self.digests_sent, 'digest')} ({_plural(self.items_sent, 'item')}) {verb}",
            _plural(self.failed_routes, "failed route"),
        ]
        if self.unrouted:
            parts.append(f"{_plural(self.unrouted, 'unrouted item')}")
        head = "ok" if self.ok else "failed"
        return f"tracker run: {head} — {', '.join(parts)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _count(value: Any) -> int:
    """AlertRunResult counts may be ints or collections (e.g. the failed routes themselves)."""
    if value is None:
        return 0
    if isinstance(value, bool | int):
        return int(value)
    try:
        return len(value)
    except TypeError:
        return 0


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
) -> RunOutcome:
    """One night's work: lock, report, alerts, record. Plain arguments only (picklable by reference).

    ``as_of`` None means "today in the configured zone", evaluated when the job runs, so a
    long-running scheduler moves on to each new day. Configuration errors raise ConfigError.
    """
    from tracker.context import today_in
    from tracker.dates import parse_day
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
        with state_db(settings) as conn, conn:
            cur = conn.execute(
                "INSERT INTO runs (started_at, ended_at, outcome, trigger, error, pid) "
                "VALUES (?, ?, 'locked', ?, ?, ?)",
                (_iso(attempt), _iso(utc_now()), trigger, message, os.getpid()),
            )
        return RunOutcome(outcome="locked", errors=(message,), run_id=cur.lastrowid)
    try:
        return _locked_run(settings, log, dataset, day or today_in(settings), trigger, verbose)
    finally:
        lock.release()


def _locked_run(
    settings: Settings, log: Log, dataset: str | None, as_of: date, trigger: str, verbose: bool
) -> RunOutcome:
    from tracker.dataset import bundled_dataset_path, load_dataset

    started = utc_now()
    with state_db(settings) as conn, conn:
        # We hold the run lock, so a row still 'running' belongs to a run that died mid-way.
        conn.execute(
            "UPDATE runs SET outcome = 'interrupted', ended_at = ? WHERE outcome = 'running'",
            (_iso(started),),
        )
        run_id = conn.execute(
            "INSERT INTO runs (started_at, outcome, trigger, as_of, pid) VALUES (?, 'running', ?, ?, ?)",
            (_iso(started), trigger, as_of.isoformat(), os.getpid()),
        ).lastrowid
    log(f"run {run_id} started ({trigger}, as of {as_of.isoformat()}, pid {os.getpid()})")
    state = _RunState(as_of=as_of, run_id=run_id, to_outbox=settings.smtp is None)
    try:
        delay = float(os.environ.get(TEST_DELAY_ENV) or 0)
        if delay > 0:
            log(f"{TEST_DELAY_ENV}={delay:g}: sleeping {delay:g} s (test hook)")
            time.sleep(delay)
        dataset_path = Path(dataset) if dataset else settings.dataset or bundled_dataset_path()
        try:
            records = load_dataset(dataset_path)
        except TrackerError as exc:
            state.fail(log, "dataset invalid: no report written, no alert sent", exc.messages)
            return state.finish(settings, log)
        estate, estate_ok = _estate(settings, log, state, records, verbose)
        if estate_ok:  # like `tracker report`: no report that silently lacks "Your estate"
            _write_report(settings, log, state, records, dataset_path, estate, verbose)
        _send_alerts(settings, log, state, records, estate, verbose)
        return state.finish(settings, log)
    except BaseException as exc:
        # A bug, or the process being torn down: still close the run's row before re-raising.
        state.fail(log, f"internal error: {type(exc).__name__}: {exc}", ())
        state.finish(settings, log)
        raise


@dataclass
class _RunState:
    as_of: date
    run_id: int | None
    to_outbox: bool
    report_path: Path | None = None
    digests_sent: int = 0
    items_sent: int = 0
    failed_routes: int = 0
    unrouted: int = 0
    errors: list[str] = field(default_factory=list)

    def fail(self, log: Log, headline: str, details: list[str] | tuple[str, ...]) -> None:
        self.errors.append(headline)
        self.errors.extend(details)
        log(headline)
        for line in details:
            log(f"  {line}")

    def finish(self, settings: Settings, log: Log) -> RunOutcome:
        outcome = RunOutcome(
            outcome="failed" if self.errors else "ok",
            as_of=self.as_of,
            report_path=self.report_path,
            digests_sent=self.digests_sent,
            items_sent=self.items_sent,
            failed_routes=self.failed_routes,
            unrouted=self.unrouted,
            to_outbox=self.to_outbox,
            errors=tuple(self.errors),
            run_id=self.run_id,
        )
        with state_db(settings) as conn, conn:
            conn.execute(
                "UPDATE runs SET ended_at = ?, outcome = ?, report_path = ?, digests_sent = ?, "
                "items_sent = ?, failed_routes = ?, error = ? WHERE id = ?",
                (
                    _iso(utc_now()),
                    outcome.outcome,
                    str(self.report_path) if self.report_path else None,
                    self.digests_sent,
                    self.items_sent,
                    self.failed_routes,
                    "\n".join(self.errors) or None,
                    self.run_id,
                ),
            )
        log(f"run {self.run_id} finished: {outcome.summary().removeprefix('tracker run: ')}")
        return outcome


def _internal(log: Log, state: _RunState, step: str, exc: Exception, verbose: bool) -> None:
    state.fail(log, f"{step}: internal error: {type(exc).__name__}: {exc}", ())
    if verbose:
        log(traceback.format_exc().rstrip())


def _estate(
    settings: Settings, log: Log, state: _RunState, records: list[Any], verbose: bool
) -> tuple[EstateSummary | None, bool]:
    """The inventory summary when one is configured; a bad inventory fails the run, not the alerts."""
    if settings.inventory is None:
        return None, True
    try:
        from tracker.inventory import configured_estate

        return configured_estate(settings, records, state.as_of), True
    except TrackerError as exc:
        state.fail(log, "inventory invalid: no report written; alerts sent without host counts", exc.messages)
    except Exception as exc:
        _internal(log, state, "inventory", exc, verbose)
    return None, False


def _write_report(
    settings: Settings,
    log: Log,
    state: _RunState,
    records: list[Any],
    dataset_path: Path,
    estate: EstateSummary | None,
    verbose: bool,
) -> None:
    """Write the report and the calendar feed it links to, as `tracker report --calendar` does.

    A failure here is recorded but does not stop the alerts: end-of-life warnings matter more.
    """
    try:
        from tracker.ical import write_feed_beside
        from tracker.report import write_report

        now = utc_now()
        out_dir = settings.report.out_dir
        write_feed_beside(out_dir, records, settings, now, state.as_of)
        path = write_report(
            records,
            settings,
            as_of=state.as_of,
            out_dir=out_dir,
            dataset_path=dataset_path,
            now=now,
            estate=estate,
        )
    except TrackerError as exc:
        state.fail(log, "report failed", exc.messages)
        return
    except Exception as exc:
        _internal(log, state, "report", exc, verbose)
        return
    state.report_path = Path(path)
    log(f"report written: {_shown(Path(path))}")


def _send_alerts(
    settings: Settings,
    log: Log,
    state: _RunState,
    records: list[Any],
    estate: EstateSummary | None,
    verbose: bool,
) -> None:
    try:
        from tracker.alerts import run_alerts

        result = run_alerts(
            records,
            settings,
            as_of=state.as_of,
            now=utc_now(),
            dry_run=False,
            log=log,
            estate=estate,
        )
    except TrackerError as exc:
        state.fail(log, "alerts failed", exc.messages)
        return
    except Exception as exc:
        _internal(log, state, "alerts", exc, verbose)
        return
    state.digests_sent = _count(result.digests_sent)
    state.items_sent = _count(result.items_sent)
    state.failed_routes = _count(result.failed_routes)
    state.unrouted = _count(result.unrouted)
    where = "written to the outbox" if state.to_outbox else "sent"
    log(
        f"alerts: {_plural(state.digests_sent, 'digest')} "
        f"({_plural(state.items_sent, 'item')}) {where}, "
        f"{_plural(state.failed_routes, 'failed route')}"
    )
    if not result.ok:
        state.fail(
            log,
            "alerts: delivery failed for "
            f"{_plural(state.failed_routes, 'route')}; they will be retried next run",
            (),
        )
