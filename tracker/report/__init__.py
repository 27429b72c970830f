"""The nightly HTML report: one self-contained file per ``as_of`` plus an index of the history.

``write_report`` is the one entry point (used by ``tracker report`` and the nightly job). Jinja2 is
imported only when a report is rendered, so importing this package stays cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tracker import __version__, templating
from tracker import vocabulary as vocab
from tracker.atomic import atomic_write_text
from tracker.config import Settings
from tracker.dataset import LifecycleRecord
from tracker.estate import CycleKey, EstateSummary
from tracker.gcutil import gc_paused
from tracker.report import snapshot
from tracker.report.actions import RECENT_EOL_DAYS, needs_action
from tracker.report.history import (
    CALENDAR_NAME,
    INDEX_NAME,
    dated_reports,
    prune,
    report_name,
    timeline_name,
)
from tracker.report.model import (
    CycleRow,
    PlanLike,
    ProductGroup,
    cycle_row,
    estate_view,
    group_rows,
)
from tracker.report.snapshot import ChangesView, changes_view
from tracker.report.timeline import build_timeline

BRIEF_TIMELINE_ROWS = 30
"""Cycles in the printed brief's chart: on your hosts, then coming elsewhere (half an A4 page)."""

__all__ = ["PlanLike", "render_index", "write_report"]


@gc_paused()
def write_report(
    records: list[LifecycleRecord],
    settings: Settings,
    as_of: date,
    out_dir: Path,
    dataset_path: Path,
    now: datetime,
    estate: EstateSummary | None = None,
    plan_by_cycle: Mapping[CycleKey, PlanLike] | None = None,
) -> Path:
    """Write ``out_dir/lifecycle-YYYY-MM-DD.html`` and ``out_dir/index.html``; return the report.

    The whole page is rendered in memory before anything touches the disk, and each file is
    replaced atomically, so a crash leaves the previous report and index intact. When the default
    timeline leaves old cycles out, the full one goes to ``lifecycle-YYYY-MM-DD-timeline.html``.
    Afterwards dated reports more than ``settings.report.keep_days`` days older than ``as_of`` (by
    the date in the file name) are removed and the index is rewritten to list what remains.

    ``estate`` (from ``tracker.inventory.configured_estate``) puts the cycles on your hosts first;
    ``plan_by_cycle`` (optional, from the planning module) adds the target and start-by columns.
    The dates of each report are kept in ``out_dir/snapshot.json``; the next report lists what
    changed since (dates moved, cycles added, milestones passed).
    """
    out_dir = Path(out_dir)
    saved = snapshot.load(out_dir)
    before = snapshot.previous(saved, as_of)
    changes = changes_view(snapshot.changes_since(before, records, as_of), before.as_of) if before else None
    inputs = _Inputs(records, settings, as_of, out_dir, dataset_path, now, estate, plan_by_cycle)
    pages = _render_pages(inputs, changes)
    path = out_dir / report_name(as_of)
    if "timeline" in pages:
        atomic_write_text(out_dir / timeline_name(as_of), pages["timeline"])
    atomic_write_text(path, pages["report"])
    snapshot.save(out_dir, saved, as_of, records)
    prune(out_dir, as_of, settings.report.keep_days)
    atomic_write_text(out_dir / INDEX_NAME, render_index(out_dir, settings, now))
    return path


@dataclass(frozen=True)
class _Inputs:
    """``write_report``'s arguments, as the page is rendered from them."""

    records: list[LifecycleRecord]
    settings: Settings
    as_of: date
    out_dir: Path
    dataset_path: Path
    now: datetime
    estate: EstateSummary | None
    plan_by_cycle: Mapping[CycleKey, PlanLike] | None


def _render_pages(inputs: _Inputs, changes: ChangesView | None) -> dict[str, str]:
    """``{"report": html}``, plus ``"timeline"`` (the full chart) when the report's chart is partial.

    No I/O besides hashing the dataset file and looking for the calendar feed beside the report."""
    records, settings, as_of, estate = inputs.records, inputs.settings, inputs.as_of, inputs.estate
    warning_days = settings.alerts.warning_days
    rows = [cycle_row(r, as_of) for r in records]
    groups = group_rows(rows)
    actions = needs_action(rows, as_of, warning_days, estate, inputs.plan_by_cycle)
    as_of_iso = vocab.iso(as_of)
    today = f"Today {as_of_iso}"
    on_hosts = frozenset(i.row.record.key for i in actions.on_hosts)
    timeline = build_timeline(groups, as_of, today, keep=on_hosts)
    coming = [i for i in actions.elsewhere if i.urgency != "u-past"]
    ended = [i for i in actions.elsewhere if i.urgency == "u-past"]
    acting = [i.row for i in (*actions.on_hosts, *coming, *ended)][:BRIEF_TIMELINE_ROWS]
    brief = (
        build_timeline(_brief_groups(acting), as_of, today, labels="name", keep_all=True) if acting else None
    )
    env = _environment()
    context: dict[str, Any] = {
        "as_of_iso": as_of_iso,
        "generated": _local(inputs.now, settings),
        "dataset_path": str(inputs.dataset_path),
        "dataset_sha256": sha256_of(inputs.dataset_path),
        "row_count": len(records),
        "actions": actions,
        "recent_eol_days": RECENT_EOL_DAYS,
        "warning_days": warning_days,
        "groups": groups,
        "timeline": timeline,
        "brief_timeline": brief,
        "full_timeline_name": timeline_name(as_of),
        "estate": estate_view(estate) if estate is not None else None,
        "estate_unmatched": estate.unmatched if estate is not None else 0,
        "plan": inputs.plan_by_cycle is not None,
        "changes": changes,
        "calendar": (inputs.out_dir / CALENDAR_NAME).is_file(),
        "calendar_name": CALENDAR_NAME,
        "index_name": INDEX_NAME,
        "phases": vocab.PHASES,
        "version": __version__,
    }
    pages = {"report": env.get_template("report.html").render(context)}
    if timeline.hidden:
        full = build_timeline(groups, as_of, today, full=True)
        pages["timeline"] = env.get_template("timeline.html").render(
            {**context, "timeline": full, "report_name": report_name(as_of)}
        )
    return pages


def _brief_groups(rows: list[CycleRow]) -> list[ProductGroup]:
    """The printed brief's chart: only the cycles of the action lists, in their order."""
    return [ProductGroup("", "Needs action", "brief", rows)]


def render_index(out_dir: Path, settings: Settings, now: datetime) -> str:
    """index.html: the latest report first, then every dated report still in ``out_dir``."""
    reports = dated_reports(out_dir)
    context = {
        "reports": [{"name": r.name, "day": r.day, "text": vocab.iso(r.day)} for r in reports],
        "generated": _local(now, settings),
        "keep_days": settings.report.keep_days,
        "calendar": (out_dir / CALENDAR_NAME).is_file(),
        "calendar_name": CALENDAR_NAME,
        "version": __version__,
    }
    return _environment().get_template("index.html").render(context)


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
        "text": f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip(),
    }


def _environment():
    from tracker.report import rows

    env = templating.environment("tracker.report", keep_trailing_newline=True)
    env.globals.update(
        chip=rows.chip,
        when_cell=rows.when_cell,
        table_body=rows.table_body,
        timeline_labels=rows.timeline_labels,
        timeline_bands=rows.timeline_bands,
        timeline_cycles=rows.timeline_cycles,
    )
    return env
