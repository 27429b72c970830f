"""Plan every host of an inventory in Arrow: a million hosts, a few thousand distinct plans.

The columns that change a plan (the (product, version) pair, ``hardware_end``, ``hardware_model``
and the layer columns) are dictionary-encoded and combined into one integer key per host;
``Planner.plan`` runs once per distinct key, and each result column is a dictionary column whose
indices are the hosts' keys: no per-host Python and no string copied per host. The csv output of
``tracker plan`` goes from this table to the file without importing pandas (like ``tracker
inventory``); the other formats, the report and the alerts convert it to a frame (``hosts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracker import vocabulary as vocab
from tracker.arrowutil import dense_codes, encode_column, int32_indices, small_array
from tracker.dataset import LifecycleRecord
from tracker.dates import parse_milestone
from tracker.inventory.aliases import Aliases, Matcher
from tracker.inventory.keys import UNMATCHED, PairResults, RecordFilter, resolve_hosts
from tracker.inventory.table import InventoryError, arrow_columns, arrow_pairs
from tracker.plan.engine import NONE_KNOWN, Planner

PLAN_COLUMNS = (
    "effective_end",
    "binding",
    "target_product",
    "target_cycle",
    "path",
    "hops",
    "start_by",
    "days_to_start",
)
INT_COLUMNS = ("hops", "days_to_start")
OUTPUT = ("hostname", "product", "cycle", "status", *PLAN_COLUMNS)
"""Output columns, in order (README "Planning upgrades"); ``version`` and the other input columns follow."""
LAYER_COLUMNS: dict[str, str | None] = {
    "vcenter": "VMware vCenter Server",
    "aos": "AOS",
    "scvmm": "System Center Virtual Machine Manager",
    "os": None,
}
"""Inventory columns that name a host's deployed management or base layer, with the product a bare
version in them belongs to (None: the value must name the product, e.g. ``Debian 12``)."""
URGENT_DAYS = 90
"""The stderr summary counts hosts that must start within this many days."""


@dataclass(frozen=True)
class PlanCounts:
    """The numbers of the stderr summary, counted per key (never per host in Python)."""

    hosts: int = 0
    urgent: int = 0
    """Hosts whose start-by date is at most ``URGENT_DAYS`` away (or already behind)."""
    late: int = 0
    """Hosts already past their start-by date."""
    no_path: int = 0
    unmatched: int = 0
    unknown_models: tuple[str, ...] = ()
    """``hardware_model`` values the ``plan.hardware`` list does not have (no hardware end for them)."""
    unknown_layers: tuple[str, ...] = ()
    """``vcenter '8.9'``: layer column values that name no release cycle (the stack's oldest counts)."""

    def summary(self, within: int = URGENT_DAYS) -> str:
        """``12 hosts must start an upgrade within 90 days; 3 have no known upgrade path``."""
        text = f"{vocab.hosts(self.urgent)} must start an upgrade within {within} days"
        if self.late:
            text += f" ({self.late} already past their start-by date)"
        if self.no_path:
            text += f"; {self.no_path} {'has' if self.no_path == 1 else 'have'} no known upgrade path"
        if self.unmatched:
            text += f"; {self.unmatched} unmatched"
        if self.unknown_models:
            models = ", ".join(repr(m) for m in self.unknown_models[:3])
            more = f" and {len(self.unknown_models) - 3} more" if len(self.unknown_models) > 3 else ""
            text += f"; hardware_model not in plan.hardware: {models}{more}"
        if self.unknown_layers:
            more = f" and {len(self.unknown_layers) - 3} more" if len(self.unknown_layers) > 3 else ""
            text += f"; no known release in {', '.join(self.unknown_layers[:3])}{more}"
        return text


def _dict_column(values: Sequence[str | None], codes: np.ndarray) -> pa.DictionaryArray:
    """A text column from one value per group (None = missing) and each host's group code: a
    dictionary of the distinct values (sorted, no duplicates, as pandas categories need)."""
    distinct = sorted({v for v in values if v is not None})
    position = {v: i for i, v in enumerate(distinct)}
    small = np.array([position[v] if v is not None else -1 for v in values] or [-1], dtype=np.int32)
    host = small[codes] if len(values) else np.full(len(codes), -1, dtype=np.int32)
    missing = host < 0
    nulls = int(missing.sum())
    validity = pa.py_buffer(np.packbits(~missing, bitorder="little")) if nulls else None
    host = np.where(missing, 0, host).astype(np.int32) if nulls else np.ascontiguousarray(host)
    indices = pa.Array.from_buffers(pa.int32(), len(host), [validity, pa.py_buffer(host)], null_count=nulls)
    return pa.DictionaryArray.from_arrays(indices, small_array(distinct, pa.string()))


def _layer(value: str, default: str | None, matcher: Matcher) -> tuple[str, str] | None:
    """The (product, cycle) a layer column's value names, or None."""
    if not value:
        return None
    m = matcher.match(value, "")
    if m.cycle is None and default is not None:
        m = matcher.match(default, value)
    return (m.product, m.cycle) if m.product and m.cycle else None


def _hardware_ends(values: list[str], codes: np.ndarray, rows: np.ndarray, name: str) -> list[date | None]:
    """Parse each distinct ``hardware_end``; InventoryError naming the first line of each bad one
    (``rows``: each host's data row in the file, header excluded)."""
    ends: list[date | None] = []
    problems = []
    for i, value in enumerate(values):
        if not value:
            ends.append(None)
            continue
        try:
            ends.append(parse_milestone(value).first_day)
        except ValueError as exc:
            row = int(rows[np.flatnonzero(codes == i)[0]])
            problems.append(f"{name}:{row + 2}: hardware_end: {exc}")
            ends.append(None)
    if problems:
        raise InventoryError(*problems[:50])
    return ends


@dataclass
class _Hosts:
    """The hosts as codes: each one's key (its (product, version) pair, or (pair, ``aos`` value) for
    AHV hosts: ``tracker.inventory.keys``) and what the keys resolved to; ``pair_*`` name the keys."""

    table: pa.Table
    pair_key: np.ndarray
    pair_count: int
    pairs: list[tuple[str, str]]
    results: PairResults
    rows: np.ndarray
    """Each host's data row in the file (header excluded), for ``FILE:LINE`` messages."""


@dataclass
class _Inputs:
    """The other columns that change a plan, each as per-host codes into its distinct values."""

    parts: list[tuple[np.ndarray, int]]
    end_codes: np.ndarray | None = None
    ends: list[date | None] = field(default_factory=list)
    model_codes: np.ndarray | None = None
    models: list[date | None] = field(default_factory=list)
    unknown_models: tuple[str, ...] = ()
    unknown_layers: tuple[str, ...] = ()
    layers: list[tuple[np.ndarray, list[tuple[str, str] | None]]] = field(default_factory=list)

    def deployed(self, row: int) -> dict[str, str]:
        """The layers host ``row`` names: product -> cycle."""
        out = {}
        for codes, named in self.layers:
            layer = named[codes[row]]
            if layer is not None:
                out[layer[0]] = layer[1]
        return out

    def hardware_end(self, row: int) -> date | None:
        end = self.ends[self.end_codes[row]] if self.end_codes is not None else None
        if end is None and self.model_codes is not None:
            end = self.models[self.model_codes[row]]
        return end


def _match_hosts(
    table: pa.Table,
    records: list[LifecycleRecord],
    as_of: date,
    aliases: Aliases,
    filters: RecordFilter | None,
) -> _Hosts:
    """Resolve each distinct (product, version) pair once (and, for AHV hosts, each (pair, aos)
    value: ``tracker.inventory.keys``); drop the hosts the filters exclude."""
    resolved = resolve_hosts(*arrow_pairs(table), arrow_columns(table), records, as_of, aliases, filters)
    pair_key, pairs, results = resolved.codes, resolved.pairs, resolved.results
    pair_count = len(pairs)
    rows = np.arange(len(table), dtype=np.int64)
    if not all(results.keep):
        rows = np.flatnonzero(np.array(results.keep, dtype=bool)[pair_key])
        table = table.take(int32_indices(rows))
        pair_key = pair_key[rows]
    return _Hosts(table, pair_key, pair_count, pairs, results, rows)


def _inputs(
    hosts: _Hosts,
    records: list[LifecycleRecord],
    aliases: Aliases,
    hardware: dict[str, date] | None,
    name: str,
) -> _Inputs:
    """Every column that changes a plan, as codes (the pair first)."""
    table = hosts.table
    found = _Inputs(parts=[(hosts.pair_key, max(hosts.pair_count, 1))])
    if "hardware_end" in table.column_names:
        found.end_codes, texts = encode_column(table.column("hardware_end"))
        found.ends = _hardware_ends(texts, found.end_codes, hosts.rows, name)
        found.parts.append((found.end_codes, max(len(texts), 1)))
    if hardware is not None and "hardware_model" in table.column_names:
        found.model_codes, texts = encode_column(table.column("hardware_model"))
        found.models = [hardware.get(m.casefold()) if m else None for m in texts]
        found.unknown_models = tuple(
            sorted(m for m, end in zip(texts, found.models, strict=True) if m and not end)
        )
        found.parts.append((found.model_codes, max(len(texts), 1)))
    matcher = Matcher(records, aliases)
    for col, default in LAYER_COLUMNS.items():
        if col in table.column_names:
            codes, texts = encode_column(table.column(col))
            named = [_layer(v, default, matcher) for v in texts]
            found.layers.append((codes, named))
            found.parts.append((codes, max(len(texts), 1)))
            bad = sorted(v for v, layer in zip(texts, named, strict=True) if v and layer is None)
            found.unknown_layers += tuple(f"{col} {v!r}" for v in bad)
    return found


def _combine(parts: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """One key per host over all the parts, renumbered 0..n-1."""
    key, size = parts[0]
    for codes, n in parts[1:]:
        if size * n >= 2**40:  # renumber before the combined key could overflow
            key, size = dense_codes(key, size)
        key, size = key * n + codes, size * n
    return dense_codes(key, size)


def _plan_keys(
    hosts: _Hosts, inputs: _Inputs, key: np.ndarray, n_keys: int, planner: Planner
) -> tuple[dict[str, list[object]], list[LifecycleRecord | None]]:
    """Per key, the plan columns (None for unmatched hosts) and the release cycle, planning one
    host of each key."""
    index = planner.records
    rep = np.zeros(n_keys, dtype=np.int64)
    rep[key] = np.arange(len(key), dtype=np.int64)  # a host of each key: they all plan alike
    values: dict[str, list[object]] = {c: [] for c in PLAN_COLUMNS}
    found: list[LifecycleRecord | None] = []
    results = hosts.results
    for row in rep.tolist():
        pair = hosts.pair_key[row]
        cycle = results.cycles[pair]
        record = index.get((results.matched[pair] or "", cycle)) if cycle else None
        found.append(record)
        if record is None:
            for c in PLAN_COLUMNS:
                values[c].append(None)
            continue
        plan = planner.plan(record, inputs.deployed(row), inputs.hardware_end(row))
        values["effective_end"].append(plan.effective_end.isoformat() if plan.effective_end else None)
        values["binding"].append(plan.binding or None)
        values["target_product"].append(plan.target.product if plan.target else None)
        values["target_cycle"].append(plan.target.cycle if plan.target else None)
        values["path"].append(plan.path)
        values["hops"].append(plan.hops)
        values["start_by"].append(plan.start_by.isoformat() if plan.start_by else None)
        values["days_to_start"].append(plan.days_to_start(planner.as_of))
    return values, found


def _output(hosts: _Hosts, key: np.ndarray, values: dict[str, list[object]]) -> pa.Table:
    """The output table: OUTPUT columns as dictionary columns, ``version``, the other inputs."""
    table, results = hosts.table, hosts.results
    shown = [
        m if m is not None and c is not None else p
        for m, c, (p, _) in zip(results.matched, results.cycles, hosts.pairs, strict=True)
    ]
    columns: dict[str, pa.Array | pa.ChunkedArray] = {"hostname": table.column("hostname")}
    of_pairs: list[tuple[str, Sequence[str | None]]] = [
        ("product", shown),
        ("cycle", results.cycles),
        ("status", results.statuses),
    ]
    for col, strings in of_pairs:
        columns[col] = _dict_column(strings, hosts.pair_key)
    by_key = int32_indices(key)
    for col in PLAN_COLUMNS:
        if col in INT_COLUMNS:
            columns[col] = pc.take(small_array(values[col], pa.int64()), by_key)  # type: ignore[arg-type]
        else:
            columns[col] = _dict_column(values[col], key)  # type: ignore[arg-type]
    columns["version"] = table.column("version")
    for col in table.column_names:
        if col not in columns:
            columns[col] = table.column(col)
        elif col not in ("hostname", "version", "product"):
            columns[f"input_{col}"] = table.column(col)
    return pa.Table.from_arrays(list(columns.values()), names=list(columns))


def _counts(hosts: _Hosts, per_key: np.ndarray, values: dict[str, list[object]]) -> PlanCounts:
    """The summary numbers, summed per key and per pair (no per-host Python)."""
    # every pair, also when the filters left no host (a count of 0 per pair, never an empty array)
    per_pair = np.bincount(np.asarray(hosts.pair_key, dtype=np.int64), minlength=hosts.pair_count)

    def hosts_where(flags: Sequence[bool], counts: np.ndarray) -> int:
        return int(counts[np.array(flags, dtype=bool)].sum()) if len(flags) else 0

    days = [d if isinstance(d, int) else None for d in values["days_to_start"]]
    return PlanCounts(
        hosts=int(per_key.sum()),
        urgent=hosts_where([d is not None and d <= URGENT_DAYS for d in days], per_key),
        late=hosts_where([d is not None and d < 0 for d in days], per_key),
        no_path=hosts_where([p == NONE_KNOWN for p in values["path"]], per_key),
        unmatched=hosts_where([s == UNMATCHED for s in hosts.results.statuses], per_pair),
    )


@dataclass(frozen=True)
class KeyedPlan:
    """An inventory planned once per distinct key (``plan_keys``): each host's key, and per key
    the plan and the release cycle its hosts run."""

    hosts: _Hosts
    key: np.ndarray
    """Each host's key, 0 .. n_keys - 1."""
    n_keys: int
    values: dict[str, list[object]]
    """Per key, the PLAN_COLUMNS values (None for unmatched hosts)."""
    records: list[LifecycleRecord | None]
    """Per key, the matched release cycle (None: unmatched)."""
    unknown_models: tuple[str, ...] = ()
    """``hardware_model`` values missing from the ``plan.hardware`` list."""
    unknown_layers: tuple[str, ...] = ()
    """Layer column values naming no release cycle (``vcenter '8.9'``)."""

    def hosts_per_key(self) -> np.ndarray:
        if not self.n_keys:
            return np.zeros(0, dtype=np.int64)
        return np.bincount(self.key, minlength=self.n_keys)


def plan_keys(
    table: pa.Table,
    records: Iterable[LifecycleRecord],
    planner: Planner,
    aliases: Aliases,
    filters: RecordFilter | None = None,
    hardware: dict[str, date] | None = None,
    name: str = "inventory",
) -> KeyedPlan:
    """Match the hosts of ``table`` and plan each distinct (pair, layers, hardware end) once.
    ``name`` is the file, for messages."""
    records = list(records)
    hosts = _match_hosts(table, records, planner.as_of, aliases, filters)
    inputs = _inputs(hosts, records, aliases, hardware, name)
    key, n_keys = _combine(inputs.parts)
    values, found = _plan_keys(hosts, inputs, key, n_keys, planner)
    return KeyedPlan(hosts, key, n_keys, values, found, inputs.unknown_models, inputs.unknown_layers)


def plan_table(keyed: KeyedPlan) -> tuple[pa.Table, PlanCounts]:
    """One row per host (README "Planning upgrades"): ``OUTPUT`` columns, ``version``, then the other input
    columns; and the summary counts. Unmatched hosts are kept with an empty plan; a matched host
    with no known path has ``path`` = ``none known``."""
    counts = replace(
        _counts(keyed.hosts, keyed.hosts_per_key(), keyed.values),
        unknown_models=keyed.unknown_models,
        unknown_layers=keyed.unknown_layers,
    )
    return _output(keyed.hosts, keyed.key, keyed.values), counts
