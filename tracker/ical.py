"""iCalendar (RFC 5545) feed of every milestone, written by hand: no dependency, full control.

One all-day VEVENT per (cycle, milestone). Calendar clients match events by UID, so the UID hashes
only what names the milestone (vendor, product, cycle, milestone), never its date: a moved date updates
the event instead of adding a second one. The feed itself is generated statelessly, so the SEQUENCE and
LAST-MODIFIED that tell clients "this event changed" are remembered in ``<state_dir>/calendar.json``:
when a milestone's date differs from the one stored, its SEQUENCE goes up by one and LAST-MODIFIED
becomes the generation time.

Reminders: one VALARM per alert threshold (``alerts.thresholds_days``), ``TRIGGER:-P{N}D`` (N days
before the day starts); threshold 0 is ``TRIGGER:PT0S`` (the start of the day itself). Reminders whose
moment is already before ``as_of`` are left out, so importing the feed does not pop up hundreds of
"missed reminders" for milestones long past.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tracker import __version__
from tracker import vocabulary as vocab
from tracker.atomic import atomic_write_text
from tracker.config import Settings
from tracker.dataset import MILESTONES, LifecycleRecord
from tracker.errors import TrackerError
from tracker.status import Milestone, milestones_of, status_of

STATE_FILE = "calendar.json"
FEED_NAME = "tracker.ics"
CALENDAR_NAME = "Hypervisor lifecycle (tracker)"
PRODID = f"-//tracker//tracker {__version__}//EN"
MAX_OCTETS = 75
"""RFC 5545 section 3.1: content lines SHOULD NOT be longer than 75 octets, excluding the CRLF."""


@dataclass(frozen=True)
class EventState:
    """What the previous runs published for one UID."""

    date: str
    """The milestone as the dataset wrote it (``2027-01-12`` or ``2026-08``)."""
    sequence: int
    last_modified: str
    """UTC, iCalendar form ``YYYYMMDDTHHMMSSZ``."""


def event_uid(record: LifecycleRecord, milestone: str) -> str:
    """Stable across runs and date changes; case-insensitive like the dataset's duplicate check."""
    key = "/".join(s.strip().casefold() for s in (record.vendor, record.product, record.cycle, milestone))
    return hashlib.sha1(key.encode("utf-8")).hexdigest() + "@tracker"


def ical_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma, newline."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character; CRLF-terminated."""
    if line.isascii():  # the common case, sliced directly: one octet per character
        if len(line) <= MAX_OCTETS:
            return line + "\r\n"
        step = MAX_OCTETS - 1
        chunks = [line[:MAX_OCTETS]]
        chunks += [line[i : i + step] for i in range(MAX_OCTETS, len(line), step)]
        return "\r\n ".join(chunks) + "\r\n"
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_OCTETS
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1  # continuation lines start with a space
        current.append(ch)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


# --- state -------------------------------------------------------------------------------------


def state_path(settings: Settings) -> Path:
    return settings.state_dir / STATE_FILE


def load_state(path: Path) -> dict[str, EventState]:
    """Read the calendar state; a missing file is an empty state, a damaged one an error."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise TrackerError(f"{path}: cannot read calendar state: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
        events = data["events"]
        return {
            uid: EventState(str(e["date"]), int(e["sequence"]), str(e["last_modified"]))
            for uid, e in events.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TrackerError(
            f"{path}: damaged calendar state ({type(exc).__name__}: {exc})",
            f"{path}: delete it to start over (calendar clients may then ignore date changes "
            "until the next change)",
        ) from None


def save_state(path: Path, state: Mapping[str, EventState]) -> None:
    data = {
        "schema_version": 1,
        "events": {
            uid: {"date": s.date, "sequence": s.sequence, "last_modified": s.last_modified}
            for uid, s in sorted(state.items())
        },
    }
    atomic_write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def updated_state(
    milestones: Iterable[Milestone], state: Mapping[str, EventState], now: datetime
) -> dict[str, EventState]:
    """New state: a first-seen or moved milestone gets LAST-MODIFIED = now, a moved one SEQUENCE+1.

    Entries not in ``milestones`` (filtered out this time) are kept, so a filtered feed does not
    reset the sequence numbers of the full one.
    """
    stamp = ical_utc(now)
    out = dict(state)
    for m in milestones:
        uid = event_uid(m.record, m.milestone)
        old = state.get(uid)
        if old is None:
            out[uid] = EventState(m.when.text, 0, stamp)
        elif old.date != m.when.text:
            out[uid] = EventState(m.when.text, old.sequence + 1, stamp)
    return out


# --- rendering ---------------------------------------------------------------------------------


def calendar_milestones(records: Iterable[LifecycleRecord]) -> list[Milestone]:
    found = [m for r in records for m in milestones_of(r, MILESTONES)]
    found.sort(
        key=lambda m: (
            m.day,
            m.record.vendor.casefold(),
            m.record.product.casefold(),
            m.record.cycle,
            MILESTONES.index(m.milestone),
        )
    )
    return found


def _summary(m: Milestone) -> str:
    text = f"{m.record.name}: {vocab.MILESTONE_NAMES[m.milestone]}"
    return text + (" (month precision)" if m.when.month_only else "")


def _description(m: Milestone, as_of: date) -> str:
    r = m.record
    if m.when.month_only:
        when = (
            f"in {m.when.text} (month precision: the vendor gives only the month; shown on "
            f"{m.day.isoformat()}, the first day, to warn early)"
        )
    else:
        when = f"on {m.when.text}"
    lines = [
        f"{r.name} ({r.vendor}): {vocab.MILESTONE_NAMES[m.milestone]} {when}.",
        f"{vocab.MILESTONE_MEANINGS[m.milestone]}; from the next day this phase has ended.",
        f"Status on {vocab.iso(as_of)}: {vocab.phase(status_of(r, as_of))}.",
        f"Confidence: {r.confidence}.",
    ]
    lines += [f"Source: {s}" for s in r.sources]
    if r.notes:
        lines.append(f"Notes: {r.notes}")
    return "\n".join(lines)


def _trigger(days: int) -> str:
    return f"-P{days}D" if days > 0 else "PT0S"


def _alarms(m: Milestone, thresholds: Iterable[int], as_of: date) -> list[str]:
    lines: list[str] = []
    for days in sorted(set(thresholds), reverse=True):
        if m.day - timedelta(days=days) < as_of:
            continue  # already past: a client would only show it as a missed reminder
        what = "today" if days == 0 else f"in {vocab.days(days)}"
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(f'{_summary(m)} {what} ({m.when.text})')}",
            f"TRIGGER:{_trigger(days)}",
            "END:VALARM",
        ]
    return lines


def _event(
    m: Milestone, uid: str, state: EventState, stamp: str, thresholds: Iterable[int], as_of: date
) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{state.last_modified}",
        f"SEQUENCE:{state.sequence}",
        f"DTSTART;VALUE=DATE:{m.day.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(m.day + timedelta(days=1)).strftime('%Y%m%d')}",
        f"SUMMARY:{escape_text(_summary(m))}",
        f"DESCRIPTION:{escape_text(_description(m, as_of))}",
    ]
    if m.record.sources:
        lines.append(f"URL:{m.record.sources[0]}")
    lines += [
        f"CATEGORIES:{escape_text(m.record.vendor)},{escape_text(m.milestone)}",
        "TRANSP:TRANSPARENT",
        *_alarms(m, thresholds, as_of),
        "END:VEVENT",
    ]
    return lines


def render_calendar(
    records: Iterable[LifecycleRecord],
    settings: Settings,
    now: datetime,
    state: Mapping[str, EventState],
    as_of: date | None = None,
) -> tuple[str, dict[str, EventState]]:
    """The feed text and the state to store after publishing it. Pure: no I/O, no clock."""
    if as_of is None:
        as_of = now.astimezone(settings.tzinfo()).date()
    milestones = calendar_milestones(records)
    new_state = updated_state(milestones, state, now)
    stamp = ical_utc(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(CALENDAR_NAME)}",
        f"X-WR-CALNAME:{escape_text(CALENDAR_NAME)}",
        "X-WR-CALDESC:End of support and end of life milestones of hypervisor releases",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
        "X-PUBLISHED-TTL:PT12H",
    ]
    thresholds = settings.alerts.thresholds_days
    for m in milestones:
        uid = event_uid(m.record, m.milestone)
        lines += _event(m, uid, new_state[uid], stamp, thresholds, as_of)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines), new_state


def calendar_text(
    records: Iterable[LifecycleRecord], settings: Settings, now: datetime, as_of: date | None = None
) -> str:
    """The feed, remembering published dates in the state directory (see the module docstring)."""
    path = state_path(settings)
    text, new_state = render_calendar(records, settings, now, load_state(path), as_of)
    save_state(path, new_state)
    return text


def write_calendar(
    records: Iterable[LifecycleRecord],
    settings: Settings,
    now: datetime,
    out: Path,
    as_of: date | None = None,
) -> Path:
    """Write the feed to ``out`` atomically; the state is saved only after the feed is in place."""
    path = state_path(settings)
    text, new_state = render_calendar(records, settings, now, load_state(path), as_of)
    atomic_write_text(out, text)
    save_state(path, new_state)
    return out


def write_feed_beside(
    report_dir: Path,
    records: Iterable[LifecycleRecord],
    settings: Settings,
    now: datetime,
    as_of: date | None = None,
) -> Path:
    """``report_dir/tracker.ics``, for the HTML report to link to."""
    return write_calendar(records, settings, now, Path(report_dir) / FEED_NAME, as_of)
