from __future__ import annotations

import argparse

from tracker.errors import TrackerError

NAME = "report"
HELP = "write the HTML report"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx) -> int:  # type: ignore[no-untyped-def]
    raise TrackerError("tracker report: not implemented yet")
