"""The one change detector: old rows vs new rows -> moved / added / removed / refined, and passed.

Used by ``tracker diff OLD.csv NEW.csv``, the importer's reviewable diff, the report's "what
changed" and the Atom feed. Dates are compared with their precision (see :func:`compare_dates`):
the endoflife.date API writes a month-only date as the month's last day, so ``2026-08`` in the
dataset and ``2026-08-31`` from the API are the same date, and ``2026-08-15`` is a refinement
(the vendor named the day), not a move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from tracker.dataset import DATE_COLUMNS, MILESTONES, LifecycleRecord
from tracker.dates import MilestoneDate, parse_milestone

KINDS = ("moved", "added", "removed", "refined", "passed")


@dataclass(frozen=True)
class Change:
    """One difference between two versions of the dataset, or one milestone that has passed."""

    kind: str
    """``moved`` | ``added`` | ``removed`` | ``refined`` | ``passed``."""
    vendor: str
    product: str
    cycle: str
    milestone: str | None
    """``release`` | ``support_end`` | ``eol`` | ``extended_end``; None for added / removed cycles."""
    old: str | None
    """The date as the old dataset writes it (``2026-08``); None when it was blank (newly announced).
    For ``passed``: the milestone's date (old and new are the same)."""
    new: str | None
    """The date as the new dataset writes it; None when the new data leaves it blank."""

    @property
    def name(self) -> str:
        """``Product cycle``, as people say it."""
        return f"{self.product} {self.cycle}"

    @property
    def case(self) -> str:
        """Which sentence tells of the change: its kind, or ``announced`` / ``withdrawn`` when the
        old or the new date is blank."""
        if self.kind in ("added", "removed", "passed"):
            return self.kind
        if self.old is None:
            return "announced"
        if self.new is None:
            return "withdrawn"
        return self.kind

    def sentence(self, phrases: Mapping[str, str], what: str) -> str:
        """``phrases[self.case]`` with ``{name}``, ``{vendor}``, ``{what}`` (the milestone in the
        caller's words), ``{old}`` and ``{new}`` filled in: the report and the Atom feed word the
        same cases differently."""
        return phrases[self.case].format(
            name=self.name, vendor=self.vendor, what=what, old=self.old, new=self.new
        )

    def describe(self) -> str:
        """One line for people: ``Proxmox VE 8: eol 2026-08 -> 2026-09 (moved)``."""
        if self.kind in ("added", "removed"):
            return f"{self.name}: {self.kind}"
        if self.kind == "passed":
            return f"{self.name}: {self.milestone} {self.new} passed"
        return (
            f"{self.name}: {self.milestone} {self.old or '(blank)'} -> {self.new or '(blank)'} ({self.kind})"
        )


def compare_dates(old: str, new: str, api_month_end: bool = False) -> str:
    """``same``, ``moved`` or ``refined``: how the dataset date ``old`` relates to ``new``.

    ``api_month_end=True`` says that ``new`` comes from a source that writes a month-only date as
    the month's last day (the endoflife.date API): then ``2026-08`` vs ``2026-08-31`` is ``same``.
    A full day inside a month-only ``old`` is ``refined`` (more precise, same month). Anything else
    that differs, including a day becoming a month (alerts would shift), is ``moved``.
    Raises ValueError for a string that is not a dataset date.
    """
    a, b = parse_milestone(old), parse_milestone(new)
    return _compare(a, b, api_month_end)


def _compare(a: MilestoneDate, b: MilestoneDate, api_month_end: bool) -> str:
    if a.month_only == b.month_only:
        return "same" if a.first_day == b.first_day else "moved"
    if a.month_only and a.first_day <= b.first_day <= a.last_day:
        if api_month_end and b.first_day == a.last_day:
            return "same"
        return "refined"
    return "moved"


def _key(record: LifecycleRecord) -> tuple[str, str, str]:
    return (record.vendor.casefold(), record.product.casefold(), record.cycle.casefold())


def _text(value: MilestoneDate | None) -> str | None:
    return value.text if value is not None else None


def record_changes(old: LifecycleRecord, new: LifecycleRecord, api_month_end: bool = False) -> list[Change]:
    """Date changes of one cycle (same key), in column order: release, support_end, eol, extended_end.

    A date that appears (blank before) or disappears is reported as ``moved`` with None on the
    blank side.
    """
    changes = []
    for column in DATE_COLUMNS:
        a, b = old.milestone(column), new.milestone(column)
        if a is None and b is None:
            continue
        if a is not None and b is not None:
            kind = _compare(a, b, api_month_end)
            if kind == "same":
                continue
        else:
            kind = "moved"
        changes.append(Change(kind, new.vendor, new.product, new.cycle, column, _text(a), _text(b)))
    return changes


def diff_records(
    old: Sequence[LifecycleRecord], new: Sequence[LifecycleRecord], api_month_end: bool = False
) -> list[Change]:
    """Every difference from ``old`` to ``new``: cycles matched by (vendor, product, cycle), case-blind.

    Order: the new data's order (added cycles and date changes), then removed cycles in the old
    data's order. ``api_month_end``: see :func:`compare_dates` (for ``new`` read from the API).
    """
    before = {_key(r): r for r in old}
    after_keys = {_key(r) for r in new}
    changes: list[Change] = []
    for record in new:
        previous = before.get(_key(record))
        if previous is None:
            changes.append(Change("added", record.vendor, record.product, record.cycle, None, None, None))
            continue
        changes += record_changes(previous, record, api_month_end)
    for record in old:
        if _key(record) not in after_keys:
            changes.append(Change("removed", record.vendor, record.product, record.cycle, None, None, None))
    return changes


def passed_milestones(records: Sequence[LifecycleRecord], after: date, as_of: date) -> list[Change]:
    """Milestones (support_end, eol, extended_end) whose phase ended in (``after``, ``as_of``].

    A milestone is the last day d of its phase (a month-only date counts as its first day, the
    dataset's warn-early rule), so the phase ended when ``after <= d < as_of``. Sorted by date,
    then in record order. ``old`` and ``new`` both hold the milestone's date as written.
    """
    found: list[tuple[date, int, Change]] = []
    for index, record in enumerate(records):
        for column in MILESTONES:
            value = record.milestone(column)
            if value is not None and after <= value.first_day < as_of:
                change = Change(
                    "passed", record.vendor, record.product, record.cycle, column, value.text, value.text
                )
                found.append((value.first_day, index, change))
    found.sort(key=lambda item: (item[0], item[1]))
    return [change for _, _, change in found]


def summary(changes: Sequence[Change]) -> str:
    """``2 moved, 1 refined, 3 added`` (kinds with a count, in KINDS order); ``no changes``."""
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in KINDS}
    parts = [f"{n} {kind}" for kind, n in counts.items() if n]
    return ", ".join(parts) if parts else "no changes"
