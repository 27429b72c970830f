from __future__ import annotations

import argparse

from tracker.errors import TrackerError

NAME = "schedule"
HELP = "long-running scheduler that runs the nightly job on schedule.cron"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx) -> int:  # type: ignore[no-untyped-def]
    raise TrackerError("tracker schedule: not implemented yet")
