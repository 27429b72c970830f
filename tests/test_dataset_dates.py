"""Table-driven checks of datasets/hypervisors.csv.

The key dates below were read on the vendor's own page (or the vendor's own
published data behind it) unless the comment says otherwise. If a vendor moves a
date, change the CSV, run `tracker validate datasets/hypervisors.csv`, and adjust
the matching case here.

This test reads the CSV with the standard library only; it does not import the
`tracker` package.
"""

import csv
import datetime
import itertools
import re
from collections import Counter
from pathlib import Path

import pytest

DATASET = Path(__file__).resolve().parents[1] / "datasets" / "hypervisors.csv"
COLUMNS = [
    "vendor",
    "product",
    "cycle",
    "type",
    "release",
    "support_end",
    "eol",
    "extended_end",
    "source",
    "confidence",
    "notes",
    "verified_on",
]
DATE_COLUMNS = ["release", "support_end", "eol", "extended_end"]
MS = "Microsoft"
BC = "Broadcom (VMware)"
IBM = "IBM"
VIOS = "PowerVM Virtual I/O Server"
SCVMM = "System Center Virtual Machine Manager"
AL = "Azure Local"


def _load():
    with DATASET.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames
        rows = list(reader)
    return header, rows


HEADER, ROWS = _load()
INDEX = {(r["vendor"], r["product"], r["cycle"]): r for r in ROWS}


def _parse(value):
    """First day of the period for YYYY-MM, the day itself for YYYY-MM-DD."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.date.fromisoformat(value)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return datetime.date.fromisoformat(value + "-01")
    raise ValueError(f"not an ISO date: {value!r}")


# (vendor, product, cycle, column, expected)
KEY_DATES = [
    # Microsoft lifecycle pages (learn.microsoft.com/lifecycle/products/...): Pacific-time dates.
    pytest.param(MS, "Windows Server", "2008", "release", "2008-05-06", id="ws2008-release"),
    pytest.param(MS, "Windows Server", "2008", "support_end", "2015-01-13", id="ws2008-mainstream"),
    pytest.param(MS, "Windows Server", "2008", "eol", "2020-01-14", id="ws2008-extended"),
    pytest.param(MS, "Windows Server", "2008", "extended_end", "2023-01-10", id="ws2008-esu"),
    pytest.param(MS, "Windows Server", "2008 R2", "release", "2009-10-22", id="ws2008r2-release"),
    pytest.param(MS, "Windows Server", "2008 R2", "support_end", "2015-01-13", id="ws2008r2-mainstream"),
    pytest.param(MS, "Windows Server", "2008 R2", "eol", "2020-01-14", id="ws2008r2-extended"),
    pytest.param(MS, "Windows Server", "2008 R2", "extended_end", "2023-01-10", id="ws2008r2-esu"),
    pytest.param(MS, "Windows Server", "2012", "support_end", "2018-10-09", id="ws2012-mainstream"),
    pytest.param(MS, "Windows Server", "2012", "eol", "2023-10-10", id="ws2012-extended"),
    pytest.param(MS, "Windows Server", "2012", "extended_end", "2026-10-13", id="ws2012-esu"),
    pytest.param(MS, "Windows Server", "2012 R2", "release", "2013-11-25", id="ws2012r2-release"),
    pytest.param(MS, "Windows Server", "2012 R2", "support_end", "2018-10-09", id="ws2012r2-mainstream"),
    pytest.param(MS, "Windows Server", "2012 R2", "eol", "2023-10-10", id="ws2012r2-extended"),
    pytest.param(MS, "Windows Server", "2012 R2", "extended_end", "2026-10-13", id="ws2012r2-esu"),
    pytest.param(MS, "Windows Server", "2016", "release", "2016-10-15", id="ws2016-release"),
    pytest.param(MS, "Windows Server", "2016", "support_end", "2022-01-11", id="ws2016-mainstream"),
    pytest.param(MS, "Windows Server", "2016", "eol", "2027-01-12", id="ws2016-extended"),
    pytest.param(MS, "Windows Server", "2016", "extended_end", "", id="ws2016-no-published-esu-end"),
    pytest.param(MS, "Windows Server", "2019", "release", "2018-11-13", id="ws2019-release"),
    pytest.param(MS, "Windows Server", "2019", "support_end", "2024-01-09", id="ws2019-mainstream"),
    pytest.param(MS, "Windows Server", "2019", "eol", "2029-01-09", id="ws2019-extended"),
    pytest.param(MS, "Windows Server", "2022", "release", "2021-08-18", id="ws2022-release"),
    pytest.param(MS, "Windows Server", "2022", "support_end", "2026-10-13", id="ws2022-mainstream"),
    pytest.param(MS, "Windows Server", "2022", "eol", "2031-10-14", id="ws2022-extended"),
    # Azure Local (formerly Azure Stack HCI), one row per Azure Stack HCI OS feature version: releases from
    # Microsoft's release information (MicrosoftDocs/azure-stack-docs); 22H2 / 23H2 ends from its end-of-service
    # notes (23H2: month only, "April 2026"); 20H2 / 21H2 ends are secondary (third-party hci-lab README).
    pytest.param(MS, AL, "20H2", "release", "2020-12-10", id="azl-20h2-release"),
    pytest.param(MS, AL, "20H2", "eol", "2022-12-13", id="azl-20h2-eos-secondary"),
    pytest.param(MS, AL, "21H2", "release", "2021-10-19", id="azl-21h2-release"),
    pytest.param(MS, AL, "21H2", "eol", "2023-11-14", id="azl-21h2-eos-secondary"),
    pytest.param(MS, AL, "22H2", "release", "2022-10-25", id="azl-22h2-release"),
    pytest.param(MS, AL, "22H2", "eol", "2025-05-31", id="azl-22h2-eos"),
    pytest.param(MS, AL, "23H2", "release", "2024-01-09", id="azl-23h2-release"),
    pytest.param(MS, AL, "23H2", "eol", "2026-04", id="azl-23h2-eos-month"),
    pytest.param(MS, AL, "24H2", "release", "2025-04-29", id="azl-24h2-release"),
    pytest.param(MS, AL, "24H2", "eol", "", id="azl-24h2-no-published-end"),
    # Hyper-V Server: Microsoft's own lifecycle data (MicrosoftDocs/lifecycle-data-pr.*,
    # lifecycle-data/products/hyperv-server-*.yml; pages learn.microsoft.com/lifecycle/products/hyperv-server-*).
    # 2008 / 2008 R2 / 2012 / 2012 R2 differ from Windows Server of the same year.
    pytest.param(MS, "Hyper-V Server", "2008", "release", "2008-12-30", id="hvs2008-release"),
    pytest.param(MS, "Hyper-V Server", "2008", "support_end", "2014-01-14", id="hvs2008-mainstream"),
    pytest.param(MS, "Hyper-V Server", "2008", "eol", "2020-01-14", id="hvs2008-extended"),
    pytest.param(MS, "Hyper-V Server", "2008", "extended_end", "", id="hvs2008-no-esu"),
    pytest.param(MS, "Hyper-V Server", "2008 R2", "release", "2009-10-22", id="hvs2008r2-release"),
    pytest.param(MS, "Hyper-V Server", "2008 R2", "support_end", "2014-01-14", id="hvs2008r2-mainstream"),
    pytest.param(MS, "Hyper-V Server", "2008 R2", "eol", "2020-01-14", id="hvs2008r2-extended"),
    pytest.param(MS, "Hyper-V Server", "2012", "release", "2012-10-30", id="hvs2012-release"),
    pytest.param(MS, "Hyper-V Server", "2012", "support_end", "2018-01-09", id="hvs2012-mainstream"),
    pytest.param(MS, "Hyper-V Server", "2012", "eol", "2023-10-10", id="hvs2012-extended"),
    pytest.param(MS, "Hyper-V Server", "2012", "extended_end", "", id="hvs2012-no-esu"),
    pytest.param(MS, "Hyper-V Server", "2012 R2", "release", "2013-11-25", id="hvs2012r2-release"),
    pytest.param(MS, "Hyper-V Server", "2012 R2", "support_end", "2018-01-09", id="hvs2012r2-mainstream"),
    pytest.param(MS, "Hyper-V Server", "2012 R2", "eol", "2023-10-10", id="hvs2012r2-extended"),
    pytest.param(MS, "Hyper-V Server", "2012 R2", "extended_end", "", id="hvs2012r2-no-esu"),
    pytest.param(MS, "Hyper-V Server", "2016", "release", "2016-10-15", id="hvs2016-release"),
    pytest.param(MS, "Hyper-V Server", "2016", "support_end", "2022-01-11", id="hvs2016-mainstream"),
    pytest.param(MS, "Hyper-V Server", "2016", "eol", "2027-01-12", id="hvs2016-eol"),
    pytest.param(MS, "Hyper-V Server", "2019", "release", "2018-11-13", id="hvs2019-release"),
    pytest.param(MS, "Hyper-V Server", "2019", "support_end", "2024-01-09", id="hvs2019-mainstream"),
    pytest.param(MS, "Hyper-V Server", "2019", "eol", "2029-01-09", id="hvs2019-eol"),
    pytest.param(MS, "Hyper-V Server", "2019", "confidence", "vendor", id="hvs2019-vendor"),
    # Windows client, Microsoft lifecycle data (windows-10-*.yml, windows-11-*.yml).
    pytest.param(MS, "Windows 10 Enterprise and Education", "1803", "eol", "2021-05-11", id="w10ee-1803-eos"),
    pytest.param(MS, "Windows 10 Enterprise and Education", "1909", "eol", "2022-05-10", id="w10ee-1909-eos"),
    pytest.param(MS, "Windows 10 Enterprise and Education", "20H2", "eol", "2023-05-09", id="w10ee-20h2-eos"),
    # Microsoft's data revised 1703's start from 2017-04-05 to 2017-04-11 (2022-04-01 revision).
    pytest.param(MS, "Windows 10 Home and Pro", "1703", "release", "2017-04-11", id="w10hp-1703-release"),
    pytest.param(MS, "Windows 10 Home and Pro", "1809", "eol", "2020-11-10", id="w10hp-1809-eos"),
    pytest.param(MS, "Windows 10 Home and Pro", "20H2", "eol", "2022-05-10", id="w10hp-20h2-eos"),
    pytest.param(
        MS, "Windows 10 Enterprise LTSC", "2015 LTSB", "eol", "2025-10-14", id="w10-2015ltsb-extended"
    ),
    pytest.param(
        MS, "Windows 10 Enterprise LTSC", "2016 LTSB", "eol", "2026-10-13", id="w10-2016ltsb-extended"
    ),
    pytest.param(MS, "Windows 10 Enterprise LTSC", "2019", "eol", "2029-01-09", id="w10-ltsc2019-extended"),
    pytest.param(MS, "Windows 10 Enterprise LTSC", "2021", "eol", "2027-01-12", id="w10-ltsc2021-end"),
    pytest.param(
        MS, "Windows 10 IoT Enterprise LTSC", "2021", "eol", "2032-01-13", id="w10iot-ltsc2021-extended"
    ),
    pytest.param(MS, "Windows 11 Enterprise and Education", "21H2", "eol", "2024-10-08", id="w11ee-21h2-eos"),
    pytest.param(MS, "Windows 11 Enterprise and Education", "22H2", "eol", "2025-10-14", id="w11ee-22h2-eos"),
    pytest.param(MS, "Windows 11 Home and Pro", "21H2", "eol", "2023-10-10", id="w11hp-21h2-eos"),
    # Proxmox VE FAQ "How long will my Proxmox VE version be supported?" (month precision).
    pytest.param("Proxmox", "Proxmox VE", "1", "eol", "2013-01", id="pve1-eol"),
    pytest.param("Proxmox", "Proxmox VE", "1", "release", "2008-10", id="pve1-first-release"),
    pytest.param("Proxmox", "Proxmox VE", "2", "eol", "2014-05", id="pve2-eol"),
    pytest.param("Proxmox", "Proxmox VE", "3", "eol", "2017-02", id="pve3-eol"),
    pytest.param("Proxmox", "Proxmox VE", "4", "eol", "2018-06", id="pve4-eol"),
    pytest.param("Proxmox", "Proxmox VE", "5", "eol", "2020-07", id="pve5-eol"),
    pytest.param("Proxmox", "Proxmox VE", "6", "eol", "2022-09", id="pve6-eol"),
    pytest.param("Proxmox", "Proxmox VE", "7", "eol", "2024-07", id="pve7-eol"),
    pytest.param("Proxmox", "Proxmox VE", "8", "eol", "2026-08", id="pve8-eol"),
    pytest.param("Proxmox", "Proxmox VE", "8", "release", "2023-06", id="pve8-first-release"),
    pytest.param("Proxmox", "Proxmox VE", "9", "eol", "", id="pve9-eol-tba"),
    # VMware blog: vSphere 6.7 General Support extended to 2022-10-15, EoTG unchanged 2023-11-15.
    pytest.param(BC, "VMware ESXi", "6.7", "eol", "2022-10-15", id="esxi67-eogs"),
    pytest.param(BC, "VMware ESXi", "6.7", "extended_end", "2023-11-15", id="esxi67-eotg"),
    pytest.param(BC, "VMware vCenter Server", "6.7", "eol", "2022-10-15", id="vc67-eogs"),
    pytest.param(BC, "VMware vCenter Server", "6.7", "extended_end", "2023-11-15", id="vc67-eotg"),
    # ESXi/vCenter 7.0: General Support extended from 2025-04-02 to 2025-10-02
    # (pinned by the project brief; seen on third-party pages and endoflife.date).
    pytest.param(BC, "VMware ESXi", "7.0", "eol", "2025-10-02", id="esxi70-eogs-extended"),
    pytest.param(BC, "VMware ESXi", "7.0", "extended_end", "2027-04-02", id="esxi70-eotg"),
    pytest.param(BC, "VMware vCenter Server", "7.0", "eol", "2025-10-02", id="vc70-eogs-extended"),
    # XenServer / Citrix Hypervisor 6.x: `estimated` (lumps 6.0-6.5; not found on a Citrix Hypervisor page).
    pytest.param("Citrix", "Citrix Hypervisor", "6.x", "release", "2011-09-26", id="xs6-ga"),
    pytest.param("Citrix", "Citrix Hypervisor", "6.x", "support_end", "2016-09-30", id="xs6-eom"),
    pytest.param("Citrix", "Citrix Hypervisor", "6.x", "eol", "2018-06-26", id="xs6-eol"),
    # Red Hat release schedule.
    pytest.param("Red Hat", "Red Hat Virtualization", "4.0", "release", "2016-08-24", id="rhv40-ga"),
    # IBM PowerVM VIOS: IBM Redbooks SG24-8590-00 (July 2025), Table 1-1 "VIOS release schedule".
    # IBM's own publication, read in a stored text copy (not on ibm.com), so the rows are `secondary`.
    # eol = support_end = End of Fix Support; release month only. 3.1.4 / 4.1.x EoFS are IBM estimates.
    pytest.param(IBM, VIOS, "3.1.2", "release", "2020-11", id="vios312-release"),
    pytest.param(IBM, VIOS, "3.1.2", "eol", "2023-11-30", id="vios312-end-of-fix-support"),
    pytest.param(IBM, VIOS, "3.1.3", "release", "2021-09", id="vios313-release"),
    pytest.param(IBM, VIOS, "3.1.3", "eol", "2024-09-30", id="vios313-end-of-fix-support"),
    pytest.param(IBM, VIOS, "3.1.4", "eol", "2026-04-30", id="vios314-end-of-fix-support-est"),
    pytest.param(IBM, VIOS, "4.1.0", "release", "2023-11", id="vios410-release"),
    pytest.param(IBM, VIOS, "4.1.0", "eol", "2026-11-30", id="vios410-end-of-fix-support-est"),
    pytest.param(IBM, VIOS, "4.1.1", "release", "2024-12", id="vios411-release"),
    pytest.param(IBM, VIOS, "4.1.1", "eol", "2027-12-31", id="vios411-end-of-fix-support-est"),
    pytest.param(IBM, VIOS, "4.1.1", "extended_end", "", id="vios411-eos-not-seen"),
    # --- issue 14 --------------------------------------------------------------------------------
    # XCP-ng: Vates' docs source (xcp-ng/xcp-ng-org docs/releases/releases.md, 2026-07-31 revision).
    pytest.param("Vates", "XCP-ng", "8.2", "release", "2020-11-18", id="xcpng82-release"),
    pytest.param("Vates", "XCP-ng", "8.2", "eol", "2025-09-16", id="xcpng82-eol-extended"),
    pytest.param("Vates", "XCP-ng", "8.3", "eol", "2028-11-30", id="xcpng83-eol"),
    # Proxmox VE 9: FAQ (pve-docs pve-faq.adoc, 2026-04-30): first release 2025-08, eol "tba".
    pytest.param("Proxmox", "Proxmox VE", "9", "release", "2025-08", id="pve9-first-release"),
    # VirtualBox: Oracle publishes the end month (YYYY/MM): stored as a month, not its last day.
    pytest.param("Oracle", "VirtualBox", "6.1", "eol", "2024-01", id="vbox61-eol-month"),
    pytest.param("Oracle", "VirtualBox", "7.0", "eol", "2025-03", id="vbox70-eol-month"),
    pytest.param("Oracle", "VirtualBox", "7.1", "eol", "2026-03", id="vbox71-eol-month"),
    # VCF 4.2: endoflife.date's 2021-05-25 is 4.2.1's release date, not an end of support: blank.
    pytest.param(BC, "VMware Cloud Foundation", "4.2", "eol", "", id="vcf42-eol-blank"),
    # RHV 4.0: estimated upper bound (no fixes for 4.x before 4.4 since its August 2020 release).
    pytest.param("Red Hat", "Red Hat Virtualization", "4.0", "eol", "2020-08", id="rhv40-eol-estimated"),
    # System Center Virtual Machine Manager: Microsoft lifecycle data (Pacific-time dates).
    pytest.param(MS, SCVMM, "2016", "eol", "2027-01-11", id="scvmm2016-extended"),
    pytest.param(MS, SCVMM, "2019", "support_end", "2024-04-09", id="scvmm2019-mainstream"),
    pytest.param(MS, SCVMM, "2019", "eol", "2029-04-09", id="scvmm2019-extended"),
    pytest.param(MS, SCVMM, "2022", "release", "2022-04-01", id="scvmm2022-release"),
    pytest.param(MS, SCVMM, "2022", "eol", "2032-04-13", id="scvmm2022-extended"),
    pytest.param(MS, "Windows 10 Home and Pro", "21H2", "eol", "2023-06-13", id="w10hp-21h2-eos"),
    pytest.param(MS, "Windows 10 Enterprise and Education", "21H2", "eol", "2024-06-11", id="w10ee-21h2-eos"),
    # Debian: Debian's distro-info-data (debian.csv): security end = eol, LTS end = extended_end.
    pytest.param("Debian", "Debian", "12", "eol", "2026-07-11", id="debian12-security-end"),
    pytest.param("Debian", "Debian", "12", "extended_end", "2028-06-30", id="debian12-lts-end"),
    pytest.param("Debian", "Debian", "13", "release", "2025-08-09", id="debian13-release"),
    # Ubuntu LTS: distro-info-data ubuntu.csv: standard support end = eol, ESM end = extended_end.
    pytest.param("Canonical", "Ubuntu", "22.04", "eol", "2027-06-01", id="ubuntu2204-standard-end"),
    pytest.param("Canonical", "Ubuntu", "24.04", "extended_end", "2034-04-25", id="ubuntu2404-esm-end"),
    # Nutanix Prism Central (endoflife.date nutanix-prism): eol = End of Maintenance, extended = EOSL.
    pytest.param("Nutanix", "Prism Central", "pc.2024.3", "eol", "2026-03-31", id="pc20243-eom"),
    pytest.param("Nutanix", "Prism Central", "pc.2024.3", "extended_end", "2026-12-31", id="pc20243-eosl"),
    pytest.param(BC, "VMware Workstation Pro", "17", "release", "2022-11-17", id="ws17-release"),
    pytest.param(BC, "VMware Fusion Pro", "13", "release", "2022-11", id="fusion13-release-month"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.16", "eol", "2025-12-27", id="ocp416-maintenance-end"),
    # OpenShift 4.18-4.22 from endoflife.date commit a70eca3 (secondary; it cites Red Hat's page).
    pytest.param("Red Hat", "Red Hat OpenShift", "4.18", "support_end", "2025-09-17", id="ocp418-full-end"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.19", "release", "2025-06-17", id="ocp419-release"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.19", "support_end", "2026-01-21", id="ocp419-full-end"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.19", "eol", "2026-12-17", id="ocp419-maintenance-end"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.20", "release", "2025-10-21", id="ocp420-release"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.20", "support_end", "2026-05-03", id="ocp420-full-end"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.20", "eol", "2027-04-21", id="ocp420-maintenance-end"),
    # 4.21's release is derived (endoflife.date repeats 4.20's GA date); see the row's notes.
    pytest.param("Red Hat", "Red Hat OpenShift", "4.21", "release", "2026-02-03", id="ocp421-release"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.21", "support_end", "2026-09-09", id="ocp421-full-end"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.21", "eol", "2027-08-03", id="ocp421-maintenance-end"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.22", "release", "2026-06-09", id="ocp422-release"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.22", "support_end", "2026-12-31", id="ocp422-full-end"),
    pytest.param("Red Hat", "Red Hat OpenShift", "4.22", "eol", "2027-12-31", id="ocp422-maintenance-end"),
]


@pytest.mark.parametrize("vendor, product, cycle, column, expected", KEY_DATES)
def test_key_date(vendor, product, cycle, column, expected):
    row = INDEX.get((vendor, product, cycle))
    assert row is not None, f"missing row {vendor} / {product} / {cycle}"
    assert row[column] == expected


def test_header_order():
    assert HEADER == COLUMNS


def test_row_count():
    assert len(ROWS) >= 150


def test_vendor_product_cycle_unique():
    counts = Counter((r["vendor"], r["product"], r["cycle"]) for r in ROWS)
    dupes = [k for k, n in counts.items() if n > 1]
    assert not dupes


REQUIRED_PRODUCTS = [
    (MS, "Hyper-V Server"),
    (MS, "Windows Server"),
    (MS, "Windows 10 Enterprise and Education"),
    (MS, "Windows 11 Enterprise and Education"),
    (MS, "Azure Local"),
    (BC, "VMware ESXi"),
    (BC, "VMware vCenter Server"),
    (BC, "VMware Fusion Pro"),
    ("Proxmox", "Proxmox VE"),
    ("Nutanix", "AOS"),
    ("Oracle", "VirtualBox"),
    ("Citrix", "Citrix Hypervisor"),
    ("Vates", "XCP-ng"),
    ("Red Hat", "Red Hat Enterprise Linux"),
    ("Red Hat", "Red Hat Virtualization"),
    ("oVirt", "oVirt"),
    (IBM, VIOS),
    ("Citrix", "XenServer"),
    (MS, SCVMM),
    ("Debian", "Debian"),
    ("Canonical", "Ubuntu"),
    ("Nutanix", "Prism Central"),
    (BC, "VMware Workstation Pro"),
    ("Red Hat", "Red Hat OpenShift"),
]


@pytest.mark.parametrize("vendor, product", REQUIRED_PRODUCTS, ids=[p for _, p in REQUIRED_PRODUCTS])
def test_product_present(vendor, product):
    assert any(r["vendor"] == vendor and r["product"] == product for r in ROWS)


@pytest.mark.parametrize("cycle", ["2008", "2008 R2", "2012", "2012 R2", "2016", "2019"])
def test_hyper_v_server_cycles(cycle):
    assert (MS, "Hyper-V Server", cycle) in INDEX


@pytest.mark.parametrize("cycle", ["2008", "2008 R2", "2012", "2012 R2", "2016", "2019", "2022", "2025"])
def test_windows_server_cycles(cycle):
    assert (MS, "Windows Server", cycle) in INDEX


# Citrix Hypervisor 7.x / 8.x and XenServer 8: third-party dates (open endoflife.date PR #10065), so no
# KEY_DATES pins; only presence and the LTSR cycle names are checked.
@pytest.mark.parametrize(
    "product, cycle",
    [
        ("Citrix Hypervisor", "6.x"),
        ("Citrix Hypervisor", "7.1 LTSR"),
        ("Citrix Hypervisor", "8.2 LTSR"),
        ("XenServer", "8.4"),
    ],
    ids=["ch-6x", "ch-71-ltsr", "ch-82-ltsr", "xenserver-84"],
)
def test_citrix_cycles(product, cycle):
    assert ("Citrix", product, cycle) in INDEX


@pytest.mark.parametrize("cycle", ["5.5", "6.0", "6.5", "6.7", "7.0", "8.0"])
def test_esxi_cycles(cycle):
    assert (BC, "VMware ESXi", cycle) in INDEX


def test_hyper_v_server_2019_is_last():
    assert "last standalone" in INDEX[(MS, "Hyper-V Server", "2019")]["notes"].lower()
    assert not any(r["product"] == "Hyper-V Server" and r["cycle"] in ("2022", "2025") for r in ROWS)


def test_required_fields_and_enums():
    for line, r in enumerate(ROWS, start=2):
        for c in ["vendor", "product", "cycle", "type", "release", "source", "confidence"]:
            assert r[c].strip(), f"line {line}: {c} empty"
        assert r["type"] in ("1", "2"), f"line {line}: type"
        assert r["confidence"] in ("vendor", "secondary", "estimated"), f"line {line}: confidence"
        for url in r["source"].split(" ; "):
            assert re.fullmatch(r"https://\S+", url), f"line {line}: source {url!r}"


def test_dates_iso_and_ordered():
    for line, r in enumerate(ROWS, start=2):
        present = [(c, _parse(r[c])) for c in DATE_COLUMNS if r[c]]
        for (c1, a), (c2, b) in itertools.pairwise(present):
            assert a <= b, f"line {line}: {c1} {a} > {c2} {b}"


def test_sorted_by_vendor_product_release():
    key = [(r["vendor"].lower(), r["product"].lower(), r["release"]) for r in ROWS]
    assert key == sorted(key)


# Microsoft's own data gives a Monday here (SCVMM 2016: 2027-01-11, SCVMM 2019: 2029-04-09); Azure Local's
# end-of-service notes give a Saturday (22H2: May 31, 2025) and a month (23H2: April 2026).
NOT_PATCH_TUESDAY = {
    (SCVMM, "2016", "eol"),
    (SCVMM, "2019", "eol"),
    *((AL, "22H2", c) for c in ("support_end", "eol")),
    *((AL, "23H2", c) for c in ("support_end", "eol")),
}


def test_microsoft_vendor_milestones_are_patch_tuesdays():
    """Catches time-zone shifted copies (UTC conversion makes them one day late)."""
    for r in ROWS:
        if r["vendor"] != MS or r["confidence"] != "vendor":
            continue
        for c in ["support_end", "eol", "extended_end"]:
            if r[c] and (r["product"], r["cycle"], c) not in NOT_PATCH_TUESDAY:
                day = _parse(r[c])
                assert day.weekday() == 1 and 8 <= day.day <= 14, f"{r['product']} {r['cycle']} {c} {day}"


def test_type_two_products():
    for r in ROWS:
        if r["product"] in ("VirtualBox", "VMware Fusion Pro", "VMware Workstation Pro"):
            assert r["type"] == "2"


# Nutanix AOS (carries AHV): eol = End of Maintenance (last code/security fixes),
# support_end = eol (no earlier full-fix phase), extended_end = End of Support Life.
AOS_MAPPING = [
    pytest.param("5.20", "2022-10-31", "2023-07-31", id="aos520-eom-eosl"),
    pytest.param("6.5", "2024-10-31", "2025-06-30", id="aos65-eom-eosl"),
    pytest.param("6.10", "2026-01-31", "2026-10-31", id="aos610-eom-eosl"),
    pytest.param("7.0", "2026-03-31", "2026-12-31", id="aos70-eom-eosl"),
]


@pytest.mark.parametrize("cycle, eom, eosl", AOS_MAPPING)
def test_aos_key_dates(cycle, eom, eosl):
    row = INDEX[("Nutanix", "AOS", cycle)]
    assert (row["support_end"], row["eol"], row["extended_end"]) == (eom, eom, eosl)


def test_aos_mapping_all_rows():
    aos = [r for r in ROWS if r["vendor"] == "Nutanix" and r["product"] == "AOS"]
    assert aos
    for r in aos:
        assert r["support_end"] == r["eol"], r["cycle"]
        assert r["extended_end"] and _parse(r["extended_end"]) >= _parse(r["eol"]), r["cycle"]


def test_every_row_is_verified():
    """verified_on is a full ISO day on every row of the shipped dataset (datasets/README.md)."""
    for line, r in enumerate(ROWS, start=2):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["verified_on"]), f"line {line}: verified_on"
        datetime.date.fromisoformat(r["verified_on"])


def test_secondary_rows_say_why_not_vendor():
    """Honest confidence: every secondary row explains why the vendor page was not used."""
    for line, r in enumerate(ROWS, start=2):
        if r["confidence"] == "secondary":
            assert re.search(r"secondary|not (?:on|seen on|in|available)", r["notes"], re.I), f"line {line}"


def test_estimated_rows_explain_the_derivation():
    for line, r in enumerate(ROWS, start=2):
        if r["confidence"] == "estimated":
            assert "estimated" in r["notes"].lower(), f"line {line}: {r['product']} {r['cycle']}"


def test_no_gist_or_personal_page_as_source():
    for line, r in enumerate(ROWS, start=2):
        assert "gist.github.com" not in r["source"], f"line {line}"


def test_kvm_host_operating_systems_are_type_1():
    """A host OS that runs KVM counts as type 1 for this dataset (README, data section)."""
    for r in ROWS:
        if r["product"] in ("Debian", "Ubuntu", "Red Hat Enterprise Linux", "Proxmox VE"):
            assert r["type"] == "1", (r["product"], r["cycle"])
