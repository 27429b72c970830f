"""The delivery ledger: SQLite in ``state_dir/tracker.db`` (WAL, explicit transactions), per recipient.

Tables are prefixed ``alert_`` because the nightly job keeps its ``runs`` table in the same file.

**Recipients** are string keys, so every channel shares one ledger:

- an e-mail address, lower-cased (``recipient_key("Ops@Example.org")`` → ``"ops@example.org"``);
- ``"webhook:<sha256 of the URL>"`` for a webhook (``webhook_key(url)``), so no secret URL is stored;
- ``"*"`` (``ROUTE_WIDE``): the whole route. The outbox writes one file per route and records it so;
  rows migrated from schema 1 (one row per route) are route-wide too, so an upgrade re-sends nothing.

**The life of a row** (``status``), for one (cycle, milestone, milestone date, threshold, route,
recipient):

- ``pending``: written in its own transaction *before* the digest goes out (``record("pending",
  ...)``). A read-only, locked or damaged ledger fails here, so nothing is sent that could not be
  recorded. A row still pending later means the process died mid-send: treated as uncertain.
- ``uncertain``: the message data was sent but no reply came (``record_uncertain``). Never retried
  in the same run; the next run retries it with the same ``Message-ID`` (``unconfirmed``).
- ``sent`` / ``covered``: the server accepted the message for this recipient (``record("sent", ...)``);
  larger thresholds missed during downtime are ``covered``. Only these count as delivered
  (``past_deliveries`` / ``delivered_recipients``).
- a refused recipient or a failed attempt: its pending rows are deleted (``forget_attempt``), so it
  is due again on the next run, alone.

**Schema version** in ``alert_meta`` (key ``schema_version``): 1 = the first release (no meta table,
one row per route), 2 = per recipient. ``Ledger.open`` migrates in place, in one transaction.

**A missing ledger** is not silently replaced: once a ledger has recorded a delivery, its id is written
to ``state_dir/alert-ledger.id``. A ledger whose id differs from that file and which holds no delivery
(deleted, moved, a fresh file) would re-send every alert still due: ``Ledger.open`` refuses unless
``accept_new=True`` (``--accept-new-ledger``).

The tables, their migration and the errors naming the file are in ``tracker.alerts.ledger_schema``.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from tracker.alerts.due import DueItem, PastDelivery, Silence
from tracker.alerts.ledger_schema import (
    COLUMNS,
    DEFAULT_BUSY_TIMEOUT,
    ROUTE_WIDE,
    UNIQUE_KEY,
    LedgerError,
    copy_schema_1,
    create_or_migrate,
    ledger_path,
    ledger_problem,
    marker_path,
    memory_connection,
    table_names,
)
from tracker.config import Route
from tracker.errors import TrackerError

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "ROUTE_WIDE",
    "ItemKey",
    "Ledger",
    "LedgerError",
    "item_key",
    "ledger_path",
    "marker_path",
    "recipient_key",
    "webhook_key",
]

ItemKey = tuple[str, str, str, str, str, int]
"""(vendor, product, cycle, milestone, milestone date text, threshold)."""


def recipient_key(address: str) -> str:
    """The ledger key of an e-mail address."""
    return address.strip().lower()


def webhook_key(url: str) -> str:
    """The ledger key of a webhook: a hash, so a secret URL never lands in the database."""
    return "webhook:" + hashlib.sha256(url.encode("utf-8")).hexdigest()


def item_key(item: DueItem, threshold: int | None = None) -> ItemKey:
    v, p, c = item.record.key
    return (v, p, c, item.milestone, item.when.text, item.threshold if threshold is None else threshold)


class Ledger:
    """Past deliveries and silences; one connection in autocommit mode, explicit BEGIN/COMMIT."""

    def __init__(self, conn: sqlite3.Connection, path: Path, busy_timeout: float = DEFAULT_BUSY_TIMEOUT):
        self.conn = conn
        self.path = path
        self.busy_timeout = busy_timeout
        self.ledger_id = ""
        self.sending = True
        """Whether errors say "nothing sent" (sending) or "nothing changed" (silences)."""
        self.migrated_from: int | None = None
        """The schema version found on disk when ``open`` migrated it (None: no migration)."""

    @classmethod
    def open(
        cls,
        state_dir: Path,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        accept_new: bool = False,
        guard: bool = True,
    ) -> Ledger:
        """Open for writing: create or migrate the tables, and prove a write goes through.

        ``guard`` (for sending) also checks the marker of a missing ledger; silences skip it.
        Raises LedgerError (naming the file and what to do) when the ledger is read-only, locked,
        damaged, from a newer tracker, or replaces a ledger that had recorded deliveries.
        """
        path = ledger_path(state_dir)
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ledger_problem(path, exc, busy_timeout, guard) from None
        ledger = cls(conn, path, busy_timeout)
        ledger.sending = guard
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check}")
            with ledger.transaction():
                ledger._create_or_migrate(datetime.now().astimezone())
        except sqlite3.Error as exc:
            conn.close()
            if isinstance(exc, sqlite3.DatabaseError) and str(exc).startswith("integrity check"):
                exc.sqlite_errorname = "SQLITE_CORRUPT"
            raise ledger_problem(path, exc, busy_timeout, guard) from None
        except BaseException:
            conn.close()
            raise
        try:
            if guard:
                ledger._check_marker(state_dir, accept_new)
        except BaseException:
            conn.close()
            raise
        return ledger

    def _create_or_migrate(self, now: datetime) -> None:
        self.ledger_id, self.migrated_from = create_or_migrate(self.conn, self.path, now)

    def _has_deliveries(self) -> bool:
        return bool(
            self.conn.execute(
                "SELECT 1 FROM alert_deliveries WHERE status IN ('sent', 'covered') LIMIT 1"
            ).fetchone()
        )

    def _check_marker(self, state_dir: Path, accept_new: bool) -> None:
        marker = marker_path(state_dir)
        try:
            known = marker.read_text(encoding="utf-8").split()
        except FileNotFoundError:
            known = []
        except (OSError, UnicodeDecodeError) as exc:
            raise LedgerError(f"{marker}: cannot read the ledger marker: {exc}; nothing sent") from None
        if known and known[0] != self.ledger_id and not self._has_deliveries() and not accept_new:
            since = f" since {known[1]}" if len(known) > 1 else ""
            raise LedgerError(
                f"{self.path}: this alert ledger is new, but {marker} shows that a ledger here "
                f"recorded deliveries{since}; nothing sent, because a new ledger would send every alert "
                "still due again. Restore the ledger from a backup, or run with --accept-new-ledger"
            )
        if (known[:1] != [self.ledger_id]) and (accept_new or self._has_deliveries()):
            self.write_marker()

    def replaced_warning(self, state_dir: Path) -> str | None:
        """For read-only views: the warning when this ledger would not pass the marker check."""
        try:
            known = marker_path(state_dir).read_text(encoding="utf-8").split()
        except (OSError, UnicodeDecodeError):
            return None
        row = self.conn.execute("SELECT value FROM alert_meta WHERE key = 'ledger_id'").fetchone()
        if not known or (row and row[0] == known[0]) or self._has_deliveries():
            return None
        return (
            f"warning: {self.path} is missing or new, but {marker_path(state_dir)} shows that a ledger "
            "here recorded deliveries; sending would repeat every alert below, so `tracker alert` "
            "refuses without --accept-new-ledger"
        )

    def write_marker(self) -> None:
        """Remember (beside the ledger) that this ledger holds deliveries; see the module doc."""
        from tracker.atomic import atomic_write_text

        marker = marker_path(self.path.parent)
        try:
            if marker.read_text(encoding="utf-8").split()[:1] == [self.ledger_id]:
                return
        except (OSError, UnicodeDecodeError):
            pass
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            atomic_write_text(marker, f"{self.ledger_id} {stamp}\n")
        except OSError as exc:
            raise LedgerError(f"{marker}: cannot write the ledger marker: {exc.strerror or exc}") from None

    @classmethod
    def open_read_only(cls, state_dir: Path) -> Ledger:
        """For --dry-run and `alert list`: never creates or changes anything on disk."""
        path = ledger_path(state_dir)
        try:
            if path.is_file():
                conn = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    timeout=DEFAULT_BUSY_TIMEOUT,
                    isolation_level=None,
                )
                conn.execute(f"PRAGMA busy_timeout = {int(DEFAULT_BUSY_TIMEOUT * 1000)}")
                tables = table_names(conn)
                if "alert_meta" in tables:
                    return cls(conn, path)
                if {"alert_deliveries", "alert_silences"} <= tables:
                    mem = cls._memory(path)
                    copy_schema_1(mem.conn, path)
                    conn.close()
                    return mem
                conn.close()
            return cls._memory(path)
        except sqlite3.Error as exc:  # the same sentence as for sending: what is wrong, what to do
            error = ledger_problem(path, exc, DEFAULT_BUSY_TIMEOUT)
            raise TrackerError(*(m.replace("; nothing sent.", ".") for m in error.messages)) from None

    @classmethod
    def _memory(cls, path: Path) -> Ledger:
        return cls(memory_connection(), path)

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
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction whose SQLite errors become a LedgerError naming the file."""
        try:
            with self.transaction() as conn:
                yield conn
        except sqlite3.Error as exc:
            raise ledger_problem(self.path, exc, self.busy_timeout, self.sending) from None

    # -- reading -----------------------------------------------------------------------------

    def past_deliveries(self, recipient: str | None = None, route_wide: bool = True) -> list[PastDelivery]:
        """Delivered rows (``sent``/``covered``), for ``due_alerts``.

        With ``recipient``: what reached that recipient (its own rows and, unless ``route_wide`` is
        False, route-wide ones: a webhook counts only its own). Without: every delivered row, whoever
        it reached (what the outbox, a route-wide channel, needs).
        """
        sql = (
            "SELECT vendor, product, cycle, milestone, milestone_date, threshold, route, delivered_at "
            "FROM alert_deliveries WHERE status IN ('sent', 'covered')"
        )
        params: tuple[str, ...] = ()
        if recipient is not None:
            sql += " AND recipient IN (?, ?)"
            params = (recipient, ROUTE_WIDE if route_wide else recipient)
        rows = self.conn.execute(sql + " ORDER BY id", params)
        return [PastDelivery((v, p, c), m, md, t, r, at) for v, p, c, m, md, t, r, at in rows]

    def delivered_recipients(self, item: DueItem, route: Route) -> set[str]:
        """Recipient keys that received ``item`` at its threshold on ``route`` (``"*"``: all)."""
        rows = self.conn.execute(
            "SELECT recipient FROM alert_deliveries WHERE vendor = ? AND product = ? AND cycle = ? "
            "AND milestone = ? AND milestone_date = ? AND threshold = ? AND route = ? "
            "AND status IN ('sent', 'covered')",
            (*item_key(item), route.match),
        )
        return {r[0] for r in rows}

    def unconfirmed(self) -> dict[tuple[str, str, ItemKey], str]:
        """(route, recipient, item key) → Message-ID of every uncertain or still-pending attempt."""
        rows = self.conn.execute(
            "SELECT route, recipient, vendor, product, cycle, milestone, milestone_date, threshold, "
            "message_id FROM alert_deliveries WHERE status IN ('pending', 'uncertain') ORDER BY id"
        )
        return {(r, rc, (v, p, c, m, md, t)): mid for r, rc, v, p, c, m, md, t, mid in rows}

    def deliveries(self) -> list[dict[str, object]]:
        """Every ledger row, newest first, for `tracker alert list`."""
        cur = self.conn.execute(
            f"SELECT id, {COLUMNS} FROM alert_deliveries ORDER BY delivered_at DESC, id DESC"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    # -- writing -----------------------------------------------------------------------------

    def _upsert(
        self,
        rows: Iterable[tuple[object, ...]],
        only_over: Sequence[str] = ("pending", "uncertain"),
    ) -> None:
        """Insert rows, or update an existing row whose status is in ``only_over``."""
        statuses = ", ".join(f"'{s}'" for s in only_over)
        with self._writing() as conn:
            conn.executemany(
                f"INSERT INTO alert_deliveries ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                f"ON CONFLICT ({UNIQUE_KEY}) DO UPDATE SET status = excluded.status, "
                "message_id = excluded.message_id, as_of = excluded.as_of, "
                f"delivered_at = excluded.delivered_at WHERE alert_deliveries.status IN ({statuses})",
                list(rows),
            )

    def record(
        self,
        status: Literal["pending", "sent"],
        items: Iterable[DueItem],
        route: Route,
        recipients: Sequence[str],
        message_id: str,
        as_of: date,
        now: datetime,
    ) -> int:
        """``pending`` before sending: a row per item and recipient key (raises LedgerError).
        ``sent`` once the message was accepted for ``recipients``: each item's threshold ``sent``, the
        larger ones it covers ``covered``, and the delivery marker written. Returns the rows written."""
        at = now.isoformat(timespec="seconds")
        day = as_of.isoformat()
        rows: list[tuple[object, ...]] = []
        for item in items:
            for r in recipients:
                rows.append((*item_key(item), route.match, r, status, message_id, day, at))
                if status == "sent":
                    rows.extend(
                        (*item_key(item, t), route.match, r, "covered", message_id, day, at)
                        for t in item.covered
                    )
        self._upsert(rows)
        if rows and status == "sent":
            self.write_marker()
        return len(rows)

    def record_uncertain(
        self, items: Iterable[DueItem], route: Route, recipients: Sequence[str], message_id: str
    ) -> None:
        """The data went out but no reply came: retried next run with the same Message-ID."""
        change = "UPDATE alert_deliveries SET status = 'uncertain'"
        self._change_attempt(change, ("pending",), items, route, recipients, message_id)

    def forget_attempt(
        self, items: Iterable[DueItem], route: Route, recipients: Sequence[str], message_id: str
    ) -> None:
        """Refused or not delivered: drop the attempt's rows, so the items are simply due again."""
        change = "DELETE FROM alert_deliveries"
        self._change_attempt(change, ("pending", "uncertain"), items, route, recipients, message_id)

    def _change_attempt(
        self,
        change: str,
        only_over: Sequence[str],
        items: Iterable[DueItem],
        route: Route,
        recipients: Sequence[str],
        message_id: str,
    ) -> None:
        """``change`` (an UPDATE or DELETE) on the attempt's rows whose status is in ``only_over``."""
        statuses = ", ".join(f"'{s}'" for s in only_over)
        with self._writing() as conn:
            conn.executemany(
                f"{change} WHERE vendor = ? AND product = ? AND cycle = ? AND milestone = ? "
                "AND milestone_date = ? AND threshold = ? AND route = ? AND recipient = ? "
                f"AND message_id = ? AND status IN ({statuses})",
                [(*item_key(i), route.match, r, message_id) for i in items for r in recipients],
            )

    def silences(self) -> list[Silence]:
        rows = self.conn.execute(
            "SELECT id, product, cycle, milestone, until, reason, created_at FROM alert_silences ORDER BY id"
        )
        return [Silence(i, p, c, m, date.fromisoformat(u), r, at) for i, p, c, m, u, r, at in rows]

    def add_silence(
        self, product: str, cycle: str, milestone: str | None, until: date, reason: str, now: datetime
    ) -> int:
        with self._writing() as conn:
            cur = conn.execute(
                "INSERT INTO alert_silences (product, cycle, milestone, until, reason, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (product, cycle, milestone, until.isoformat(), reason, now.isoformat(timespec="seconds")),
            )
            return int(cur.lastrowid or 0)

    def remove_silence(self, silence_id: int) -> bool:
        with self._writing() as conn:
            cur = conn.execute("DELETE FROM alert_silences WHERE id = ?", (silence_id,))
            return cur.rowcount > 0
