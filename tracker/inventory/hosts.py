"""Host inventory -> matched release cycles: pandas for the large join, Python per distinct pair.

A million hosts have only a few hundred distinct (product, version) pairs, so each pair is matched
once in Python (``Matcher``) and the status engine runs once per distinct cycle; pandas factorizes
the columns and broadcasts the results back to every host. A valid file is read with pyarrow; only
when that fails does a slower stdlib pass run, to name each problem as ``FILE:LINE: column: msg``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from tracker.config import Settings
from tracker.csvtext import CsvTextError, decode_csv_text
from tracker.dataset import LifecycleRecord
from tracker.errors import TrackerError
from tracker.estate import HOST_NAMES_KEPT, EstateSummary
from tracker.inventory.aliases import Aliases, Matcher
from tracker.status import STATUS_ORDER, Filters, days_to_eol, status_of

REQUIRED = ("hostname", "product", "version")
MATCHED = ("matched_product", "cycle", "status", "days_to_eol")
OUTPUT = (*REQUIRED, *MATCHED)
"""Output columns, in order; passed-through input columns follow them."""
UNMATCHED = "unmatched"
STATUSES = (*(str(s) for s in STATUS_ORDER), UNMATCHED)
MAX_PROBLEMS = 50
AT_RISK_GROUPS = ("cluster", "owner")
"""Columns the estate summary groups at-risk hosts by, the first present one wins."""


class InventoryError(TrackerError):
    """A host inventory that cannot be read; each message is ``FILE:LINE: column: message``."""


def load_inventory(path: str | Path) -> pd.DataFrame:
    """Read and validate a hosts CSV: every column as text, blanks as ``""``, input order kept."""
    path = Path(path)
    name = str(path)
    try:
        header = _header(path)
    except OSError as exc:
        raise InventoryError(f"{name}: cannot read inventory: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error):
        header = None
    if header is None or _header_problems(header, name):
        raise InventoryError(*_problems_or(path, "unreadable header"))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InventoryError(f"{name}: cannot read inventory: {exc.strerror or exc}") from None
    if b"\x00" in raw:  # pyarrow would take it as text; it means a binary file
        raise InventoryError(*_problems_or(path, "NUL byte"))
    try:
        df = pd.read_csv(
            io.BytesIO(raw), dtype=str, keep_default_na=False, engine="pyarrow", encoding="utf-8"
        )
    except (ValueError, OSError, UnicodeDecodeError) as exc:  # ParserError, ArrowInvalid
        raise InventoryError(*_problems_or(path, str(exc))) from None
    del raw
    df.columns = [str(c).strip() for c in df.columns]
    if (df["hostname"].str.strip() == "").any():
        raise InventoryError(*_problems_or(path, "empty hostname"))
    return df


def _header(path: Path) -> list[str] | None:
    with open(path, encoding="utf-8-sig", newline="") as f:
        row = next(csv.reader(f, strict=True), None)
    return None if row is None else [h.strip() for h in row]


def _header_problems(header: list[str], name: str) -> list[str]:
    problems = [f"{name}:1: {col}: required column is missing" for col in REQUIRED if col not in header]
    seen: set[str] = set()
    for h in header:
        if not h:
            problems.append(f"{name}:1: (blank): empty column name in the header")
        elif h in seen:
            problems.append(f"{name}:1: {h}: column appears twice in the header")
        seen.add(h)
    return problems


def _problems_or(path: Path, fallback: str) -> list[str]:
    """The precise problems of a file the fast reader refused (never empty)."""
    problems = inventory_problems(path.read_bytes(), str(path))
    return problems or [f"{path}:1: (file): cannot read as CSV: {fallback}"]


def inventory_problems(raw: bytes, name: str) -> list[str]:
    """Every problem of an inventory file, ``FILE:LINE: column: message`` (capped at 50)."""
    problems: list[str] = []

    def problem(line: int, column: str, message: str) -> None:
        problems.append(f"{name}:{line}: {column}: {message}")

    try:
        text = decode_csv_text(raw, name)
    except CsvTextError as exc:
        return [str(exc)]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        problem(1, "(file)", "empty file: expected a header with hostname, product, version")
        return problems
    except csv.Error as exc:
        problem(1, "(file)", f"not valid CSV: {exc}")
        return problems
    problems += _header_problems(header, name)
    if problems:
        return problems
    host_col = header.index("hostname")
    previous_end = reader.line_num
    extra = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problem(previous_end + 1, "(row)", f"not valid CSV: {exc}")
            break
        line, previous_end = previous_end + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(problems) >= MAX_PROBLEMS:
            extra += 1
            continue
        if len(row) != len(header):
            problem(line, "(row)", f"{len(row)} fields, but the header has {len(header)} columns")
        elif not row[host_col].strip():
            problem(line, "hostname", "empty: every host needs a name")
    if extra:
        problems.append(f"{name}: ... and more problems not shown (first {MAX_PROBLEMS} listed)")
    return problems


def _record_index(records: Iterable[LifecycleRecord]) -> dict[tuple[str, str], LifecycleRecord]:
    index: dict[tuple[str, str], LifecycleRecord] = {}
    for r in records:
        index.setdefault((r.product, r.cycle), r)
    return index


def match_inventory(
    df: pd.DataFrame,
    records: Iterable[LifecycleRecord],
    as_of: date,
    aliases: Aliases,
    filters: Filters | None = None,
) -> pd.DataFrame:
    """One row per host: the input's hostname, product, version, the matched product, cycle,
    status and days_to_eol, then the other input columns. Unmatched hosts have status
    ``unmatched`` and are kept even when filters are given (they might be what was asked for)."""
    records = list(records)
    index = _record_index(records)
    matcher = Matcher(records, aliases)
    by_product: dict[str, LifecycleRecord] = {}
    for r in records:
        by_product.setdefault(r.product, r)

    product = df["product"].fillna("").astype(str)
    version = df["version"].fillna("").astype(str)
    p_codes, p_uniq = pd.factorize(product)
    v_codes, v_uniq = pd.factorize(version)
    width = max(len(v_uniq), 1)
    codes, pairs = pd.factorize(p_codes.astype(np.int64) * width + v_codes)

    n = len(pairs)
    matched = np.empty(n, dtype=object)
    cycles = np.empty(n, dtype=object)
    statuses = np.empty(n, dtype=object)
    days = np.empty(n, dtype=object)
    keep = np.ones(n, dtype=bool)
    per_cycle: dict[tuple[str, str], tuple[str, int | None]] = {}
    p_texts, v_texts = [str(x) for x in p_uniq], [str(x) for x in v_uniq]
    for i, key in enumerate(pairs.tolist()):
        m = matcher.match(p_texts[key // width], v_texts[key % width])
        matched[i], cycles[i] = m.product, m.cycle
        record = index.get((m.product, m.cycle)) if m.product and m.cycle else None
        if record is None:
            statuses[i], days[i] = UNMATCHED, None
            representative = by_product.get(m.product) if m.product else None
            if filters is not None and representative is not None:
                keep[i] = filters.match(representative)
            continue
        if record.key[1:] not in per_cycle:
            per_cycle[record.key[1:]] = (str(status_of(record, as_of)), days_to_eol(record, as_of))
        statuses[i], days[i] = per_cycle[record.key[1:]]
        if filters is not None:
            keep[i] = filters.match(record)

    columns: dict[str, object] = {c: df[c] for c in REQUIRED}
    columns["matched_product"] = pd.array(matched, dtype="str").take(codes)
    columns["cycle"] = pd.array(cycles, dtype="str").take(codes)
    columns["status"] = pd.array(statuses, dtype="str").take(codes)
    columns["days_to_eol"] = pd.array(days, dtype="Int64").take(codes)
    for c in df.columns:
        if c not in REQUIRED:
            columns[f"input_{c}" if c in MATCHED else c] = df[c]
    out = pd.DataFrame(columns, index=df.index)
    if filters is not None and not keep.all():
        out = out[keep[codes]]
    return out.reset_index(drop=True)


def status_counts(matched: pd.DataFrame) -> dict[str, int]:
    """Hosts per status, in lifecycle order, then ``unmatched``; only statuses that occur."""
    counts = matched["status"].value_counts()
    return {s: int(counts[s]) for s in STATUSES if s in counts.index}


def estate_summary(
    matched: pd.DataFrame, records: Iterable[LifecycleRecord], as_of: date, warning_days: int, top: int = 10
) -> EstateSummary:
    """Summarise a ``match_inventory`` frame; days are recomputed per cycle for ``as_of``."""
    index = _record_index(records)
    # One grouping, positions per (product, cycle); rows without a cycle (unmatched) drop out.
    # No boolean .loc over the whole frame: on a million hosts each such copy costs ~0.3 s.
    positions = matched.groupby(["matched_product", "cycle"], sort=False).indices
    hostnames = matched["hostname"]
    host_counts: dict[tuple[str, str, str], int] = {}
    host_names: dict[tuple[str, str, str], tuple[str, ...]] = {}
    cycles: dict[tuple[str, str, str], int | None] = {}
    risky: list[np.ndarray] = []
    for pair, found in positions.items():
        names: tuple[object, ...] = pair  # type: ignore[assignment]
        where = np.asarray(found)
        record = index.get((str(names[0]), str(names[1])))
        if record is None:
            continue
        host_counts[record.key] = host_counts.get(record.key, 0) + len(where)
        kept = host_names.get(record.key, ()) + tuple(str(n) for n in hostnames.iloc[where[:HOST_NAMES_KEPT]])
        host_names[record.key] = kept[:HOST_NAMES_KEPT]
        days = days_to_eol(record, as_of)
        cycles[record.key] = days
        if days is not None and days <= warning_days:
            risky.append(where)
    group_by = next((c for c in AT_RISK_GROUPS if c in matched.columns), None)
    at_risk: list[tuple[str, int]] = []
    if group_by is not None and risky:
        rows = np.sort(np.concatenate(risky))
        groups = matched[group_by].iloc[rows].fillna("").replace("", "(none)")
        counts = groups.value_counts()
        ranked = sorted(((str(g), int(c)) for g, c in counts.items()), key=lambda t: (-t[1], t[0]))
        at_risk = ranked[:top]
    by_status = status_counts(matched)
    return EstateSummary(
        hosts_by_status=by_status,
        at_risk=at_risk,
        host_counts=host_counts,
        at_risk_by=group_by,
        total=len(matched),
        unmatched=by_status.get(UNMATCHED, 0),
        cycles=cycles,
        host_names=host_names,
    )


def configured_estate(
    settings: Settings, records: list[LifecycleRecord], as_of: date
) -> EstateSummary | None:
    """The estate summary of ``settings.inventory``, or None when no inventory is configured.

    The report ("Your estate"), alert digests (hosts affected) and the nightly job share this.
    """
    if settings.inventory is None:
        return None
    from tracker.inventory.aliases import load_aliases

    hosts = load_inventory(settings.inventory)
    # The summary reads only these columns: matching the others would copy them for nothing.
    hosts = hosts[[c for c in hosts.columns if c in (*REQUIRED, *AT_RISK_GROUPS)]]
    matched = match_inventory(hosts, records, as_of, load_aliases())
    return estate_summary(matched, records, as_of, settings.alerts.warning_days)
