"""The delivery ledger: SQLite in ``state_dir/tracker.db`` (WAL, explicit transactions).

Tables are prefixed ``alert_`` because the scheduler keeps its own tables in the same file. A row in
``alert_deliveries`` is written only after the SMTP server accepted the digest (or the ``.eml`` was
in the outbox), so a failed delivery is simply due again on the next run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from tracker.alerts.due import DueItem, PastDelivery, Silence
from tracker.config import Route
from tracker.errors import TrackerError

DB_NAME = "tracker.db"
BUSY_TIMEOUT_MS = 30_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id INTEGER PRIMARY KEY,
    vendor TEXT NOT NULL,
    product TEXT NOT NULL,
    cycle TEXT NOT NULL,
    milestone TEXT NOT NULL,
    milestone_date TEXT NOT NULL,
    threshold INTEGER NOT NULL,
    route TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sent', 'covered')),
    message_id TEXT NOT NULL,
    as_of TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    UNIQUE (vendor, product, cycle, milestone, milestone_date, threshold, route)
);
CREATE TABLE IF NOT EXISTS alert_silences (
    id INTEGER PRIMARY KEY,
    product TEXT NOT NULL,
    cycle TEXT NOT NULL,
    milestone TEXT,
    until TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


def ledger_path(state_dir: Path) -> Path:
    return state_dir / DB_NAME


class Ledger:
    """Past deliveries and silences; one connection in autocommit mode, explicit BEGIN/COMMIT."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @classmethod
    def open(cls, state_dir: Path) -> Ledger:
        """Open (creating the directory, file and tables) for writing."""
        path = ledger_path(state_dir)
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            ledger = cls(conn)
            with ledger.transaction():
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise TrackerError(f"{path}: cannot open the alert ledger: {exc}") from None
        return ledger

    @classmethod
    def open_read_only(cls, state_dir: Path) -> Ledger:
        """For --dry-run and `alert list`: never creates or changes anything on disk."""
        path = ledger_path(state_dir)
        try:
            if path.is_file():
                conn = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    isolation_level=None,
                )
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                has = conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                    "name IN ('alert_deliveries', 'alert_silences')"
                ).fetchone()[0]
                if has == 2:
                    return cls(conn)
                conn.close()
            conn = sqlite3.connect(":memory:", isolation_level=None)
            conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise TrackerError(f"{path}: cannot read the alert ledger: {exc}") from None
        return cls(conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def past_deliveries(self) -> list[PastDelivery]:
        rows = self.conn.execute(
            "SELECT vendor, product, cycle, milestone, milestone_date, threshold, route, "
            "delivered_at FROM alert_deliveries ORDER BY id"
        )
        return [PastDelivery((v, p, c), m, md, t, r, at) for v, p, c, m, md, t, r, at in rows]

    def deliveries(self) -> list[dict[str, object]]:
        """Every ledger row, newest first, for `tracker alert list`."""
        cur = self.conn.execute(
            "SELECT id, vendor, product, cycle, milestone, milestone_date, threshold, route, "
            "status, message_id, as_of, delivered_at FROM alert_deliveries "
            "ORDER BY delivered_at DESC, id DESC"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def record_delivery(
        self, items: Iterable[DueItem], route: Route, message_id: str, as_of: date, now: datetime
    ) -> int:
        """Record a delivered digest: each item's threshold as sent, larger ones as covered."""
        rows = []
        at = now.isoformat(timespec="seconds")
        for item in items:
            v, p, c = item.record.key
            base = (v, p, c, item.milestone, item.when.text)
            rows.append((*base, item.threshold, route.match, "sent", message_id, as_of.isoformat(), at))
            rows.extend(
                (*base, t, route.match, "covered", message_id, as_of.isoformat(), at) for t in item.covered
            )
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO alert_deliveries (vendor, product, cycle, milestone, "
                "milestone_date, threshold, route, status, message_id, as_of, delivered_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def silences(self) -> list[Silence]:
        rows = self.conn.execute(
            "SELECT id, product, cycle, milestone, until, reason, created_at FROM alert_silences ORDER BY id"
        )
        return [Silence(i, p, c, m, date.fromisoformat(u), r, at) for i, p, c, m, u, r, at in rows]

    def add_silence(
        self, product: str, cycle: str, milestone: str | None, until: date, reason: str, now: datetime
    ) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO alert_silences (product, cycle, milestone, until, reason, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (product, cycle, milestone, until.isoformat(), reason, now.isoformat(timespec="seconds")),
            )
            return int(cur.lastrowid or 0)

    def remove_silence(self, silence_id: int) -> bool:
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM alert_silences WHERE id = ?", (silence_id,))
            return cur.rowcount > 0
