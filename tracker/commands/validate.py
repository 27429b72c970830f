from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.context import Context

NAME = "validate"
HELP = "check lifecycle datasets; exit 0 when every file is valid"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "files",
        nargs="*",
        metavar="CSV",
        help="datasets to check (default: the configured or bundled dataset)",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.dataset import load_dataset
    from tracker.errors import DatasetError
    from tracker.plan.data import PLAN_FILES, check_plan_data

    files = [Path(f) for f in args.files] or [ctx.dataset_path]
    failed = False
    for path in files:
        # upgrades.csv / stack.csv (SPEC section 9) are checked with the dataset beside them.
        dataset = path.with_name("hypervisors.csv") if path.name in PLAN_FILES else path
        try:
            records = load_dataset(dataset)
        except DatasetError as exc:
            failed = True
            for line in exc.messages:
                print(line, file=sys.stderr)
            continue
        if dataset == path:
            print(f"{path}: valid, {len(records)} release cycles")
        valid, problems = check_plan_data(dataset, records)
        failed = failed or bool(problems)
        for line in problems:
            print(line, file=sys.stderr)
        for line in valid:
            if dataset == path or line.startswith(f"{path}:"):
                print(line)
    return 1 if failed else 0
