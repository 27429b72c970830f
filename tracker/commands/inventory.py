from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tracker.commands._query import add_filter_options, add_output_options, filters_from

if TYPE_CHECKING:
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "hosts", metavar="HOSTS.csv", help="inventory CSV with at least hostname, product, version columns"
    )
    p.add_argument(
        "--aliases",
        metavar="FILE",
        help="product aliases and version rules (default: the bundled aliases.csv)",
    )
    add_filter_options(p, positional=False)
    add_output_options(p)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.commands._query import output_format
    from tracker.inventory import load_aliases, load_inventory, match_inventory, status_counts
    from tracker.inventory.output import render_chunks, write_chunks
    from tracker.status import Filters

    fmt = output_format(args)
    records = ctx.records()
    aliases = load_aliases(args.aliases)
    hosts = load_inventory(args.hosts)
    filters = filters_from(args)
    matched = match_inventory(hosts, records, ctx.as_of, aliases, None if filters == Filters() else filters)
    chunks = render_chunks(
        matched, fmt, ctx.as_of.isoformat(), ctx.generated_at(), ctx.use_color(args.output)
    )
    write_chunks(chunks, args.output, ctx.stdout)
    counts = status_counts(matched)
    summary = ", ".join(f"{n} {status}" for status, n in counts.items()) or "none"
    ctx.warn(f"{len(matched)} host{'s' if len(matched) != 1 else ''}: {summary}")
    return 0
