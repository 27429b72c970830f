"""`tracker schedule`: when the nightly job runs (APScheduler 3.x).

- ``tracker.schedule.cron``: crontab expressions -> triggers, crontab's meaning kept (standard library
  only until a trigger is built; ``tracker config`` validates ``schedule.cron`` with it).
- ``tracker.schedule.fire_times``: the next N fire times, the last one passed, catch-up, display.
- ``tracker.schedule.process``: the long-running scheduler (lock, job store, signals, logging).

The cron and fire-time names are re-exported here; the process is imported only by the command.
"""

from tracker.schedule.cron import CronError, CronSpec, build_trigger, expand_field, parse_cron, trigger_for
from tracker.schedule.fire_times import catch_up_due, format_fire_time, next_fire_times, previous_fire_time

__all__ = [
    "CronError",
    "CronSpec",
    "build_trigger",
    "catch_up_due",
    "expand_field",
    "format_fire_time",
    "next_fire_times",
    "parse_cron",
    "previous_fire_time",
    "trigger_for",
]
