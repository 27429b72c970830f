"""`tracker schedule`: the long-running scheduler (APScheduler) for the nightly job."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.context import Context


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--next", type=_positive, metavar="N", help="print the next N fire times (local time first) and exit"
    )
    p.add_argument(
        "--cron",
        metavar="EXPR",
        help="use this crontab expression instead of schedule.cron (5 fields; 6 = seconds first)",
    )
    p.add_argument(
        "--now",
        metavar="DATETIME",
        help="with --next: count from this moment (ISO 8601; without an offset it is "
        "in the configured time zone) instead of now",
    )
    p.epilog = (
        "Crontab meaning: day-of-week 0 and 7 are Sunday, names (mon-fri, jan) accepted; "
        "when both day fields are restricted the job runs when either matches. One "
        "scheduler per state_dir. SIGTERM/SIGINT let a running job finish, then exit 0. "
        "At start, if a scheduled time passed with no successful run since, the job runs "
        "once at once (catch-up)."
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from datetime import datetime
    from pathlib import Path

    from tracker.errors import UsageError
    from tracker.nightly import make_logger
    from tracker.schedule.cron import CronError, spec_seconds, trigger_for
    from tracker.schedule.process import JobArgs, print_next, run_scheduler, schedule_timezone

    settings = ctx.settings
    tz = schedule_timezone(settings)
    if args.cron:
        expression, where = args.cron, "--cron"
    else:
        expression = settings.schedule.cron
        where = f"{settings.path}: schedule.cron" if settings.path else "schedule.cron"
    try:
        trigger = trigger_for(expression, tz, where)
    except CronError as exc:
        if args.cron:  # a bad command-line argument is a usage error (exit 2)
            raise UsageError(*exc.messages) from None
        raise
    seconds = spec_seconds(expression)
    if args.now and args.next is None:
        raise UsageError("tracker schedule: --now only makes sense with --next")
    if args.next is not None:
        after = datetime.now(tz)
        if args.now:
            try:
                after = datetime.fromisoformat(args.now)
            except ValueError:
                raise UsageError(
                    f"tracker schedule: --now: not an ISO 8601 date-time: {args.now!r}"
                ) from None
            after = after.replace(tzinfo=tz) if after.tzinfo is None else after.astimezone(tz)
        print_next(trigger, after, args.next, seconds, out=ctx.stdout)
        return 0

    config = str(settings.path.resolve()) if settings.path is not None else None
    dataset = getattr(args, "dataset", None) or os.environ.get("TRACKER_DATASET") or None
    as_of = getattr(args, "as_of", None) or os.environ.get("TRACKER_AS_OF") or None
    job = JobArgs(
        config_path=config,
        dataset=str(Path(dataset).resolve()) if dataset else None,
        as_of=as_of,
        verbose=ctx.verbose,
    )
    return run_scheduler(settings, expression, trigger, tz, job, make_logger(settings))
