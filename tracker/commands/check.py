"""``tracker check``: a Nagios / Icinga plugin. One line on stdout, exit 0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN; every error, including a usage error, is UNKNOWN (never exit 2)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tracker import vocabulary as vocab
from tracker.checks import UNKNOWN
from tracker.commands._query import add_filter_options
from tracker.errors import TrackerError, UsageError

if TYPE_CHECKING:
    from tracker.context import Context


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
        help="count hosts of this inventory, - for standard input (default: the configured inventory)",
    )
    p.add_argument(
        "--no-inventory",
        action="store_true",
        help="look at release cycles even when an inventory is configured",
    )
    p.add_argument(
        "--aliases",
        metavar="FILE",
        help="your own product aliases and version rules, tried before the bundled aliases.csv",
    )
    p.add_argument(
        "--plan",
        action="store_true",
        help="check the upgrade plan (tracker plan): CRITICAL when hosts are past their start-by "
        "date or reach it within --critical days, WARNING within --warning days",
    )
    p.add_argument(
        "--data",
        action="store_true",
        help="also WARNING when dataset rows are not verified within data.stale_after_days",
    )
    add_filter_options(p)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.checks import check_cycles, check_data, check_inventory, check_plan
    from tracker.commands._query import filters_from

    warning = ctx.settings.alerts.warning_days if args.warning is None else args.warning
    critical = args.critical
    for option, value in (("--warning", warning), ("--critical", critical)):
        if value < 0:
            raise UsageError(f"{option}: must be 0 or more days, not {value}")
    filters = filters_from(args)
    records = filters.apply(ctx.records())
    if filters.empty_message:  # valid filters that select nothing: OK, but never silently
        print(filters.empty_message, file=ctx.stderr)
    inventory = None if args.no_inventory else (args.inventory or ctx.settings.inventory)
    if args.plan:
        if inventory is None:
            raise UsageError("--plan: needs an inventory (--inventory FILE or `inventory` in tracker.toml)")
        verdict = check_plan(
            inventory,
            args.aliases,
            ctx,
            filters,
            warning,
            critical,  # the plan reads tracker.toml
        )
    elif inventory is None:
        verdict = check_cycles(records, ctx.as_of, warning, critical)
    else:
        verdict = check_inventory(
            inventory, args.aliases, ctx.records(), filters, ctx.as_of, warning, critical
        )
    if args.data:
        verdict = check_data(records, ctx.as_of, ctx.settings.data.stale_after_days, verdict)
    print(verdict.line(), file=ctx.stdout)
    return verdict.state


def handle_error(exc: TrackerError) -> int:
    """Usage errors, bad data and bad configuration are all UNKNOWN for a monitoring system."""
    messages = [m for m in exc.messages if m.strip()] or [str(exc) or type(exc).__name__]
    # argparse gives (usage, "prog: error: detail"): the detail is what an operator needs.
    first = messages[-1] if isinstance(exc, UsageError) else messages[0]
    # The plugin line names the tool already: "TRACKER UNKNOWN - no release cycle matches 'x'".
    first = first.removeprefix("tracker: ").removeprefix("error: ")
    more = len(messages) - 1 if not isinstance(exc, UsageError) else 0
    suffix = f" (and {vocab.plural(more, 'more problem')}, see stderr)" if more else ""
    print(f"TRACKER UNKNOWN - {first.replace('|', '/')}{suffix}", file=sys.stdout)
    if more:
        for m in messages:
            print(m, file=sys.stderr)
    return UNKNOWN


def handle_internal_error(exc: BaseException) -> int:
    print(f"TRACKER UNKNOWN - internal error: {type(exc).__name__}: {exc}".replace("|", "/"), file=sys.stdout)
    return UNKNOWN
