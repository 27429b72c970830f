"""Inventories as five tools write them (examples/inventories/): a vCenter export, `pveversion`,
Windows `Get-ComputerInfo` (OsName or WindowsProductName), a CMDB CSV and a Nutanix Prism export. Every row the dataset covers
matches its cycle, through the real entry point; the others are `unmatched`, never dropped."""

from __future__ import annotations

import json

import pytest
from conftest import AS_OF, ROOT

from tracker.dataset import bundled_dataset_path, load_dataset

INVENTORIES = ROOT / "examples" / "inventories"
PRODUCTS = {r.product for r in load_dataset(bundled_dataset_path())}

EXPECTED: dict[str, dict[str, tuple[str, str] | None]] = {
    "vcenter-export.csv": {
        "esx-par-01.corp.example": ("VMware ESXi", "8.0"),
        "esx-par-02.corp.example": ("VMware ESXi", "8.0"),
        "esx-par-03.corp.example": ("VMware ESXi", "7.0"),
        "esx-par-04.corp.example": ("VMware ESXi", "8.0"),
        "esx-lab-01.corp.example": ("VMware ESXi", "6.7"),
        "vcsa-par-01.corp.example": ("VMware vCenter Server", "8.0"),
        "esx-dr-01.corp.example": ("VMware ESXi", "7.0"),  # image profile in the version column
    },
    "pveversion.csv": {
        "pve-01.lab.example": ("Proxmox VE", "8"),
        "pve-02.lab.example": ("Proxmox VE", "7"),
        "pve-03.lab.example": ("Proxmox VE", "9"),
        "pve-04.lab.example": ("Proxmox VE", "8"),
    },
    "windows-get-computerinfo.csv": {
        "HV-PROD-01": ("Windows Server", "2022"),
        "HV-PROD-02": ("Windows Server", "2019"),
        "HV-OLD-01": ("Hyper-V Server", "2019"),
        "HV-OLD-02": ("Windows Server", "2016"),
        "WS-DEV-01": ("Windows 10 Enterprise and Education", "22H2"),
        "WS-DEV-02": ("Windows 11 Home and Pro", "23H2"),
        "WS-DEV-03": ("Windows 11 Enterprise and Education", "24H2"),
        "KIOSK-01": ("Windows 10 Enterprise LTSC", "2021"),
        "HV-PROD-05": ("Windows Server", "2019"),
        "HV-PROD-06": ("Windows Server", "2025"),
    },
    # Get-ComputerInfo's WindowsProductName and OsBuildNumber instead of OsName and OsVersion: the
    # product name still says "Windows 10" on Windows 11, the build decides.
    "windows-productname.csv": {
        "HV-PROD-03": ("Windows Server", "2019"),
        "HV-PROD-04": ("Windows Server", "2022"),
        "WS-DEV-04": ("Windows 11 Home and Pro", "23H2"),
        "WS-DEV-05": ("Windows 11 Enterprise and Education", "24H2"),
        "WS-DEV-06": ("Windows 10 Home and Pro", "22H2"),
        "KIOSK-02": ("Windows 10 Enterprise LTSC", "2021"),
    },
    "cmdb.csv": {
        "mac-build-01": ("VMware Fusion Pro", "13"),
        "xen-01": ("Citrix Hypervisor", "8.2 LTSR"),
        "xen-02": ("Citrix Hypervisor", "8.2 LTSR"),
        "xen-03": ("XenServer", "8.4"),
        "xen-04": ("Citrix Hypervisor", "7.1 LTSR"),
        "vios-p10-a": ("PowerVM Virtual I/O Server", "3.1.4"),
        "vbox-ci-01": ("VirtualBox", "7.1"),
        "kiosk-02": ("Windows 10 Enterprise LTSC", "2021"),
        "xcp-01": ("XCP-ng", "8.3"),
        "hv-branch-01": ("Hyper-V Server", "2016"),
        "kvm-01": None,  # not in the dataset: unmatched, kept
        "hv-branch-02": ("Windows Server", "2019"),  # ServiceNow names: no "Server"
        "kvm-02": ("Red Hat Enterprise Linux", "8"),
        "kvm-03": ("Red Hat Enterprise Linux", "7"),
    },
    "nutanix-prism.csv": {
        "ntnx-cvm-a1": ("AOS", "6.10"),
        "ntnx-cvm-a2": ("AOS", "6.10"),
        "ntnx-cvm-b1": ("AOS", "6.5"),
        # AHV ships with AOS: named as AOS; an AHV build names no AOS cycle, the aos column does.
        "ntnx-ahv-a1": ("AOS", "6.10"),
        "ntnx-ahv-a2": ("AOS", "6.10"),  # Prism's hypervisor_full_name
        "ntnx-ahv-b1": ("AOS", "6.5"),
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_row_the_dataset_covers_matches(tracker, name: str) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, "inventory", str(INVENTORIES / name), "--format", "json")
    assert result.returncode == 0, result.stderr
    items = {i["hostname"]: i for i in json.loads(result.stdout)["items"]}
    assert set(items) == set(EXPECTED[name])
    for host, expected in EXPECTED[name].items():
        got = (items[host]["matched_product"], items[host]["cycle"])
        if expected is None:
            if host.startswith("ntnx-ahv-") and PRODUCTS & {"AHV", "Nutanix AHV"}:
                assert got[1] is not None, host
                continue
            assert items[host]["status"] == "unmatched", host
        else:
            assert got == expected, host
            assert items[host]["status"] != "unmatched", host


def test_explain_says_which_rule_matched_and_why_not(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker(
        "--as-of", AS_OF, "inventory", str(INVENTORIES / "cmdb.csv"), "--explain", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)["items"]
    assert items[0]["product"] == "Acme Hypervisor"  # unmatched first
    assert items[0]["product_rule"] == "no dataset product, alias or product-name prefix matches"
    by_product = {(i["product"], i["version"]): i for i in items}
    xen = by_product[("Citrix Hypervisor", "8.2 CU1")]
    assert xen["product_rule"] == "dataset product name"
    assert xen["cycle_rule"].startswith("version rule aliases.csv:") and "'8.2 CU1'" in xen["cycle_rule"]
    assert by_product[("IBM VIOS", "3.1.4.30")]["product_rule"].startswith("alias aliases.csv:")
    assert {i["hosts"] for i in items} == {1}


def test_explain_says_the_ahv_cycle_came_from_the_aos_column(tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Prism's export carries the cluster's AOS version: --explain names the alias and the column;
    without the column, the alias row's own note tells the user what to add."""
    if PRODUCTS & {"AHV", "Nutanix AHV"}:
        pytest.skip("the dataset has an AHV product")
    prism = INVENTORIES / "nutanix-prism.csv"
    result = tracker("--as-of", AS_OF, "inventory", str(prism), "--explain", "--format", "json")
    assert result.returncode == 0, result.stderr
    items = {i["product"]: i for i in json.loads(result.stdout)["items"]}
    full_name = items["Nutanix 20230302.103003"]
    assert (full_name["matched_product"], full_name["cycle"]) == ("AOS", "6.10")
    assert full_name["product_rule"].startswith("alias aliases.csv:")
    assert full_name["cycle_rule"] == "cycle from the aos column: version '6.10.1.2' starts with the cycle"
    assert full_name["cycle_column"] == "aos=6.10.1.2"
    assert items["Nutanix AOS"]["cycle_column"] is None  # an AOS host: its version names the cycle
    bare = tmp_path / "prism-without-aos.csv"
    bare.write_text("\n".join(line.rsplit(",", 1)[0] for line in prism.read_text().splitlines()) + "\n")
    result = tracker("--as-of", AS_OF, "inventory", str(bare), "--explain", "--format", "json")
    items = {i["product"]: i for i in json.loads(result.stdout)["items"]}
    full_name = items["Nutanix 20230302.103003"]
    assert full_name["matched_product"] == "AOS" and full_name["cycle"] is None
    assert full_name["cycle_rule"].startswith("no cycle of AOS for '20230302.103003' (cycles: ")
    assert "no aos column in the inventory" in full_name["cycle_rule"]
    assert (
        "give the cluster's AOS version (Prism: cluster version) in an aos column" in full_name["cycle_rule"]
    )
    ahv = items["AHV"]["cycle_rule"]
    assert ahv.startswith("no cycle of AOS for '20") and "names no AOS cycle" in ahv
    assert "; aliases.csv:" not in items["Nutanix AOS"]["cycle_rule"]  # matched: no note
