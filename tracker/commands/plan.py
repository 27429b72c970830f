"""``tracker plan [HOSTS.csv]``: per host, what to upgrade to, through which hops, starting when."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tracker.commands._query import add_filter_options, add_output_options, filters_from
from tracker.errors import UsageError

if TYPE_CHECKING:
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "hosts",
        nargs="?",
        metavar="HOSTS.csv",
        help="inventory CSV, - for standard input (default: the configured inventory)",
    )
    p.add_argument(
        "--group-by",
        metavar="COLUMN",
        help="one row per value of an inventory column (e.g. cluster, owner): host count, "
        "earliest start-by date and what sets it",
    )
    add_filter_options(p, positional=False)
    add_output_options(p)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from pathlib import Path

    from tracker.commands._query import emit, output_format
    from tracker.formats import Format
    from tracker.inventory.aliases import load_aliases
    from tracker.inventory.output import write_chunks
    from tracker.plan.inventory import read_and_plan

    hosts = Path(args.hosts) if args.hosts else ctx.settings.inventory
    if hosts is None:
        raise UsageError(
            "tracker plan: no inventory: give HOSTS.csv or set `inventory` in tracker.toml",
        )
    fmt = output_format(args)
    records = ctx.records()
    filters = filters_from(args)
    selection = None
    if filters.filtered:
        selection = filters.select(records)  # a term that matches nothing is an error, like every query
        if filters.empty_message:
            print(filters.empty_message, file=ctx.stderr)
    table, counts = read_and_plan(
        hosts,
        ctx.settings,
        records,
        ctx.dataset_path,
        ctx.as_of,
        load_aliases(args.aliases),
        selection,
    )
    if args.group_by:
        from tracker.plan.hosts import to_frame
        from tracker.plan.output import grouped_result

        column = _column(table.column_names, args.group_by)
        grouped = grouped_result(to_frame(table), column, ctx.as_of.isoformat(), ctx.generated_at())
        emit(ctx, args, grouped)
    elif fmt is Format.CSV:  # the fast path: Arrow from file to file, pandas never imported
        from tracker.inventory.output import write_csv_table

        write_csv_table(table, args.output, ctx.stdout)
    else:
        from tracker.inventory.output import render_chunks
        from tracker.plan.hosts import to_frame
        from tracker.plan.output import TABLE_COLUMNS

        color = ctx.use_color(args.output)
        as_of, now = ctx.as_of.isoformat(), ctx.generated_at()
        chunks = render_chunks(to_frame(table), fmt, as_of, now, color, base=TABLE_COLUMNS)
        write_chunks(chunks, args.output, ctx.stdout)
    from tracker.plan.data import missing_plan_files

    for notice in missing_plan_files(ctx.dataset_path):
        ctx.warn(notice)
    ctx.warn(counts.summary())
    return 0


def _column(columns: list[str], wanted: str) -> str:
    """The inventory column ``--group-by`` names: exactly, else the one equal but for case."""
    if wanted in columns:
        return wanted
    folded = [c for c in columns if c.casefold() == wanted.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise UsageError(f"tracker plan: --group-by: no column {wanted!r} (columns: {', '.join(columns)})")
