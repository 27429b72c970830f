"""Plan an inventory file: read it, plan it (``tracker.plan.table``), or sum it per release cycle.

The per-cycle sums (hosts, target, earliest start-by date) are what the report's estate section,
the ``start_by`` alerts and ``tracker check --plan`` read; they are summed per distinct key, so a
million hosts never become a frame here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from tracker.dataset import LifecycleRecord
from tracker.inventory.aliases import Aliases
from tracker.inventory.keys import RecordFilter
from tracker.plan.engine import Planner
from tracker.plan.table import PlanCounts, plan_keys, plan_table

if TYPE_CHECKING:
    from tracker.alerts.due import StartBy
    from tracker.config import Settings
    from tracker.plan.engine import PlanRules


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


def _prepare(
    inventory: Path,
    settings: Settings,
    records: list[LifecycleRecord],
    dataset_path: Path,
    as_of: date,
    aliases: Aliases | None,
) -> tuple[pa.Table, Planner, Aliases, dict[str, date] | None]:
    from tracker.inventory.aliases import load_aliases
    from tracker.inventory.table import read_hosts_table
    from tracker.plan.data import load_hardware, load_plan_data

    hops, reqs = load_plan_data(dataset_path, records)
    planner = Planner(records, hops, reqs, rules_from(settings), as_of)
    hw_path = settings.plan.hardware
    hardware = load_hardware(hw_path) if hw_path is not None else None
    table = read_hosts_table(inventory)
    return table, planner, aliases if aliases is not None else load_aliases(), hardware


def read_and_plan(
    inventory: Path,
    settings: Settings,
    records: list[LifecycleRecord],
    dataset_path: Path,
    as_of: date,
    aliases: Aliases | None = None,
    filters: RecordFilter | None = None,
) -> tuple[pa.Table, PlanCounts]:
    """Read and validate one inventory file and plan it with the data beside ``dataset_path``."""
    table, planner, aliases, hardware = _prepare(inventory, settings, records, dataset_path, as_of, aliases)
    return plan_table(plan_keys(table, records, planner, aliases, filters, hardware, str(inventory)))


def read_and_plan_cycles(
    inventory: Path,
    settings: Settings,
    records: list[LifecycleRecord],
    dataset_path: Path,
    as_of: date,
) -> dict[tuple[str, str, str], CycleStart]:
    """Per (vendor, product, cycle) of an inventory: hosts, target, path, the earliest start-by
    date and the hosts already past it; summed per key, without building the per-host table."""
    table, planner, aliases, hardware = _prepare(inventory, settings, records, dataset_path, as_of, None)
    keyed = plan_keys(table, records, planner, aliases, None, hardware, str(inventory))
    values, per_key = keyed.values, keyed.hosts_per_key()
    found: dict[tuple[str, str, str], CycleStart] = {}
    for i, record in enumerate(keyed.records):
        if record is None:
            continue
        n = int(per_key[i])
        start = values["start_by"][i]
        days = values["days_to_start"][i]
        day = date.fromisoformat(str(start)) if start else None
        late = n if isinstance(days, int) and days < 0 else 0
        seen = found.get(record.key)
        if seen is None:
            target = planner.target(record)
            found[record.key] = CycleStart(
                vendor=record.vendor,
                product=record.product,
                cycle=record.cycle,
                hosts=n,
                target_product=target.product if target else None,
                target_cycle=target.cycle if target else None,
                path=str(values["path"][i]),
                start_by=day,
                hosts_past_start=late,
            )
            continue
        earliest = min((d for d in (seen.start_by, day) if d is not None), default=None)
        found[record.key] = replace(
            seen, hosts=seen.hosts + n, start_by=earliest, hosts_past_start=seen.hosts_past_start + late
        )
    return found


CycleKey = tuple[str, str, str]


def configured_plan_by_cycle(
    settings: Settings, records: list[LifecycleRecord], dataset_path: Path, as_of: date
) -> dict[CycleKey, CycleStart] | None:
    """For the report's estate section, the digests and the alerts: target and start-by per
    (vendor, product, cycle) of the configured inventory, or None without one."""
    if settings.inventory is None:
        return None
    return read_and_plan_cycles(settings.inventory, settings, records, dataset_path, as_of)


def start_by_alerts(
    settings: Settings, cycles: Mapping[CycleKey, CycleStart] | None
) -> dict[CycleKey, StartBy] | None:
    """Per cycle of a planned inventory, when its hosts must start upgrading, for ``start_by``
    alerts; None unless ``alerts.milestones`` watches it."""
    from tracker.alerts.due import START_BY, StartBy

    if START_BY not in settings.alerts.milestones or cycles is None:
        return None
    return {
        key: StartBy(day=c.start_by, hosts=c.hosts, target=c.target)
        for key, c in cycles.items()
        if c.start_by is not None
    }
