from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from tracker.commands._query import add_filter_options, add_output_options, emit, selected_records
from tracker.dates import parse_duration, parse_milestone
from tracker.errors import UsageError

if TYPE_CHECKING:
    from tracker.context import Context

MILESTONE_CHOICES = ("support_end", "eol", "extended_end", "any")


def add_arguments(p: argparse.ArgumentParser) -> None:
    window = p.add_mutually_exclusive_group()
    window.add_argument("--year", type=int, metavar="YYYY", help="calendar year")
    window.add_argument(
        "--within",
        metavar="N[d|w|m|y]",
        help="from --as-of to N days/weeks/months/years later, e.g. 90d, 6m, 1y",
    )
    window.add_argument(
        "--from", dest="start", metavar="DATE", help="window start, YYYY-MM-DD or a month YYYY-MM (with --to)"
    )
    p.add_argument(
        "--to", dest="end", metavar="DATE", help="window end, YYYY-MM-DD or a month YYYY-MM (inclusive)"
    )
    p.add_argument(
        "--milestone", choices=MILESTONE_CHOICES, default="any", help="which milestone (default any)"
    )
    add_filter_options(p)
    add_output_options(p)


def parse_within(text: str, as_of: date) -> date:
    try:
        return as_of + parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"tracker expiring: error: --within: {exc}") from None
    except OverflowError:
        raise UsageError(f"tracker expiring: error: --within: {text!r} reaches past the year 9999") from None


def window(args: argparse.Namespace, as_of: date) -> tuple[date, date]:
    if args.end and not args.start:
        raise UsageError("tracker expiring: error: --to needs --from")
    if args.start:
        if not args.end:
            raise UsageError("tracker expiring: error: --from needs --to")
        try:  # a month (2026-08) is its first day as --from, its last as --to: every day of it
            start, end = parse_milestone(args.start).first_day, parse_milestone(args.end).last_day
        except ValueError as exc:
            raise UsageError(f"tracker expiring: error: --from/--to: {exc}") from None
        if end < start:
            raise UsageError("tracker expiring: error: --to is before --from")
        return start, end
    if args.within:
        return as_of, parse_within(args.within, as_of)
    year = args.year if args.year is not None else as_of.year
    if not 1 <= year <= 9999:
        raise UsageError(f"tracker expiring: error: --year: not a year: {year}")
    return date(year, 1, 1), date(year, 12, 31)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.dataset import MILESTONES
    from tracker.queries import empty_window_note, expiring_result

    start, end = window(args, ctx.as_of)
    which = MILESTONES if args.milestone == "any" else (args.milestone,)
    records = selected_records(args, ctx)
    emit(ctx, args, expiring_result(records, ctx.as_of, start, end, ctx.generated_at(), which))
    note = empty_window_note(records, start, end, which) if len(records) < len(ctx.records()) else None
    if note:
        ctx.warn(note)
    return 0
