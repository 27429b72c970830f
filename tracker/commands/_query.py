"""Options shared by the query commands: --format, -o, and the filters."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from tracker.errors import UsageError
from tracker.formats import Format, Result, renderer
from tracker.status import Filters

if TYPE_CHECKING:
    from tracker.context import Context


def add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=[f.value for f in Format],
        default=None,
        help="output format (env TRACKER_FORMAT; default table)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")


def add_filter_options(p: argparse.ArgumentParser, positional: bool = True) -> None:
    if positional:
        p.add_argument("products", nargs="*", metavar="PRODUCT", help="product filter, like --product")
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
        help="product: case-insensitive substring or glob (repeatable)",
    )
    p.add_argument("--type", type=int, choices=(1, 2), help="hypervisor type: 1 bare metal, 2 hosted")


def filters_from(args: argparse.Namespace) -> Filters:
    products = tuple(getattr(args, "products", []) or ()) + tuple(args.product_filters)
    return Filters(vendors=tuple(args.vendor), products=products, type=args.type)


def output_format(args: argparse.Namespace) -> Format:
    value = args.format or os.environ.get("TRACKER_FORMAT") or "table"
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
