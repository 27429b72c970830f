"""Benchmark: `tracker inventory` on a synthetic 1,000,000-host CSV against a bare pyarrow read.

Both run as separate processes, alternating, 3 times each; wall time and peak RSS (``os.wait4``
``ru_maxrss``) are measured per child. Targets: median ratio <= 1.5, peak memory < 1 GiB (the csv
path stays in Arrow: each distinct (product, version) is resolved once, no pandas, no per-host Python).

    python bench/inventory.py [--hosts N] [--runs N] [--keep DIR]
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

from _child import host_benchmark

RATIO_TARGET = 1.5
MEMORY_TARGET = 1 * 2**30

# (product, version) templates; "{n}" becomes a patch or build number for variety.
PAIRS = [
    ("ESXi", "7.0.{n}"),
    ("VMware ESXi", "8.0.{n}"),
    ("VMware ESXi", "8.0 U{n}"),
    ("VMware vSphere Hypervisor 7.0 U{n}", ""),
    ("ESXi", "6.7.0"),
    ("vCenter Server Appliance", "8.0.{n}"),
    ("Windows Server", "10.0.17763.{n}"),
    ("Windows Server", "10.0.20348.{n}"),
    ("Windows Server", "10.0.14393"),
    ("Windows Server", "6.3.9600"),
    ("Windows Server 2025 Datacenter", "10.0.26100.{n}"),
    ("Hyper-V Server", "10.0.14393"),
    ("Microsoft Hyper-V Server 2019", ""),
    ("Proxmox VE", "pve-manager/8.2.{n}"),
    ("Proxmox VE", "9.0.{n}"),
    ("pve-manager/7.4-{n}", ""),
    ("XCP-ng", "8.2.{n}"),
    ("XCP-ng", "8.3.0"),
    ("Nutanix AOS", "6.10.{n}"),
    ("VirtualBox", "7.1.{n}"),
    ("vSphere ESXi", "8.0.{n}"),
    ("ESXi-8.0U3-2402251{n}-standard", ""),
    ("Citrix Hypervisor", "8.2 CU{n}"),
    ("XenServer", "8.4.{n}"),
    ("IBM VIOS", "3.1.4.{n}0"),
    ("Microsoft Windows 10 Enterprise", "10.0.19045.{n}"),
    ("Microsoft Windows 11 Pro", "10.0.22631.{n}"),
    ("Windows 10 Enterprise LTSC 2021", "10.0.19044.{n}"),
    ("AHV", "20230302.10{n}003"),
    ("Ubuntu KVM", "22.04"),
    ("Acme Hypervisor", "1.{n}"),
]


def generate(path: Path, hosts: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["hostname", "product", "version", "cluster", "owner", "site"])
        for i in range(hosts):
            product, version = rng.choice(PAIRS)
            n = str(rng.randrange(8))
            w.writerow(
                [
                    f"host{i:07d}.dc{i % 7}.example.org",
                    product.replace("{n}", n),
                    version.replace("{n}", n),
                    f"cluster-{i % 400:03d}",
                    f"team-{i % 23}",
                    f"site-{i % 5}",
                ]
            )


def main() -> int:
    return host_benchmark(
        "inventory", "inventory", generate, RATIO_TARGET, MEMORY_TARGET, __doc__.splitlines()[0]
    )


if __name__ == "__main__":
    sys.exit(main())
