from __future__ import annotations

import argparse

from tracker.errors import TrackerError

NAME = "alert"
HELP = "send the alerts that are due"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx) -> int:  # type: ignore[no-untyped-def]
    raise TrackerError("tracker alert: not implemented yet")
