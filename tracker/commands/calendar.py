from __future__ import annotations

import argparse

from tracker.errors import TrackerError

NAME = "calendar"
HELP = "iCalendar (RFC 5545) feed of all milestones"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx) -> int:  # type: ignore[no-untyped-def]
    raise TrackerError("tracker calendar: not implemented yet")
