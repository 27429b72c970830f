from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tracker.commands._query import add_filter_options, selected_records

if TYPE_CHECKING:
    from tracker.context import Context

if TYPE_CHECKING:
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_filter_options(p)
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the feed to FILE (atomically) instead of stdout, e.g. tracker.ics",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.atomic import output_file
    from tracker.ical import calendar_text, write_calendar

    records = selected_records(args, ctx)
    if args.output and args.output != "-":
        write_calendar(records, ctx.settings, ctx.now(), output_file(args.output), ctx.as_of)
    else:
        ctx.write_output(calendar_text(records, ctx.settings, ctx.now(), ctx.as_of), None)
    return 0
