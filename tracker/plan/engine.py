"""Planning rules (README "Planning upgrades"), as pure functions: no I/O, ``as_of`` explicit.

For one release cycle (plus what a host adds: its deployed management or base layer and its
hardware's end of service) the planner finds the **effective end** (the earliest end of everything
the host depends on) and which layer sets it, the **target** release reachable through the supported
hops with the fewest hops, and the **start-by** date (effective end minus the lead time, minus a
per-hop allowance beyond the first hop). Lead times are calendar durations (``relativedelta``:
31 March - 1 month = 28 February).
"""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta

from tracker.dataset import LifecycleRecord
from tracker.plan.data import Hop, Requirement
from tracker.status import Status, status_of

NONE_KNOWN = "none known"
NEWEST = "newest release"
HARDWARE = "hardware"


@dataclass(frozen=True)
class PlanRules:
    """Lead times and options (``[plan]`` of tracker.toml, already parsed)."""

    lead: relativedelta = field(default_factory=lambda: relativedelta(months=6))
    """Default time to allow before the effective end."""
    per_hop: relativedelta = field(default_factory=lambda: relativedelta(months=1))
    """Extra time for each hop beyond the first."""
    leads: tuple[tuple[str, relativedelta], ...] = ()
    """``(glob on "vendor/product", lead)``; the first match wins."""
    count_extended: bool = False
    """Plan against ``extended_end`` (when published) instead of ``eol``."""

    def lead_for(self, vendor: str, product: str) -> relativedelta:
        name = f"{vendor}/{product}".casefold()
        for pattern, lead in self.leads:
            if fnmatch.fnmatchcase(name, pattern.casefold()):
                return lead
        return self.lead


@dataclass(frozen=True)
class Target:
    """Where to go and how: the steps after the current cycle, each ``(product, cycle)``."""

    product: str
    cycle: str
    steps: tuple[tuple[str, str], ...]

    @property
    def hops(self) -> int:
        return len(self.steps)

    def path(self, start_product: str, start_cycle: str) -> str:
        """``7.0 -> 8.0``; the product is named when it changes: ``2019 -> Windows Server 2025``;
        ``2025 (newest release)`` when the host already runs the newest release of its line."""
        if not self.steps:
            return f"{start_cycle} ({NEWEST})"
        parts, product = [start_cycle], start_product
        for step_product, step_cycle in self.steps:
            parts.append(step_cycle if step_product == product else f"{step_product} {step_cycle}")
            product = step_product
        return " -> ".join(parts)


@dataclass(frozen=True)
class CyclePlan:
    """The plan of one host (or of every host sharing the same cycle, layers and hardware end)."""

    effective_end: date | None
    """Earliest end of the host's cycle, its required layers and its hardware; None if unknown."""
    binding: str
    """What ends first: ``Product cycle`` of the host or of a layer, or ``hardware``."""
    target: Target | None
    path: str
    """``7.0 -> 8.0`` or ``none known``."""
    start_by: date | None

    @property
    def hops(self) -> int | None:
        return self.target.hops if self.target is not None else None

    def days_to_start(self, as_of: date) -> int | None:
        return None if self.start_by is None else (self.start_by - as_of).days


def end_of(record: LifecycleRecord, count_extended: bool = False) -> date | None:
    """The day support ends for planning: eol, or extended_end when counted and published."""
    if count_extended and record.extended_end is not None:
        return record.extended_end.first_day
    return record.eol.first_day if record.eol is not None else None


class Planner:
    """Plans built once from the dataset, hops and stack; query per cycle (results are cached)."""

    def __init__(
        self,
        records: Iterable[LifecycleRecord],
        hops: Iterable[Hop],
        requirements: Iterable[Requirement],
        rules: PlanRules,
        as_of: date,
    ) -> None:
        self.rules = rules
        self.as_of = as_of
        self.records: dict[tuple[str, str], LifecycleRecord] = {}
        for r in records:
            self.records.setdefault((r.product, r.cycle), r)
        self.hops = list(hops)
        self._next: dict[tuple[str, str], list[Hop]] = {}
        for h in self.hops:
            self._next.setdefault((h.product, h.from_cycle), []).append(h)
        self._requires: dict[tuple[str, str], dict[tuple[str, str], list[Requirement]]] = {}
        for q in requirements:
            groups = self._requires.setdefault((q.product, q.cycle), {})
            groups.setdefault((q.relation, q.requires_product), []).append(q)
        self._targets: dict[tuple[str, str], Target | None] = {}
        self._leads: dict[tuple[str, str, int], relativedelta] = {}

    # -- target -------------------------------------------------------------------------------

    def _reach(self, product: str, cycle: str) -> dict[str, tuple[str, ...]]:
        """Cycles of ``product`` reachable by same-product hops: cycle -> the cycles on the way."""
        paths: dict[str, tuple[str, ...]] = {cycle: ()}
        queue = deque([cycle])
        while queue:
            here = queue.popleft()
            for hop in self._next.get((product, here), ()):
                if hop.to_product == product and hop.to_cycle not in paths:
                    paths[hop.to_cycle] = (*paths[here], hop.to_cycle)
                    queue.append(hop.to_cycle)
        return paths

    def _best(self, product: str, candidates: Mapping[str, tuple[str, ...]]) -> str | None:
        """Newest supported candidate (fewest hops on a tie), else newest not yet past eol."""
        found = [(self.records[(product, c)], c) for c in candidates if (product, c) in self.records]

        def newest(pool: list[tuple[LifecycleRecord, str]]) -> str | None:
            if not pool:
                return None
            return max(pool, key=lambda rc: (rc[0].release.first_day, -len(candidates[rc[1]])))[1]

        supported = [(r, c) for r, c in found if status_of(r, self.as_of) is Status.SUPPORTED]
        alive = [(r, c) for r, c in found if r.eol is None or self.as_of <= r.eol.first_day]
        return newest(supported) or newest(alive)

    def target(self, record: LifecycleRecord) -> Target | None:
        """The release to move to (README "Planning upgrades"), or None when no path is known."""
        key = (record.product, record.cycle)
        if key not in self._targets:
            self._targets[key] = self._find_target(record.product, record.cycle)
        return self._targets[key]

    def _find_target(self, product: str, cycle: str) -> Target | None:
        reach = self._reach(product, cycle)
        others = {c: p for c, p in reach.items() if c != cycle}
        best = self._best(product, others)
        if best is not None:
            return Target(product, best, tuple((product, c) for c in others[best]))
        # A discontinued line: the first `migrate` hop listed for it (then any other hop into another
        # product: a renamed line such as Citrix Hypervisor -> XenServer), from this cycle or one
        # reachable from it, then the destination product's best cycle reachable from there.
        successors = [h for h in self.hops if h.product == product and h.to_product != product]
        successors.sort(key=lambda h: h.kind != "migrate")  # stable: file order within each kind
        for hop in successors:
            if hop.from_cycle not in reach:
                continue
            there = self._reach(hop.to_product, hop.to_cycle)
            dest = self._best(hop.to_product, there)
            if dest is None:
                continue
            steps = (
                *((product, c) for c in reach[hop.from_cycle]),
                (hop.to_product, hop.to_cycle),
                *((hop.to_product, c) for c in there[dest]),
            )
            return Target(hop.to_product, dest, tuple(steps))
        # Already on the newest release of a line that goes on (no successor listed, nothing newer
        # published, not past eol): nothing to move to yet, zero hops, and the lead still applies.
        own = self.records.get((product, cycle))
        if own is not None and self._best(product, {cycle: ()}) == cycle:
            released = own.release.first_day
            if not any(p == product and r.release.first_day > released for (p, _), r in self.records.items()):
                return Target(product, cycle, ())
        return None

    def lead(self, record: LifecycleRecord, hops: int) -> relativedelta:
        """The lead time of ``record``'s product for a path of ``hops`` hops (cached)."""
        key = (record.vendor, record.product, hops)
        if key not in self._leads:
            extra = max(hops - 1, 0)
            self._leads[key] = self.rules.lead_for(record.vendor, record.product) + self.rules.per_hop * extra
        return self._leads[key]

    # -- effective end ------------------------------------------------------------------------

    def layers(
        self, record: LifecycleRecord, deployed: Mapping[str, str] | None = None
    ) -> list[LifecycleRecord]:
        """The layer cycles ``record`` depends on: the deployed cycle of a required product when the
        host names one (``deployed``: product -> cycle), else the oldest cycle the stack allows;
        an optional layer only when the host names it."""
        deployed = deployed or {}
        out = []
        for (_, needed), reqs in self._requires.get((record.product, record.cycle), {}).items():
            layer = self.records.get((needed, deployed[needed])) if needed in deployed else None
            if layer is None and all(q.optional for q in reqs):
                continue  # an optional layer (SCVMM) counts only when the host names it
            if layer is None:
                allowed = [self.records[(q.requires_product, q.requires_cycle)] for q in reqs]
                layer = min(allowed, key=lambda r: (r.release.first_day, r.cycle))
            out.append(layer)
        return out

    def plan(
        self,
        record: LifecycleRecord,
        deployed: Mapping[str, str] | None = None,
        hardware_end: date | None = None,
    ) -> CyclePlan:
        """The plan of a host on ``record`` with these layers and hardware end of service."""
        ends: list[tuple[date, int, str]] = []
        own = end_of(record, self.rules.count_extended)
        if own is not None:
            ends.append((own, 0, record.name))
        for layer in self.layers(record, deployed):
            if layer.eol is not None:
                ends.append((layer.eol.first_day, 1, layer.name))
        if hardware_end is not None:
            ends.append((hardware_end, 2, HARDWARE))
        effective_end, _, binding = min(ends) if ends else (None, 0, "")
        target = self.target(record)
        start_by = None
        if effective_end is not None:
            start_by = effective_end - self.lead(record, target.hops if target else 1)
        path = target.path(record.product, record.cycle) if target is not None else NONE_KNOWN
        return CyclePlan(effective_end, binding, target, path, start_by)
