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
    _check_files_and_webhooks(ctx)
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


def _check_files_and_webhooks(ctx: Context) -> None:
    """What the nightly run would trip on: a file the configuration names that is not there, a
    webhook URL that cannot be read (its variable unset, its file unreadable) or is not acceptable."""
    from tracker.errors import ConfigError

    problems = []
    settings = ctx.settings
    for key, path in (
        ("dataset", settings.dataset),
        ("inventory", settings.inventory),
        ("plan.hardware", settings.plan.hardware),
    ):
        if path is not None and not path.is_file():
            why = "is a directory, not a file" if path.is_dir() else "does not exist"
            problems.append(f"{settings.path}: {key}: {path} {why}")
    if settings.report.metrics_file is not None and settings.report.metrics_file.is_dir():
        problems.append(
            f"{settings.path}: report.metrics_file: {settings.report.metrics_file} is a directory"
        )
    for key, directory in (("state_dir", settings.state_dir), ("report.out_dir", settings.report.out_dir)):
        if directory.exists() and not directory.is_dir():
            problems.append(f"{settings.path}: {key}: {directory} is a file, not a directory")
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
