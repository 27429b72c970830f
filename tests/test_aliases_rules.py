"""Every row of datasets/aliases.csv has a test row here: the inventory strings real tools write,
and the (product, cycle) each must match. A coverage test fails when a rule is added untested."""

from __future__ import annotations

import re

import pytest

from tracker.dataset import bundled_dataset_path, load_dataset
from tracker.inventory.aliases import Matcher, load_aliases

RECORDS = load_dataset(bundled_dataset_path())
ALIASES = load_aliases()
MATCHER = Matcher(RECORDS, ALIASES)
PRODUCTS = {r.product for r in RECORDS}

W10 = "Windows 10 Enterprise and Education"
W10HP = "Windows 10 Home and Pro"
W11 = "Windows 11 Enterprise and Education"
W11HP = "Windows 11 Home and Pro"
WS = "Windows Server"

CASES: list[tuple[str, str, tuple[str | None, str | None]]] = [
    ("ESXi", "7.0.3", ("VMware ESXi", "7.0")),
    ("ESXi 6.7.0", "", ("VMware ESXi", "6.7")),
    ("VMware vSphere Hypervisor 7.0 U3", "", ("VMware ESXi", "7.0")),
    ("vSphere ESXi", "8.0.2", ("VMware ESXi", "8.0")),
    ("ESXi-8.0U3-24022510-standard", "", ("VMware ESXi", "8.0")),
    ("VMware-VMvisor-Installer-8.0U3b-24280767.x86_64.iso", "", ("VMware ESXi", "8.0")),
    ("vCenter Server Appliance", "8.0.3", ("VMware vCenter Server", "8.0")),
    ("VCF", "5.2.1", ("VMware Cloud Foundation", "5.2")),
    ("Hyper-V", "10.0.14393", ("Hyper-V Server", "2016")),
    ("Microsoft Windows Server 2022 Datacenter", "", (WS, "2022")),
    ("Microsoft Azure Stack HCI", "21H2", ("Azure Local", "21H2")),
    ("Azure Stack HCI OS", "10.0.25398.1251", ("Azure Local", "23H2")),
    ("Azure Stack HCI, version 22H2", "", ("Azure Local", "22H2")),
    ("Azure Local", "12.2510.1002.531", ("Azure Local", "24H2")),
    ("Microsoft Azure Local", "11.2510.1002.93", ("Azure Local", "23H2")),
    ("Azure Local 24H2", "", ("Azure Local", "24H2")),
    ("Azure Stack HCI", "17784.1408", ("Azure Local", "20H2")),
    ("Azure Stack HCI", "10.0.20348.288", ("Azure Local", "21H2")),
    ("Azure Stack HCI", "20349.1607", ("Azure Local", "22H2")),
    ("Azure Local", "10.0.26100.4349", ("Azure Local", "24H2")),
    ("PVE", "9.0.3", ("Proxmox VE", "9")),
    ("pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.8-2-pve)", "", ("Proxmox VE", "8")),
    ("Vates XCP-ng", "8.3.0", ("XCP-ng", "8.3")),
    ("Citrix XenServer 7.1", "", ("Citrix Hypervisor", "7.1 LTSR")),
    ("Citrix Hypervisor 8.2 CU1", "", ("Citrix Hypervisor", "8.2 LTSR")),
    ("Nutanix AOS", "6.10.2", ("AOS", "6.10")),
    ("Oracle VM VirtualBox", "7.1.4", ("VirtualBox", "7.1")),
    ("RHEL", "9.4", ("Red Hat Enterprise Linux", "9")),
    ("RHV", "4.4.10", ("Red Hat Virtualization", "4.4")),
    ("oVirt 4.5.5", "", ("oVirt", "4.5")),
    ("IBM VIOS", "3.1.4.30", ("PowerVM Virtual I/O Server", "3.1.4")),
    ("PowerVM VIOS 4.1.0.21", "", ("PowerVM Virtual I/O Server", "4.1.0")),
    ("VMware Fusion", "13.6", ("VMware Fusion Pro", "13")),
    ("Microsoft Windows 10 Enterprise LTSC", "10.0.19044", ("Windows 10 Enterprise LTSC", "2021")),
    ("Windows 10 Enterprise LTSC 2021", "", ("Windows 10 Enterprise LTSC", "2021")),
    ("Windows 10 Enterprise 2016 LTSB", "10.0.14393", ("Windows 10 Enterprise LTSC", "2016 LTSB")),
    ("Windows 10 Enterprise LTSB", "2015", ("Windows 10 Enterprise LTSC", "2015 LTSB")),
    ("Microsoft Windows 10 IoT Enterprise LTSC", "10.0.19044", ("Windows 10 IoT Enterprise LTSC", "2021")),
    ("Microsoft Windows 11 Enterprise LTSC", "10.0.26100", ("Windows 11 Enterprise LTSC", "2024")),
    ("Windows 11 IoT Enterprise LTSC 2024", "", ("Windows 11 IoT Enterprise LTSC", "2024")),
    ("Microsoft Windows 10 Enterprise", "10.0.19045", (W10, "22H2")),
    ("Windows 10 Enterprise", "22H2", (W10, "22H2")),
    ("Microsoft Windows 11 Enterprise", "10.0.26100", (W11, "24H2")),
    ("Microsoft Windows 10 Pro", "10.0.19045.4529", (W10HP, "22H2")),
    ("Microsoft Windows 11 Pro", "10.0.22631", (W11HP, "23H2")),
    ("Windows 11 Pro", "23H2", (W11HP, "23H2")),
    ("Windows 10", "1909", (W10HP, "1909")),
    ("Windows 11", "10.0.22631", (W11HP, "23H2")),
    ("VMware ESXi", "VMware ESXi 8.0.3 build-24022510", ("VMware ESXi", "8.0")),
    ("VMware vCenter Server", "vCenter Server 8.0.3", ("VMware vCenter Server", "8.0")),
    ("Proxmox VE", "pve-manager/8.2.4", ("Proxmox VE", "8")),
    ("XenServer", "8.2.1", ("Citrix Hypervisor", "8.2 LTSR")),
    ("XenServer", "8.4.0", ("XenServer", "8.4")),
    ("XenServer", "8", ("XenServer", "8.4")),
    ("Citrix Hypervisor", "6.5", ("Citrix Hypervisor", "6.x")),
    ("Citrix Hypervisor", "7.1 CU2", ("Citrix Hypervisor", "7.1 LTSR")),
    ("Citrix Hypervisor", "8.2.1", ("Citrix Hypervisor", "8.2 LTSR")),
    ("Windows 10 Enterprise LTSC", "10.0.10240", ("Windows 10 Enterprise LTSC", "2015 LTSB")),
    ("Windows 10 Enterprise LTSC", "10.0.17763", ("Windows 10 Enterprise LTSC", "2019")),
    ("Windows 10 Enterprise LTSC", "10.0.14393", ("Windows 10 Enterprise LTSC", "2016 LTSB")),
    ("Hyper-V Server", "10.0.20348", (WS, "2022")),
    ("Hyper-V", "2022", (WS, "2022")),
    ("Microsoft Hyper-V Server 2025", "", (WS, "2025")),
    ("Hyper-V Server", "10.0.26100", (WS, "2025")),
    ("AHV", "20230302.103003", ("AOS", None)),
    ("VMware Workstation", "17.6", ("VMware Workstation Pro", "17")),
    ("VMware Workstation Player 17", "", ("VMware Workstation Pro", "17")),
    ("VMware Fusion Pro", "13.6.1", ("VMware Fusion Pro", "13")),
    (
        "Microsoft System Center 2022 Virtual Machine Manager",
        "",
        ("System Center Virtual Machine Manager", "2022"),
    ),
    ("SCVMM", "2019", ("System Center Virtual Machine Manager", "2019")),
    ("Debian GNU/Linux 12 (bookworm)", "", ("Debian", "12")),
    ("Debian GNU/Linux", "12.7", ("Debian", "12")),
    ("buster", "", ("Debian", "10")),
    ("bullseye", "", ("Debian", "11")),
    ("bookworm", "", ("Debian", "12")),
    ("trixie", "", ("Debian", "13")),
    ("Ubuntu 22.04.4 LTS", "", ("Ubuntu", "22.04")),
    ("Ubuntu Server", "24.04.1", ("Ubuntu", "24.04")),
    ("bionic", "", ("Ubuntu", "18.04")),
    ("focal", "", ("Ubuntu", "20.04")),
    ("jammy", "", ("Ubuntu", "22.04")),
    ("noble", "", ("Ubuntu", "24.04")),
    ("resolute", "", ("Ubuntu", "26.04")),
    ("Nutanix Prism Central pc.2024.3.1", "", ("Prism Central", "pc.2024.3")),
    ("Red Hat OpenShift Container Platform", "4.16.3", ("Red Hat OpenShift", "4.16")),
    ("Red Hat OpenShift", "4.21.1", ("Red Hat OpenShift", "4.21")),
    # ESXi is named ESX from 9.0: the product text and the version string both say ESX.
    ("VMware ESX", "9.0.1", ("VMware ESXi", "9.0")),
    ("ESX 9.0.2", "", ("VMware ESXi", "9.0")),
    ("VMware ESXi", "VMware ESX 9.0.1.0 build-24957456", ("VMware ESXi", "9.0")),
    # CMDB operating-system names (ServiceNow Discovery) and /etc/redhat-release.
    ("Windows 2019 Standard", "10.0.17763", (WS, "2019")),
    ("Windows 2012 R2 Datacenter", "", (WS, "2012 R2")),
    ("Windows 2016 Datacenter", "", (WS, "2016")),
    ("Linux Red Hat", "8.6", ("Red Hat Enterprise Linux", "8")),
    ("Red Hat Enterprise Linux Server release 7.9 (Maipo)", "", ("Red Hat Enterprise Linux", "7")),
    # Get-ComputerInfo WindowsProductName still says "Windows 10" on Windows 11: the build decides.
    ("Windows 10 Pro", "10.0.22631", (W11HP, "23H2")),
    ("Windows 10 Pro", "10.0.19045", (W10HP, "22H2")),
    ("Windows 10 Enterprise", "22631", (W11, "23H2")),
    ("Windows 10 Enterprise", "10.0.26100.2894", (W11, "24H2")),
    ("Windows 10 Enterprise LTSC", "10.0.26100", ("Windows 11 Enterprise LTSC", "2024")),
    ("Windows 10 IoT Enterprise LTSC", "10.0.26100", ("Windows 11 IoT Enterprise LTSC", "2024")),
    ("HyperV", "2019", ("Hyper-V Server", "2019")),
    ("Microsoft HyperV Server 2016", "", ("Hyper-V Server", "2016")),
    # Prism's hypervisor_full_name: AHV ships with AOS, but its build names no AOS cycle.
    ("Nutanix 20230302.103003", "", ("AOS", None)),
]
WINDOWS_10_BUILDS = {
    "10240": "1507", "10586": "1511", "14393": "1607", "15063": "1703", "16299": "1709",
    "17134": "1803", "17763": "1809", "18362": "1903", "18363": "1909", "19041": "2004",
    "19042": "20H2", "19043": "21H1", "19044": "21H2", "19045": "22H2",
}  # fmt: skip
WINDOWS_11_BUILDS = {
    "22000": "21H2", "22621": "22H2", "22631": "23H2", "26100": "24H2", "26200": "25H2", "28000": "26H1",
}  # fmt: skip
WINDOWS_SERVER_BUILDS = {
    "6.0.6002": "2008", "6.1.7601": "2008 R2", "6.2.9200": "2012", "6.3.9600": "2012 R2",
    "10.0.14393": "2016", "10.0.16299": "1709", "10.0.17134": "1803", "10.0.17763": "2019",
    "10.0.18362": "1903", "10.0.18363": "1909", "10.0.19041": "2004", "10.0.19042": "20H2",
    "10.0.20348": "2022", "10.0.25398": "23H2", "10.0.26100": "2025",
}  # fmt: skip
CASES += [("Microsoft Windows 10 Enterprise", f"10.0.{b}.1", (W10, c)) for b, c in WINDOWS_10_BUILDS.items()]
CASES += [("Microsoft Windows 11 Pro", f"10.0.{b}", (W11HP, c)) for b, c in WINDOWS_11_BUILDS.items()]
CASES += [("Windows Server", b, (WS, c)) for b, c in WINDOWS_SERVER_BUILDS.items()]
QUERY_ONLY = {"(?:Citrix )?XenServer"}
"""Product rules the inventory never reaches (an earlier row matches first); queries use them."""


@pytest.mark.parametrize(
    ("product", "version", "expected"), [pytest.param(*c, id=f"{c[0]}|{c[1]}") for c in CASES]
)
def test_inventory_strings_match_their_cycle(product: str, version: str, expected: tuple[str, str]) -> None:
    m = MATCHER.match(product, version)
    assert (m.product, m.cycle) == expected, (m.product_rule, m.cycle_rule)


def test_every_rule_of_aliases_csv_has_a_test_row() -> None:
    """A rule is tested when a case went through it, or (a product rule shadowed by an earlier,
    wider row) when a case's product text is one it matches."""
    used: set[int] = set()
    for product, version, _ in CASES:
        m = MATCHER.match(product, version)
        used |= {int(n) for n in re.findall(r"aliases\.csv:(\d+)", m.product_rule + " " + m.cycle_rule)}
    untested = [
        f"aliases.csv:{rule.line}: {rule.pattern}"
        for rule in ALIASES.rules
        if rule.line not in used
        and not (rule.kind == "product" and any(rule.regex.fullmatch(c[0]) for c in CASES))
        and rule.pattern not in QUERY_ONLY
        and (rule.kind == "version" or any(p in PRODUCTS for p in rule.products))
    ]
    assert untested == []


def test_bundled_file_is_valid_when_compiled_eagerly() -> None:
    """The bundled file is compiled lazily at run time (start-up); here every pattern and group is
    checked as a user's --aliases file is."""
    from tracker.inventory.aliases import bundled_aliases_path, parse_aliases

    eager = parse_aliases(bundled_aliases_path().read_bytes(), "aliases.csv")
    assert [r.expression for r in eager.rules] == [r.expression for r in ALIASES.rules]
    assert all(set(r.regex.groupindex) <= {"cycle", "version"} for r in eager.rules)


def test_every_dataset_cycle_matches_from_its_own_name() -> None:
    """The inventory side of the resolver's property: a host listed with the dataset's own product
    and cycle (in the version column, or after the product) matches exactly that cycle."""
    wrong = [
        (product, version, m.product, m.cycle)
        for r in RECORDS
        for product, version in (
            (r.product, r.cycle),
            (f"{r.product} {r.cycle}", ""),
            (r.product.upper(), r.cycle),
        )
        if ((m := MATCHER.match(product, version)).product, m.cycle) != (r.product, r.cycle)
    ]
    assert wrong == []
