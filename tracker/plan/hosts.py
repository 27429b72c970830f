"""Plan every host of an inventory: pandas for the join, the pure planner once per distinct key.

A million hosts share a few hundred (product, cycle, deployed layers, hardware end) combinations.
The inventory match (``tracker.inventory``) gives each host its cycle; the columns that change a
plan are factorized into one integer key, ``Planner.plan`` runs once per distinct key, and the
results are broadcast back with ``take``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tracker.dataset import LifecycleRecord
from tracker.dates import parse_milestone
from tracker.inventory.aliases import Aliases, Matcher
from tracker.inventory.hosts import UNMATCHED, InventoryError, match_inventory
from tracker.plan.engine import Planner
from tracker.status import Filters

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
    "scvmm": None,
    "os": None,
}
"""Inventory columns that name a host's deployed management or base layer, with the product a bare
version in them belongs to (None: the value must name the product, e.g. ``Debian 12``)."""
URGENT_DAYS = 90
"""The stderr summary counts hosts that must start within this many days."""


def rules_from(settings: Settings) -> PlanRules:
    """The ``[plan]`` settings as planning rules (durations were validated with the config)."""
    from tracker.plan.engine import PlanRules

    plan = getattr(settings, "plan", None)
    if plan is None:
        return PlanRules()
    from tracker.dates import parse_duration

    return PlanRules(
        lead=parse_duration(plan.lead),
        per_hop=parse_duration(plan.per_hop),
        leads=tuple((lead.match, parse_duration(lead.lead)) for lead in plan.leads),
        count_extended=bool(plan.count_extended),
    )


def _hardware_days(df: pd.DataFrame, hardware: dict[str, date] | None, name: str) -> pd.Series:
    """Per host: the hardware end of service as an ISO day string ('' = unknown)."""
    out = pd.Series("", index=df.index, dtype="str")
    if hardware is not None and "hardware_model" in df.columns:
        models = df["hardware_model"].fillna("").astype(str)
        codes, uniq = pd.factorize(models.str.strip().str.casefold())
        found = np.array([hardware[m].isoformat() if m in hardware else "" for m in uniq], dtype=object)
        if len(uniq):
            out = pd.Series(pd.array(found, dtype="str").take(codes), index=df.index)
    if "hardware_end" in df.columns:
        text = df["hardware_end"].fillna("").astype(str).str.strip()
        codes, uniq = pd.factorize(text)
        days = np.empty(len(uniq), dtype=object)
        problems = []
        for i, value in enumerate(uniq.tolist()):
            if not value:
                days[i] = ""
                continue
            try:
                days[i] = parse_milestone(value).first_day.isoformat()
            except ValueError as exc:
                row = int(np.flatnonzero(codes == i)[0])
                problems.append(f"{name}:{row + 2}: hardware_end: {exc}")
                days[i] = ""
        if problems:
            raise InventoryError(*problems[:50])
        given = pd.Series(pd.array(days, dtype="str").take(codes), index=df.index)
        out = given.where(given != "", out)
    return out


def _deployed(df: pd.DataFrame, matcher: Matcher) -> dict[str, pd.Series]:
    """Per layer column present: the (product, cycle) each host names, as ``product\\tcycle``."""
    out: dict[str, pd.Series] = {}
    for col, default in LAYER_COLUMNS.items():
        if col not in df.columns:
            continue
        codes, uniq = pd.factorize(df[col].fillna("").astype(str).str.strip())
        keys = np.empty(len(uniq), dtype=object)
        for i, value in enumerate(uniq.tolist()):
            m = matcher.match(value, "") if value else None
            if (m is None or m.cycle is None) and value and default is not None:
                m = matcher.match(default, value)
            keys[i] = f"{m.product}\t{m.cycle}" if m is not None and m.cycle else ""
        out[col] = pd.Series(pd.array(keys, dtype="str").take(codes), index=df.index)
    return out


def plan_inventory(
    hosts: pd.DataFrame,
    records: Iterable[LifecycleRecord],
    planner: Planner,
    aliases: Aliases,
    filters: Filters | None = None,
    hardware: dict[str, date] | None = None,
    name: str = "inventory",
) -> pd.DataFrame:
    """One row per host (SPEC section 9): ``OUTPUT`` columns, then the other input columns.

    Unmatched hosts are kept, with an empty plan; a matched host with no known path has
    ``path`` = ``none known``. ``name`` is the inventory file, for ``FILE:LINE`` messages."""
    records = list(records)
    index = {(r.product, r.cycle): r for r in records}
    matched = match_inventory(hosts, records, planner.as_of, aliases, filters)
    hw = _hardware_days(matched, hardware, name)
    layers = _deployed(matched, Matcher(records, aliases))

    key_cols = [matched["matched_product"].fillna(""), matched["cycle"].fillna(""), hw, *layers.values()]
    codes = np.zeros(len(matched), dtype=np.int64)
    for col in key_cols:  # refactorized at each step, so the combined key never overflows
        col_codes, uniq = pd.factorize(col)
        codes, _ = pd.factorize(codes * max(len(uniq), 1) + col_codes)
    _, first = np.unique(codes, return_index=True)
    n = len(first)
    cols = {c: np.empty(n, dtype=object) for c in PLAN_COLUMNS}
    product_col = matched["matched_product"].to_numpy(dtype=object)
    cycle_col = matched["cycle"].to_numpy(dtype=object)
    hw_col = hw.to_numpy(dtype=object)
    layer_cols = [s.to_numpy(dtype=object) for s in layers.values()]
    as_of = planner.as_of
    for i, row in enumerate(first.tolist()):
        record = index.get((product_col[row], cycle_col[row]))
        if record is None:
            continue
        deployed = {}
        for values in layer_cols:
            if values[row]:
                p, c = str(values[row]).split("\t")
                deployed[p] = c
        end = date.fromisoformat(hw_col[row]) if hw_col[row] else None
        plan = planner.plan(record, deployed, end)
        cols["effective_end"][i] = plan.effective_end.isoformat() if plan.effective_end else None
        cols["binding"][i] = plan.binding or None
        cols["target_product"][i] = plan.target.product if plan.target else None
        cols["target_cycle"][i] = plan.target.cycle if plan.target else None
        cols["path"][i] = plan.path
        cols["hops"][i] = plan.hops
        cols["start_by"][i] = plan.start_by.isoformat() if plan.start_by else None
        cols["days_to_start"][i] = plan.days_to_start(as_of)

    unmatched = matched["status"] == UNMATCHED
    out: dict[str, object] = {
        "hostname": matched["hostname"],
        "product": matched["matched_product"].where(
            ~unmatched & matched["cycle"].notna(), matched["product"]
        ),
        "cycle": matched["cycle"],
        "status": matched["status"],
    }
    for c in PLAN_COLUMNS:
        dtype = "Int64" if c in ("hops", "days_to_start") else "str"
        out[c] = pd.array(cols[c], dtype=dtype).take(codes)  # type: ignore[call-overload]
    taken = set(OUTPUT) | {"matched_product", "days_to_eol"}
    out["version"] = matched["version"]
    for c in matched.columns:
        if c not in taken and c not in out:
            out[c] = matched[c]
    return pd.DataFrame(out, index=matched.index)


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
    filters: Filters | None = None,
) -> pd.DataFrame:
    """Read, validate and plan one inventory file with the data beside ``dataset_path``."""
    from tracker.inventory import load_aliases, load_inventory
    from tracker.plan.data import load_hardware, load_plan_data

    hops, reqs = load_plan_data(dataset_path, records)
    planner = Planner(records, hops, reqs, rules_from(settings), as_of)
    plan_settings = getattr(settings, "plan", None)
    hw_path = getattr(plan_settings, "hardware", None)
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
