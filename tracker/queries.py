"""Query results (status, expiring) as format-neutral items; no I/O, ``as_of`` explicit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from tracker.dataset import COLUMNS, MILESTONES, LifecycleRecord
from tracker.dates import MilestoneDate
from tracker.formats import Column, Result
from tracker.status import days_to_eol, expiring, milestones_of, status_of

STATUS_COLUMNS = [
    Column("vendor", "Vendor"),
    Column("product", "Product"),
    Column("cycle", "Cycle"),
    Column("type", "Type", numeric=True),
    Column("release", "Release"),
    Column("support_end", "Support end"),
    Column("eol", "EOL"),
    Column("extended_end", "Extended end"),
    Column("status", "Status"),
    Column("days_to_eol", "Days to EOL", numeric=True),
    Column("confidence", "Confidence"),
]

EXPIRING_COLUMNS = [
    Column("date", "Date"),
    Column("days_left", "Days left", numeric=True),
    Column("milestone", "Milestone"),
    Column("vendor", "Vendor"),
    Column("product", "Product"),
    Column("cycle", "Cycle"),
    Column("status", "Status"),
]


STATUS_FIELDS = (*COLUMNS[:8], "status", "days_to_eol", "source", "confidence")
"""The keys of ``status_item``, in order (the csv header)."""
EXPIRING_FIELDS = ("vendor", "product", "cycle", "milestone", "date", "days_left", "status")


def _s(d: MilestoneDate | None) -> str | None:
    return d.text if d is not None else None


def sort_records(records: Iterable[LifecycleRecord]) -> list[LifecycleRecord]:
    return sorted(
        records, key=lambda r: (r.vendor.casefold(), r.product.casefold(), r.release.first_day, r.cycle)
    )


def status_item(record: LifecycleRecord, as_of: date) -> dict[str, object]:
    return {
        "vendor": record.vendor,
        "product": record.product,
        "cycle": record.cycle,
        "type": record.type,
        "release": _s(record.release),
        "support_end": _s(record.support_end),
        "eol": _s(record.eol),
        "extended_end": _s(record.extended_end),
        "status": str(status_of(record, as_of)),
        "days_to_eol": days_to_eol(record, as_of),
        "source": record.source,
        "confidence": record.confidence,
    }


def status_result(records: Iterable[LifecycleRecord], as_of: date, generated_at: str) -> Result:
    items = [status_item(r, as_of) for r in sort_records(records)]
    return Result(
        items=items,
        columns=STATUS_COLUMNS,
        as_of=as_of.isoformat(),
        generated_at=generated_at,
        fields=STATUS_FIELDS,
    )


def expiring_result(
    records: Iterable[LifecycleRecord],
    as_of: date,
    start: date,
    end: date,
    generated_at: str,
    which: Sequence[str] = MILESTONES,
) -> Result:
    items: list[dict[str, object]] = [
        {
            "vendor": m.record.vendor,
            "product": m.record.product,
            "cycle": m.record.cycle,
            "milestone": m.milestone,
            "date": m.when.text,
            "days_left": m.days_left(as_of),
            "status": str(status_of(m.record, as_of)),
        }
        for m in expiring(records, start, end, which)
    ]
    title = f"Milestones from {start.isoformat()} to {end.isoformat()} (as of {as_of.isoformat()})"
    return Result(
        items=items,
        columns=EXPIRING_COLUMNS,
        as_of=as_of.isoformat(),
        generated_at=generated_at,
        title=title,
        meta={"from": start.isoformat(), "to": end.isoformat()},
        empty="(no milestone in this window)",
        fields=EXPIRING_FIELDS,
    )


def empty_window_note(
    records: Sequence[LifecycleRecord], start: date, end: date, which: Sequence[str] = MILESTONES
) -> str | None:
    """Why an ``expiring`` answer is empty although the filters matched cycles, and what comes
    next: ``no milestone of VMware ESXi 7.0 from 2026-01-01 to 2026-12-31; next: extended_end
    2027-04-02``. None when the window has milestones or no cycle was selected."""
    if not records or expiring(records, start, end, which):
        return None
    names = ", ".join(r.name for r in records[:3]) + (
        f" and {len(records) - 3} more" if len(records) > 3 else ""
    )
    later = sorted(
        (m.day, m.milestone, m.record.name, m.when.text)
        for r in records
        for m in milestones_of(r, which)
        if m.day > end
    )
    following = f"; next: {later[0][2]} {later[0][1]} {later[0][3]}" if later else ""
    return f"no milestone of {names} from {start.isoformat()} to {end.isoformat()}{following}"
