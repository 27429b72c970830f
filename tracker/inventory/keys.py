"""Each distinct host key resolved once: a (product, version) pair, and for the hosts whose alias
takes the cycle from a column (AHV: ``aos``), a (product, version, column value) triple.

AHV ships with AOS and follows its support policy, but an AHV build (``20230302.103003``) names no
AOS release; the cluster's AOS version does, and inventories from Prism and CMDBs often carry it in
a column of its own. An alias row's ``cycle_column`` names that column (datasets/README-aliases.md).
``resolve_hosts`` resolves each distinct pair first; only the hosts of the pairs that need a column
(their version named no cycle) are split again by its value, and each distinct (pair, value) is
resolved once more, as a new key after the pairs: numpy over the hosts, Python once per distinct
key. An inventory without the column costs nothing more. The version column wins when both name a
cycle (``--explain`` says so when they disagree).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np

from tracker.arrowutil import dense_codes
from tracker.dataset import LifecycleRecord
from tracker.inventory.aliases import Aliases, Matcher
from tracker.status import days_to_eol, status_of

UNMATCHED = "unmatched"
ColumnCodes = Callable[[str], "tuple[np.ndarray, list[str]] | None"]
"""A column's per-host codes (int64) and its distinct values, stripped; None when the inventory
has no such column."""


class RecordFilter(Protocol):
    """What the join filters with: ``tracker.resolve.Selection`` (or ``QueryFilters``)."""

    def apply(self, records: list[LifecycleRecord]) -> list[LifecycleRecord]: ...


@dataclass
class PairResults:
    """The answer for each distinct (product, version) pair, in the order given."""

    matched: list[str | None]
    cycles: list[str | None]
    statuses: list[str]
    days: list[int | None]
    keep: list[bool]
    rules: list[tuple[str, str, str]] = field(default_factory=list)
    """``(product_rule, cycle_rule, cycle_column)`` of each ``Match``, for ``--explain`` and
    ``tracker.inventory.columns`` (which splits a pair's hosts by their cycle column)."""

    def extend(self, more: PairResults) -> None:
        for name in ("matched", "cycles", "statuses", "days", "keep", "rules"):
            getattr(self, name).extend(getattr(more, name))


def resolve_pairs(
    pairs: Sequence[tuple[str, str]],
    records: Iterable[LifecycleRecord],
    as_of: date,
    aliases: Aliases,
    selected: Set[tuple[str, str]] | None = None,
    columns: Sequence[Mapping[str, str]] | None = None,
) -> PairResults:
    """Match each pair once; status and days once per cycle. ``keep`` is False for pairs whose
    (product, cycle) is not in ``selected`` (None: no filters); unmatched hosts are kept when their
    product (if any) has a selected cycle. ``columns``: per pair, the hosts' cycle-column values
    (``{"aos": "6.10.1"}``), if read."""
    records = list(records)
    index: dict[tuple[str, str], LifecycleRecord] = {}
    products: dict[str, list[tuple[str, str]]] = {}
    for r in records:
        index.setdefault((r.product, r.cycle), r)
        products.setdefault(r.product, []).append((r.product, r.cycle))
    matcher = Matcher(records, aliases)
    per_cycle: dict[tuple[str, str], tuple[str, int | None]] = {}
    out = PairResults([], [], [], [], [])
    for i, (product, version) in enumerate(pairs):
        m = matcher.match(product, version, columns[i] if columns is not None else None)
        record = index.get((m.product, m.cycle)) if m.product and m.cycle else None
        out.rules.append((m.product_rule, m.cycle_rule, m.cycle_column))
        out.matched.append(m.product)
        out.cycles.append(m.cycle)
        if record is None:
            out.statuses.append(UNMATCHED)
            out.days.append(None)
            keys = products.get(m.product, []) if m.product else []
            out.keep.append(selected is None or not keys or any(k in selected for k in keys))
            continue
        key = (record.product, record.cycle)
        if key not in per_cycle:
            per_cycle[key] = (str(status_of(record, as_of)), days_to_eol(record, as_of))
        status, days = per_cycle[key]
        out.statuses.append(status)
        out.days.append(days)
        out.keep.append(selected is None or key in selected)
    return out


@dataclass
class HostKeys:
    """Each host's key and, per key, what it resolved to."""

    codes: np.ndarray
    """Each host's key (int64): a pair, or a (pair, column value) after the pairs."""
    pairs: list[tuple[str, str]]
    """Per key, the (product, version) texts."""
    results: PairResults
    values: list[dict[str, str]]
    """Per key, the cycle-column values it was resolved with (``{}``: not read)."""


def resolve_hosts(
    codes: np.ndarray,
    pairs: Sequence[tuple[str, str]],
    column_of: ColumnCodes,
    records: Iterable[LifecycleRecord],
    as_of: date,
    aliases: Aliases,
    filters: RecordFilter | None = None,
    explain: bool = False,
) -> HostKeys:
    """Resolve the hosts whose pair is ``codes`` (int64 per host): each pair once, then each
    (pair, cycle-column value) of the pairs that need one. ``explain``: split every pair whose
    alias has a cycle column, also those the version placed (to say when the column disagrees)."""
    records = list(records)
    selected = {(r.product, r.cycle) for r in filters.apply(records)} if filters is not None else None
    results = resolve_pairs(pairs, records, as_of, aliases, selected)
    keys = HostKeys(np.asarray(codes, dtype=np.int64), list(pairs), results, [{} for _ in pairs])
    wanted: dict[str, np.ndarray] = {}
    for i, (_, _, column) in enumerate(results.rules):
        if column and results.matched[i] is not None and (explain or results.cycles[i] is None):
            wanted.setdefault(column, np.zeros(len(pairs), dtype=bool))[i] = True
    for column, split in sorted(wanted.items()):
        encoded = column_of(column)
        if encoded is not None:
            _split(keys, split, column, encoded, (records, as_of, aliases, selected))
    return keys


def _split(
    keys: HostKeys,
    split: np.ndarray,
    column: str,
    encoded: tuple[np.ndarray, list[str]],
    resolve: tuple[list[LifecycleRecord], date, Aliases, Set[tuple[str, str]] | None],
) -> None:
    """Give the hosts of the pairs in ``split`` new keys, one per distinct (pair, value)."""
    flags = np.zeros(len(keys.pairs), dtype=bool)
    flags[: len(split)] = split
    hosts = np.flatnonzero(flags[keys.codes])
    if not len(hosts):
        return
    value_codes, values = encoded
    width = max(len(values), 1)
    combined = keys.codes[hosts] * width + value_codes[hosts]
    sub, count = dense_codes(combined, len(keys.pairs) * width)
    first = np.zeros(count, dtype=np.int64)
    first[sub] = combined  # any host of the new key: the same (pair, value)
    new_pairs = [keys.pairs[k // width] for k in first.tolist()]
    new_values = [{**keys.values[k // width], column: values[k % width]} for k in first.tolist()]
    keys.results.extend(resolve_pairs(new_pairs, *resolve, columns=new_values))
    codes = keys.codes.copy()
    codes[hosts] = len(keys.pairs) + sub
    keys.codes = codes
    keys.pairs += new_pairs
    keys.values += new_values
