"""``tracker check``: a Nagios / Icinga plugin. One line on stdout, exit 0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN; every error, including a usage error, is UNKNOWN (never exit 2)."""

from __future__ import annotations

import argparse
import sys

from tracker.commands._query import add_filter_options
from tracker.errors import TrackerError, UsageError

NAME = "check"
HELP = "monitoring plugin (Nagios/Icinga): OK, WARNING, CRITICAL or UNKNOWN"

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--warning",
        "-w",
        type=int,
        metavar="DAYS",
        help="WARNING when end of life is at most DAYS away (default: alerts.warning_days, 365)",
    )
    p.add_argument(
        "--critical",
        "-c",
        type=int,
        metavar="DAYS",
        default=90,
        help="CRITICAL when end of life is at most DAYS away (default 90)",
    )
    p.add_argument(
        "--inventory",
        metavar="FILE",
        help="count hosts of this inventory (default: the configured inventory)",
    )
    p.add_argument(
        "--no-inventory",
        action="store_true",
        help="look at release cycles even when an inventory is configured",
    )
    p.add_argument(
        "--aliases",
        metavar="FILE",
        help="product aliases and version rules (default: the bundled aliases.csv)",
    )
    p.add_argument(
        "--data",
        action="store_true",
        help="also WARNING when dataset rows are not verified within data.stale_after_days",
    )
    add_filter_options(p)


def line(state: int, summary: str, perfdata: str) -> str:
    return f"TRACKER {STATE_NAMES[state]} - {summary} | {perfdata}"


def _days(n: int) -> str:
    return f"in {n} day{'s' if n != 1 else ''}" if n else "today"


def _hosts(n: int) -> str:
    return f"{n} host{'s' if n != 1 else ''}"


def run(args: argparse.Namespace, ctx) -> int:  # type: ignore[no-untyped-def]
    from tracker.commands._query import filters_from

    warning = ctx.settings.alerts.warning_days if args.warning is None else args.warning
    critical = args.critical
    for option, value in (("--warning", warning), ("--critical", critical)):
        if value < 0:
            raise UsageError(f"{option}: must be 0 or more days, not {value}")
    records = filters_from(args).apply(ctx.records())
    inventory = None if args.no_inventory else (args.inventory or ctx.settings.inventory)
    if inventory is None:
        state, summary, perf = check_cycles(records, ctx.as_of, warning, critical)
    else:
        state, summary, perf = check_hosts(args, ctx, inventory, warning, critical)
    if args.data:
        state, summary, perf = check_data(
            records, ctx.as_of, ctx.settings.data.stale_after_days, state, summary, perf
        )
    print(line(state, summary, perf), file=ctx.stdout)
    return state


def check_cycles(records, as_of, warning: int, critical: int) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """Release cycles not yet past eol: how many reach it within the two windows."""
    from tracker.status import days_to_eol

    dated = [(d, r) for r in records if (d := days_to_eol(r, as_of)) is not None]
    upcoming = sorted(((d, r.name) for d, r in dated if d >= 0), key=lambda t: (t[0], t[1]))
    approaching = [t for t in upcoming if t[0] <= warning]
    crit = [t for t in upcoming if t[0] <= critical]
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
    return state, summary, perf


def check_data(
    records, as_of, stale_after_days: int, state: int, summary: str, perf: str
) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """Stale dataset rows (never verified, or longer ago than ``stale_after_days``): at least WARNING."""
    from tracker.dataset import dataset_age

    stale = len(dataset_age(records, as_of, stale_after_days).stale)
    if stale:
        state = max(state, WARNING)
        summary += f"; {stale} dataset row{'s' if stale != 1 else ''} not verified in {stale_after_days} days"
    return state, summary, f"{perf} stale_rows={stale}"


def check_hosts(
    args: argparse.Namespace,
    ctx,
    inventory,
    warning: int,  # type: ignore[no-untyped-def]
    critical: int,
) -> tuple[int, str, str]:
    """Hosts of the inventory: any host past eol is CRITICAL, like one within --critical days."""
    from tracker.commands._query import filters_from
    from tracker.inventory import load_aliases, load_inventory, match_inventory
    from tracker.inventory.hosts import estate_summary
    from tracker.status import Filters

    records = ctx.records()
    filters = filters_from(args)
    matched = match_inventory(
        load_inventory(inventory),
        records,
        ctx.as_of,
        load_aliases(args.aliases),
        None if filters == Filters() else filters,
    )
    estate = estate_summary(matched, records, ctx.as_of, max(warning, critical))
    cycles = [
        (d, f"{key[1]} {key[2]}", estate.host_counts[key])
        for key, d in estate.cycles.items()
        if d is not None
    ]
    past = sorted((t for t in cycles if t[0] < 0), key=lambda t: (-t[2], t[1]))
    upcoming = sorted((t for t in cycles if t[0] >= 0), key=lambda t: (t[0], t[1]))
    approaching = [t for t in upcoming if t[0] <= warning]
    crit = [t for t in upcoming if t[0] <= critical]
    n_past, n_appr, n_crit = (sum(t[2] for t in group) for group in (past, approaching, crit))
    state = CRITICAL if past or crit else WARNING if approaching else OK
    parts = [
        f"{n_past} of {_hosts(estate.total)} past end of life"
        + (f" ({past[0][1]} on {_hosts(past[0][2])})" if past else "")
    ]
    if crit:
        parts.append(
            f"{n_crit} within {critical} days ({crit[0][1]} {_days(crit[0][0])} on {_hosts(crit[0][2])})"
        )
        parts.append(f"{n_appr} approaching")
    elif approaching:
        parts.append(
            f"{n_appr} approaching ({approaching[0][1]} {_days(approaching[0][0])} on "
            f"{_hosts(approaching[0][2])})"
        )
    else:
        parts.append("0 approaching")
    parts.append(f"{estate.unmatched} unmatched")
    summary = ", ".join(parts)
    perf = (
        f"hosts={estate.total} past={n_past} critical={n_crit} approaching={n_appr} "
        f"unmatched={estate.unmatched}"
    )
    return state, summary, perf


def handle_error(exc: TrackerError) -> int:
    """Usage errors, bad data and bad configuration are all UNKNOWN for a monitoring system."""
    messages = [m for m in exc.messages if m.strip()] or [str(exc) or type(exc).__name__]
    # argparse gives (usage, "prog: error: detail"): the detail is what an operator needs.
    first = messages[-1] if isinstance(exc, UsageError) else messages[0]
    more = len(messages) - 1 if not isinstance(exc, UsageError) else 0
    suffix = f" (and {more} more problem{'s' if more != 1 else ''}, see stderr)" if more else ""
    print(f"TRACKER UNKNOWN - {first.replace('|', '/')}{suffix}", file=sys.stdout)
    if more:
        for m in messages:
            print(m, file=sys.stderr)
    return UNKNOWN


def handle_internal_error(exc: BaseException) -> int:
    print(f"TRACKER UNKNOWN - internal error: {type(exc).__name__}: {exc}".replace("|", "/"), file=sys.stdout)
    return UNKNOWN
