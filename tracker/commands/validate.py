from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.context import Context


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

    files = [Path(f) for f in args.files] or [ctx.dataset_path]
    failed = False
    for path in files:
        try:
            records = load_dataset(path)
        except DatasetError as exc:
            failed = True
            for line in exc.messages:
                print(line, file=sys.stderr)
            continue
        print(f"{path}: valid, {len(records)} release cycles")
    return 1 if failed else 0
