from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tracker import vocabulary as vocab

if TYPE_CHECKING:
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "files",
        nargs="*",
        metavar="CSV",
        help="datasets, upgrades.csv / stack.csv, aliases files or inventories to check (default: the "
        "configured or bundled dataset)",
    )
    p.add_argument(
        "--stale-after-days",
        type=int,
        metavar="N",
        help="warn about rows whose verified_on is older than N days (default: data.stale_after_days, 180)",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.dataset import dataset_age, load_dataset
    from tracker.errors import DatasetError, UsageError
    from tracker.plan.data import PLAN_FILES, check_plan_data

    stale_after = args.stale_after_days
    if stale_after is None:
        stale_after = ctx.settings.data.stale_after_days
    elif stale_after < 0:
        raise UsageError(f"tracker validate: --stale-after-days must be 0 or more, not {stale_after}")
    files = [Path(f) for f in args.files] or [ctx.dataset_path]
    failed = False
    for path in files:
        kind = _kind_of(path)
        if kind == "aliases":  # aliases.csv or your --aliases file: its own format
            failed = not _validate_aliases(path) or failed
            continue
        if kind == "inventory":  # a hosts file: read as `tracker inventory` reads it
            failed = not _validate_inventory(path) or failed
            continue
        # upgrades.csv / stack.csv (README "Planning upgrades") are checked against the dataset beside them.
        dataset = path.with_name("hypervisors.csv") if path.name in PLAN_FILES else path
        try:
            records = load_dataset(dataset)
        except DatasetError as exc:
            failed = True
            for line in exc.messages:
                print(line, file=sys.stderr)
            continue
        plan_lines, plan_problems = check_plan_data(dataset, records)
        failed = failed or bool(plan_problems)
        for line in plan_problems:
            print(line, file=sys.stderr)
        if dataset != path:
            for line in plan_lines:
                if line.startswith(f"{path}:"):
                    print(line)
            continue
        print(f"{path}: valid, {vocab.plural(len(records), 'release cycle')}")
        for line in plan_lines:
            print(line)
        # Stale rows are a warning (exit 0): the data is usable, it wants a fresh look.
        age = dataset_age(records, ctx.as_of, stale_after)
        print(f"{path}: data age: {age.describe()}")
        for record in age.stale:
            if record.verified_on is None:
                why = "never verified (no verified_on): check its dates against the source"
            else:
                days = (ctx.as_of - record.verified_on).days
                why = (
                    f"last verified {record.verified_on.isoformat()}, {vocab.days(days)} ago "
                    f"(more than {stale_after}): check its dates against the source"
                )
            print(f"{path}:{record.line}: verified_on: warning: {record.name}: {why}", file=sys.stderr)
    return 1 if failed else 0


def _kind_of(path: Path) -> str:
    """``aliases`` (``datasets/aliases.csv``, a ``--aliases`` file), ``inventory`` (a hosts file)
    or ``dataset``, by the header; the dataset reader names the problems of anything else."""
    try:
        with path.open("rb") as f:
            first = f.readline(4096).decode("utf-8-sig", "replace")
            if first.startswith("sep="):  # Excel's separator hint: the header is the next line
                first = f.readline(4096).decode("utf-8", "replace")
    except OSError:
        return "dataset"
    header = {h.strip().casefold() for h in first.replace(";", ",").replace("\t", ",").split(",")}
    if "vendor" in header:
        return "dataset"
    if {"kind", "syntax", "pattern"} <= header:
        return "aliases"
    return "inventory" if {"hostname", "product", "version"} <= header else "dataset"


def _validate_inventory(path: Path) -> bool:
    from tracker.inventory.table import InventoryError, read_hosts_table

    try:
        table = read_hosts_table(path)
    except InventoryError as exc:
        for line in exc.messages:
            print(line, file=sys.stderr)
        return False
    print(f"{path}: valid inventory, {vocab.hosts(table.num_rows)}")
    return True


def _validate_aliases(path: Path) -> bool:
    """Every ``FILE:LINE: column: message`` of an aliases file, its regular expressions compiled."""
    from tracker.errors import DatasetError
    from tracker.inventory.aliases import parse_aliases

    try:
        aliases = parse_aliases(path.read_bytes(), str(path), compile_now=True)
    except DatasetError as exc:
        for line in exc.messages:
            print(line, file=sys.stderr)
        return False
    print(f"{path}: valid, {vocab.plural(len(aliases.rules), 'alias rule')}")
    return True
