"""Command line: argument parsing and printing only; every command calls the library.

Each command lives in ``tracker/commands/<module>.py`` with ``add_arguments(parser)`` and
``run(args, ctx: Context) -> int`` (optionally ``handle_error`` / ``handle_internal_error``); its name
and one-line help are listed once, in ``COMMANDS`` below. Command modules import only the standard
library at top level, so that building the parser stays cheap; heavy libraries (pandas, Jinja2,
APScheduler, SQLAlchemy) are imported inside ``run`` by the commands that need them.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module
from types import ModuleType
from typing import NoReturn

from tracker import __version__
from tracker.commands._globals import add_global_options
from tracker.errors import TrackerError, UsageError, describe_os_error

# name -> (module, one-line help). Only the module of the command being run is imported, so that
# `tracker status` does not pay for the parser set-up of every other command.
COMMANDS: dict[str, tuple[str, str]] = {
    "status": ("status", "every release cycle with its milestones, status and days to end of life"),
    "expiring": ("expiring", "milestones in a window (default: the calendar year: what expires this year)"),
    "validate": ("validate", "check lifecycle datasets; exit 0 when every file is valid"),
    "report": ("report", "write the HTML report"),
    "alert": ("alert", "send the alerts that are due; list, silence and unsilence them"),
    "run": ("run", "the nightly job: report, then alerts (for cron)"),
    "schedule": ("schedule", "long-running scheduler that runs the nightly job on schedule.cron"),
    "inventory": ("inventory", "match an inventory of hosts against the dataset"),
    "plan": ("plan", "plan upgrades: effective end, target release, path and start-by date per host"),
    "calendar": ("calendar", "iCalendar (RFC 5545) feed of all milestones"),
    "metrics": ("metrics", "Prometheus metrics for node_exporter's textfile collector"),
    "check": ("check", "monitoring plugin (Nagios/Icinga): OK, WARNING, CRITICAL or UNKNOWN"),
    "import": ("import_", "read release data from the endoflife.date API and print or merge rows"),
    "diff": ("diff", "what changed between two datasets: dates moved or refined, cycles added or removed"),
    "config": ("config_cmd", "validate the configuration and print the effective settings"),
}
# Global options that take a value: their value is never the command name.
_VALUED_GLOBALS = ("--dataset", "--config", "--as-of")


class Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting, so `check` can map it to UNKNOWN."""

    chosen: Parser | None = None
    """The parser of the command on the command line (its usage is the one to show)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.format_usage().rstrip(), f"{self.prog}: error: {message}")


def command_module(name: str) -> ModuleType:
    return import_module(f"tracker.commands.{COMMANDS[name][0]}")


def command_in(argv: list[str]) -> str | None:
    """The command named on the command line, found without parsing it all."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUED_GLOBALS:
            skip = True
        elif arg.startswith("-"):
            continue
        else:
            return arg if arg in COMMANDS else None
    return None


def build_parser(chosen: str | None) -> Parser:
    """The full parser for ``chosen``; other commands get only their name and help."""
    parser = Parser(
        prog="tracker",
        description="Hypervisor end-of-support tracker: lifecycle "
        "queries, a nightly HTML report and e-mail alerts.",
    )
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    add_global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, (_, summary) in COMMANDS.items():
        p = sub.add_parser(name, help=summary, description=summary)
        if name == chosen:
            parser.chosen = p
            add_global_options(p, suppress=True)
            command_module(name).add_arguments(p)
    return parser


def parse_command_line(parser: Parser, argv: list[str]) -> argparse.Namespace:
    """``parse_args``, except that terms after an option are terms too: argparse takes a command's
    ``PRODUCT...`` from the first run of words only, so ``status esxi --format csv 'pve 8'`` or
    ``import endoflife --from FILE proxmox-ve`` would stop at "unrecognized arguments"."""
    args, extra = parser.parse_known_args(argv)
    terms = getattr(args, "products", None)
    if extra and isinstance(terms, list) and not any(e.startswith("-") for e in extra):
        terms.extend(extra)
        return args
    if extra:  # the command's usage, not the top-level one: `tracker status: error: ... --bogus`
        (parser.chosen or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    name = command_in(argv)
    module = command_module(name) if name else None
    parser = build_parser(name)
    try:
        args = parse_command_line(parser, argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        module = command_module(args.command)
        from tracker.context import make_context

        ctx = make_context(args)
        return int(module.run(args, ctx))
    except TrackerError as exc:
        handler = getattr(module, "handle_error", None)
        if handler is not None:
            return int(handler(exc))
        for line in exc.messages:
            print(line, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Reader went away (`tracker status | head`); exit quietly like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        # Permissions, a full disk, a directory where a file belongs: the operating system said
        # no about a path. That is a condition to fix, not a bug: name the path, exit 1.
        if exc.filename is None and exc.filename2 is None:
            return _internal_error(exc, module, argv)
        error = TrackerError(f"tracker: {describe_os_error(exc)}")
        handler = getattr(module, "handle_error", None)
        if handler is not None:
            return int(handler(error))
        print(error.messages[0], file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say so plainly; -v shows the traceback
        return _internal_error(exc, module, argv)


def _internal_error(exc: Exception, module: ModuleType | None, argv: list[str]) -> int:
    handler = getattr(module, "handle_internal_error", None)
    if handler is not None:
        return int(handler(exc))
    if "-v" in argv or "--verbose" in argv:
        raise exc
    print(f"tracker: internal error: {type(exc).__name__}: {exc} (run with -v for details)", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
