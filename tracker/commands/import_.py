from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tracker.errors import TrackerError, UsageError

if TYPE_CHECKING:
    from tracker.context import Context


EPILOG = """\
examples:
  tracker import endoflife esxi windows-server           print dataset rows (CSV)
  tracker import endoflife esxi --merge datasets/hypervisors.csv
  tracker import endoflife --from esxi.json --merge my.csv   a saved /products/esxi response

Imported rows have confidence "secondary". --merge updates dates of matching (vendor, product,
cycle) rows and adds new cycles, printing every change on stderr (moved, refined, added); rows
whose confidence is "vendor" are only changed with --force (their differences are listed as
"kept"). A blank from endoflife.date never clears a date. Dates are compared with their
precision: the API writes a month-only date as the month's last day, so 2026-08-31 equals a
dataset's 2026-08, and a day inside that month is a refinement, not a move (Proxmox and
VirtualBox end dates are written back as months, as those vendors publish them). An empty response,
or one lacking cycles the dataset took from it, is a failure and nothing is written. Rows the
merge writes get verified_on = today (--as-of); the API's last_modified is printed.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument("source", choices=("endoflife",), help="where to read from: endoflife.date")
    p.add_argument(
        "products",
        nargs="*",
        metavar="PRODUCT",
        help="endoflife.date product names, e.g. esxi windows-server proxmox-ve",
    )
    p.add_argument(
        "--api-url", metavar="URL", default=None, help="API v1 base (default https://endoflife.date/api/v1)"
    )
    p.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="read a saved /products/{name} response instead of fetching",
    )
    p.add_argument("--merge", metavar="DATASET", help="update DATASET (atomically) instead of printing rows")
    p.add_argument("--dry-run", action="store_true", help="with --merge: print the changes, write nothing")
    p.add_argument(
        "--force", action="store_true", help="with --merge: also overwrite rows whose confidence is 'vendor'"
    )
    p.add_argument(
        "--vendor",
        dest="vendor_name",
        metavar="NAME",
        help="vendor for the rows (required for products tracker does not know)",
    )
    p.add_argument(
        "--product-name",
        metavar="NAME",
        help="product name for the rows (default: known name, else the API label)",
    )
    p.add_argument(
        "--type", type=int, choices=(1, 2), help="hypervisor type of the rows: 1 bare metal, 2 hosted"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="seconds to wait for each response (default 10)",
    )


def product_id(typed: str) -> str:
    """An endoflife.date product id as people type it: ids are lower case with dashes, so
    ``ESXi`` is ``esxi`` and ``Proxmox VE`` (or ``proxmox\u2011ve``) is ``proxmox-ve``."""
    from tracker.terms import typed_text

    return typed_text(typed).casefold().replace(" ", "-")


def _check_args(args: argparse.Namespace) -> None:
    if args.from_file and len(args.products) > 1:
        raise UsageError("tracker import: --from FILE reads one product: give at most one PRODUCT")
    if not args.from_file and not args.products:
        raise UsageError(
            "tracker import: name at least one endoflife.date PRODUCT (e.g. esxi), or --from FILE"
        )
    if args.product_name and len(args.products) > 1:
        raise UsageError("tracker import: --product-name applies to one PRODUCT only")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("tracker import: --timeout must be a positive number of seconds")
    if args.api_url is not None:
        from tracker.dataset import is_http_url

        if not is_http_url(args.api_url):
            raise UsageError(f"tracker import: --api-url: not an http(s):// URL: {args.api_url!r}")
    if (args.force or args.dry_run) and not args.merge:
        raise UsageError("tracker import: --force and --dry-run go with --merge DATASET")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from pathlib import Path

    from tracker.dataset import load_dataset, write_dataset
    from tracker.sources import endoflife as eol

    _check_args(args)
    args.products = [product_id(p) for p in args.products]
    if args.from_file:
        datas = [eol.read_product_file(Path(args.from_file), args.products[0] if args.products else None)]
        data = datas[0]
        if args.products and data.requested.casefold() not in {
            n.casefold() for n in (data.name, *data.aliases)
        }:
            raise UsageError(
                f"tracker import: {args.from_file} is the endoflife.date product {data.name!r}, "
                f"not {data.requested!r}: name the product the file holds, or leave PRODUCT out"
            )
    else:
        api_url = args.api_url or eol.DEFAULT_API_URL
        timeout = args.timeout or eol.DEFAULT_TIMEOUT
        datas = [eol.fetch_product(name, api_url, timeout) for name in args.products]

    rows: list[dict[str, str]] = []
    per_product = []
    for data in datas:
        if data.name != data.requested and not args.from_file:
            ctx.warn(f"endoflife.date: {data.requested!r} is now {data.name!r}")
        mapping = eol.mapping_for(data, args.vendor_name, args.product_name, args.type)
        if mapping is None:
            known = ", ".join(sorted(eol.KNOWN_PRODUCTS))
            raise UsageError(
                f"tracker import: endoflife.date product {data.name!r} has no "
                "built-in vendor/product mapping: give --vendor NAME (and "
                "--product-name, --type)",
                f"  known products: {known}",
            )
        product_rows = eol.product_rows(data, mapping, ctx.warn)
        if not product_rows:
            raise TrackerError(
                f"endoflife.date: {data.where}: no usable release for {data.name!r}; nothing imported"
            )
        per_product.append((data, mapping, product_rows))
        rows += product_rows

    if not args.merge:
        ctx.write_output(eol.rows_csv(rows), None)
        return 0

    path = Path(args.merge)
    existing = load_dataset(path)
    for data, mapping, product_rows in per_product:
        missing = eol.shrunk_cycles(data, mapping, product_rows, existing)
        if missing:
            raise TrackerError(
                f"endoflife.date: {data.where}: the response for {data.name!r} lacks "
                f"{len(missing)} cycle(s) {path} took from it ({', '.join(missing)}); "
                "refusing to merge a shrinking response; nothing written"
            )
    result = eol.merge_rows(existing, rows, force=args.force, verified_on=ctx.as_of)
    # The reviewable diff: every change, then what was kept or skipped, then the summary.
    for line in [*result.lines, *result.kept, *result.skipped]:
        print(line, file=ctx.stderr)
    records = eol.validated_records(result.rows, str(path))
    stamps = "; ".join(f"endoflife.date {d.name} {d.stamp}" for d, _, _ in per_product if d.stamp)
    summary = f"{path}: {result.summary()}" + (f" ({stamps})" if stamps else "")
    if args.dry_run:
        ctx.warn(f"{summary} (dry run: nothing written)")
    elif result.changed:
        write_dataset(records, path)
        ctx.warn(summary)
    else:
        ctx.warn(f"{summary}; file left as it was")
    return 0
