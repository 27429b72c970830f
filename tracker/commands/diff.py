"""``tracker diff OLD.csv NEW.csv``: what changed between two versions of a dataset."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tracker.commands._query import add_output_options, emit

if TYPE_CHECKING:
    from tracker.context import Context

EPILOG = """\
Dates are compared with their precision: a full day inside a month-only date (2026-08 ->
2026-08-15) is "refined", not "moved". With --api-month-end, NEW's last day of a month equals
OLD's month-only date (the endoflife.date API writes months that way). A date that appears or
disappears is "moved" with (blank) on its empty side. Exit 0 whether or not anything changed.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument("old", metavar="OLD.csv", help="the earlier dataset")
    p.add_argument("new", metavar="NEW.csv", help="the later dataset")
    p.add_argument(
        "--api-month-end",
        action="store_true",
        help="NEW writes month-only dates as the month's last day (endoflife.date API style)",
    )
    add_output_options(p)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from dataclasses import asdict

    from tracker.changes import diff_records, summary
    from tracker.dataset import load_dataset
    from tracker.formats import Column, Result

    old = load_dataset(args.old)
    new = load_dataset(args.new)
    changes = diff_records(old, new, api_month_end=args.api_month_end)
    result = Result(
        items=[asdict(c) for c in changes],
        columns=[
            Column("kind", "Change"),
            Column("vendor", "Vendor"),
            Column("product", "Product"),
            Column("cycle", "Cycle"),
            Column("milestone", "Milestone"),
            Column("old", "Old"),
            Column("new", "New"),
        ],
        as_of=ctx.as_of.isoformat(),
        generated_at=ctx.generated_at(),
        title=f"{args.old} -> {args.new}",
        empty="(no changes)",
    )
    emit(ctx, args, result)
    ctx.warn(f"{args.old} -> {args.new}: {summary(changes)}")
    return 0
