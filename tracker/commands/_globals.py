"""The global options (--dataset, --config, --as-of, -v), for the top parser and every subcommand.

Here rather than in ``tracker.cli`` so that a command with sub-actions (``alert list``) can repeat them
without importing the CLI module (an import cycle at run time).
"""

from __future__ import annotations

import argparse


def add_global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    g = parser.add_argument_group("global options")
    g.add_argument(
        "--dataset",
        metavar="PATH",
        default=default,
        help="lifecycle CSV (env TRACKER_DATASET; default: configured, else bundled)",
    )
    g.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="tracker.toml (env TRACKER_CONFIG; default ./tracker.toml, else ~/.config/tracker/tracker.toml)",
    )
    g.add_argument(
        "--as-of",
        metavar="DATE",
        default=default,
        help="evaluate as of this day, YYYY-MM-DD (env TRACKER_AS_OF; default today)",
    )
    g.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="more detail on errors",
    )
