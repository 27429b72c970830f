"""``tracker report [--out DIR]``: write the HTML report and print its path."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "report"
HELP = "write the HTML report (DIR/lifecycle-YYYY-MM-DD.html and DIR/index.html)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default: report.out_dir from the config, else reports/)")


def run(args: argparse.Namespace, ctx) -> int:  # type: ignore[no-untyped-def]
    from tracker.ical import write_feed_beside
    from tracker.inventory import configured_estate
    from tracker.report import write_report

    records = ctx.records()  # DatasetError (exit 1) before anything is written
    out_dir = Path(args.out) if args.out else ctx.settings.report.out_dir
    estate = configured_estate(ctx.settings, records, ctx.as_of)  # "Your estate", if configured
    now = ctx.now()
    write_feed_beside(out_dir, records, ctx.settings, now, ctx.as_of)  # linked from the report
    path = write_report(records, ctx.settings, ctx.as_of, out_dir, ctx.dataset_path, now,
                        estate)
    print(path, file=ctx.stdout)
    return 0
