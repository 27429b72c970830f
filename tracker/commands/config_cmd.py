from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx: Context) -> int:
    import json

    from tracker.config import redacted
    from tracker.errors import TrackerError

    data = redacted(ctx.settings)  # raises for an unreadable or empty SMTP password file
    if ctx.settings.smtp is not None and ctx.settings.smtp.username and ctx.settings.smtp.password() is None:
        # A warning: the nightly job's environment (a systemd EnvironmentFile) may well have it.
        ctx.warn(
            "config: warning: smtp.username is set but neither TRACKER_SMTP_PASSWORD nor "
            "TRACKER_SMTP_PASSWORD_FILE is in this environment: `tracker alert` would send nothing"
        )
    _check_webhook_urls(ctx)
    if ctx.settings.routes:
        from tracker.alerts.routing import route_warnings

        try:
            records = ctx.records()
        except TrackerError:
            records = []  # the dataset's own errors are `tracker validate`'s to report
        for warning in route_warnings(records, ctx.settings.routes) if records else []:
            print(f"{ctx.settings.path}: warning: {warning}", file=ctx.stderr)
    data["effective_dataset"] = str(ctx.dataset_path)
    data["effective_timezone"] = _zone_name(ctx.settings)
    data["as_of"] = ctx.as_of.isoformat()
    print(json.dumps(data, indent=2))
    return 0


def _check_webhook_urls(ctx: Context) -> None:
    """Each webhook URL can be read (its variable set, its file readable) and is acceptable."""
    from tracker.errors import ConfigError

    problems = []
    for i, route in enumerate(ctx.settings.routes):
        for j, hook in enumerate(route.webhooks):
            try:
                hook.resolve_url()
            except ConfigError as exc:
                where = f"{ctx.settings.path}: routes[{i}].webhooks[{j}]"
                problems += [f"{where}: {m.removeprefix('webhook: ')}" for m in exc.messages]
    if problems:
        raise ConfigError(*problems)


def _zone_name(settings: Settings) -> str:
    """The zone of "today" and of the schedule: the configured one, else the system's (tzlocal, as
    APScheduler finds it)."""
    if settings.timezone:
        return settings.timezone
    from tzlocal import get_localzone_name

    return get_localzone_name() or "UTC"
