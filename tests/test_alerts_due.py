"""The pure due computation, table-driven: no ledger file, no clock, no network."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.alerts.due import PastDelivery, Silence, due_alerts
from tracker.alerts.routing import route_for
from tracker.config import AlertSettings, Route
from tracker.dataset import LifecycleRecord
from tracker.dates import parse_milestone

ALERTS = AlertSettings()  # thresholds 365, 180, 90, 30, 7, 0; eol + extended_end; stale 30
ALL = Route("*", ("infra@example.org",))
MS = Route("microsoft/*", ("windows@example.org",))


def record(
    eol: str | None = "2027-01-12",
    extended_end: str | None = None,
    vendor: str = "Microsoft",
    product: str = "Hyper-V Server",
    cycle: str = "2016",
    support_end: str | None = "2022-01-11",
) -> LifecycleRecord:
    def d(text: str | None):  # type: ignore[no-untyped-def]
        return parse_milestone(text) if text else None

    return LifecycleRecord(
        vendor=vendor,
        product=product,
        cycle=cycle,
        type=1,
        release=parse_milestone("2016-10-15"),
        support_end=d(support_end),
        eol=d(eol),
        extended_end=d(extended_end),
        source="https://example.org/x",
        confidence="vendor",
    )


def past(
    threshold: int,
    date_text: str = "2027-01-12",
    route: str = "*",
    milestone: str = "eol",
    at: str = "2026-01-12T06:00:00+00:00",
) -> PastDelivery:
    return PastDelivery(("Microsoft", "Hyper-V Server", "2016"), milestone, date_text, threshold, route, at)


@pytest.mark.parametrize(
    ("as_of", "history", "expected"),
    [
        pytest.param("2025-12-01", [], None, id="407-days-before-nothing"),
        pytest.param("2026-01-12", [], (365, (), None), id="exactly-365-days-is-due"),
        pytest.param("2026-01-13", [past(365)], None, id="364-days-after-365-sent"),
        pytest.param("2026-11-26", [], (90, (365, 180), None), id="catch-up-sends-smallest"),
        pytest.param("2026-11-26", [past(365), past(180)], (90, (), None), id="next-threshold"),
        pytest.param("2026-11-26", [past(90)], None, id="already-sent"),
        pytest.param("2026-11-26", [past(30)], None, id="never-a-larger-threshold-after-a-smaller-one"),
        pytest.param(
            "2026-11-26",
            [past(90, route="other/*")],
            (90, (365, 180), None),
            id="another-route-does-not-count",
        ),
        pytest.param(
            "2026-11-26",
            [past(90, date_text="2026-10-13")],
            (90, (365, 180), "2026-10-13"),
            id="moved-date-re-arms",
        ),
        pytest.param(
            "2026-11-26",
            [
                past(90, date_text="2026-10-13", at="2026-01-01T00:00:00"),
                past(365, date_text="2026-12-01", at="2025-12-01T00:00:00"),
            ],
            (90, (365, 180), "2026-10-13"),
            id="moved-from-latest-delivery",
        ),
        pytest.param(
            "2027-01-12", [past(365), past(180), past(90), past(30), past(7)], (0, (), None), id="day-of-eol"
        ),
        pytest.param("2027-02-11", [], (0, (365, 180, 90, 30, 7), None), id="30-days-past-not-stale"),
        pytest.param("2027-02-12", [], None, id="31-days-past-is-stale"),
    ],
)
def test_due_for_one_milestone(
    as_of: str, history: list[PastDelivery], expected: tuple[int, tuple[int, ...], str | None] | None
) -> None:
    plan = due_alerts([record()], ALERTS, [ALL], history, [], date.fromisoformat(as_of))
    if expected is None:
        assert plan.due == []
    else:
        [item] = plan.due
        assert (item.threshold, item.covered, item.moved_from) == expected
        assert item.days_left == (date(2027, 1, 12) - date.fromisoformat(as_of)).days


def test_month_only_date_counts_from_the_first_day() -> None:
    rec = record(eol="2027-01", support_end=None)
    [item] = due_alerts([rec], ALERTS, [ALL], [], [], date(2026, 12, 2)).due
    assert (item.days_left, item.threshold) == (30, 30)


def test_only_watched_milestones() -> None:
    rec = record(eol="2030-01-01", extended_end="2030-06-01", support_end="2026-12-01")
    as_of = date(2026, 11, 26)
    assert due_alerts([rec], ALERTS, [ALL], [], [], as_of).due == []
    watch_support = AlertSettings(milestones=("support_end",))
    [item] = due_alerts([rec], watch_support, [ALL], [], [], as_of).due
    assert item.milestone == "support_end"


def test_eol_and_extended_end_are_separate_items_sorted_by_date() -> None:
    rec = record(eol="2027-01-12", extended_end="2026-12-20")
    plan = due_alerts([rec], ALERTS, [ALL], [], [], date(2026, 11, 26))
    assert [(i.milestone, i.threshold) for i in plan.due] == [("extended_end", 30), ("eol", 90)]


@pytest.mark.parametrize(
    ("silence", "as_of", "silenced"),
    [
        pytest.param(
            Silence(1, "hyper-v server", "2016", None, date(2026, 12, 1), "r"),
            "2026-11-26",
            True,
            id="active-all-milestones",
        ),
        pytest.param(
            Silence(1, "Hyper-V Server", "2016", "eol", date(2026, 12, 1), "r"),
            "2026-11-30",
            True,
            id="active-last-day",
        ),
        pytest.param(
            Silence(1, "Hyper-V Server", "2016", "eol", date(2026, 12, 1), "r"),
            "2026-12-01",
            False,
            id="expired-on-until-day",
        ),
        pytest.param(
            Silence(1, "Hyper-V Server", "2016", "extended_end", date(2026, 12, 1), "r"),
            "2026-11-26",
            False,
            id="other-milestone",
        ),
        pytest.param(
            Silence(1, "Hyper-V Server", "2019", None, date(2026, 12, 1), "r"),
            "2026-11-26",
            False,
            id="other-cycle",
        ),
    ],
)
def test_silences(silence: Silence, as_of: str, silenced: bool) -> None:
    plan = due_alerts([record()], ALERTS, [ALL], [], [silence], date.fromisoformat(as_of))
    assert (len(plan.silenced), len(plan.due)) == ((1, 0) if silenced else (0, 1))


@pytest.mark.parametrize(
    ("vendor", "product", "routes", "expected"),
    [
        pytest.param("Microsoft", "Hyper-V Server", [MS, ALL], MS, id="first-match-wins"),
        pytest.param("MICROSOFT", "Hyper-V Server", [MS, ALL], MS, id="case-insensitive"),
        pytest.param("Proxmox", "Proxmox VE", [MS, ALL], ALL, id="falls-through"),
        pytest.param("Proxmox", "Proxmox VE", [MS], None, id="no-match"),
        pytest.param(
            "Broadcom (VMware)",
            "VMware ESXi",
            [Route("*/vmware esx?", ("a@b.c",))],
            Route("*/vmware esx?", ("a@b.c",)),
            id="glob-on-product",
        ),
    ],
)
def test_route_for(vendor: str, product: str, routes: list[Route], expected: Route | None) -> None:
    assert route_for(record(vendor=vendor, product=product), routes) == expected


def test_unrouted_items_are_listed_not_due() -> None:
    plan = due_alerts(
        [record(vendor="Proxmox", product="Proxmox VE")], ALERTS, [MS], [], [], date(2026, 11, 26)
    )
    assert plan.due == [] and [i.record.product for i in plan.unrouted] == ["Proxmox VE"]


def test_by_route_groups_and_sorts() -> None:
    records = [
        record(cycle="2019", eol="2027-03-01"),
        record(),
        record(vendor="Proxmox", product="Proxmox VE", cycle="8", eol="2026-12-01"),
    ]
    plan = due_alerts(records, ALERTS, [MS, ALL], [], [], date(2026, 11, 26))
    groups = [(route.match, [i.record.name for i in items]) for route, items in plan.by_route()]
    assert sorted(groups) == [
        ("*", ["Proxmox VE 8"]),
        ("microsoft/*", ["Hyper-V Server 2016", "Hyper-V Server 2019"]),
    ]
