"""The action lists of the report, most urgent first, and the headline that sums them up.

Order (README "Nightly HTML report"): with an inventory, every cycle on your hosts (past end of life
first, then by days left); then what needs action on none of your hosts (soonest first, then recently
ended); cycles that ended longer ago than ``RECENT_EOL_DAYS`` are only counted. The digests follow the
same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from tracker import vocabulary as vocab
from tracker.estate import CycleKey, EstateSummary
from tracker.report.model import CycleRow, DateCell, PlanLike
from tracker.status import Status

RECENT_EOL_DAYS = 365
"""Cycles on none of your hosts that reached end of life less than this many days ago are listed
under "Needs action"; older ones are only counted there (they stay in the full table)."""

HOST_NAMES_SHOWN = 3
"""Host names written out per cycle; the rest are folded into "+N more"."""


@dataclass(slots=True)  # not frozen: built ~10,000 times per report (frozen costs 3x)
class ActionItem:
    """One line of the action lists: which cycle, which milestone, how urgent, on which hosts."""

    row: CycleRow
    date: DateCell
    """The cycle's end of life: every line is about that milestone."""
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
    start_overdue: str = ""
    """``4 months overdue`` when the plan's start-by date is already behind ``as_of``."""

    @property
    def more_hosts(self) -> int:
        return max(0, self.hosts - len(self.host_names))

    @property
    def name(self) -> str:
        return self.row.record.name

    @property
    def milestone_label(self) -> str:
        return vocab.MILESTONE_HEADINGS["eol"]


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
    past = row.status in (Status.EXTENDED, Status.END_OF_LIFE)
    # The line is dated by end of life; a cycle past it is folded by the end of its last phase.
    last = (r.extended_end if past else None) or r.eol
    level = vocab.Urgency.PAST if past else vocab.urgency(row.days_to_eol)
    phrase = vocab.until(row.days_to_eol)
    if row.status is Status.EXTENDED and r.extended_end is not None:
        phrase += f"; paid support ends {vocab.when((r.extended_end.first_day - as_of).days)}"
    cell = row.dates["eol"]
    days = (last.first_day - as_of).days if last is not None else None
    if cell is None or days is None:
        if not hosts:
            return None
        cell = DateCell("—", False, False, None)
        days = 10**6
    return ActionItem(
        row=row,
        date=cell,
        days_left=days,
        urgency=str(level),
        urgency_word=vocab.URGENCY_STYLES[level].word,
        phrase=phrase,
        hosts=hosts,
        host_names=tuple(names[:HOST_NAMES_SHOWN]),
        plan=plan,
        start_overdue=_overdue(plan, as_of),
    )


def _overdue(plan: PlanLike | None, as_of: date) -> str:
    start = plan.start_by if plan is not None else None
    return vocab.overdue((as_of - start).days) if start is not None and start < as_of else ""


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
