"""Merging imported endoflife.date rows into a dataset: the reviewable diff, and the validator's say.

Split from ``tracker.sources.endoflife`` (the API client and the mapping to rows), which re-exports
these names. Dates are compared with their precision (``tracker.changes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker.changes import Change, record_changes
from tracker.dataset import DATE_COLUMNS, LifecycleRecord, parse_dataset, record_row, rows_csv
from tracker.errors import TrackerError


def row_problems(row: dict[str, str]) -> list[str]:
    """The validator's complaints about one row, as ``column: message``."""
    _, problems = parse_dataset(rows_csv([row]).encode("utf-8"), "row")
    return [p.split(": ", 1)[1] if ": " in p else p for p in problems]


def _key(row: dict[str, str]) -> tuple[str, str, str]:
    return (row["vendor"].casefold(), row["product"].casefold(), row["cycle"].casefold())


@dataclass
class MergeResult:
    rows: list[dict[str, str]]
    """The whole dataset after the merge, in file order (new cycles next to their product)."""
    changes: list[Change] = field(default_factory=list)
    """Every change the merge makes (moved / refined dates, added cycles), from tracker.changes."""
    lines: list[str] = field(default_factory=list)
    """The reviewable diff, one line per change, in order (dates, sources, confidence)."""
    kept: list[str] = field(default_factory=list)
    """Where endoflife.date differs from a ``vendor`` row, which is kept (without --force)."""
    skipped: list[str] = field(default_factory=list)
    updated: int = 0
    added: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.updated or self.added)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    def summary(self) -> str:
        return (
            f"{self.count('moved')} moved, {self.count('refined')} refined, {self.added} added, "
            f"{len(self.kept)} kept (vendor), {len(self.skipped)} skipped, {self.unchanged} unchanged"
        )


def merge_rows(
    existing: Sequence[LifecycleRecord],
    imported: Iterable[dict[str, str]],
    force: bool = False,
    verified_on: date | None = None,
) -> MergeResult:
    """Update matching (vendor, product, cycle) rows and add new ones.

    Dates are compared with their precision (tracker.changes, API month-end rule): the API's
    ``2026-08-31`` for a dataset ``2026-08`` is the same date, and a day inside a month-only date is a
    refinement. Only dates are taken from the import, and a blank never clears a date (endoflife.date
    leaves a phase out when the product has none). A row whose confidence is ``vendor`` is never
    changed unless ``force``: its differences are listed in ``kept``. Notes and type are kept; the
    endoflife.date page is added to the sources, and the confidence becomes ``secondary`` since the
    dates now come from there. Rows written get ``verified_on`` when it is given.
    """
    rows = [record_row(r) for r in existing]
    index = {_key(row): i for i, row in enumerate(rows)}
    result = MergeResult(rows=rows)
    stamp = verified_on.isoformat() if verified_on else ""
    for new in imported:
        i = index.get(_key(new))
        if i is None:
            new = {**new, "verified_on": stamp or new.get("verified_on", "")}
            position = _insert_position(rows, new)
            rows.insert(position, new)
            index = {_key(row): j for j, row in enumerate(rows)}
            result.added += 1
            result.changes.append(
                Change("added", new["vendor"], new["product"], new["cycle"], None, None, None)
            )
            dates = ", ".join(f"{f} {new[f]}" for f in DATE_COLUMNS if new[f])
            result.lines.append(f"{new['product']} {new['cycle']}: added ({dates})")
            continue
        old = rows[i]
        label = f"{old['product']} {old['cycle']}"
        # A blank from the API never clears a date: only dates it gives are compared.
        diffs = [
            c
            for c in record_changes(_as_record(old), _as_record(new), api_month_end=True)
            if c.new is not None
        ]
        if not diffs:
            result.unchanged += 1
            continue
        if old["confidence"] == "vendor" and not force:
            for c in diffs:
                how = "more precise" if c.kind == "refined" else "differs"
                result.kept.append(
                    f"{label}: kept {c.milestone} {c.old or '(blank)'} (confidence vendor; --force to "
                    f"take it): endoflife.date says {c.new} ({how})"
                )
            continue
        merged = dict(old)
        for c in diffs:
            assert c.milestone is not None
            merged[c.milestone] = new[c.milestone]
        problems = row_problems(merged)
        if problems:
            what = ", ".join(f"{c.milestone} {c.old or '(blank)'} -> {c.new}" for c in diffs)
            result.skipped.append(
                f"{label}: skipped, the merged row would be invalid ({'; '.join(problems)}): {what}"
            )
            continue
        lines = [c.describe() for c in diffs]
        sources = [s.strip() for s in old["source"].split(";") if s.strip()]
        extra = [s.strip() for s in new["source"].split(";") if s.strip() and s.strip() not in sources]
        if extra and not any("endoflife.date" in s for s in sources):
            merged["source"] = " ; ".join([*sources, extra[0]])
            lines.append(f"{label}: source + {extra[0]}")
        if old["confidence"] != "secondary":
            merged["confidence"] = "secondary"
            lines.append(f"{label}: confidence {old['confidence']} -> secondary")
        if stamp:
            merged["verified_on"] = stamp
        rows[i] = merged
        result.updated += 1
        result.changes.extend(diffs)
        result.lines.extend(lines)
    return result


def _as_record(row: dict[str, str]) -> LifecycleRecord:
    records, problems = parse_dataset(rows_csv([row]).encode("utf-8"), "row")
    if problems or not records:  # the importer only merges rows that passed the validator
        raise TrackerError(f"internal: row does not validate: {'; '.join(problems)}")
    return records[0]


def _insert_position(rows: list[dict[str, str]], new: dict[str, str]) -> int:
    """After the last row of the same product; at the end for a new product."""
    product = (new["vendor"].casefold(), new["product"].casefold())
    last = None
    for i, row in enumerate(rows):
        if (row["vendor"].casefold(), row["product"].casefold()) == product:
            last = i
    return len(rows) if last is None else last + 1


def validated_records(rows: Iterable[dict[str, str]], name: str) -> list[LifecycleRecord]:
    """Run the merged rows through the dataset validator; raise with every problem."""
    records, problems = parse_dataset(rows_csv(rows).encode("utf-8"), name)
    if problems:
        raise TrackerError(f"{name}: the merged dataset would not be valid; nothing written:", *problems)
    return records
