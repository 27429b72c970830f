"""Dated report files in the output directory: naming, listing and pruning by the date in the name.

The date comes from the file name (the report's ``as_of``), never from mtime, so copying or
restoring a reports folder does not change what is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PREFIX = "lifecycle-"
_NAME = re.compile(r"^lifecycle-(\d{4}-\d{2}-\d{2})\.html$")
INDEX_NAME = "index.html"
CALENDAR_NAME = "tracker.ics"


@dataclass(frozen=True)
class DatedReport:
    day: date
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


def report_name(as_of: date) -> str:
    return f"{PREFIX}{as_of.isoformat()}.html"


def timeline_name(as_of: date) -> str:
    """The full timeline that goes with the report of ``as_of`` (pruned with it)."""
    return f"{PREFIX}{as_of.isoformat()}-timeline.html"


def dated_reports(out_dir: Path) -> list[DatedReport]:
    """Reports in ``out_dir``, newest first; other files (and bad dates) are ignored."""
    found = []
    try:
        entries = list(out_dir.iterdir())
    except FileNotFoundError:
        return []
    for path in entries:
        m = _NAME.match(path.name)
        if not m or not path.is_file():
            continue
        try:
            day = date.fromisoformat(m[1])
        except ValueError:
            continue
        found.append(DatedReport(day, path))
    found.sort(key=lambda r: r.day, reverse=True)
    return found


def prune(out_dir: Path, as_of: date, keep_days: int) -> list[Path]:
    """Remove dated reports more than ``keep_days`` days older than ``as_of``; return them."""
    removed = []
    for report in dated_reports(out_dir):
        if (as_of - report.day).days > keep_days:
            try:
                report.path.unlink()
            except FileNotFoundError:
                continue
            removed.append(report.path)
            companion = out_dir / timeline_name(report.day)
            if companion.is_file():
                companion.unlink(missing_ok=True)
                removed.append(companion)
    return removed
