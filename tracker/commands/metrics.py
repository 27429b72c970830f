"""``tracker metrics [-o FILE]``: the Prometheus text exposition format (series: README, Metrics)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the metrics to FILE atomically instead of stdout, e.g. "
        "/var/lib/prometheus/node-exporter/tracker.prom",
    )
    p.add_argument(
        "--no-inventory",
        action="store_true",
        help="leave out the host series even when an inventory is configured",
    )
    p.epilog = (
        "Series: tracker_days_to_eol, tracker_cycle_status, tracker_hosts and tracker_hosts_by_cycle "
        "(with an inventory), tracker_dataset_rows, tracker_dataset_stale_rows, "
        "tracker_last_run_timestamp_seconds and tracker_last_run_success (once tracker run has run). "
        "tracker run also writes them to report.metrics_file when it is set."
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.atomic import output_file
    from tracker.metrics import metrics_text, write_metrics

    records = ctx.records()  # DatasetError (exit 1) before anything is written
    estate = None
    if ctx.settings.inventory is not None and not args.no_inventory:  # pandas only for an inventory
        from tracker.inventory import configured_estate

        estate = configured_estate(ctx.settings, records, ctx.as_of)
    text = metrics_text(records, ctx.settings, ctx.as_of, estate)
    if args.output and args.output != "-":
        write_metrics(output_file(args.output), text)
    else:
        ctx.write_output(text, None)
    return 0
