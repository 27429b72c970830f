from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tracker import vocabulary as vocab
from tracker.commands._query import add_filter_options, add_output_options

if TYPE_CHECKING:
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "hosts",
        metavar="HOSTS.csv",
        help="inventory CSV (- reads standard input) with at least hostname, product, version columns "
        "(Nutanix AHV hosts: an aos column with the cluster's AOS version gives their release)",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="for each distinct (product, version) (AHV hosts: and aos value): which alias or rule "
        "matched, or why none did",
    )
    add_filter_options(p, positional=False)
    add_output_options(p)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.commands._query import filters_from, output_format
    from tracker.formats import Format
    from tracker.inventory.aliases import load_aliases

    fmt = output_format(args)
    records = ctx.records()
    filters = filters_from(args)
    selection = filters.select(records)
    if filters.empty_message:
        print(filters.empty_message, file=ctx.stderr)
    aliases = load_aliases(args.aliases)
    if args.explain:
        from tracker.commands._query import emit
        from tracker.inventory import explain_inventory, load_inventory

        hosts = load_inventory(args.hosts)
        emit(ctx, args, explain_inventory(hosts, records, aliases, ctx.as_of, ctx.generated_at()))
        return 0
    from tracker.inventory.output import write_chunks, write_csv_table
    from tracker.inventory.table import match_table, read_hosts_table, status_counts_table

    selected = selection if filters.filtered else None
    if fmt is Format.CSV:  # the fast path: Arrow from file to file, pandas never imported
        table = match_table(read_hosts_table(args.hosts), records, ctx.as_of, aliases, selected)
        write_csv_table(table, args.output, ctx.stdout)
        total, counts = len(table), status_counts_table(table)
    else:
        from tracker.inventory import load_inventory, match_inventory, status_counts
        from tracker.inventory.output import render_chunks

        matched = match_inventory(load_inventory(args.hosts), records, ctx.as_of, aliases, selected)
        color = ctx.use_color(args.output)
        chunks = render_chunks(matched, fmt, ctx.as_of.isoformat(), ctx.generated_at(), color)
        write_chunks(chunks, args.output, ctx.stdout)
        total, counts = len(matched), status_counts(matched)
    if selected is not None and not filters.empty_message and total == counts.get("unmatched", 0):
        ctx.warn("no host runs a release cycle the filters select (unmatched hosts are always listed)")
    summary = ", ".join(f"{n} {status}" for status, n in counts.items()) or "none"
    ctx.warn(f"{vocab.hosts(total)}: {summary}")
    return 0
