"""Read and validate the lifecycle CSV into LifecycleRecord objects: the one place for data errors."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from tracker import vocabulary as vocab
from tracker.csvtext import Problem, line_problems, read_header, row_values
from tracker.dates import MilestoneDate, parse_day, parse_milestone
from tracker.errors import DatasetError
from tracker.gcutil import gc_paused

REQUIRED = ("vendor", "product", "cycle", "type", "release", "source", "confidence")
OPTIONAL = ("support_end", "eol", "extended_end", "notes", "verified_on")
COLUMNS = (
    "vendor",
    "product",
    "cycle",
    "type",
    "release",
    "support_end",
    "eol",
    "extended_end",
    "source",
    "confidence",
    "notes",
    "verified_on",
)
DATE_COLUMNS = ("release", "support_end", "eol", "extended_end")
MILESTONES = ("support_end", "eol", "extended_end")
CONFIDENCE = ("vendor", "secondary", "estimated")
STALE_AFTER_DAYS = 180
"""Default of ``data.stale_after_days``: rows checked longer ago than this are flagged."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HTTP_URL = re.compile(r"(?i:https?)://[^\s/?#]+[^\s]*\Z")


@dataclass(frozen=True)
class LifecycleRecord:
    """One release cycle of one product, as the dataset states it."""

    vendor: str
    product: str
    cycle: str
    type: int
    """1 = bare metal (including Hyper-V's parent partition), 2 = hosted."""
    release: MilestoneDate
    support_end: MilestoneDate | None
    """Last day of mainstream / general support (full fixes)."""
    eol: MilestoneDate | None
    """Last day of security fixes: the end of life alerts are about."""
    extended_end: MilestoneDate | None
    """Last day of a later paid or limited phase (ESU, technical guidance)."""
    source: str
    confidence: str
    notes: str = ""
    verified_on: date | None = None
    """The day someone last checked the dates against ``source``; None when never recorded."""
    line: int = 0
    """Line of the record in its file (header = 1), for messages."""

    @cached_property
    def sources(self) -> tuple[str, ...]:
        """The source URLs (the column holds several, separated by ``;``)."""
        return tuple(s.strip() for s in self.source.split(";") if s.strip())

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.vendor, self.product, self.cycle)

    @property
    def name(self) -> str:
        """``Product cycle``, as people say it."""
        return f"{self.product} {self.cycle}"

    def milestone(self, name: str) -> MilestoneDate | None:
        value: MilestoneDate | None = getattr(self, name)
        return value


def bundled_dataset_path() -> Path:
    """The dataset shipped with tracker: inside the wheel, or the source tree when editable."""
    packaged = Path(__file__).resolve().parent / "_data" / "hypervisors.csv"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "datasets" / "hypervisors.csv"


def is_http_url(text: str) -> bool:
    """An absolute http(s) URL with a host and no whitespace (the only sources that become links)."""
    return _HTTP_URL.match(text) is not None


def required_present(values: dict[str, str], line: int, required: Iterable[str], problem: Problem) -> bool:
    """False, with a problem per column, when a ``required`` value is empty."""
    ok = True
    for col in required:
        if not values.get(col):
            problem(line, col, "required value is empty")
            ok = False
    return ok


def confidence_known(values: dict[str, str], line: int, problem: Problem) -> bool:
    """False, with a problem, when ``confidence`` is set but not one of CONFIDENCE."""
    confidence = values.get("confidence", "")
    if confidence and confidence not in CONFIDENCE:
        problem(line, "confidence", f"must be one of {', '.join(CONFIDENCE)}, not {confidence!r}")
        return False
    return True


def single_line_values(values: dict[str, str], line: int, problem: Problem) -> bool:
    """False, with a problem per column, when a value other than ``notes`` holds a line break or a
    control character: names end up in e-mail headers and single-line outputs."""
    if not any(_CONTROL.search(v) for v in values.values()):  # the common case: one pass
        return True
    ok = True
    for col, value in values.items():
        if col != "notes" and _CONTROL.search(value):
            problem(line, col, "line break or control character in value (only notes may span lines)")
            ok = False
    return ok


def load_dataset(path: str | Path) -> list[LifecycleRecord]:
    """Read and validate ``path``; raise DatasetError listing every problem at once."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read dataset: {exc.strerror or exc}") from None
    records, problems = parse_dataset(raw, str(path))
    if problems:
        raise DatasetError(*problems)
    return records


@gc_paused()
def parse_dataset(raw: bytes, name: str) -> tuple[list[LifecycleRecord], list[str]]:
    """Parse CSV bytes; return the valid records and the problems, each ``FILE:LINE: column: msg``."""
    problems, problem = line_problems(name)
    read = read_header(raw, name, problems)
    if read is None:
        return [], problems
    header, rows = read
    known = set(REQUIRED) | set(OPTIONAL)
    for h in header:
        if h not in known:
            problem(1, h or "(blank)", "unknown column" + (" (empty header cell)" if not h else ""))
    seen_cols: set[str] = set()
    for h in header:
        if h in seen_cols and h in known:
            problem(1, h, "column appears twice in the header")
        seen_cols.add(h)
    for col in REQUIRED:
        if col not in header:
            problem(1, col, "required column is missing")
    if problems:
        return [], problems

    records: list[LifecycleRecord] = []
    keys: dict[tuple[str, str, str], int] = {}
    for line, values in row_values(header, rows, problem):
        record = _record(values, line, problem)
        if record is None:
            continue
        key = (record.vendor.casefold(), record.product.casefold(), record.cycle.casefold())
        if key in keys:
            problem(
                line,
                "cycle",
                f"duplicate of line {keys[key]} (same vendor, product and cycle: "
                f"{record.vendor} / {record.product} / {record.cycle})",
            )
            continue
        keys[key] = line
        records.append(record)
    return records, problems


def _record(values: dict[str, str], line: int, problem: Problem) -> LifecycleRecord | None:
    ok = required_present(values, line, REQUIRED, problem)
    ok = single_line_values(values, line, problem) and ok
    dates: dict[str, MilestoneDate | None] = {}
    for col in DATE_COLUMNS:
        text = values.get(col, "")
        if not text:
            dates[col] = None
            continue
        try:
            dates[col] = parse_milestone(text)
        except ValueError as exc:
            problem(line, col, str(exc))
            dates[col] = None
            ok = False
    verified_on: date | None = None
    if values.get("verified_on"):
        try:
            verified_on = parse_day(values["verified_on"])
        except ValueError as exc:
            problem(line, "verified_on", str(exc))
            ok = False
    type_text = values.get("type", "")
    if type_text and type_text not in ("1", "2"):
        problem(line, "type", f"must be 1 (bare metal) or 2 (hosted), not {type_text!r}")
        ok = False
    # Order: release <= support_end <= eol <= extended_end, over the dates that are present.
    present = [(col, d) for col, d in dates.items() if d is not None]
    for (col_a, a), (col_b, b) in itertools.pairwise(present):
        if b.last_day < a.first_day:
            problem(
                line,
                col_b,
                f"{b.text} is before {col_a} {a.text} "
                "(expected release <= support_end <= eol <= extended_end)",
            )
            ok = False
    source = values.get("source", "")
    if source:
        for part in source.split(";"):
            part = part.strip()
            if not part:
                problem(line, "source", "empty URL between ';' separators")
                ok = False
            elif not is_http_url(part):
                problem(line, "source", f"not an http(s):// URL: {part!r}")
                ok = False
    ok = confidence_known(values, line, problem) and ok
    if not ok or dates["release"] is None:
        return None
    return LifecycleRecord(
        vendor=values["vendor"],
        product=values["product"],
        cycle=values["cycle"],
        type=int(type_text),
        release=dates["release"],
        support_end=dates["support_end"],
        eol=dates["eol"],
        extended_end=dates["extended_end"],
        source=source,
        confidence=values.get("confidence", ""),
        notes=values.get("notes", ""),
        verified_on=verified_on,
        line=line,
    )


def record_row(record: LifecycleRecord) -> dict[str, str]:
    """The record as dataset strings, in COLUMNS order (for writing CSV back)."""

    def s(d: MilestoneDate | None) -> str:
        return d.text if d else ""

    return {
        "vendor": record.vendor,
        "product": record.product,
        "cycle": record.cycle,
        "type": str(record.type),
        "release": s(record.release),
        "support_end": s(record.support_end),
        "eol": s(record.eol),
        "extended_end": s(record.extended_end),
        "source": record.source,
        "confidence": record.confidence,
        "notes": record.notes,
        "verified_on": record.verified_on.isoformat() if record.verified_on else "",
    }


def rows_csv(rows: Iterable[dict[str, str]]) -> str:
    """Dataset rows (``record_row`` dicts) as the text of a dataset CSV, header first."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def dataset_csv(records: Iterable[LifecycleRecord]) -> str:
    """Records as the text of a dataset CSV (what ``load_dataset`` reads back unchanged)."""
    return rows_csv(record_row(r) for r in records)


def write_dataset(records: Iterable[LifecycleRecord], path: str | Path) -> None:
    """Write records as a dataset CSV, atomically."""
    from tracker.atomic import atomic_write_text

    atomic_write_text(Path(path), dataset_csv(records))


@dataclass(frozen=True)
class DatasetAge:
    """How long ago the dataset's rows were checked against their sources, as of a day."""

    as_of: date
    stale_after_days: int
    oldest: date | None
    """The oldest ``verified_on`` (None when no row records one)."""
    stale: tuple[LifecycleRecord, ...]
    """Rows never verified or verified more than ``stale_after_days`` before ``as_of``, oldest first."""
    unverified: int
    """How many of the stale rows have no ``verified_on`` at all."""

    @property
    def oldest_days(self) -> int | None:
        """Days since the oldest check (None when no row records one)."""
        return (self.as_of - self.oldest).days if self.oldest else None

    def describe(self) -> str:
        """One line for people: ``oldest check 2026-11-26 (0 days ago); 0 rows older than 180 days``."""
        if self.oldest is None:
            head = "no row records verified_on"
        else:
            head = f"oldest check {self.oldest.isoformat()} ({vocab.days(self.oldest_days or 0)} ago)"
        older = len(self.stale) - self.unverified
        parts = [f"{vocab.plural(older, 'row')} older than {vocab.days(self.stale_after_days)}"]
        if self.unverified:
            parts.append(f"{vocab.plural(self.unverified, 'row')} without verified_on")
        return f"{head}; {', '.join(parts)}"


def is_stale(record: LifecycleRecord, as_of: date, stale_after_days: int = STALE_AFTER_DAYS) -> bool:
    """Never verified, or verified more than ``stale_after_days`` days before ``as_of``."""
    return record.verified_on is None or (as_of - record.verified_on).days > stale_after_days


def dataset_age(
    records: Iterable[LifecycleRecord], as_of: date, stale_after_days: int = STALE_AFTER_DAYS
) -> DatasetAge:
    """The oldest ``verified_on`` and the stale rows (for validate, the report and check --data)."""
    records = list(records)
    checked = [r.verified_on for r in records if r.verified_on is not None]
    stale = [r for r in records if is_stale(r, as_of, stale_after_days)]
    stale.sort(key=lambda r: (r.verified_on is not None, r.verified_on or as_of, r.line))
    return DatasetAge(
        as_of=as_of,
        stale_after_days=stale_after_days,
        oldest=min(checked) if checked else None,
        stale=tuple(stale),
        unverified=sum(1 for r in stale if r.verified_on is None),
    )
