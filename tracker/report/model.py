"""What the report shows, as plain data, most urgent first; computed once from records.

Templates only lay this out; every status decision comes from ``tracker.status`` and every word from
``tracker.vocabulary``, so the report can never disagree with ``tracker status``, the digests or the
calendar.

Order (SPEC section 6): with an inventory, every cycle on your hosts (past end of life first, then by
days left); then what needs action on none of your hosts (soonest first, then recently ended); cycles
that ended longer ago than ``RECENT_EOL_DAYS`` are only counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Protocol

from tracker import vocabulary as vocab
from tracker.changes import Change
from tracker.dataset import LifecycleRecord, is_http_url
from tracker.dates import MilestoneDate
from tracker.estate import CycleKey, EstateSummary
from tracker.status import STATUS_ORDER, Status, days_to_eol, status_of

RECENT_EOL_DAYS = 365
"""Cycles on none of your hosts that reached end of life less than this many days ago are listed
under "Needs action"; older ones are only counted there (they stay in the full table)."""

HOST_NAMES_SHOWN = 3
"""Host names written out per cycle; the rest are folded into "+N more"."""

STATUS_LABELS: dict[Status, str] = {s: vocab.phase(s) for s in Status}
MILESTONE_LABELS = vocab.MILESTONE_HEADINGS


class PlanLike(Protocol):
    """What the report reads from a plan per cycle: ``tracker.plan.hosts.CycleStart`` fits."""

    @property
    def target(self) -> str: ...

    @property
    def start_by(self) -> date | None: ...


@dataclass(frozen=True)
class PlanHint:
    """What to do about one cycle, from the planning module (``tracker plan``) when it is available."""

    target: str
    """``VMware ESXi 8.0``; empty when no path is known."""
    start_by: date | None


@dataclass(frozen=True, slots=True)
class Link:
    """A source reference: ``href`` is set only for http(s) URLs, anything else stays text."""

    label: str
    href: str | None


@dataclass(frozen=True, slots=True)
class DateCell:
    """One milestone date: ISO text (``2027-01-12``, or ``2026-08`` for month precision) and marks."""

    text: str
    month_only: bool
    estimated: bool
    href: str | None
    """The first http(s) source of the cycle, or None."""


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class ActionItem:
    """One line of the action lists: which cycle, which milestone, how urgent, on which hosts."""

    row: CycleRow
    milestone: str
    """``eol`` or ``extended_end``: the date the line is about."""
    date: DateCell
    days_left: int
    urgency: str
    """CSS class of the urgency step; ``u-past`` for every cycle past end of life."""
    urgency_word: str
    phrase: str
    """``EOL in 4 days``; ``past EOL 44 days ago``; in paid support also when that ends."""
    hosts: int = 0
    host_names: tuple[str, ...] = ()
    """At most ``HOST_NAMES_SHOWN`` names."""
    plan: PlanLike | None = None

    @property
    def more_hosts(self) -> int:
        return max(0, self.hosts - len(self.host_names))

    @property
    def name(self) -> str:
        return self.row.record.name

    @property
    def milestone_label(self) -> str:
        return vocab.MILESTONE_HEADINGS[self.milestone]


@dataclass(frozen=True)
class EstateView:
    """The estate totals shown beside the action list."""

    hosts_by_status: list[tuple[str, str, int]]
    """(status key, label, host count) in lifecycle order, unknown keys (``unmatched``) last."""
    total_hosts: int
    at_risk: list[tuple[str, int]]
    at_risk_by: str | None


@dataclass(frozen=True)
class Actions:
    """Everything the "Needs action" part of the report shows, already ordered."""

    on_hosts: list[ActionItem]
    """With an inventory: every cycle that runs on at least one host, most urgent first."""
    elsewhere: list[ActionItem]
    """Needs action but on none of your hosts (all such cycles without an inventory)."""
    older_eol: int
    """Cycles on none of your hosts past end of life for longer than ``RECENT_EOL_DAYS``."""
    headline: str
    summary: str
    counts: list[tuple[str, str, int]]
    """(urgency class, word, count) of the cycles on your hosts (without an inventory: of the
    "Needs action" list), for the strip under the headline."""


@lru_cache(maxsize=4096)
def _link(url: str) -> Link:
    if is_http_url(url):
        host = url.split("//", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        return Link(host.rsplit("@", 1)[-1].split(":", 1)[0].lower() or url, url)
    return Link(url, None)


def source_links(record: LifecycleRecord) -> list[Link]:
    """Only http(s) URLs become links (defence in depth: the loader already rejects the rest)."""
    return [_link(url) for url in record.sources]


def _date_cell(value: MilestoneDate | None, estimated: bool, href: str | None) -> DateCell | None:
    if value is None:
        return None
    return DateCell(value.text, value.month_only, estimated, href)


def cycle_row(record: LifecycleRecord, as_of: date, warning_days: int = 365) -> CycleRow:
    """One row of the full table (``warning_days`` is kept for callers; the scale is fixed)."""
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
        sources = [_link(url) for url in dict.fromkeys(url for row in members for url in row.sources)]
        groups.append(ProductGroup(first.vendor, first.product, anchor, members, shared, sources))
    return groups


def _item(
    row: CycleRow,
    as_of: date,
    hosts: int = 0,
    names: Sequence[str] = (),
    plan: PlanLike | None = None,
) -> ActionItem | None:
    """The action line for ``row``, or None for a cycle with nothing dated to act on."""
    r = row.record
    if row.status is Status.UNRELEASED:
        return None
    # The line is dated by end of life; a cycle past it is folded by the end of its last phase.
    last = r.extended_end if row.status in (Status.EXTENDED, Status.END_OF_LIFE) else None
    last = last or r.eol
    past = row.status in (Status.EXTENDED, Status.END_OF_LIFE)
    level = vocab.Urgency.PAST if past else vocab.urgency(row.days_to_eol)
    phrase = vocab.until(row.days_to_eol)
    if row.status is Status.EXTENDED and r.extended_end is not None:
        phrase += f"; paid support ends {vocab.when((r.extended_end.first_day - as_of).days)}"
    cell = row.dates["eol"]
    days = (last.first_day - as_of).days if last is not None else None
    milestone = "eol"
    if cell is None or days is None:
        if not hosts:
            return None
        cell = DateCell("—", False, False, None)
        days = 10**6
    return ActionItem(
        row=row,
        milestone=milestone,
        date=cell,
        days_left=days,
        urgency=str(level),
        urgency_word=vocab.URGENCY_STYLES[level].word,
        phrase=phrase,
        hosts=hosts,
        host_names=tuple(names[:HOST_NAMES_SHOWN]),
        plan=plan,
    )


def _name_key(item: ActionItem) -> tuple[str, str, str]:
    r = item.row.record
    return (r.vendor.casefold(), r.product.casefold(), r.cycle)


def needs_action(
    rows: Sequence[CycleRow],
    as_of: date,
    warning_days: int = 365,
    estate: EstateSummary | None = None,
    plan_by_cycle: Mapping[CycleKey, PlanLike] | None = None,
) -> Actions:
    """The ordered action lists, the headline and the fold count (see the module docstring)."""
    host_counts = estate.host_counts if estate is not None else {}
    names = estate.host_names if estate is not None else {}
    plans = plan_by_cycle or {}
    on_hosts: list[ActionItem] = []
    elsewhere: list[ActionItem] = []
    older = 0
    for row in rows:
        key = row.record.key
        hosts = host_counts.get(key, 0)
        if hosts:
            item = _item(row, as_of, hosts, names.get(key, ()), plans.get(key))
            if item is not None:
                on_hosts.append(item)
            continue
        item = _item(row, as_of, plan=plans.get(key))
        if item is None:
            continue
        if item.urgency == vocab.Urgency.PAST and row.status is Status.END_OF_LIFE:
            if -item.days_left > RECENT_EOL_DAYS:
                older += 1
                continue
        elif row.status is not Status.EXTENDED and not (
            row.days_to_eol is not None and 0 <= row.days_to_eol <= warning_days
        ):
            continue
        elsewhere.append(item)
    # On your hosts: past end of life first (longest past first), then by days left.
    on_hosts.sort(
        key=lambda i: (
            i.urgency != vocab.Urgency.PAST,
            i.row.days_to_eol if i.row.days_to_eol is not None else 10**6,
            _name_key(i),
        )
    )
    # Elsewhere: what is coming, soonest first; then what ended recently, most recent first.
    elsewhere.sort(
        key=lambda i: (
            i.urgency == vocab.Urgency.PAST,
            i.days_left if i.urgency != vocab.Urgency.PAST else -i.days_left,
            _name_key(i),
        )
    )
    listed = on_hosts if estate is not None else elsewhere
    counts = []
    for level, style in vocab.URGENCY_STYLES.items():
        n = sum(1 for i in listed if i.urgency == level)
        if n and level is not vocab.Urgency.NONE:
            counts.append((str(level), style.word, n))
    return Actions(
        on_hosts=on_hosts,
        elsewhere=elsewhere,
        older_eol=older,
        headline=headline(on_hosts, elsewhere, estate is not None),
        summary=summary_line(on_hosts, elsewhere, older, estate, warning_days),
        counts=counts,
    )


def _clause(item: ActionItem, with_hosts: bool) -> str:
    name = item.name
    if item.urgency == vocab.Urgency.PAST:
        if with_hosts:
            return (
                f"{vocab.hosts(item.hosts)} {'run' if item.hosts != 1 else 'runs'} {name}, "
                f"{vocab.until(item.row.days_to_eol)}"
            )
        return f"{name} is {vocab.until(item.row.days_to_eol)}"
    when = vocab.when(item.days_left)
    if with_hosts:
        verb = "reach" if item.hosts != 1 else "reaches"
        return f"{vocab.hosts(item.hosts)} on {name} {verb} end of life {when} ({item.date.text})"
    return f"{name} reaches end of life {when} ({item.date.text})"


def headline(on_hosts: Sequence[ActionItem], elsewhere: Sequence[ActionItem], inventory: bool) -> str:
    """One sentence: what needs doing now. The soonest coming end of life, then what is past it."""
    pool = on_hosts if inventory else elsewhere
    coming = [i for i in pool if i.urgency not in (vocab.Urgency.PAST, vocab.Urgency.NONE)]
    coming = [i for i in coming if i.days_left <= 365]
    past = [i for i in pool if i.urgency == vocab.Urgency.PAST]
    parts: list[str] = []
    if coming:
        parts.append(_clause(coming[0], inventory))
    if inventory and past:
        worst = past[0]
        n_hosts = sum(i.hosts for i in past)
        if len(past) == 1:
            parts.append(_clause(worst, True))
        else:
            parts.append(
                f"{vocab.hosts(n_hosts)} on {len(past)} cycles are past end of life "
                f"({', '.join(i.name for i in past[:3])}{', …' if len(past) > 3 else ''})"
            )
    if not parts:
        if inventory:
            return "None of your hosts reaches end of life within a year."
        return "No release cycle reaches end of life within a year."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def summary_line(
    on_hosts: Sequence[ActionItem],
    elsewhere: Sequence[ActionItem],
    older: int,
    estate: EstateSummary | None,
    warning_days: int,
) -> str:
    coming = sum(1 for i in elsewhere if i.urgency != vocab.Urgency.PAST)
    ended = len(elsewhere) - coming
    tail = (
        f"{vocab.plural(coming, 'cycle')} reach end of life within {vocab.days(warning_days)}, "
        f"{ended} ended in the last {vocab.days(RECENT_EOL_DAYS)} or are in paid support"
    )
    if estate is None:
        return tail[0].upper() + tail[1:] + "."
    acting = [i for i in on_hosts if i.urgency != vocab.Urgency.LATER and i.urgency != vocab.Urgency.NONE]
    hosts = sum(i.hosts for i in acting)
    return (
        f"Your estate: {vocab.hosts(estate.total)}, {vocab.hosts(hosts)} on "
        f"{vocab.plural(len(acting), 'cycle')} to act on within a year"
        f"{f', {estate.unmatched} unmatched' if estate.unmatched else ''}. "
        f"On none of your hosts: {tail}."
    )


@dataclass(frozen=True)
class ChangeLine:
    kind: str
    """``moved``, ``refined``, ``added``, ``removed`` or ``passed`` (also the CSS class)."""
    text: str


@dataclass(frozen=True)
class ChangesView:
    since: str
    """ISO date of the previous report."""
    lines: list[ChangeLine]
    more: int
    """Changes beyond ``CHANGES_SHOWN``, counted only."""


CHANGES_SHOWN = 30
_CHANGE_ORDER = ("moved", "refined", "passed", "added", "removed")


def change_line(change: Change) -> ChangeLine:
    """One change in the report's words: ``Proxmox VE 8: end of life moved from 2026-08 to 2026-09``."""
    name = f"{change.product} {change.cycle}"
    what = vocab.milestone_name(change.milestone) if change.milestone else ""
    if change.kind in ("added", "removed"):
        text = f"{name} ({change.vendor}) {change.kind}"
    elif change.kind == "passed":
        text = f"{name}: {what} passed ({change.new})"
    elif change.old is None:
        text = f"{name}: {what} announced: {change.new}"
    elif change.new is None:
        text = f"{name}: {what} no longer given (was {change.old})"
    else:
        text = f"{name}: {what} {change.kind} from {change.old} to {change.new}"
    return ChangeLine(change.kind, text)


def changes_view(changes: Sequence[Change], since: date) -> ChangesView:
    ordered = sorted(
        changes, key=lambda c: _CHANGE_ORDER.index(c.kind) if c.kind in _CHANGE_ORDER else len(_CHANGE_ORDER)
    )
    lines = [change_line(c) for c in ordered[:CHANGES_SHOWN]]
    return ChangesView(vocab.iso(since), lines, max(0, len(ordered) - CHANGES_SHOWN))


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
