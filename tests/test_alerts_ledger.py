"""The per-recipient ledger API (real SQLite files): the contract other channels (webhooks) rely on."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tracker.alerts.due import due_alerts
from tracker.alerts.ledger import (
    ROUTE_WIDE,
    Ledger,
    LedgerError,
    item_key,
    recipient_key,
    webhook_key,
)
from tracker.config import AlertSettings, Route
from tracker.dataset import load_dataset

AS_OF = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
ROUTE = Route(match="*", to=("a@example.org", "B@Example.org"))
CSV = (
    "vendor,product,cycle,type,release,support_end,eol,extended_end,source,confidence,notes\n"
    "Microsoft,Hyper-V Server,2016,1,2016-10-15,2022-01-11,2027-01-12,,"
    "https://learn.microsoft.com/lifecycle/products/hyper-v-server-2016,vendor,\n"
)


@pytest.fixture
def items(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "d.csv"
    path.write_text(CSV, encoding="utf-8")
    plan = due_alerts(load_dataset(path), AlertSettings(), (ROUTE,), [], [], AS_OF)
    assert [(i.threshold, i.covered) for i in plan.due] == [(90, (365, 180))]
    return plan.due


def statuses(ledger: Ledger) -> set[tuple[str, int, str]]:
    return {(str(r["recipient"]), int(str(r["threshold"])), str(r["status"])) for r in ledger.deliveries()}


def test_keys() -> None:
    assert recipient_key(" Ops@Example.ORG ") == "ops@example.org"
    key = webhook_key("https://chat.example.org/hooks/secret-token")
    assert key.startswith("webhook:") and len(key) == len("webhook:") + 64 and "secret" not in key


def test_life_of_a_delivery_per_recipient(tmp_path: Path, items) -> None:  # type: ignore[no-untyped-def]
    a, b, hook = "a@example.org", "b@example.org", webhook_key("https://x.example/h")
    with Ledger.open(tmp_path) as ledger:
        ledger.record("pending", items, ROUTE, (a, b, hook), "<m1@x>", AS_OF, NOW)
        assert ledger.past_deliveries(a) == [] and len(ledger.unconfirmed()) == 3
        ledger.record("sent", items, ROUTE, (a,), "<m1@x>", AS_OF, NOW)
        ledger.forget_attempt(items, ROUTE, (b,), "<m1@x>")
        ledger.record_uncertain(items, ROUTE, (hook,), "<m1@x>")
        assert statuses(ledger) == {
            (a, 90, "sent"),
            (a, 365, "covered"),
            (a, 180, "covered"),
            (hook, 90, "uncertain"),
        }
        assert ledger.delivered_recipients(items[0], ROUTE) == {a}
        assert ledger.unconfirmed() == {("*", hook, item_key(items[0])): "<m1@x>"}
        assert {d.threshold for d in ledger.past_deliveries(a)} == {90, 180, 365}
        assert ledger.past_deliveries(b) == []
        # the uncertain one is retried (same Message-ID) and accepted: the row is upgraded in place
        ledger.record("pending", items, ROUTE, (hook,), "<m1@x>", AS_OF, NOW)
        ledger.record("sent", items, ROUTE, (hook,), "<m1@x>", AS_OF, NOW)
        assert ledger.unconfirmed() == {}
        # a delivered row is never turned back into a pending one
        ledger.record("pending", items, ROUTE, (a,), "<m2@x>", AS_OF, NOW)
        assert (a, 90, "sent") in statuses(ledger)
    assert (tmp_path / "alert-ledger.id").is_file()


def test_route_wide_rows_count_for_every_recipient(tmp_path: Path, items) -> None:  # type: ignore[no-untyped-def]
    with Ledger.open(tmp_path) as ledger:
        ledger.record("sent", items, ROUTE, (ROUTE_WIDE,), "<m@x>", AS_OF, NOW)
        assert {d.threshold for d in ledger.past_deliveries("anyone@example.org")} == {90, 180, 365}


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    Ledger.open(tmp_path).close()
    with sqlite3.connect(tmp_path / "tracker.db") as conn:
        conn.execute("UPDATE alert_meta SET value = '9' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(LedgerError, match=r"written by a newer tracker \(schema 9, this one reads 2\)"):
        Ledger.open(tmp_path)
