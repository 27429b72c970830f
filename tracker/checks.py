"""Monitoring-plugin verdicts for ``tracker check``: a state, a one-line summary and perfdata.

Pure functions of the records (or an inventory's estate), ``as_of`` and the two windows; the command
only parses its options, calls one of these and prints ``Verdict.line()``. Imports nothing heavy at
start-up: the inventory (pandas) is loaded only by ``check_inventory``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from tracker import vocabulary as vocab

if TYPE_CHECKING:
    from tracker.context import Context
    from tracker.dataset import LifecycleRecord
    from tracker.errors import TrackerError
    from tracker.inventory import EstateSummary
    from tracker.resolve import QueryFilters

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}


class Verdict(NamedTuple):
    state: int
    """OK, WARNING, CRITICAL or UNKNOWN: also the plugin's exit status."""
    summary: str
    perfdata: str

    def line(self) -> str:
        return f"TRACKER {STATE_NAMES[self.state]} - {self.summary} | {self.perfdata}"


def _days(n: int) -> str:
    return f"in {vocab.days(n)}" if n else "today"


_Item = TypeVar("_Item", bound=tuple[Any, ...])


def _windows(dated: Iterable[_Item], warning: int, critical: int) -> tuple[list[_Item], list[_Item]]:
    """The (days, name, ...) items not yet past, soonest first: those within ``warning`` days and
    those within ``critical`` days."""
    upcoming = sorted((t for t in dated if t[0] >= 0), key=lambda t: (t[0], t[1]))
    return [t for t in upcoming if t[0] <= warning], [t for t in upcoming if t[0] <= critical]


def check_cycles(records: Iterable[LifecycleRecord], as_of: date, warning: int, critical: int) -> Verdict:
    """Release cycles not yet past eol: how many reach it within the two windows."""
    from tracker.status import days_to_eol

    dated = [(d, r) for r in records if (d := days_to_eol(r, as_of)) is not None]
    approaching, crit = _windows(((d, r.name) for d, r in dated), warning, critical)
    past = sum(1 for d, _ in dated if d < 0)
    state = CRITICAL if crit else WARNING if approaching else OK
    if crit:
        summary = (
            f"{len(crit)} within {critical} days of end of life ({crit[0][1]} "
            f"{_days(crit[0][0])}), {len(approaching)} approaching, {past} past"
        )
    elif approaching:
        summary = (
            f"{len(approaching)} approaching end of life ({approaching[0][1]} "
            f"{_days(approaching[0][0])}), {past} past"
        )
    else:
        summary = f"0 approaching end of life, {past} past"
    perf = f"approaching={len(approaching)} critical={len(crit)} past={past}"
    return Verdict(state, summary, perf)


def check_hosts(estate: EstateSummary, warning: int, critical: int) -> Verdict:
    """Hosts of an inventory: any host past eol is CRITICAL, like one within ``critical`` days.

    ``estate`` must be summarised with a window of at least ``max(warning, critical)`` days.
    """
    cycles = [
        (d, f"{key[1]} {key[2]}", estate.host_counts[key])
        for key, d in estate.cycles.items()
        if d is not None
    ]
    past = sorted((t for t in cycles if t[0] < 0), key=lambda t: (-t[2], t[1]))
    approaching, crit = _windows(cycles, warning, critical)
    n_past, n_appr, n_crit = (sum(t[2] for t in group) for group in (past, approaching, crit))
    state = CRITICAL if past or crit else WARNING if approaching else OK
    parts = [
        f"{n_past} of {vocab.hosts(estate.total)} past end of life"
        + (f" ({past[0][1]} on {vocab.hosts(past[0][2])})" if past else "")
    ]
    if crit:
        parts.append(
            f"{n_crit} within {critical} days ({crit[0][1]} {_days(crit[0][0])} on {vocab.hosts(crit[0][2])})"
        )
        parts.append(f"{n_appr} approaching")
    elif approaching:
        parts.append(
            f"{n_appr} approaching ({approaching[0][1]} {_days(approaching[0][0])} on "
            f"{vocab.hosts(approaching[0][2])})"
        )
    else:
        parts.append("0 approaching")
    parts.append(f"{estate.unmatched} unmatched")
    summary = ", ".join(parts)
    perf = (
        f"hosts={estate.total} past={n_past} critical={n_crit} approaching={n_appr} "
        f"unmatched={estate.unmatched}"
    )
    return Verdict(state, summary, perf)


def check_data(
    records: Iterable[LifecycleRecord], as_of: date, stale_after_days: int, verdict: Verdict
) -> Verdict:
    """``verdict`` and stale dataset rows (never verified, or longer ago than ``stale_after_days``):
    at least WARNING when there are any, and a ``stale_rows`` perfdata value always."""
    from tracker.dataset import dataset_age

    stale = len(dataset_age(records, as_of, stale_after_days).stale)
    state, summary = verdict.state, verdict.summary
    if stale:
        state = max(state, WARNING)
        summary += f"; {vocab.plural(stale, 'dataset row')} not verified in {vocab.days(stale_after_days)}"
    return Verdict(state, summary, f"{verdict.perfdata} stale_rows={stale}")


def check_inventory(
    inventory: str | Path,
    aliases: str | Path | None,
    records: list[LifecycleRecord],
    filters: QueryFilters,
    as_of: date,
    warning: int,
    critical: int,
) -> Verdict:
    """Load and match the inventory file (pandas), then ``check_hosts``; bad files raise TrackerError."""
    from tracker.inventory import load_aliases, load_inventory, match_inventory
    from tracker.inventory.hosts import estate_summary

    hosts = load_inventory(inventory)
    if hosts.empty:
        raise _no_hosts(inventory)
    matched = match_inventory(
        hosts,
        records,
        as_of,
        load_aliases(aliases),
        filters if filters.filtered else None,
    )
    return check_hosts(estate_summary(matched, records, as_of, max(warning, critical)), warning, critical)


def check_plan(
    inventory: str | Path,
    aliases: str | Path | None,
    ctx: Context,
    filters: QueryFilters,
    warning: int,
    critical: int,
) -> Verdict:
    """Hosts against their start-by dates (``tracker plan``): past it or within ``critical`` days
    is CRITICAL, within ``warning`` days WARNING; hosts with no known path are counted."""
    from tracker.inventory.aliases import load_aliases
    from tracker.plan.engine import NONE_KNOWN
    from tracker.plan.hosts import plan_by_cycle, to_frame
    from tracker.plan.inventory import read_and_plan

    records = ctx.records()
    table, _ = read_and_plan(
        Path(inventory),
        ctx.settings,
        records,
        ctx.dataset_path,
        ctx.as_of,
        load_aliases(aliases),
        filters if filters.filtered else None,
    )
    if len(table) == 0 and (not filters.filtered or _read_no_hosts(Path(inventory))):
        raise _no_hosts(inventory)
    planned = to_frame(table)
    days = planned["days_to_start"]
    n_past, n_crit, n_warn = (
        int((days.notna() & cond).sum()) for cond in (days < 0, days <= critical, days <= warning)
    )
    n_crit, n_warn = n_crit - n_past, n_warn - n_past
    no_path = int((planned["path"] == NONE_KNOWN).sum())
    cycles = sorted(
        (c for c in plan_by_cycle(planned, records).values() if c.start_by is not None),
        key=lambda c: (c.start_by, c.product, c.cycle),
    )
    state = CRITICAL if n_past or n_crit else WARNING if n_warn else OK
    first = cycles[0] if cycles else None
    where = (
        f" ({first.product} {first.cycle} on {vocab.hosts(first.hosts)}, start by {first.start_by})"
        if first is not None and (n_past or n_crit or n_warn)
        else ""
    )
    summary = (
        f"{n_past} of {vocab.hosts(len(planned))} past their start-by date"
        + (where if n_past else "")
        + f", {n_crit} within {critical} days"
        + (where if n_crit and not n_past else "")
        + f", {n_warn} within {warning} days"
        + (where if n_warn and not (n_past or n_crit) else "")
        + f", {no_path} with no known upgrade path"
    )
    perf = (
        f"hosts={len(planned)} past_start={n_past} start_critical={n_crit} start_warning={n_warn} "
        f"no_path={no_path}"
    )
    return Verdict(state, summary, perf)


def _read_no_hosts(inventory: Path) -> bool:
    """Whether the inventory itself lists no host (not only none the filters select)."""
    from tracker.inventory.table import read_hosts_table

    return read_hosts_table(inventory).num_rows == 0


def _no_hosts(inventory: str | Path) -> TrackerError:
    """UNKNOWN, never OK: an export that failed and left only its header must not look healthy."""
    from tracker.errors import TrackerError

    return TrackerError(f"{inventory}: the inventory lists no host (a header only): nothing to check")
