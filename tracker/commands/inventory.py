from __future__ import annotations

import argparse

from tracker.errors import TrackerError

NAME = "inventory"
HELP = "match an inventory of hosts against the dataset"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx) -> int:  # type: ignore[no-untyped-def]
    raise TrackerError("tracker inventory: not implemented yet")
