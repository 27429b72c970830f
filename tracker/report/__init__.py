"""The nightly HTML report: one self-contained file per ``as_of`` plus an index of the history.

``write_report`` is the one entry point (used by ``tracker report`` and the nightly job). Jinja2 is
imported only when a report is rendered, so importing this package stays cheap.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tracker import __version__
from tracker.atomic import atomic_write_text
from tracker.config import Settings
from tracker.dataset import LifecycleRecord
from tracker.report.history import (
    CALENDAR_NAME,
    INDEX_NAME,
    dated_reports,
    prune,
    report_name,
)
from tracker.report.model import (
    RECENT_EOL_DAYS,
    STATUS_LABELS,
    cycle_row,
    estate_view,
    group_rows,
    needs_action,
    status_cards,
)
from tracker.report.timeline import build_timeline

__all__ = ["render_index", "render_report", "write_report"]

_FRIENDLY_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def write_report(
    records: list[LifecycleRecord],
    settings: Settings,
    as_of: date,
    out_dir: Path,
    dataset_path: Path,
    now: datetime,
    estate: object | None = None,
) -> Path:
    """Write ``out_dir/lifecycle-YYYY-MM-DD.html`` and ``out_dir/index.html``; return the report.

    The whole page is rendered in memory before anything touches the disk, and each file is
    replaced atomically, so a crash leaves the previous report and index intact. Afterwards dated
    reports more than ``settings.report.keep_days`` days older than ``as_of`` (by the date in the
    file name) are removed and the index is rewritten to list what remains.

    ``estate`` (optional, built by the inventory command) adds a "Your estate" section. It needs two
    attributes: ``hosts_by_status: dict[str, int]`` (status value such as ``end-of-life`` or
    ``unmatched`` -> number of hosts) and ``at_risk: list[tuple[str, int]]`` (group name -> hosts
    past end of life or approaching it), shown in the given order.
    """
    out_dir = Path(out_dir)
    html = render_report(records, settings, as_of, out_dir, dataset_path, now, estate)
    path = out_dir / report_name(as_of)
    atomic_write_text(path, html)
    prune(out_dir, as_of, settings.report.keep_days)
    atomic_write_text(out_dir / INDEX_NAME, render_index(out_dir, settings, now))
    return path


def render_report(
    records: list[LifecycleRecord],
    settings: Settings,
    as_of: date,
    out_dir: Path,
    dataset_path: Path,
    now: datetime,
    estate: object | None = None,
) -> str:
    """The report page as a string (no I/O besides hashing the dataset file)."""
    warning_days = settings.alerts.warning_days
    rows = [cycle_row(r, as_of, warning_days) for r in records]
    groups = group_rows(rows)
    actions, older_eol = needs_action(rows, as_of)
    context: dict[str, Any] = {
        "as_of": as_of,
        "as_of_text": friendly_day(as_of),
        "generated": _local(now, settings),
        "dataset_path": str(dataset_path),
        "dataset_sha256": sha256_of(dataset_path),
        "row_count": len(records),
        "cards": status_cards(rows, warning_days),
        "actions": actions,
        "older_eol": older_eol,
        "recent_eol_days": RECENT_EOL_DAYS,
        "warning_days": warning_days,
        "groups": groups,
        "timeline": build_timeline(groups, as_of, f"Today {friendly_day(as_of)}"),
        "estate": estate_view(estate) if estate is not None else None,
        "calendar": (out_dir / CALENDAR_NAME).is_file(),
        "calendar_name": CALENDAR_NAME,
        "index_name": INDEX_NAME,
        "status_labels": STATUS_LABELS,
        "version": __version__,
    }
    return _environment().get_template("report.html").render(context)


def render_index(out_dir: Path, settings: Settings, now: datetime) -> str:
    """index.html: the latest report first, then every dated report still in ``out_dir``."""
    reports = dated_reports(out_dir)
    context = {
        "reports": [{"name": r.name, "day": r.day, "text": friendly_day(r.day)} for r in reports],
        "generated": _local(now, settings),
        "keep_days": settings.report.keep_days,
        "calendar": (out_dir / CALENDAR_NAME).is_file(),
        "calendar_name": CALENDAR_NAME,
        "version": __version__,
    }
    return _environment().get_template("index.html").render(context)


def friendly_day(day: date) -> str:
    return f"{day.day} {_FRIENDLY_MONTHS[day.month - 1]} {day.year}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return "unavailable"
    return digest.hexdigest()


def _local(now: datetime, settings: Settings) -> dict[str, str]:
    """Generation time in the configured zone (system zone when none is configured)."""
    local = now.astimezone(settings.tzinfo())
    return {
        "iso": local.isoformat(timespec="seconds"),
        "text": f"{friendly_day(local.date())} {local:%H:%M} {local.tzname() or ''}".strip(),
    }


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("tracker.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
