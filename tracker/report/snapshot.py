"""The previous report's dates, kept beside the reports, for "what changed since the previous report".

``DIR/snapshot.json`` holds the milestone dates of the last report written to DIR (its ``as_of``
and one short list per cycle) and those of the report before it, so that running ``tracker report``
twice on one day still compares with the day before. Only dates are kept: a few tens of kilobytes for
the bundled dataset. A missing or unreadable snapshot means "no previous report": the section is left
out, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tracker import vocabulary as vocab
from tracker.atomic import atomic_write_text
from tracker.changes import Change, diff_records, passed_milestones
from tracker.dataset import LifecycleRecord
from tracker.dates import parse_milestone

SNAPSHOT_NAME = "snapshot.json"
_COLUMNS = ("release", "support_end", "eol", "extended_end")


@dataclass(frozen=True)
class Snapshot:
    as_of: date
    records: list[LifecycleRecord]


def _rows(records: list[LifecycleRecord]) -> list[list[str | None]]:
    out: list[list[str | None]] = []
    for r in records:
        dates = [getattr(r, c) for c in _COLUMNS]
        out.append([r.vendor, r.product, r.cycle, *(d.text if d is not None else None for d in dates)])
    return out


def _records(rows: list[list[str | None]]) -> list[LifecycleRecord]:
    out = []
    for vendor, product, cycle, release, support_end, eol, extended_end in rows:
        assert vendor is not None and product is not None and cycle is not None and release is not None
        out.append(
            LifecycleRecord(
                vendor=vendor,
                product=product,
                cycle=cycle,
                type=1,
                release=parse_milestone(release),
                support_end=parse_milestone(support_end) if support_end else None,
                eol=parse_milestone(eol) if eol else None,
                extended_end=parse_milestone(extended_end) if extended_end else None,
                source="",
                confidence="vendor",
            )
        )
    return out


def load(out_dir: Path) -> dict[str, object] | None:
    """``DIR/snapshot.json`` as read once per report (for ``previous`` and ``save``); None when
    missing or unreadable."""
    try:
        data = json.loads((out_dir / SNAPSHOT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def previous(data: dict[str, object] | None, as_of: date) -> Snapshot | None:
    """The latest snapshot strictly before ``as_of`` in ``data`` (from ``load``), or None."""
    for entry in (data, (data or {}).get("previous")):
        if not isinstance(entry, dict):
            continue
        try:
            day = date.fromisoformat(str(entry["as_of"]))
            if day < as_of:
                return Snapshot(day, _records(entry["rows"]))
        except (KeyError, TypeError, ValueError, AssertionError):
            return None
    return None


def save(
    out_dir: Path, loaded: dict[str, object] | None, as_of: date, records: list[LifecycleRecord]
) -> None:
    """Record today's dates over ``loaded`` (from ``load``); the snapshot of an earlier day is kept
    as ``previous``."""
    data = loaded or {}
    current: dict[str, object] = {"as_of": as_of.isoformat(), "rows": _rows(records)}
    older = data.get("previous")
    try:
        last = date.fromisoformat(str(data.get("as_of")))
    except ValueError:
        last = None
    if last is not None and last > as_of:
        return  # a report for an earlier day does not move the baseline back
    keep = (
        {k: data[k] for k in ("as_of", "rows") if k in data} if last is not None and last < as_of else older
    )
    if keep:
        current["previous"] = keep
    atomic_write_text(out_dir / SNAPSHOT_NAME, json.dumps(current, separators=(",", ":")) + "\n")


def changes_since(snapshot: Snapshot, records: list[LifecycleRecord], as_of: date) -> list[Change]:
    """Dates moved or refined, cycles added or removed, then milestones passed since the snapshot."""
    return [*diff_records(snapshot.records, records), *passed_milestones(records, snapshot.as_of, as_of)]


@dataclass(frozen=True)
class ChangeLine:
    kind: str
    """``moved``, ``refined``, ``added``, ``removed`` or ``passed`` (also the CSS class)."""
    text: str


@dataclass(frozen=True)
class ChangesView:
    since: str
    """ISO date of the previous report."""
    lines: list[ChangeLine]
    more: int
    """Changes beyond ``CHANGES_SHOWN``, counted only."""


CHANGES_SHOWN = 30
_CHANGE_ORDER = ("moved", "refined", "passed", "added", "removed")
_PHRASES = {
    "added": "{name} ({vendor}) added",
    "removed": "{name} ({vendor}) removed",
    "passed": "{name}: {what} passed ({new})",
    "announced": "{name}: {what} announced: {new}",
    "withdrawn": "{name}: {what} no longer given (was {old})",
    "moved": "{name}: {what} moved from {old} to {new}",
    "refined": "{name}: {what} refined from {old} to {new}",
}


def change_line(change: Change) -> ChangeLine:
    """One change in the report's words: ``Proxmox VE 8: end of life moved from 2026-08 to 2026-09``."""
    what = vocab.milestone_name(change.milestone) if change.milestone else ""
    text = change.sentence(_PHRASES, what)
    return ChangeLine(change.kind, text)


def changes_view(changes: Sequence[Change], since: date) -> ChangesView:
    ordered = sorted(
        changes, key=lambda c: _CHANGE_ORDER.index(c.kind) if c.kind in _CHANGE_ORDER else len(_CHANGE_ORDER)
    )
    lines = [change_line(c) for c in ordered[:CHANGES_SHOWN]]
    return ChangesView(vocab.iso(since), lines, max(0, len(ordered) - CHANGES_SHOWN))
