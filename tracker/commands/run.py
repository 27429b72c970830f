"""`tracker run`: the nightly job (report, then alerts) once, for cron and systemd timers."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    from tracker.commands.alert import add_ledger_options

    add_ledger_options(p)
    p.epilog = (
        "Takes <state_dir>/run.lock (waits schedule.lock_timeout_seconds for another run), "
        "logs timestamped lines on stderr, records the run in <state_dir>/tracker.db and "
        "prints a one-line summary. The report is written even when the alerts cannot be sent "
        "(when state_dir cannot be written: the report and feeds only, no alert, exit 1). "
        "Exit 0 only when the report and the alerts succeeded."
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.nightly import nightly_job

    config = str(ctx.settings.path) if ctx.settings.path is not None else None
    outcome = nightly_job(
        config,
        str(ctx.dataset_path),
        ctx.as_of.isoformat(),
        trigger="cli",
        verbose=ctx.verbose,
        accept_new_ledger=args.accept_new_ledger,
    )
    print(outcome.summary(), file=ctx.stdout, flush=True)
    return 0 if outcome.ok else 1
