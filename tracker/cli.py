"""Command line: argument parsing and printing only; every command calls the library.

Each command lives in ``tracker/commands/<name>.py`` with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args, ctx) -> int``. Command modules import only the standard
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
from tracker.errors import TrackerError, UsageError

COMMAND_MODULES = ("status", "expiring", "validate", "report", "alert", "run", "schedule",
                   "inventory", "calendar", "check", "import_", "config_cmd")


class Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting, so `check` can map it to UNKNOWN."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.format_usage().rstrip(), f"{self.prog}: error: {message}")


def add_global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    g = parser.add_argument_group("global options")
    g.add_argument("--dataset", metavar="PATH", default=default,
                   help="lifecycle CSV (env TRACKER_DATASET; default: configured, else bundled)")
    g.add_argument("--config", metavar="PATH", default=default,
                   help="tracker.toml (env TRACKER_CONFIG; default ./tracker.toml, else "
                   "~/.config/tracker/tracker.toml)")
    g.add_argument("--as-of", metavar="DATE", default=default,
                   help="evaluate as of this day, YYYY-MM-DD (env TRACKER_AS_OF; default today)")
    g.add_argument("-v", "--verbose", action="store_true",
                   default=argparse.SUPPRESS if suppress else False,
                   help="more detail on errors")


def load_commands() -> dict[str, ModuleType]:
    modules = {}
    for name in COMMAND_MODULES:
        module = import_module(f"tracker.commands.{name}")
        modules[module.NAME] = module
    return modules


def build_parser(commands: dict[str, ModuleType]) -> Parser:
    parser = Parser(prog="tracker", description="Hypervisor end-of-support tracker.")
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    add_global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, module in commands.items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        add_global_options(p, suppress=True)
        module.add_arguments(p)
    return parser


def command_in(argv: list[str], commands: dict[str, ModuleType]) -> str | None:
    return next((a for a in argv if a in commands), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = load_commands()
    parser = build_parser(commands)
    name = command_in(argv, commands)
    module = commands.get(name) if name else None
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        module = commands[args.command]
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
    except Exception as exc:  # a bug: say so plainly; -v shows the traceback
        handler = getattr(module, "handle_internal_error", None)
        if handler is not None:
            return int(handler(exc))
        if "-v" in argv or "--verbose" in argv:
            raise
        print(f"tracker: internal error: {type(exc).__name__}: {exc} (run with -v for details)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
