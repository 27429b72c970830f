from __future__ import annotations

import argparse

from tracker.errors import TrackerError

NAME = "check"
HELP = "monitoring plugin (Nagios/Icinga): OK, WARNING, CRITICAL or UNKNOWN"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx) -> int:  # type: ignore[no-untyped-def]
    raise TrackerError("tracker check: not implemented yet")
