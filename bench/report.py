"""Benchmark: `tracker report` on a synthetic 10,000-cycle dataset vs `import pandas, jinja2`.

Each measurement is a fresh process (spawned, then reaped with os.wait4 for its own peak RSS), runs
alternate between the two commands, and the medians of 5 runs are compared. Target: under 3x.

Run: python bench/report.py [--cycles N] [--runs N]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from _child import measure

from tracker.dataset import COLUMNS

VENDORS = (
    "Microsoft",
    "Broadcom (VMware)",
    "Proxmox",
    "Nutanix",
    "Citrix",
    "Vates",
    "Red Hat",
    "Oracle",
    "IBM",
    "Example",
)
TARGET_RATIO = 3.0


def synthetic_dataset(path: Path, cycles: int) -> None:
    """Valid rows: 10 vendors x N products x 10 cycles; mixed precision, confidence and phases."""
    per_product = 10
    products = max(1, cycles // (len(VENDORS) * per_product))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        n = 0
        for v, vendor in enumerate(VENDORS):
            for p in range(products):
                for c in range(per_product):
                    if n >= cycles:
                        return
                    n += 1
                    release = date(2008, 1, 15) + timedelta(days=(v * 97 + p * 31 + c * 400) % 6000)
                    support_end = release + timedelta(days=1500 + (p * 13) % 400)
                    eol = support_end + timedelta(days=700 + (c * 17) % 600)
                    extended = eol + timedelta(days=1095) if c % 4 == 0 else None
                    month_only = c % 5 == 2
                    fmt = (lambda d: d.strftime("%Y-%m")) if month_only else date.isoformat
                    w.writerow(
                        [
                            vendor,
                            f"Product {v}-{p}",
                            f"{c + 1}.{p % 3}",
                            "2" if c % 7 == 0 else "1",
                            fmt(release),
                            fmt(support_end) if c % 6 else "",
                            fmt(eol) if c % 9 else "",
                            fmt(extended) if extended else "",
                            f"https://lifecycle.example.org/{v}/{p}?cycle={c} ; https://example.com/x",
                            ("vendor", "secondary", "estimated")[c % 3],
                            'synthetic <row> & "quoted" notes' if c % 2 else "",
                            "" if c % 10 == 3 else "2026-10-01",  # a few rows never verified
                        ]
                    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        dataset = tmp / "synthetic.csv"
        synthetic_dataset(dataset, args.cycles)
        out = tmp / "out"
        env_note = {k: v for k, v in os.environ.items() if k.startswith("TRACKER_")}
        if env_note:
            print(f"note: TRACKER_* variables set: {sorted(env_note)}", file=sys.stderr)
        report = [
            sys.executable,
            "-m",
            "tracker",
            "--dataset",
            str(dataset),
            "--as-of",
            "2026-11-26",
            "report",
            "--out",
            str(out),
        ]
        baseline = [sys.executable, "-c", "import pandas, jinja2"]
        measure(report, cwd=tmp)  # warm the OS file cache and .pyc files once, unmeasured
        measure(baseline, cwd=tmp)
        times: dict[str, list[float]] = {"report": [], "baseline": []}
        peaks: dict[str, list[int]] = {"report": [], "baseline": []}
        for _ in range(args.runs):
            for name, argv in (("report", report), ("baseline", baseline)):
                seconds, rss = measure(argv, cwd=tmp)
                times[name].append(seconds)
                peaks[name].append(rss)
        html = next(out.glob("lifecycle-*.html"))
        size = html.stat().st_size
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["report"] / med["baseline"]
    print(f"dataset: {args.cycles} cycles (synthetic); report size {size / 1e6:.1f} MB")
    print(
        f"tracker report           median {med['report']:.3f} s  "
        f"(runs: {', '.join(f'{t:.3f}' for t in times['report'])})  "
        f"peak RSS {max(peaks['report']) / 2**20:.0f} MiB"
    )
    print(
        f"import pandas, jinja2    median {med['baseline']:.3f} s  "
        f"(runs: {', '.join(f'{t:.3f}' for t in times['baseline'])})  "
        f"peak RSS {max(peaks['baseline']) / 2**20:.0f} MiB"
    )
    verdict = "OK" if ratio < TARGET_RATIO else "OVER TARGET"
    print(f"ratio {ratio:.2f}x (target < {TARGET_RATIO:.0f}x): {verdict}")
    return 0 if ratio < TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
