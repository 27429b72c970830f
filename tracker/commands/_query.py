"""Options shared by the query commands: --format, -o, and the filters."""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import TYPE_CHECKING

from tracker.errors import UsageError
from tracker.formats import Format, Result, renderer

if TYPE_CHECKING:
    from tracker.context import Context
    from tracker.dataset import LifecycleRecord
    from tracker.resolve import QueryFilters


def add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=[f.value for f in Format],
        default=None,
        help="output format (env TRACKER_FORMAT; default table)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (atomically) instead of stdout; without --format, a .csv, .json or .md "
        "name chooses the format",
    )


def add_filter_options(p: argparse.ArgumentParser, positional: bool = True) -> None:
    if positional:
        p.add_argument(
            "products",
            nargs="*",
            metavar="PRODUCT",
            help="what to look at, as people say it: nutanix, 'esxi 7', 'windows server 2019', 'esx*'",
        )
    p.add_argument(
        "--vendor",
        action="append",
        default=[],
        metavar="TEXT",
        help="vendor: case-insensitive substring or glob (repeatable)",
    )
    p.add_argument(
        "--product",
        dest="product_filters",
        action="append",
        default=[],
        metavar="TEXT",
        help="product, alias or 'product version', like PRODUCT (repeatable)",
    )
    p.add_argument("--type", type=int, choices=(1, 2), help="hypervisor type: 1 bare metal, 2 hosted")
    with contextlib.suppress(argparse.ArgumentError):  # a command may define its own --aliases
        p.add_argument(
            "--aliases",
            metavar="FILE",
            help="your own product aliases and version rules, tried before the bundled aliases.csv",
        )


def filters_from(args: argparse.Namespace) -> QueryFilters:
    """The filters of the command line, resolved by the one resolver when applied."""
    from tracker.resolve import QueryFilters

    return QueryFilters(
        terms=(*(getattr(args, "products", None) or ()), *args.product_filters),
        vendors=tuple(args.vendor),
        type=args.type,
        aliases=getattr(args, "aliases", None),
    )


def selected_records(args: argparse.Namespace, ctx: Context) -> list[LifecycleRecord]:
    """The records the filters select; says so on stderr when valid filters select nothing."""
    if not (getattr(args, "products", None) or args.product_filters or args.vendor or args.type):
        return ctx.records()  # no filter: the resolver is not even imported (start-up time)
    filters = filters_from(args)
    records = filters.apply(ctx.records())
    if filters.empty_message:
        print(filters.empty_message, file=ctx.stderr)
    return records


SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown"}
"""Without --format, ``-o FILE`` with one of these suffixes is written in that format (an aligned
table in a file named ``.csv`` helps nobody)."""


def output_format(args: argparse.Namespace) -> Format:
    """--format, else the suffix of ``-o FILE``, else TRACKER_FORMAT, else table."""
    output = getattr(args, "output", None) or ""
    suffix = SUFFIX_FORMATS.get(os.path.splitext(output)[1].casefold()) if output != "-" else None
    value = args.format or suffix or os.environ.get("TRACKER_FORMAT") or "table"
    try:
        return Format(value)
    except ValueError:
        raise UsageError(
            f"tracker: error: TRACKER_FORMAT: invalid format {value!r} (choose from "
            f"{', '.join(f.value for f in Format)})"
        ) from None


def emit(ctx: Context, args: argparse.Namespace, result: Result) -> None:
    fmt = output_format(args)
    text = renderer(fmt)(result, ctx.use_color(args.output))
    ctx.write_output(text, args.output)
