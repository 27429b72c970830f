"""What the report shows of each cycle and product, as plain data, computed once from records.

Templates only lay this out; every status decision comes from ``tracker.status`` and every word from
``tracker.vocabulary``, so the report can never disagree with ``tracker status``, the digests or the
calendar. The ordered action lists are in ``tracker.report.actions``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Protocol

from tracker import vocabulary as vocab
from tracker.dataset import LifecycleRecord, is_http_url
from tracker.dates import MilestoneDate
from tracker.estate import EstateSummary
from tracker.status import STATUS_ORDER, Status, days_to_eol, status_of

STATUS_LABELS: dict[Status, str] = {s: vocab.phase(s) for s in Status}


class PlanLike(Protocol):
    """What the report reads from a plan per cycle: ``tracker.plan.inventory.CycleStart`` fits."""

    @property
    def target(self) -> str: ...

    @property
    def start_by(self) -> date | None: ...


@dataclass(frozen=True, slots=True)
class Link:
    """A source reference: ``href`` is set only for http(s) URLs, anything else stays text."""

    label: str
    href: str | None


@dataclass(slots=True)  # not frozen: built ~10,000 times per report (frozen costs 3x)
class DateCell:
    """One milestone date: ISO text (``2027-01-12``, or ``2026-08`` for month precision) and marks."""

    text: str
    month_only: bool
    estimated: bool
    href: str | None
    """The first http(s) source of the cycle, or None."""


@dataclass(slots=True)  # not frozen: built ~10,000 times per report (frozen costs 3x)
class CycleRow:
    record: LifecycleRecord
    status: Status
    days_to_eol: int | None
    urgency: str
    """CSS class of the urgency step (``u-30``...)."""
    urgency_text: str
    """``EOL in 47 days``, ``past EOL 44 days ago``, ``no EOL announced``."""
    dates: dict[str, DateCell | None]
    """Keyed by release, support_end, eol, extended_end."""
    sources: tuple[str, ...]
    """The cycle's source URLs as written (``Link`` objects are made once per product)."""
    note: str = ""
    """The row's own note; notes shared by several cycles of a product are shown once per product."""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def key(self) -> str:
        r = self.record
        return f"{r.vendor}/{r.product}/{r.cycle}"


@dataclass(frozen=True)
class ProductGroup:
    vendor: str
    product: str
    anchor: str
    rows: list[CycleRow]
    """Newest release first."""
    notes: list[str] = field(default_factory=list)
    """Notes shared by several cycles, shown once under the product's heading (not on the rows)."""
    sources: list[Link] = field(default_factory=list)
    """Every distinct source of the product's cycles, in order."""


@dataclass(frozen=True)
class EstateView:
    """The estate totals shown beside the action list."""

    hosts_by_status: list[tuple[str, str, int]]
    """(status key, label, host count) in lifecycle order, unknown keys (``unmatched``) last."""
    total_hosts: int
    at_risk: list[tuple[str, int]]
    at_risk_by: str | None


@lru_cache(maxsize=4096)
def _link(url: str) -> Link:
    if is_http_url(url):
        host = url.split("//", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        return Link(host.rsplit("@", 1)[-1].split(":", 1)[0].lower() or url, url)
    return Link(url, None)


def _date_cell(value: MilestoneDate | None, estimated: bool, href: str | None) -> DateCell | None:
    if value is None:
        return None
    return DateCell(value.text, value.month_only, estimated, href)


def cycle_row(record: LifecycleRecord, as_of: date) -> CycleRow:
    """One row of the full table (the urgency scale is fixed: ``vocab.URGENCY_LIMITS``)."""
    href = next((url for url in record.sources if is_http_url(url)), None)
    estimated = record.confidence == "estimated"
    dates = {
        name: _date_cell(getattr(record, name), estimated, href)
        for name in ("release", "support_end", "eol", "extended_end")
    }
    days = days_to_eol(record, as_of)
    status = status_of(record, as_of)
    return CycleRow(
        record=record,
        status=status,
        days_to_eol=days,
        urgency=str(vocab.urgency(days) if status is not Status.UNRELEASED else vocab.Urgency.NONE),
        urgency_text=vocab.until(days),
        dates=dates,
        sources=record.sources,
        note=record.notes,
    )


def _slug(*parts: str) -> str:
    text = "-".join(parts).casefold()
    return "g-" + "".join(c if c.isalnum() else "-" for c in text).strip("-")


def group_rows(rows: Sequence[CycleRow]) -> list[ProductGroup]:
    """Rows grouped by vendor then product (case-insensitive), newest release first in each.

    A note that several cycles of a product share moves to the product (shown once); a note only
    one cycle carries stays on its row.
    """
    ordered = sorted(
        rows,
        key=lambda r: (r.record.vendor.casefold(), r.record.product.casefold()),
    )
    buckets: dict[tuple[str, str], list[CycleRow]] = {}
    for row in ordered:
        buckets.setdefault((row.record.vendor.casefold(), row.record.product.casefold()), []).append(row)
    groups: list[ProductGroup] = []
    seen: dict[str, int] = {}
    for members in buckets.values():
        members.sort(key=lambda r: (r.record.release.first_day, r.record.cycle), reverse=True)
        first = members[0].record
        anchor = _slug(first.vendor, first.product)
        seen[anchor] = seen.get(anchor, 0) + 1
        if seen[anchor] > 1:
            anchor = f"{anchor}-{seen[anchor]}"
        uses: dict[str, int] = {}
        for row in members:
            if row.note:
                uses[row.note] = uses.get(row.note, 0) + 1
        shared = [note for note, n in uses.items() if n > 1]
        sources = _distinct([_link(url) for url in dict.fromkeys(u for row in members for u in row.sources)])
        groups.append(ProductGroup(first.vendor, first.product, anchor, members, shared, sources))
    return groups


DISTINCT_SOURCES_UP_TO = 12
"""A product with more sources than this keeps bare host labels (a list that long is read by host)."""


def _distinct(links: list[Link]) -> list[Link]:
    """Links that share a host label get the last part of their path too (``learn.microsoft.com/…/
    hyperv-server-2019``), so six sources of one product do not read as one name six times."""
    if len(links) > DISTINCT_SOURCES_UP_TO:
        return links
    labels = Counter(link.label for link in links)
    out = []
    for link in links:
        if link.href is not None and labels[link.label] > 1:
            tail = link.href.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            if tail and tail.lower() != link.label:
                link = Link(f"{link.label}/…/{tail}", link.href)
        out.append(link)
    return out


def estate_view(estate: EstateSummary) -> EstateView:
    """Host totals by status, in lifecycle order, ``unmatched`` last."""
    known = [str(s) for s in STATUS_ORDER]

    def order(key: str) -> tuple[int, str]:
        return (known.index(key) if key in known else len(known), key)

    entries = [(str(k), vocab.phase(str(k)), int(v)) for k, v in estate.hosts_by_status.items()]
    entries.sort(key=lambda e: order(e[0]))
    return EstateView(
        hosts_by_status=entries,
        total_hosts=estate.total or sum(e[2] for e in entries),
        at_risk=[(str(name), int(n)) for name, n in estate.at_risk],
        at_risk_by=estate.at_risk_by,
    )
