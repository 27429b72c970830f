"""What is due: a pure function of records, past deliveries, silences, thresholds and ``as_of``.

Nothing here reads the clock, the ledger file or the network, so every alerting rule can be
tested with plain values: thresholds (``days_left <= T``), catch-up (only the smallest due threshold
is sent, larger ones are recorded as covered), stale milestones, moved dates and silences.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker.alerts.routing import route_for
from tracker.config import AlertSettings, Route
from tracker.dataset import MILESTONES, LifecycleRecord
from tracker.dates import MilestoneDate
from tracker.status import Milestone, milestones_of

CycleKey = tuple[str, str, str]
START_BY = "start_by"
"""The planning milestone (README "Planning upgrades"): the day a cycle's hosts must start their upgrade."""
_ORDER = (*MILESTONES, START_BY)


def upgrade_to(target: str, name: str) -> tuple[str, bool]:
    """(the release to move to, newest) from a plan's ``target`` for the cycle ``name``: a cycle
    already on its line's newest release has itself as target (``tracker plan``), so nothing to
    move to. Empty target, not newest: no known upgrade path."""
    newest = bool(target) and target == name
    return ("" if newest else target, newest)


@dataclass(frozen=True)
class StartBy:
    """When a cycle's hosts must start their upgrade (``tracker.plan``), for ``start_by`` alerts."""

    day: date
    """The earliest start-by date of the cycle's hosts."""
    hosts: int
    target: str = ""
    """``Windows Server 2025``, or empty when no upgrade path is known."""


@dataclass(frozen=True)
class PastDelivery:
    """One ledger row: an alert delivered (or covered by a smaller threshold) for a route."""

    key: CycleKey
    milestone: str
    milestone_date: str
    """The dataset's date text the alert was about; another text today means the date moved."""
    threshold: int
    route: str
    """The route's ``match`` glob."""
    delivered_at: str
    """ISO timestamp, to find the most recent one."""


@dataclass(frozen=True)
class Silence:
    """Mute one cycle (one milestone, or all) until a day; silenced items are not marked delivered."""

    id: int
    product: str
    cycle: str
    milestone: str | None
    until: date
    """First day the silence no longer holds: alerts resume on this day."""
    reason: str
    created_at: str = ""

    def active(self, as_of: date) -> bool:
        return as_of < self.until

    def covers(self, record: LifecycleRecord, milestone: str, as_of: date) -> bool:
        return (
            self.active(as_of)
            and record.product.casefold() == self.product.casefold()
            and record.cycle.casefold() == self.cycle.casefold()
            and self.milestone in (None, milestone)
        )


@dataclass(frozen=True)
class DueItem:
    """One (cycle, milestone) to mail now, for one threshold."""

    record: LifecycleRecord
    milestone: str
    when: MilestoneDate
    days_left: int
    threshold: int
    """The threshold this alert is sent for: the smallest one due."""
    covered: tuple[int, ...]
    """Larger thresholds also due (missed during downtime): recorded as covered, not mailed."""
    route: Route | None
    moved_from: str | None = None
    """The date text earlier alerts were sent for, when the dataset's date has moved since."""
    start: StartBy | None = None
    """For ``start_by`` items: the hosts and the target release."""

    @property
    def sort_key(self) -> tuple[date, str, str, str, int]:
        return (
            self.when.first_day,
            self.record.vendor,
            self.record.product,
            self.record.cycle,
            _ORDER.index(self.milestone),
        )


@dataclass
class AlertPlan:
    due: list[DueItem] = field(default_factory=list)
    silenced: list[tuple[DueItem, Silence]] = field(default_factory=list)
    unrouted: list[DueItem] = field(default_factory=list)
    """Items that would be due but match no route (route is None)."""

    def by_route(self, routes: Sequence[Route] = ()) -> list[tuple[Route, list[DueItem]]]:
        """Due items grouped per route, in ``routes`` (file) order, items sorted by date."""
        groups: dict[Route, list[DueItem]] = {}
        for item in self.due:
            assert item.route is not None
            groups.setdefault(item.route, []).append(item)
        order = {route: i for i, route in enumerate(routes)}
        ordered = sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))
        return [(route, sorted(items, key=lambda i: i.sort_key)) for route, items in ordered]


def due_alerts(
    records: Iterable[LifecycleRecord],
    alerts: AlertSettings,
    routes: Sequence[Route],
    past: Iterable[PastDelivery],
    silences: Iterable[Silence],
    as_of: date,
    start_by: Mapping[CycleKey, StartBy] | None = None,
) -> AlertPlan:
    """Everything due as of ``as_of`` given what was already delivered.

    With ``start_by`` in ``alerts.milestones``, each cycle of ``start_by`` (from the planned
    inventory) also has a ``start_by`` milestone on its earliest start-by date, handled like the
    others: same thresholds, same ledger (a moved start-by date re-arms them)."""
    watched = [m for m in alerts.milestones if m != START_BY]
    starts = start_by if START_BY in alerts.milestones and start_by else {}
    done: dict[tuple[CycleKey, str, str, str], set[int]] = {}
    latest: dict[tuple[CycleKey, str], PastDelivery] = {}
    for d in past:
        done.setdefault((d.key, d.milestone, d.route, d.milestone_date), set()).add(d.threshold)
        prev = latest.get((d.key, d.milestone))
        if prev is None or d.delivered_at >= prev.delivered_at:
            latest[(d.key, d.milestone)] = d
    silences = list(silences)
    plan = AlertPlan()
    for record in records:
        route = route_for(record, routes)
        planned = starts.get(record.key)
        extra = [Milestone(record, START_BY, _as_milestone(planned.day))] if planned else []
        for m in [*milestones_of(record, watched), *extra]:
            days_left = m.days_left(as_of)
            if days_left < -alerts.stale_days:
                continue  # long past: the report lists it, mail would only be noise
            crossed = [t for t in alerts.thresholds_days if days_left <= t]
            if not crossed:
                continue
            start = planned if m.milestone == START_BY else None
            if route is None:
                plan.unrouted.append(
                    DueItem(record, m.milestone, m.when, days_left, min(crossed), (), None, start=start)
                )
                continue
            sent = done.get((record.key, m.milestone, route.match, m.when.text), set())
            # A threshold larger than one already sent is never mailed after it (e.g. a new
            # threshold added to the configuration): the team has had the more urgent notice.
            pending = [t for t in crossed if t not in sent and (not sent or t < min(sent))]
            if not pending:
                continue
            threshold = min(pending)
            moved_from = None
            last = latest.get((record.key, m.milestone))
            if not sent and last is not None and last.milestone_date != m.when.text:
                moved_from = last.milestone_date
            item = DueItem(
                record,
                m.milestone,
                m.when,
                days_left,
                threshold,
                tuple(t for t in pending if t != threshold),
                route,
                moved_from,
                start,
            )
            silence = next((s for s in silences if s.covers(record, m.milestone, as_of)), None)
            if silence is not None:
                plan.silenced.append((item, silence))
            else:
                plan.due.append(item)
    for items in (plan.due, plan.unrouted):
        items.sort(key=lambda i: i.sort_key)
    plan.silenced.sort(key=lambda pair: pair[0].sort_key)
    return plan


def _as_milestone(day: date) -> MilestoneDate:
    return MilestoneDate(day, day.isoformat())
