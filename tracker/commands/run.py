from __future__ import annotations

import argparse

from tracker.errors import TrackerError

NAME = "run"
HELP = "the nightly job: report, then alerts (for cron)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx) -> int:  # type: ignore[no-untyped-def]
    raise TrackerError("tracker run: not implemented yet")
