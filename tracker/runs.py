"""The runs table of the state database: each nightly run's row, its state while it runs and its outcome.

Split from ``tracker.nightly`` (the job itself). The state database is ``<state_dir>/tracker.db``, the
file the alert ledger uses (WAL mode and a busy timeout let both work on it); the scheduler reads the
runs to decide on a catch-up run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tracker.config import Settings
from tracker.errors import TrackerError, describe_os_error
from tracker.paths import state_db_file
from tracker.vocabulary import plural

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

Log = Callable[[str], None]


def state_db_path(settings: Settings) -> Path:
    return state_db_file(settings.state_dir)


def run_lock_path(settings: Settings) -> Path:
    return settings.state_dir / "run.lock"


@contextmanager
def state_db(settings: Settings) -> Iterator[sqlite3.Connection]:
    """The state database (created on first use), in WAL mode so the alert ledger can share it.

    SQLite and file errors become a TrackerError naming the file: a damaged or unwritable state
    database is an operating condition, not a bug.
    """
    path = state_db_path(settings)
    try:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        wait = settings.schedule.lock_timeout_seconds  # as long as the ledger waits for the same file
        with closing(sqlite3.connect(path, timeout=wait)) as conn:
            conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(RUNS_SCHEMA)
            yield conn
    except (sqlite3.Error, OSError) as exc:
        raise TrackerError(f"state database unusable: {_state_db_problem(path, exc)}") from None


def _state_db_problem(path: Path, exc: sqlite3.Error | OSError) -> str:
    """What is wrong with the state database and what to do, by kind: only damage calls for a backup."""
    from tracker.alerts.ledger_schema import sqlite_problem_kind

    if isinstance(exc, OSError):
        return describe_os_error(exc)
    advice = {
        "locked": "another process holds it: stop whatever holds it open, then run again",
        "read-only": "give the user running tracker write access to it and to state_dir",
        "full": "the disk is full: free some space, then run again",
        "io": "check the disk (free space, errors in the system log), then run again",
        "damaged": f"restore {path} from a backup, or move it aside",
    }
    kind = sqlite_problem_kind(path, exc)
    return f"{path}: {exc} ({advice.get(kind, advice['damaged'])})"


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def last_successful_run(settings: Settings) -> datetime | None:
    """When the last run that ended ``ok`` started (UTC), or None if there never was one."""
    with state_db(settings) as conn:
        row = conn.execute("SELECT max(started_at) FROM runs WHERE outcome = 'ok'").fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


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
    state_problem: str | None = None
    """Why the state directory could not be used: the report only, no alert sent, no run recorded."""
    alert_problem: str | None = None
    """Why no alert could be sent (the ledger or its lock): the first line of the error."""
    problems: tuple[str, ...] = ()
    """Each failure of the run as ``headline: first detail``, for the summary."""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def summary(self) -> str:
        """The one-line summary `tracker run` prints on stdout."""
        if self.outcome == "locked":
            return f"tracker run: failed — lock not obtained: {self.errors[0]}"
        report = f"report {shown(self.report_path)}" if self.report_path else "no report"
        verb = "written to the outbox" if self.to_outbox else "sent"
        parts = [
            report,
            f"{plural(self.digests_sent, 'digest')} ({plural(self.items_sent, 'item')}) {verb}",
            plural(self.failed_routes, "failed route"),
        ]
        if self.state_problem:
            parts[1:] = [f"no alert sent and the run not recorded: {self.state_problem}"]
        elif self.alert_problem:
            parts[1:] = [f"no alert sent: {self.alert_problem}"]
        if self.unrouted:
            parts.append(f"{plural(self.unrouted, 'unrouted item')}")
        head = "ok" if self.ok else "failed"
        text = f"tracker run: {head} — {', '.join(parts)}"
        # The one line cron mails: it names the first other problem, the log has the rest.
        said = [p for p in (self.state_problem, self.alert_problem) if p]
        others = [p for p in self.problems if not any(s in p for s in said)]
        if others and not self.state_problem:  # with it, the others are mostly its consequences
            text += f"; {others.pop(0)}"
        if others:
            text += f" (+{plural(len(others), 'more problem')} in the log)"
        return text


def shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def record_run(settings: Settings, log: Log, *statement: Any, before: str | None = None) -> int | None:
    """Write to the runs table; a state database that cannot be used is logged, never fatal here
    (the report must still be written). Returns the row id, or None when nothing was recorded."""
    try:
        with state_db(settings) as conn, conn:
            if before:
                conn.execute(before, (iso(utc_now()),))
            return conn.execute(*statement).lastrowid
    except TrackerError as exc:
        log(f"cannot record the run: {exc.messages[0]}")
        return None


@dataclass
class RunState:
    as_of: date
    run_id: int | None
    to_outbox: bool
    report_path: Path | None = None
    digests_sent: int = 0
    items_sent: int = 0
    failed_routes: int = 0
    unrouted: int = 0
    errors: list[str] = field(default_factory=list)
    state_problem: str | None = None
    alert_problem: str | None = None
    problems: list[str] = field(default_factory=list)

    def fail(self, log: Log, headline: str, details: list[str] | tuple[str, ...]) -> None:
        self.problems.append(f"{headline}: {details[0]}" if details else headline)
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
            state_problem=self.state_problem,
            alert_problem=self.alert_problem,
            problems=tuple(self.problems),
        )
        if self.run_id is not None:
            record_run(
                settings,
                log,
                "UPDATE runs SET ended_at = ?, outcome = ?, report_path = ?, digests_sent = ?, "
                "items_sent = ?, failed_routes = ?, error = ? WHERE id = ?",
                (
                    iso(utc_now()),
                    outcome.outcome,
                    str(self.report_path) if self.report_path else None,
                    self.digests_sent,
                    self.items_sent,
                    self.failed_routes,
                    "\n".join(self.errors) or None,
                    self.run_id,
                ),
            )
        summary = outcome.summary().removeprefix("tracker run: ")
        log(f"run {self.run_id or '(not recorded)'} finished: {summary}")
        return outcome
