"""The ledger's file: schema, migration, paths and the errors that name the file and what to do.

Split from ``tracker.alerts.ledger`` (the queries); see that module's doc for the rows' life and the
schema versions. Everything public here is re-exported there.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import uuid
from datetime import datetime
from pathlib import Path

from tracker.errors import TrackerError
from tracker.paths import state_db_file

MARKER_NAME = "alert-ledger.id"
SCHEMA_VERSION = 2
ROUTE_WIDE = "*"
"""Recipient key meaning every recipient of the route (the outbox, rows from schema 1)."""
DEFAULT_BUSY_TIMEOUT = 30.0

DELIVERIES = """
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id INTEGER PRIMARY KEY,
    vendor TEXT NOT NULL,
    product TEXT NOT NULL,
    cycle TEXT NOT NULL,
    milestone TEXT NOT NULL,
    milestone_date TEXT NOT NULL,
    threshold INTEGER NOT NULL,
    route TEXT NOT NULL,
    recipient TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'uncertain', 'sent', 'covered')),
    message_id TEXT NOT NULL,
    as_of TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    UNIQUE (vendor, product, cycle, milestone, milestone_date, threshold, route, recipient)
)
"""
SILENCES = """
CREATE TABLE IF NOT EXISTS alert_silences (
    id INTEGER PRIMARY KEY,
    product TEXT NOT NULL,
    cycle TEXT NOT NULL,
    milestone TEXT,
    until TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""
META = "CREATE TABLE IF NOT EXISTS alert_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"

COLUMNS = (
    "vendor, product, cycle, milestone, milestone_date, threshold, route, recipient, "
    "status, message_id, as_of, delivered_at"
)
UNIQUE_KEY = "vendor, product, cycle, milestone, milestone_date, threshold, route, recipient"


def ledger_path(state_dir: Path) -> Path:
    return state_db_file(state_dir)


def marker_path(state_dir: Path) -> Path:
    return state_dir / MARKER_NAME


class LedgerError(TrackerError):
    """The ledger cannot be used for sending: nothing was (or will be) sent."""

    reason = ""
    """What SQLite or the system said, for callers that word the consequence themselves."""


def ledger_problem(
    path: Path, exc: sqlite3.Error | OSError, busy_timeout: float, sending: bool = True
) -> LedgerError:
    """A sentence naming the file, what is wrong and what to do."""
    error = _problem_text(path, exc, busy_timeout)
    if not sending:  # silences: nothing would have been sent anyway
        error = LedgerError(*(m.replace("; nothing sent.", "; nothing changed.") for m in error.messages))
    error.reason = str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
    return error


def _problem_text(path: Path, exc: sqlite3.Error | OSError, busy_timeout: float) -> LedgerError:
    kind = sqlite_problem_kind(path, exc)
    text = str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
    if kind == "locked":
        return LedgerError(
            f"{path}: the alert ledger is locked by another process (waited {busy_timeout:g} s); "
            "nothing sent. Stop whatever holds it open (a stuck tracker, an sqlite3 shell), then run again"
        )
    if kind == "read-only":
        return LedgerError(
            f"{path}: the alert ledger is not writable ({text}); nothing sent. Give the user running "
            "tracker write access to the file and its directory (state_dir)"
        )
    if kind == "damaged":
        return LedgerError(
            f"{path}: the alert ledger is damaged ({text}); nothing sent. Restore it from a backup "
            "(or move it aside and run with --accept-new-ledger: every alert still due is sent again)"
        )
    if kind == "full":
        return LedgerError(f"{path}: the disk is full ({text}); nothing sent. Free space, then run again")
    if kind == "io":
        return LedgerError(
            f"{path}: the alert ledger cannot be read or written ({text}); nothing sent. Check the disk "
            "(free space, errors in the system log), then run again"
        )
    return LedgerError(f"{path}: cannot use the alert ledger ({text}); nothing sent")


def sqlite_problem_kind(path: Path, exc: sqlite3.Error | OSError) -> str:
    """``locked``, ``read-only``, ``damaged``, ``full``, ``io`` or ``other``: what to tell people.

    SQLite on a full disk often says only "disk I/O error" (SQLITE_IOERR_SHMSIZE in WAL mode), so an
    I/O error where the file system has no space left is called ``full``.
    """
    name = getattr(exc, "sqlite_errorname", "")
    text = str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
    if isinstance(exc, OSError):
        return "full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "read-only"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return "locked"
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
        return "read-only"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return "damaged"
    if name.startswith("SQLITE_FULL"):
        return "full"
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return "full" if _no_space_left(path.parent) else "io"
    return "other"


def _no_space_left(directory: Path) -> bool:
    try:
        stats = os.statvfs(directory)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 64 * 1024 or (stats.f_files > 0 and stats.f_favail == 0)


def create_or_migrate(conn: sqlite3.Connection, path: Path, now: datetime) -> tuple[str, int | None]:
    """Inside the opening write transaction; the last statement is a write, so a read-only
    file fails here, before anything is sent. Returns the ledger id and the version migrated from."""
    tables = table_names(conn)
    version = 0
    if "alert_meta" in tables:
        row = conn.execute("SELECT value FROM alert_meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
    elif "alert_deliveries" in tables:
        version = 1
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"{path}: the alert ledger was written by a newer tracker (schema {version}, this "
            f"one reads {SCHEMA_VERSION}); nothing sent. Upgrade tracker"
        )
    migrated_from = None
    conn.execute(META)
    conn.execute(SILENCES)
    if version == 1:
        conn.execute("ALTER TABLE alert_deliveries RENAME TO alert_deliveries_v1")
        conn.execute(DELIVERIES)
        _copy_schema_1_deliveries(conn, "alert_deliveries_v1")
        conn.execute("DROP TABLE alert_deliveries_v1")
        migrated_from = 1
    else:
        conn.execute(DELIVERIES)
    conn.execute("INSERT OR IGNORE INTO alert_meta (key, value) VALUES ('ledger_id', ?)", (uuid.uuid4().hex,))
    conn.execute(
        "INSERT OR REPLACE INTO alert_meta (key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )
    conn.execute(
        "INSERT OR REPLACE INTO alert_meta (key, value) VALUES ('opened_at', ?)",
        (now.isoformat(timespec="seconds"),),
    )
    ledger_id = conn.execute("SELECT value FROM alert_meta WHERE key = 'ledger_id'").fetchone()[0]
    return str(ledger_id), migrated_from


def memory_connection() -> sqlite3.Connection:
    """An empty ledger of the current schema in memory (a read-only view of nothing, or of schema 1)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for statement in (META, DELIVERIES, SILENCES):
        conn.execute(statement)
    return conn


def copy_schema_1(mem: sqlite3.Connection, path: Path) -> None:
    """Schema 1 (read only, so not migrated): show it as schema 2 in memory."""
    mem.execute("ATTACH DATABASE ? AS old", (f"{path.resolve().as_uri()}?mode=ro",))
    _copy_schema_1_deliveries(mem, "old.alert_deliveries")
    mem.execute("INSERT INTO alert_silences SELECT * FROM old.alert_silences")
    mem.execute("DETACH DATABASE old")


def _copy_schema_1_deliveries(conn: sqlite3.Connection, source: str) -> None:
    """Schema 1's rows (one per route) into ``alert_deliveries`` as route-wide rows."""
    conn.execute(
        f"INSERT INTO alert_deliveries ({COLUMNS}) SELECT vendor, product, cycle, milestone, "
        "milestone_date, threshold, route, ?, status, message_id, as_of, delivered_at "
        f"FROM {source} ORDER BY id",
        (ROUTE_WIDE,),
    )


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
