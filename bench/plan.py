"""Benchmark: `tracker plan` on a synthetic 1,000,000-host CSV against a bare pyarrow read.

The hosts are those of bench/inventory.py plus a ``hardware_end`` column (a third of the hosts) and a
``vcenter`` column (the ESXi hosts). Both commands run as separate processes, alternating, 3 times
each; wall time and peak RSS are measured per child. ``tracker plan --format csv -o FILE`` writes
the whole plan (about 160 MB) like bench/inventory.py does. Targets: median ratio <= 2.5, peak
memory < 1.5 GiB.

    python bench/plan.py [--hosts N] [--runs N] [--keep DIR]
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

from _child import host_benchmark
from inventory import PAIRS

RATIO_TARGET = 2.5
MEMORY_TARGET = 1.5 * 2**30
HARDWARE_ENDS = [
    f"{y}-{m:02d}-{d}" for y in (2026, 2027, 2028, 2029) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))
]


def generate(path: Path, hosts: int, seed: int = 7) -> None:
    """bench/inventory.py's hosts (same seed, same rows) with hardware_end and vcenter columns."""
    rng = random.Random(seed)
    extra = random.Random(seed + 1)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["hostname", "product", "version", "cluster", "owner", "site", "hardware_end", "vcenter"])
        for i in range(hosts):
            product, version = rng.choice(PAIRS)
            n = str(rng.randrange(8))
            hardware = extra.choice(HARDWARE_ENDS) if extra.random() < 1 / 3 else ""
            esxi = "esxi" in product.lower() or "hypervisor 7" in product.lower()
            vcenter = extra.choice(("7.0.3", "8.0.2", "8.0.3")) if esxi else ""
            w.writerow(
                [
                    f"host{i:07d}.dc{i % 7}.example.org",
                    product.replace("{n}", n),
                    version.replace("{n}", n),
                    f"cluster-{i % 400:03d}",
                    f"team-{i % 23}",
                    f"site-{i % 5}",
                    hardware,
                    vcenter,
                ]
            )


def main() -> int:
    return host_benchmark("plan", "plan", generate, RATIO_TARGET, MEMORY_TARGET, __doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
