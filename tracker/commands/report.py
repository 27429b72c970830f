"""``tracker report [--out DIR]``: write the HTML report and print its path."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="output directory (default: report.out_dir from the config, else reports/)",
    )
    p.add_argument(
        "--calendar",
        action="store_true",
        help="also write the calendar feed DIR/tracker.ics and link it (tracker run always does)",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.ical import write_feed_beside
    from tracker.report import write_report

    records = ctx.records()  # DatasetError (exit 1) before anything is written
    out_dir = Path(args.out) if args.out else ctx.settings.report.out_dir
    estate = plan = None
    if ctx.settings.inventory is not None:  # "Your estate"; pandas only when there is an inventory
        from tracker.inventory import configured_estate
        from tracker.plan.inventory import configured_plan_by_cycle

        estate = configured_estate(ctx.settings, records, ctx.as_of)
        plan = configured_plan_by_cycle(ctx.settings, records, ctx.dataset_path, ctx.as_of)
    now = ctx.now()
    if args.calendar:  # the report links tracker.ics whenever it sits beside it
        write_feed_beside(out_dir, records, ctx.settings, now, ctx.as_of)
    path = write_report(records, ctx.settings, ctx.as_of, out_dir, ctx.dataset_path, now, estate, plan)
    print(path, file=ctx.stdout)
    return 0
