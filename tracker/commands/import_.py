from __future__ import annotations

import argparse

from tracker.errors import TrackerError

NAME = "import"
HELP = "read release data from the endoflife.date API and print or merge rows"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx) -> int:  # type: ignore[no-untyped-def]
    raise TrackerError("tracker import: not implemented yet")
