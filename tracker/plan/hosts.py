"""Plan every host of an inventory: pandas for the join, the pure planner once per distinct key.

A million hosts share a few thousand (product, version, deployed layers, hardware end)
combinations. ``match_pairs`` (``tracker.inventory``) matches each distinct (product, version) pair
once; the columns that change a plan are factorized into one integer key per host,
``Planner.plan`` runs once per distinct key, and the per-key results become categorical columns
(integer codes into a few thousand strings, never a million Python strings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tracker.dataset import LifecycleRecord
from tracker.dates import parse_milestone
from tracker.inventory.aliases import Aliases, Matcher
from tracker.inventory.hosts import match_pairs
from tracker.inventory.table import UNMATCHED, InventoryError, RecordFilter
from tracker.plan.engine import Planner

if TYPE_CHECKING:
    from tracker.alerts.due import StartBy
    from tracker.config import Settings
    from tracker.plan.engine import PlanRules

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
OUTPUT = ("hostname", "product", "cycle", "status", *PLAN_COLUMNS)
"""Output columns, in order (SPEC section 9); passed-through input columns follow them."""
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


def rules_from(settings: Settings) -> PlanRules:
    """The ``[plan]`` settings as planning rules (durations were validated with the config)."""
    from tracker.dates import parse_duration
    from tracker.plan.engine import PlanRules

    plan = settings.plan
    return PlanRules(
        lead=parse_duration(plan.lead),
        per_hop=parse_duration(plan.per_hop),
        leads=tuple((lead.match, parse_duration(lead.lead)) for lead in plan.leads),
        count_extended=bool(plan.count_extended),
    )


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Factorize a text column; the distinct values come back stripped ('' for blanks)."""
    codes, uniq = pd.factorize(column)
    codes = np.asarray(codes, dtype=np.int64)
    values = [str(v).strip() for v in uniq]
    missing = codes < 0
    if missing.any():  # NaN: a blank like any other
        codes[missing] = len(values)
        values.append("")
    return codes, values


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


def _layer(value: str, default: str | None, matcher: Matcher) -> tuple[str, str] | None:
    """The (product, cycle) a layer column's value names, or None."""
    if not value:
        return None
    m = matcher.match(value, "")
    if m.cycle is None and default is not None:
        m = matcher.match(default, value)
    return (m.product, m.cycle) if m.product and m.cycle else None


def _categorical(values: list[str | None], codes: np.ndarray) -> pd.Categorical:
    """Per-host text from per-group ``values`` (None = missing), without building a million strings."""
    cats = sorted({v for v in values if v is not None})
    position = {v: i for i, v in enumerate(cats)}
    kind = np.int8 if len(cats) < 127 else np.int16 if len(cats) < 32767 else np.int32
    small = np.array([position[v] if v is not None else -1 for v in values] or [-1], dtype=kind)
    host_codes: Any = small[codes] if len(values) else np.full(len(codes), -1, dtype=kind)
    # validate=False: the codes are ours and in range; checking a million of them costs two passes
    make: Any = pd.Categorical.from_codes
    result: pd.Categorical = make(host_codes, dtype=pd.CategoricalDtype(cats), validate=False)
    return result


def _integers(values: list[int | None], codes: np.ndarray) -> pd.arrays.IntegerArray:
    data = np.array([0 if v is None else v for v in values] or [0], dtype=np.int64)
    mask = np.array([v is None for v in values] or [True], dtype=bool)
    if not len(values):
        codes = codes * 0
    return pd.arrays.IntegerArray(data[codes], mask[codes])


def plan_inventory(
    hosts: pd.DataFrame,
    records: Iterable[LifecycleRecord],
    planner: Planner,
    aliases: Aliases,
    filters: RecordFilter | None = None,
    hardware: dict[str, date] | None = None,
    name: str = "inventory",
) -> pd.DataFrame:
    """One row per host (SPEC section 9): ``OUTPUT`` columns, then the other input columns.

    Unmatched hosts are kept, with an empty plan; a matched host with no known path has
    ``path`` = ``none known``. ``name`` is the inventory file, for ``FILE:LINE`` messages.
    Text columns are categoricals: a million hosts share a few thousand distinct plans."""
    records = list(records)
    index = {(r.product, r.cycle): r for r in records}
    pm = match_pairs(hosts, records, planner.as_of, aliases, filters)
    pair_codes = pm.codes
    if filters is not None and not pm.keep.all():
        kept = pm.keep[pair_codes]
        hosts = hosts[kept]
        pair_codes = pair_codes[kept]
    rows = hosts.index.to_numpy()  # positions in the file, for FILE:LINE messages
    hosts = hosts.reset_index(drop=True)

    # Every column that changes a plan, as integer codes; one combined key per host.
    parts: list[np.ndarray] = [np.asarray(pair_codes, dtype=np.int64)]
    end_codes, end_values = _codes(hosts["hardware_end"]) if "hardware_end" in hosts.columns else (None, [])
    ends = _hardware_ends(end_values, end_codes, rows, name) if end_codes is not None else []
    if end_codes is not None:
        parts.append(end_codes)
    model_codes, model_values = (
        _codes(hosts["hardware_model"])
        if hardware is not None and "hardware_model" in hosts.columns
        else (None, [])
    )
    models = [hardware.get(m.casefold()) if hardware and m else None for m in model_values]
    if model_codes is not None:
        parts.append(model_codes)
    matcher = Matcher(records, aliases)
    layer_parts: list[tuple[np.ndarray, list[tuple[str, str] | None]]] = []
    for col, default in LAYER_COLUMNS.items():
        if col in hosts.columns:
            codes, texts = _codes(hosts[col])
            layer_parts.append((codes, [_layer(v, default, matcher) for v in texts]))
            parts.append(codes)
    key = parts[0]
    width = int(key.max()) + 1 if len(key) else 1
    for codes in parts[1:]:
        size = int(codes.max()) + 1 if len(codes) else 1
        if width * size >= 2**62:  # refactorize before the combined key could overflow
            key, uniq = pd.factorize(key)
            width = len(uniq)
        key = key * size + codes
        width *= size
    key_codes, _ = pd.factorize(key)
    first = pd.Series(key_codes).drop_duplicates().index.to_numpy()

    values: dict[str, list[Any]] = {c: [] for c in PLAN_COLUMNS}
    as_of = planner.as_of
    for row in first.tolist():
        pair = pair_codes[row]
        record = index.get((pm.matched[pair], pm.cycles[pair])) if pm.cycles[pair] else None
        if record is None:
            for c in PLAN_COLUMNS:
                values[c].append(None)
            continue
        deployed = {}
        for codes, layers in layer_parts:
            layer = layers[codes[row]]
            if layer is not None:
                deployed[layer[0]] = layer[1]
        end = ends[end_codes[row]] if end_codes is not None else None
        if end is None and model_codes is not None:
            end = models[model_codes[row]]
        plan = planner.plan(record, deployed, end)
        values["effective_end"].append(plan.effective_end.isoformat() if plan.effective_end else None)
        values["binding"].append(plan.binding or None)
        values["target_product"].append(plan.target.product if plan.target else None)
        values["target_cycle"].append(plan.target.cycle if plan.target else None)
        values["path"].append(plan.path)
        values["hops"].append(plan.hops)
        values["start_by"].append(plan.start_by.isoformat() if plan.start_by else None)
        values["days_to_start"].append(plan.days_to_start(as_of))

    shown = [
        m if m is not None and c is not None else p
        for m, c, p in zip(pm.matched.tolist(), pm.cycles.tolist(), pm.products, strict=True)
    ]
    out: dict[str, object] = {
        "hostname": hosts["hostname"],
        "product": _categorical(shown, pair_codes),
        "cycle": _categorical(pm.cycles.tolist(), pair_codes),
        "status": _categorical(pm.statuses.tolist(), pair_codes),
    }
    for c in PLAN_COLUMNS:
        if c in ("hops", "days_to_start"):
            out[c] = _integers(values[c], key_codes)
        else:
            out[c] = _categorical(values[c], key_codes)
    out["version"] = hosts["version"]
    for c in hosts.columns:
        if c not in out:
            out[c] = hosts[c]
        elif c not in ("hostname", "version", "product"):
            out[f"input_{c}"] = hosts[c]
    return pd.DataFrame(out, copy=False)


@dataclass(frozen=True)
class CycleStart:
    """What the estate must do for one release cycle (for the report, alerts and check)."""

    vendor: str
    product: str
    cycle: str
    hosts: int
    target_product: str | None
    target_cycle: str | None
    path: str
    start_by: date | None
    """The earliest start-by date of the cycle's hosts (None when no end is known)."""
    hosts_past_start: int
    """Hosts whose start-by date is already behind ``as_of``."""

    @property
    def target(self) -> str:
        return f"{self.target_product} {self.target_cycle}" if self.target_product else ""


def plan_by_cycle(
    planned: pd.DataFrame, records: Iterable[LifecycleRecord]
) -> dict[tuple[str, str, str], CycleStart]:
    """Per (vendor, product, cycle) of a ``plan_inventory`` frame: host count, target, path,
    earliest start-by date and hosts already past it. Unmatched hosts are left out."""
    index = {(r.product, r.cycle): r for r in records}
    frame = planned.loc[
        planned["status"] != UNMATCHED,
        ["product", "cycle", "start_by", "days_to_start", "target_product", "target_cycle", "path"],
    ]
    out: dict[tuple[str, str, str], CycleStart] = {}
    if frame.empty:
        return out
    text = ["product", "cycle", "start_by", "target_product", "target_cycle", "path"]
    frame = frame.astype(dict.fromkeys(text, "str"))
    late = frame["days_to_start"].fillna(1) < 0
    grouped = frame.assign(late=late).groupby(["product", "cycle"], sort=False, dropna=False)
    summary = grouped.agg(
        hosts=("product", "size"),
        start_by=("start_by", "min"),
        late=("late", "sum"),
        target_product=("target_product", "first"),
        target_cycle=("target_cycle", "first"),
        path=("path", "first"),
    )
    for pair, row in summary.iterrows():
        names: tuple[object, ...] = pair  # type: ignore[assignment]
        record = index.get((str(names[0]), str(names[1])))
        if record is None:
            continue
        start = row["start_by"]
        out[record.key] = CycleStart(
            vendor=record.vendor,
            product=record.product,
            cycle=record.cycle,
            hosts=int(row["hosts"]),
            target_product=None if pd.isna(row["target_product"]) else str(row["target_product"]),
            target_cycle=None if pd.isna(row["target_cycle"]) else str(row["target_cycle"]),
            path=str(row["path"]),
            start_by=None if pd.isna(start) else date.fromisoformat(str(start)),
            hosts_past_start=int(row["late"]),
        )
    return out


def plan_summary(planned: pd.DataFrame, within: int = URGENT_DAYS) -> str:
    """``12 hosts must start an upgrade within 90 days; 3 have no known upgrade path``."""
    days = planned["days_to_start"]
    urgent = int((days.notna() & (days <= within)).sum())
    late = int((days.notna() & (days < 0)).sum())
    no_path = int((planned["path"] == "none known").sum())
    unmatched = int((planned["status"] == UNMATCHED).sum())
    text = f"{urgent} host{'s' if urgent != 1 else ''} must start an upgrade within {within} days"
    if late:
        text += f" ({late} already past their start-by date)"
    text += f"; {no_path} {'has' if no_path == 1 else 'have'} no known upgrade path"
    if unmatched:
        text += f"; {unmatched} unmatched"
    return text


def configured_plan(
    settings: Settings, records: list[LifecycleRecord], dataset_path: Path, as_of: date
) -> pd.DataFrame | None:
    """The planned ``settings.inventory`` (None without one): for alerts, the report and check."""
    if settings.inventory is None:
        return None
    return plan_file(settings.inventory, settings, records, dataset_path, as_of)


def plan_file(
    inventory: Path,
    settings: Settings,
    records: list[LifecycleRecord],
    dataset_path: Path,
    as_of: date,
    aliases: Aliases | None = None,
    filters: RecordFilter | None = None,
) -> pd.DataFrame:
    """Read, validate and plan one inventory file with the data beside ``dataset_path``."""
    from tracker.inventory import load_aliases, load_inventory
    from tracker.plan.data import load_hardware, load_plan_data

    hops, reqs = load_plan_data(dataset_path, records)
    planner = Planner(records, hops, reqs, rules_from(settings), as_of)
    hw_path = settings.plan.hardware
    hardware = load_hardware(hw_path) if hw_path is not None else None
    return plan_inventory(
        load_inventory(inventory),
        records,
        planner,
        aliases if aliases is not None else load_aliases(),
        filters,
        hardware,
        str(inventory),
    )


def configured_start_by(
    settings: Settings, records: list[LifecycleRecord], dataset_path: Path, as_of: date
) -> dict[tuple[str, str, str], StartBy] | None:
    """Per cycle of the configured inventory, when its hosts must start upgrading, for
    ``start_by`` alerts; None unless ``alerts.milestones`` watches it and an inventory is set."""
    from tracker.alerts.due import START_BY, StartBy

    if START_BY not in settings.alerts.milestones:
        return None
    planned = configured_plan(settings, records, dataset_path, as_of)
    if planned is None:
        return None
    return {
        key: StartBy(day=c.start_by, hosts=c.hosts, target=c.target)
        for key, c in plan_by_cycle(planned, records).items()
        if c.start_by is not None
    }


def configured_plan_by_cycle(
    settings: Settings, records: list[LifecycleRecord], dataset_path: Path, as_of: date
) -> dict[tuple[str, str, str], CycleStart] | None:
    """For the report's estate section: target and start-by per (vendor, product, cycle) of the
    configured inventory, or None without one."""
    planned = configured_plan(settings, records, dataset_path, as_of)
    return None if planned is None else plan_by_cycle(planned, records)
