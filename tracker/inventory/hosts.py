"""Host inventory -> matched release cycles as a pandas frame, for the report, alerts and check.

A million hosts have only a few hundred distinct (product, version) pairs, so each pair is matched
once (``keys.resolve_pairs``: the ``Matcher`` and the status engine) and pandas broadcasts the
results back to every host. Reading and validation live in ``table`` (pyarrow), which is also the
join of ``tracker inventory --format csv``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from tracker.config import Settings
from tracker.dataset import LifecycleRecord
from tracker.estate import HOST_NAMES_KEPT, EstateSummary
from tracker.formats import Result
from tracker.inventory.aliases import Aliases
from tracker.inventory.keys import HostKeys, RecordFilter, resolve_hosts
from tracker.inventory.table import (
    MATCHED,
    REQUIRED,
    STATUSES,
    UNMATCHED,
    read_hosts_table,
)
from tracker.status import days_to_eol

AT_RISK_GROUPS = ("cluster", "owner")
"""Columns the estate summary groups at-risk hosts by, the first present one wins."""


def load_inventory(path: str | Path) -> pd.DataFrame:
    """Read and validate a hosts CSV: every column as text, blanks as ``""``, input order kept."""
    return read_hosts_table(path).to_pandas()


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
    filters: RecordFilter | None = None,
) -> pd.DataFrame:
    """One row per host: the input's hostname, product, version, the matched product, cycle,
    status and days_to_eol, then the other input columns. Unmatched hosts have status
    ``unmatched`` and are kept even when filters are given (they might be what was asked for)."""
    resolved = _resolve(df, records, as_of, aliases, filters)
    results, codes = resolved.results, resolved.codes
    matched = np.array(results.matched, dtype=object)
    cycles = np.array(results.cycles, dtype=object)
    statuses = np.array(results.statuses, dtype=object)
    days = np.array(results.days, dtype=object)
    keep = np.array(results.keep, dtype=bool)

    columns: dict[str, object] = {c: df[c] for c in REQUIRED}
    columns["matched_product"] = pd.array(matched, dtype="str").take(codes)
    columns["cycle"] = pd.array(cycles, dtype="str").take(codes)
    columns["status"] = pd.array(statuses, dtype="str").take(codes)
    columns["days_to_eol"] = pd.array(days, dtype="Int64").take(codes)
    for c in df.columns:
        if c not in REQUIRED:
            columns[f"input_{c}" if c in MATCHED else c] = df[c]
    out = pd.DataFrame(columns, index=df.index)
    if not keep.all():
        out = out[keep[codes]]
    return out.reset_index(drop=True)


def _resolve(
    df: pd.DataFrame,
    records: Iterable[LifecycleRecord],
    as_of: date,
    aliases: Aliases,
    filters: RecordFilter | None = None,
    explain: bool = False,
) -> HostKeys:
    """Each host's key: its (product, version) pair, split by its cycle column when it needs one."""
    p_codes, p_uniq = pd.factorize(df["product"].fillna("").astype(str))
    v_codes, v_uniq = pd.factorize(df["version"].fillna("").astype(str))
    width = max(len(v_uniq), 1)
    codes, pairs = pd.factorize(p_codes.astype(np.int64) * width + v_codes)
    p_texts, v_texts = [str(x).strip() for x in p_uniq], [str(x).strip() for x in v_uniq]

    def column_of(name: str) -> tuple[np.ndarray, list[str]] | None:
        if name not in df.columns:
            return None
        col_codes, uniq = pd.factorize(df[name].fillna("").astype(str))
        return col_codes.astype(np.int64), [str(x).strip() for x in uniq]

    return resolve_hosts(
        codes.astype(np.int64),
        [(p_texts[key // width], v_texts[key % width]) for key in pairs.tolist()],
        column_of,
        records,
        as_of,
        aliases,
        filters,
        explain,
    )


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
    aliases = load_aliases()
    hosts = hosts[[c for c in hosts.columns if c in (*REQUIRED, *AT_RISK_GROUPS, *aliases.cycle_columns)]]
    matched = match_inventory(hosts, records, as_of, aliases)
    return estate_summary(matched, records, as_of, settings.alerts.warning_days)


EXPLAIN_COLUMNS = (
    ("product", "Product"),
    ("version", "Version"),
    ("cycle_column", "Cycle column"),
    ("hosts", "Hosts"),
    ("matched_product", "Matched product"),
    ("cycle", "Cycle"),
    ("product_rule", "Product matched by"),
    ("cycle_rule", "Cycle chosen by"),
)


def explain_inventory(
    df: pd.DataFrame, records: Iterable[LifecycleRecord], aliases: Aliases, as_of: date, generated_at: str
) -> Result:
    """``tracker inventory --explain``: one item per distinct (product, version), most hosts first,
    with the rule that recognised the product and the one that chose the cycle (or why none did);
    hosts whose alias reads a cycle column (AHV: ``aos``) are split by its value."""
    from tracker.formats import Column

    resolved = _resolve(df, records, as_of, aliases, explain=True)
    results = resolved.results
    hosts = np.bincount(resolved.codes, minlength=len(resolved.pairs))
    items: list[dict[str, object]] = []
    for key, (product, version) in enumerate(resolved.pairs):
        if not hosts[key]:
            continue  # a pair whose hosts were split by their cycle column
        product_rule, cycle_rule, _ = results.rules[key]
        values = resolved.values[key]
        items.append(
            {
                "product": product,
                "version": version,
                "hosts": int(hosts[key]),
                "matched_product": results.matched[key],
                "cycle": results.cycles[key],
                "product_rule": product_rule,
                "cycle_rule": cycle_rule,
                "cycle_column": ", ".join(f"{c}={v}" for c, v in values.items()) or None,
            }
        )
    items.sort(key=lambda i: (i["cycle"] is not None, -int(str(i["hosts"])), str(i["product"])))
    shown = [c for c in EXPLAIN_COLUMNS if c[0] != "cycle_column" or any(i["cycle_column"] for i in items)]
    columns = [Column(key, header, numeric=key == "hosts") for key, header in shown]
    return Result(
        items=items,
        columns=columns,
        as_of=as_of.isoformat(),
        generated_at=generated_at,
        title="How each (product, version) of the inventory was matched (unmatched first)",
        empty="(no hosts)",
    )
