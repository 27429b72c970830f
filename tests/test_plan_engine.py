"""The planning rules of SPEC section 9, pure: fixture data, explicit as_of, no clock, no I/O."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

from tracker.dataset import LifecycleRecord, load_dataset
from tracker.plan import NONE_KNOWN, Hop, Planner, PlanRules, load_plan_data

PLAN = Path(__file__).resolve().parent / "fixtures" / "plan"
AS_OF = date(2026, 11, 26)


@pytest.fixture(scope="module")
def data() -> tuple[list[LifecycleRecord], list, list]:  # type: ignore[type-arg]
    records = load_dataset(PLAN / "hypervisors.csv")
    hops, reqs = load_plan_data(PLAN / "hypervisors.csv", records)
    return records, hops, reqs


def planner(data, rules: PlanRules | None = None, as_of: date = AS_OF, hops=None) -> Planner:  # type: ignore[no-untyped-def]
    records, file_hops, reqs = data
    return Planner(records, file_hops if hops is None else hops, reqs, rules or PlanRules(), as_of)


def rec(data, product: str, cycle: str) -> LifecycleRecord:  # type: ignore[no-untyped-def]
    return next(r for r in data[0] if (r.product, r.cycle) == (product, cycle))


def test_windows_server_2016_goes_to_2025_in_one_hop_six_months_ahead(data) -> None:  # type: ignore[no-untyped-def]
    plan = planner(data).plan(rec(data, "Windows Server", "2016"))
    assert plan.effective_end == date(2027, 1, 12)
    assert plan.binding == "Windows Server 2016"
    assert plan.target is not None and (plan.target.product, plan.target.cycle) == ("Windows Server", "2025")
    assert (plan.hops, plan.path) == (1, "2016 -> 2025")
    assert plan.start_by == date(2026, 7, 12)
    assert plan.days_to_start(AS_OF) == -137


def test_discontinued_hyper_v_server_migrates_to_windows_server(data) -> None:  # type: ignore[no-untyped-def]
    plan = planner(data).plan(rec(data, "Hyper-V Server", "2019"))
    assert plan.target is not None and plan.target.product == "Windows Server"
    assert plan.target.cycle == "2025"
    assert plan.path == "2019 -> Windows Server 2025"
    assert plan.start_by == date(2028, 7, 9)


def test_migration_continues_through_the_destination_products_hops(data) -> None:  # type: ignore[no-untyped-def]
    """The first migrate hop listed wins, then the destination's best cycle reachable from there."""
    hops = [
        Hop("Microsoft", "Hyper-V Server", "2016", "Windows Server", "2019", "migrate"),
        Hop("Microsoft", "Hyper-V Server", "2016", "Windows Server", "2022", "migrate"),
        Hop("Microsoft", "Windows Server", "2019", "Windows Server", "2025", "in-place"),
    ]
    plan = planner(data, hops=hops).plan(rec(data, "Hyper-V Server", "2016"))
    assert plan.path == "2016 -> Windows Server 2019 -> 2025"
    assert plan.hops == 2
    # six months, plus one month for the second hop
    assert plan.start_by == date(2026, 6, 12)


def test_no_known_path_never_invents_a_target(data) -> None:  # type: ignore[no-untyped-def]
    # newer Windows Server releases are published, but with no hop known nothing is recommended
    plan = planner(data, hops=[]).plan(rec(data, "Windows Server", "2016"))
    assert plan.target is None and plan.hops is None
    assert plan.path == NONE_KNOWN


def test_the_newest_release_of_a_line_is_its_own_target_with_zero_hops(data) -> None:  # type: ignore[no-untyped-def]
    plan = planner(data).plan(rec(data, "Windows Server", "2025"))
    assert plan.target is not None and (plan.target.cycle, plan.hops) == ("2025", 0)
    assert plan.path == "2025 (newest release)"
    assert plan.effective_end == date(2034, 11, 14)
    assert plan.start_by == date(2034, 5, 14)  # the lead still applies: plan the replacement


def test_target_is_the_newest_supported_cycle_else_the_newest_not_past_eol(data) -> None:  # type: ignore[no-untyped-def]
    only_2019 = [Hop("Microsoft", "Windows Server", "2016", "Windows Server", "2019", "in-place")]
    plan = planner(data, hops=only_2019).plan(rec(data, "Windows Server", "2016"))
    assert plan.target is not None and plan.target.cycle == "2019"  # security-only, not past eol
    # all reachable cycles past eol: nothing to recommend
    late = planner(data, as_of=date(2030, 1, 1), hops=only_2019)
    assert late.plan(rec(data, "Windows Server", "2016")).path == NONE_KNOWN


def test_fewest_hops_and_per_hop_allowance(data) -> None:  # type: ignore[no-untyped-def]
    plan = planner(data).plan(rec(data, "Proxmox VE", "7"))
    assert plan.path == "7 -> 8 -> 9" and plan.hops == 2
    assert plan.effective_end == date(2024, 7, 1)  # month precision: the first day
    assert plan.start_by == date(2023, 12, 1)  # 6m + 1m for the second hop
    # the lead and the per-hop allowance are one calendar duration (README, choices): 7 months before
    # 2024-03-31 is 2023-08-31, where two separate month steps would give 2023-08-30
    plan = planner(data).plan(rec(data, "Proxmox VE", "7"), hardware_end=date(2024, 3, 31))
    assert (plan.binding, plan.hops, plan.start_by) == ("hardware", 2, date(2023, 8, 31))


def test_hardware_that_ends_first_binds(data) -> None:  # type: ignore[no-untyped-def]
    plan = planner(data).plan(rec(data, "VMware ESXi", "8.0"), hardware_end=date(2027, 3, 31))
    assert (plan.effective_end, plan.binding) == (date(2027, 3, 31), "hardware")
    assert plan.start_by == date(2026, 9, 30)


def test_month_arithmetic_clamps_to_the_months_end(data) -> None:  # type: ignore[no-untyped-def]
    rules = PlanRules(lead=relativedelta(months=1))
    plan = planner(data, rules).plan(rec(data, "VMware ESXi", "8.0"), hardware_end=date(2027, 3, 31))
    assert plan.start_by == date(2027, 2, 28)


def test_deployed_management_layer_counts_instead_of_the_oldest_allowed(data) -> None:  # type: ignore[no-untyped-def]
    p = planner(data)
    esx8 = rec(data, "VMware ESXi", "8.0")
    assert p.plan(esx8).binding == "VMware ESXi 8.0"  # vCenter 8.0 ends the same day: own cycle first
    old = p.plan(esx8, deployed={"VMware vCenter Server": "7.0"})
    assert (old.effective_end, old.binding) == (date(2025, 10, 2), "VMware vCenter Server 7.0")


def test_runs_on_base_layer_can_bind(data) -> None:  # type: ignore[no-untyped-def]
    plan = planner(data).plan(rec(data, "Proxmox VE", "8"))
    assert (plan.effective_end, plan.binding) == (date(2026, 6, 10), "Debian 12")


def test_bundled_with_takes_the_oldest_allowed_unless_the_host_names_one(data) -> None:  # type: ignore[no-untyped-def]
    p = planner(data)
    ahv = rec(data, "AHV", "10.0")
    assert p.plan(ahv).binding == "AOS 6.10"
    assert p.plan(ahv, deployed={"AOS": "7.3"}).binding == "AOS 7.3"
    assert p.plan(ahv, deployed={"AOS": "7.3"}).effective_end == date(2026, 9, 30)


def test_count_extended_plans_against_extended_end(data) -> None:  # type: ignore[no-untyped-def]
    esx7 = rec(data, "VMware ESXi", "7.0")
    plain = planner(data).plan(esx7, deployed={"VMware vCenter Server": "8.0"})
    extended = planner(data, PlanRules(count_extended=True)).plan(
        esx7, deployed={"VMware vCenter Server": "8.0"}
    )
    assert plain.effective_end == date(2025, 10, 2)
    assert extended.effective_end == date(2027, 4, 2)


def test_first_matching_lead_wins(data) -> None:  # type: ignore[no-untyped-def]
    rules = PlanRules(leads=(("broadcom (vmware)/*", relativedelta(months=9)), ("*", relativedelta(days=90))))
    p = planner(data, rules)
    esx = p.plan(rec(data, "VMware ESXi", "8.0"))
    assert esx.start_by == date(2027, 1, 11)
    ws = p.plan(rec(data, "Windows Server", "2016"))
    assert ws.start_by == date(2026, 10, 14)


def test_unknown_end_gives_no_start_date(data) -> None:  # type: ignore[no-untyped-def]
    plan = planner(data).plan(rec(data, "Proxmox VE", "9"))
    assert plan.effective_end is None and plan.start_by is None and plan.days_to_start(AS_OF) is None


def test_a_migrate_hop_is_preferred_to_other_hops_into_another_product(data) -> None:  # type: ignore[no-untyped-def]
    hops = [
        Hop("Microsoft", "Hyper-V Server", "2016", "Windows Server", "2022", "reinstall"),
        Hop("Microsoft", "Hyper-V Server", "2016", "Windows Server", "2025", "migrate"),
    ]
    assert planner(data, hops=hops).plan(rec(data, "Hyper-V Server", "2016")).path == (
        "2016 -> Windows Server 2025"
    )
    # a renamed line (Citrix Hypervisor -> XenServer) has only an in-place hop into the new name
    renamed = [Hop("Microsoft", "Hyper-V Server", "2016", "Windows Server", "2022", "in-place")]
    assert planner(data, hops=renamed).plan(rec(data, "Hyper-V Server", "2016")).path == (
        "2016 -> Windows Server 2022"
    )


def test_an_optional_layer_counts_only_when_the_host_names_it(data) -> None:  # type: ignore[no-untyped-def]
    p = planner(data)
    ws = rec(data, "Windows Server", "2016")
    assert p.plan(ws).binding == "Windows Server 2016"
    managed = p.plan(ws, deployed={"System Center Virtual Machine Manager": "2016"})
    assert (managed.binding, managed.effective_end) == (
        "System Center Virtual Machine Manager 2016",
        date(2027, 1, 11),
    )
