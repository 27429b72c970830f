"""The bundled upgrades.csv and stack.csv rows added from vendor pages, and what the planner makes
of them on the bundled dataset: ESXi / vCenter 8.0 -> 9.0 (Broadcom's VCF 9.0 documentation, no
direct 7.0 -> 9.0), VirtualBox between release lines (Oracle's manual), ESXi 9.0 managed by vCenter
9.0 or later. Each source and note is in the CSV row; datasets/README-plan.md lists them."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from tracker.dataset import LifecycleRecord, bundled_dataset_path, load_dataset
from tracker.plan import NONE_KNOWN, Planner, PlanRules, load_plan_data

AS_OF = date(2026, 11, 26)
BC = "Broadcom (VMware)"
ESXI = "VMware ESXi"
VC = "VMware vCenter Server"
VCF = "VMware Cloud Foundation"


@pytest.fixture(scope="module")
def bundled() -> tuple[list[LifecycleRecord], list, list]:  # type: ignore[type-arg]
    path = bundled_dataset_path()
    records = load_dataset(path)
    hops, reqs = load_plan_data(path, records)
    return records, hops, reqs


def hop_rows(bundled) -> dict[tuple[str, str, str, str], tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {
        (h.product, h.from_cycle, h.to_product, h.to_cycle): (h.kind, h.confidence, h.source)
        for h in bundled[1]
    }


@pytest.mark.parametrize(
    ("product", "from_cycle", "to_cycle", "source_part"),
    [
        pytest.param(ESXI, "8.0", "9.0", "upgrade-esxi-for-vmware-cloud-foundation", id="esxi-8-to-9"),
        pytest.param(VC, "8.0", "9.0", "vcenter-9-0-1-0000", id="vcenter-8-to-9"),
        pytest.param(VCF, "5.0", "9.0", "upgrade-workload-domains-to-vcf-5-2", id="vcf-50-to-90"),
        pytest.param(VCF, "5.2", "9.0", "upgrade-workload-domains-to-vcf-5-2", id="vcf-52-to-90"),
        pytest.param("VirtualBox", "6.1", "7.0", "vboxconfigdata-XML-files", id="vbox-61-to-70"),
        pytest.param("VirtualBox", "6.1", "7.2", "vboxconfigdata-XML-files", id="vbox-61-to-72"),
        pytest.param("VirtualBox", "7.0", "7.1", "vboxconfigdata-XML-files", id="vbox-70-to-71"),
        pytest.param("VirtualBox", "7.1", "7.2", "vboxconfigdata-XML-files", id="vbox-71-to-72"),
    ],
)
def test_vendor_documented_hops_are_bundled(bundled, product, from_cycle, to_cycle, source_part) -> None:  # type: ignore[no-untyped-def]
    kind, confidence, source = hop_rows(bundled)[(product, from_cycle, product, to_cycle)]
    assert (kind, confidence) == ("in-place", "vendor")
    assert source_part in source


def test_no_direct_7_0_to_9_x_hop_because_broadcom_requires_8_x_first(bundled) -> None:  # type: ignore[no-untyped-def]
    rows = hop_rows(bundled)
    for product in (ESXI, VC):
        assert not [k for k in rows if k[0] == product and k[1] == "7.0" and k[3].startswith("9.")]
        assert (product, "7.0", product, "8.0") in rows
    assert not [k for k in rows if k[0] == VCF and k[1].startswith("4.")]  # 4.x goes to 5.0 first


def test_esxi_9_0_is_managed_by_vcenter_9_0_or_later(bundled) -> None:  # type: ignore[no-untyped-def]
    reqs = {(r.product, r.cycle, r.relation, r.requires_product): r for r in bundled[2]}
    assert reqs[(ESXI, "9.0", "managed-by", VC)].requires_cycle == "9.0"
    with (bundled_dataset_path().parent / "stack.csv").open(newline="", encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if (r["product"], r["cycle"]) == (ESXI, "9.0"))
    assert row["confidence"] == "vendor" and "379388" in row["source"]


def plan_of(bundled, product: str, cycle: str):  # type: ignore[no-untyped-def]
    records, hops, reqs = bundled
    record = next(r for r in records if (r.product, r.cycle) == (product, cycle))
    return Planner(records, hops, reqs, PlanRules(), AS_OF).plan(record)


@pytest.mark.parametrize(
    ("product", "cycle", "path", "hops"),
    [
        pytest.param(ESXI, "8.0", "8.0 -> 9.0", 1, id="esxi-8"),
        pytest.param(ESXI, "7.0", "7.0 -> 8.0 -> 9.0", 2, id="esxi-7-through-8"),
        pytest.param(VC, "8.0", "8.0 -> 9.0", 1, id="vcenter-8"),
        pytest.param(VCF, "5.1", "5.1 -> 9.0", 1, id="vcf-51"),
        pytest.param("VirtualBox", "6.1", "6.1 -> 7.2", 1, id="vbox-61"),
        pytest.param("VirtualBox", "7.1", "7.1 -> 7.2", 1, id="vbox-71"),
    ],
)
def test_planner_targets_on_the_bundled_data(bundled, product, cycle, path, hops) -> None:  # type: ignore[no-untyped-def]
    plan = plan_of(bundled, product, cycle)
    assert (plan.path, plan.hops) == (path, hops)


def test_lines_without_a_documented_hop_stay_none_known(bundled) -> None:  # type: ignore[no-untyped-def]
    """VirtualBox before 6.1 and Nutanix AOS have no sourced hop: no invented target."""
    assert plan_of(bundled, "VirtualBox", "6.0").path == NONE_KNOWN
    assert plan_of(bundled, "AOS", "6.10").path == NONE_KNOWN


AL = "Azure Local"
HVS = "Hyper-V Server"


@pytest.mark.parametrize("from_cycle", ["2012 R2", "2016", "2019"])
def test_hyper_v_server_migrates_to_azure_local_too(bundled, from_cycle: str) -> None:  # type: ignore[no-untyped-def]
    """Microsoft's Azure Migrate requirements name Hyper-V Server (2012 R2 and later hosts) as a source and
    Azure Local 2311.2 or later as the target: a `migrate` hop to the current 24H2, sourced by vendor pages."""
    rows = hop_rows(bundled)
    kind, confidence, source = rows[(HVS, from_cycle, AL, "24H2")]
    assert (kind, confidence) == ("migrate", "vendor")
    assert "migrate-hyperv-requirements" in source
    assert rows[(HVS, from_cycle, "Windows Server", "2025")][0] == "migrate"


def test_windows_server_stays_the_first_listed_successor_of_hyper_v_server(bundled) -> None:  # type: ignore[no-untyped-def]
    """A discontinued line takes its first listed migrate destination: the Azure Local rows come after
    the Windows Server ones, so Hyper-V Server hosts still plan Windows Server 2025."""
    successors = [h.to_product for h in bundled[1] if h.product == HVS and h.kind == "migrate"]
    assert successors.index(AL) > successors.index("Windows Server")
    for cycle in ("2012 R2", "2016", "2019"):
        plan = plan_of(bundled, HVS, cycle)
        assert (plan.path, plan.hops) == (f"{cycle} -> Windows Server 2025", 1)


@pytest.mark.parametrize(
    ("from_cycle", "to_cycle", "source_part"),
    [
        pytest.param("22H2", "23H2", "upgrade-22h2-to-23h2-powershell", id="azl-22h2-to-23h2"),
        pytest.param("22H2", "24H2", "upgrade-to-24h2-powershell", id="azl-22h2-to-24h2"),
        pytest.param("23H2", "24H2", "upgrade-to-24h2-powershell", id="azl-23h2-to-24h2"),
    ],
)
def test_azure_local_os_upgrades_are_bundled(
    bundled, from_cycle: str, to_cycle: str, source_part: str
) -> None:  # type: ignore[no-untyped-def]
    kind, confidence, source = hop_rows(bundled)[(AL, from_cycle, AL, to_cycle)]
    assert (kind, confidence) == ("in-place", "vendor")
    assert source_part in source


@pytest.mark.parametrize(
    ("cycle", "path", "hops"),
    [
        pytest.param("22H2", "22H2 -> 24H2", 1, id="azl-22h2"),
        pytest.param("23H2", "23H2 -> 24H2", 1, id="azl-23h2"),
        pytest.param("24H2", "24H2 (newest release)", 0, id="azl-24h2-newest"),
        pytest.param("21H2", NONE_KNOWN, None, id="azl-21h2-no-sourced-hop"),
    ],
)
def test_azure_local_plans(bundled, cycle: str, path: str, hops: int | None) -> None:  # type: ignore[no-untyped-def]
    plan = plan_of(bundled, AL, cycle)
    assert (plan.path, plan.hops) == (path, hops)
