"""Atom feed of dataset changes (RFC 4287): ``DIR/tracker.atom`` beside the report.

Each run of `tracker run` compares the dataset with the snapshot the previous run kept and adds one
entry per change found by :mod:`tracker.changes` (the one change detector): a date moved or refined,
a release cycle added or removed, and a milestone whose phase ended since the previous run's
``as_of``. The first run only takes the snapshot: a feed that began with every cycle "added" would
bury the changes that matter.

The feed is regenerated from ``<state_dir>/changes.json`` (the snapshot, the last ``as_of`` and the
entries published so far), written atomically after the feed. Entry ids are ``urn:uuid:`` UUIDs
derived from the change (and, for dataset edits, the day they were seen): regenerating the feed, or
detecting the same change twice after a crash, never yields a second entry for one change. Newest
entries first, at most ``MAX_ENTRIES``.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tracker import __version__
from tracker.atomic import atomic_write_text
from tracker.changes import Change, diff_records, passed_milestones
from tracker.config import Settings
from tracker.dataset import DATE_COLUMNS, LifecycleRecord, dataset_csv, parse_dataset
from tracker.errors import TrackerError
from tracker.status import days_to_eol, status_of
from tracker.vocabulary import milestone_label

FEED_NAME = "tracker.atom"
STATE_FILE = "changes.json"
STATE_SCHEMA = 1
MAX_ENTRIES = 200
ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_TITLE = "Hypervisor lifecycle changes (tracker)"
CATEGORY_SCHEME = "urn:tracker:change"
_NAMESPACE = uuid.UUID("6f9b2a4e-3c1d-5e7f-8a9b-0c1d2e3f4a5b")
"""Fixed namespace for entry and feed UUIDs (uuid5): the same change always gets the same id."""


@dataclass(frozen=True)
class FeedEntry:
    """One published change, as kept in the state file and written to the feed."""

    id: str
    kind: str
    """``moved`` | ``refined`` | ``added`` | ``removed`` | ``passed``."""
    title: str
    content: str
    updated: str
    """RFC 3339, UTC: when the run that found the change ran."""
    vendor: str
    product: str
    cycle: str
    links: tuple[str, ...] = ()
    """The cycle's sources (``rel="related"``)."""


@dataclass
class FeedState:
    as_of: date | None
    """The ``as_of`` of the latest run (never moves backwards: milestones pass once)."""
    records: list[LifecycleRecord] | None
    """The snapshot of the dataset at that run; None before the first run."""
    entries: list[FeedEntry]
    """Newest first."""
    created: str


def state_path(settings: Settings) -> Path:
    return settings.state_dir / STATE_FILE


def _key(*parts: str | None) -> str:
    return "|".join("" if p is None else p.strip().casefold() for p in parts)


def entry_id(change: Change, seen_on: date) -> str:
    """``urn:uuid:`` from the change's content; dataset edits also carry the day they were seen,
    so a date moved back and forth is news each time, while a milestone passes only once."""
    parts = [
        change.kind,
        change.vendor,
        change.product,
        change.cycle,
        change.milestone,
        change.old,
        change.new,
    ]
    if change.kind != "passed":
        parts.append(seen_on.isoformat())
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, _key(*parts))}"


def _label(vendor: str, milestone: str | None) -> str:
    if milestone is None:
        return "release cycle"
    if milestone == "release":
        return "release date"
    return milestone_label(vendor, milestone)


_TITLES = {
    "added": "{name}: new release cycle",
    "removed": "{name}: release cycle removed from the dataset",
    "passed": "{name}: {what} passed ({new} was the last day)",
    "announced": "{name}: {what} announced: {new}",
    "withdrawn": "{name}: {what} withdrawn (was {old})",
    "moved": "{name}: {what} moved from {old} to {new}",
    "refined": "{name}: {what} refined from {old} to {new}",
}
"""Entry titles per :attr:`tracker.changes.Change.case`."""


def describe(change: Change, record: LifecycleRecord | None, as_of: date) -> tuple[str, str]:
    """(title, text content) of the entry for ``change``; ``record`` is the cycle as it is now."""
    title = change.sentence(_TITLES, _label(change.vendor, change.milestone))
    lines = [title + ".", "", f"Vendor: {change.vendor}"]
    if record is not None:
        for column in DATE_COLUMNS:
            value = record.milestone(column)
            if value is not None:
                lines.append(f"{_label(record.vendor, column).capitalize()}: {value.text}")
        lines.append(f"Status as of {as_of.isoformat()}: {status_of(record, as_of)}")
        left = days_to_eol(record, as_of)
        if left is not None:
            lines.append(f"Days to end of life: {left}")
        lines.append(f"Confidence: {record.confidence}")
        lines.extend(f"Source: {s}" for s in record.sources)
    return title, "\n".join(lines)


def _index(records: Sequence[LifecycleRecord]) -> dict[str, LifecycleRecord]:
    return {_key(r.vendor, r.product, r.cycle): r for r in records}


def detect(previous: FeedState, records: Sequence[LifecycleRecord], as_of: date) -> list[Change]:
    """What changed since the previous run: dataset edits, then milestones passed since its as_of."""
    if previous.records is None or previous.as_of is None:
        return []
    changes = diff_records(previous.records, records)
    if as_of > previous.as_of:
        changes += passed_milestones(records, previous.as_of, as_of)
    return changes


def update(
    previous: FeedState, records: Sequence[LifecycleRecord], as_of: date, now: datetime
) -> tuple[FeedState, list[FeedEntry]]:
    """The next state and the entries added now (newest first in the state)."""
    stamp = rfc3339(now)
    current = _index(records)
    old = _index(previous.records or [])
    known = {e.id for e in previous.entries}
    added: list[FeedEntry] = []
    for change in detect(previous, records, as_of):
        eid = entry_id(change, as_of)
        if eid in known:
            continue
        known.add(eid)
        key = _key(change.vendor, change.product, change.cycle)
        record = current.get(key) or old.get(key)
        title, content = describe(change, record, as_of)
        added.append(
            FeedEntry(
                id=eid,
                kind=change.kind,
                title=title,
                content=content,
                updated=stamp,
                vendor=change.vendor,
                product=change.product,
                cycle=change.cycle,
                links=record.sources if record is not None else (),
            )
        )
    latest = as_of if previous.as_of is None else max(previous.as_of, as_of)
    entries = (added + previous.entries)[:MAX_ENTRIES]
    return FeedState(latest, list(records), entries, previous.created or stamp), added


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- state file ---------------------------------------------------------------------------------


def load_state(path: Path) -> FeedState:
    """The state the previous run left; a missing file is a first run, a damaged one an error."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return FeedState(as_of=None, records=None, entries=[], created="")
    except OSError as exc:
        raise TrackerError(f"{path}: cannot read the change feed state: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TrackerError(
            f"{path}: cannot read the change feed state: not UTF-8 text ({exc.reason})"
        ) from None
    try:
        data = json.loads(raw)
        if data.get("schema_version") != STATE_SCHEMA:
            raise ValueError(f"schema_version {data.get('schema_version')!r}, expected {STATE_SCHEMA}")
        records, problems = parse_dataset(data["snapshot"].encode("utf-8"), f"{path} (snapshot)")
        if problems:
            raise ValueError(problems[0])
        entries = [FeedEntry(**{**e, "links": tuple(e.get("links", ()))}) for e in data["entries"]]
        return FeedState(
            as_of=date.fromisoformat(data["as_of"]),
            records=records,
            entries=entries,
            created=str(data.get("created", "")),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise TrackerError(
            f"{path}: damaged change feed state ({exc}); remove the file to start the feed afresh "
            "(the next run takes a new snapshot)"
        ) from None


def save_state(path: Path, state: FeedState) -> None:
    data: dict[str, Any] = {
        "schema_version": STATE_SCHEMA,
        "as_of": state.as_of.isoformat() if state.as_of else None,
        "created": state.created,
        "snapshot": dataset_csv(state.records or []),
        "entries": [{**asdict(e), "links": list(e.links)} for e in state.entries],
    }
    try:
        atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    except OSError as exc:
        raise TrackerError(f"{path}: cannot write the change feed state: {exc.strerror or exc}") from None


# --- the feed -----------------------------------------------------------------------------------


def feed_id(settings: Settings, out_dir: Path) -> str:
    where = settings.report.url or str(out_dir.resolve())
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, 'feed|' + where)}"


def feed_xml(state: FeedState, settings: Settings, out_dir: Path) -> str:
    """The Atom document: feed id, title, updated, author, links; entries newest first."""
    ET.register_namespace("", ATOM_NS)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "en"})
    el(feed, "id", feed_id(settings, out_dir))
    el(feed, "title", FEED_TITLE)
    el(
        feed,
        "subtitle",
        "Dates moved, release cycles added or removed, and milestones passed in the dataset "
        "tracker watches; newest first.",
    )
    updated = state.entries[0].updated if state.entries else state.created
    el(feed, "updated", updated or rfc3339(datetime.now(UTC)))
    author = el(feed, "author")
    el(author, "name", "tracker")
    el(feed, "generator", "tracker", version=__version__)
    base = settings.report.url
    if base:
        root = base.rstrip("/") + "/"
        el(feed, "link", rel="self", type="application/atom+xml", href=root + FEED_NAME)
        el(feed, "link", rel="alternate", type="text/html", href=root)
    for entry in state.entries:
        node = el(feed, "entry")
        el(node, "id", entry.id)
        el(node, "title", entry.title)
        el(node, "updated", entry.updated)
        el(node, "published", entry.updated)
        el(node, "category", term=entry.kind, scheme=CATEGORY_SCHEME)
        for link in entry.links:
            el(node, "link", rel="related", href=link)
        el(node, "content", entry.content, type="text")
    ET.indent(feed, space=" ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def write_changes_feed(
    out_dir: Path, records: Sequence[LifecycleRecord], settings: Settings, now: datetime, as_of: date
) -> list[FeedEntry]:
    """The nightly job's hook: ``out_dir/tracker.atom`` updated with the changes since the previous
    run; returns the entries added. The feed is written before the state, so a crash in between
    only means the same changes are found again, and their ids keep them from doubling."""
    path = state_path(settings)
    state, added = update(load_state(path), records, as_of, now)
    target = Path(out_dir) / FEED_NAME
    try:
        atomic_write_text(target, feed_xml(state, settings, Path(out_dir)))
    except OSError as exc:
        raise TrackerError(f"{target}: cannot write the change feed: {exc.strerror or exc}") from None
    save_state(path, state)
    return added
