"""What the report shows, as plain data: rows, cards and "needs action", computed once from records.

Templates only lay this out; every status decision comes from ``tracker.status`` so the report can
never disagree with ``tracker status`` or the alerts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import urlsplit

from tracker.dataset import LifecycleRecord, is_http_url
from tracker.dates import MilestoneDate
from tracker.status import STATUS_ORDER, Status, days_to_eol, is_approaching, status_of

RECENT_EOL_DAYS = 365
"""Cycles that reached end of life less than this many days ago are listed under "Needs action";
older ones are only counted there (they stay in the full table)."""

STATUS_LABELS: dict[Status, str] = {
    Status.UNRELEASED: "Unreleased",
    Status.SUPPORTED: "Supported",
    Status.SECURITY_ONLY: "Security fixes only",
    Status.EXTENDED: "Extended support",
    Status.END_OF_LIFE: "End of life",
}

MILESTONE_LABELS = {
    "release": "Release",
    "support_end": "Support end",
    "eol": "End of life",
    "extended_end": "Extended end",
}


@dataclass(frozen=True)
class Link:
    """A source reference: ``href`` is set only for http(s) URLs, anything else stays text."""

    label: str
    href: str | None


@dataclass(frozen=True)
class DateCell:
    """One milestone date as people should read it, with the marks the legend explains."""

    friendly: str
    """``12 Jan 2027`` or ``Aug 2026``."""
    iso: str
    """Machine form for ``<time datetime>``: the dataset's own string."""
    month_only: bool
    estimated: bool
    href: str | None
    """The first http(s) source of the cycle, or None."""


@dataclass(frozen=True)
class CycleRow:
    record: LifecycleRecord
    status: Status
    days_to_eol: int | None
    approaching: bool
    dates: dict[str, DateCell | None]
    """Keyed by release, support_end, eol, extended_end."""
    sources: list[Link]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def cells(self) -> list[DateCell | None]:
        """Release, support end, end of life, extended end: the table's date columns in order."""
        return [
            self.dates["release"],
            self.dates["support_end"],
            self.dates["eol"],
            self.dates["extended_end"],
        ]


@dataclass(frozen=True)
class ProductGroup:
    vendor: str
    product: str
    anchor: str
    rows: list[CycleRow]


@dataclass(frozen=True)
class ActionItem:
    """One line of "Needs action": why, which milestone, when and how many days are left."""

    row: CycleRow
    reason: str
    milestone: str
    """Milestone label (``End of life``, ``Extended end``)."""
    date: DateCell
    days_left: int

    @property
    def days_text(self) -> str:
        return days_phrase(self.days_left)


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class EstateView:
    """The "Your estate" section, read from the inventory helper's object."""

    hosts_by_status: list[tuple[str, str, int]]
    """(status key, label, host count) in lifecycle order, unknown keys (``unmatched``) last."""
    total_hosts: int
    at_risk: list[tuple[str, int]]


def days_phrase(days: int) -> str:
    if days == 0:
        return "today"
    if days > 0:
        return f"{days} day left" if days == 1 else f"{days} days left"
    return "1 day ago" if days == -1 else f"{-days} days ago"


@lru_cache(maxsize=4096)
def _link(url: str) -> Link:
    if is_http_url(url):
        return Link(urlsplit(url).hostname or url, url)
    return Link(url, None)


def source_links(record: LifecycleRecord) -> list[Link]:
    """Only http(s) URLs become links (defence in depth: the loader already rejects the rest)."""
    return [_link(url) for url in record.sources]


def _date_cell(value: MilestoneDate | None, estimated: bool, href: str | None) -> DateCell | None:
    if value is None:
        return None
    return DateCell(value.friendly(), value.text, value.month_only, estimated, href)


def cycle_row(record: LifecycleRecord, as_of: date, warning_days: int) -> CycleRow:
    links = source_links(record)
    href = next((link.href for link in links if link.href), None)
    estimated = record.confidence == "estimated"
    dates = {
        name: _date_cell(getattr(record, name), estimated, href)
        for name in ("release", "support_end", "eol", "extended_end")
    }
    return CycleRow(
        record=record,
        status=status_of(record, as_of),
        days_to_eol=days_to_eol(record, as_of),
        approaching=is_approaching(record, as_of, warning_days),
        dates=dates,
        sources=links,
    )


def _slug(*parts: str) -> str:
    text = "-".join(parts).casefold()
    return "g-" + "".join(c if c.isalnum() else "-" for c in text).strip("-")


def group_rows(rows: Sequence[CycleRow]) -> list[ProductGroup]:
    """Rows grouped by vendor then product (case-insensitive), oldest release first in each."""
    ordered = sorted(
        rows,
        key=lambda r: (
            r.record.vendor.casefold(),
            r.record.product.casefold(),
            r.record.release.first_day,
            r.record.cycle,
        ),
    )
    groups: list[ProductGroup] = []
    seen: dict[str, int] = {}
    current: tuple[str, str] | None = None
    for row in ordered:
        key = (row.record.vendor.casefold(), row.record.product.casefold())
        if key != current:
            current = key
            anchor = _slug(row.record.vendor, row.record.product)
            seen[anchor] = seen.get(anchor, 0) + 1
            if seen[anchor] > 1:
                anchor = f"{anchor}-{seen[anchor]}"
            groups.append(ProductGroup(row.record.vendor, row.record.product, anchor, []))
        groups[-1].rows.append(row)
    return groups


def status_cards(rows: Sequence[CycleRow], warning_days: int) -> list[Card]:
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for row in rows:
        counts[row.status] += 1
    order = (Status.SUPPORTED, Status.SECURITY_ONLY, Status.EXTENDED, Status.END_OF_LIFE, Status.UNRELEASED)
    cards = [Card(str(s), STATUS_LABELS[s], counts[s]) for s in order]
    approaching = sum(1 for row in rows if row.approaching)
    cards.insert(0, Card("approaching", f"End of life within {warning_days} days", approaching))
    return cards


def needs_action(rows: Sequence[CycleRow], as_of: date) -> tuple[list[ActionItem], int]:
    """Approaching, extended and recently ended cycles sorted by date; plus the older-EOL count.

    Extended cycles are dated by ``extended_end`` (when the paid phase stops too); cycles past end
    of life by the day their last phase ended.
    """
    items: list[ActionItem] = []
    older = 0
    for row in rows:
        r = row.record
        if row.status is Status.END_OF_LIFE:
            name = "extended_end" if r.extended_end is not None else "eol"
            cell = row.dates[name]
            assert cell is not None
            value = r.milestone(name)
            assert value is not None
            days = (value.first_day - as_of).days
            if -days > RECENT_EOL_DAYS:
                older += 1
                continue
            items.append(ActionItem(row, "Past end of life", MILESTONE_LABELS[name], cell, days))
        elif row.status is Status.EXTENDED:
            cell = row.dates["extended_end"]
            assert cell is not None and r.extended_end is not None
            items.append(
                ActionItem(
                    row, "In extended support", "Extended end", cell, (r.extended_end.first_day - as_of).days
                )
            )
        elif row.approaching:
            cell = row.dates["eol"]
            assert cell is not None and row.days_to_eol is not None
            items.append(ActionItem(row, "Approaching end of life", "End of life", cell, row.days_to_eol))
    items.sort(
        key=lambda i: (
            i.days_left,
            i.row.record.vendor.casefold(),
            i.row.record.product.casefold(),
            i.row.record.cycle,
        )
    )
    return items, older


def estate_view(estate: object) -> EstateView:
    """Read ``estate.hosts_by_status`` (dict[str, int]) and ``estate.at_risk`` (list of pairs)."""
    by_status: Mapping[str, int] = getattr(estate, "hosts_by_status", {}) or {}
    at_risk: Sequence[tuple[str, int]] = getattr(estate, "at_risk", []) or []
    known = [str(s) for s in STATUS_ORDER]
    labels = {str(s): STATUS_LABELS[s] for s in STATUS_ORDER}

    def order(key: str) -> tuple[int, str]:
        return (known.index(key) if key in known else len(known), key)

    entries = [
        (str(k), labels.get(str(k), str(k).replace("-", " ").capitalize()), int(v))
        for k, v in by_status.items()
    ]
    entries.sort(key=lambda e: order(e[0]))
    return EstateView(
        hosts_by_status=entries,
        total_hosts=sum(e[2] for e in entries),
        at_risk=[(str(name), int(n)) for name, n in at_risk],
    )
