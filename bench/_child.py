"""Measuring one fresh child process, shared by the benchmarks (run them as `python bench/X.py`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def measure(
    argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[float, int]:
    """Wall seconds and peak RSS in bytes of one child, reaped with os.wait4 for its own usage."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)}\n{err}")
    return wall, usage.ru_maxrss * 1024  # Linux reports KiB


def compare_with_pyarrow_read(
    label: str,
    tracker: list[str],
    hosts: Path,
    out: Path,
    expected_rows: int,
    runs: int,
    env: dict[str, str],
    ratio_target: float,
    memory_target: int,
) -> int:
    """Alternate ``tracker`` (writing ``out``) with a bare ``pandas.read_csv(engine="pyarrow")`` of
    ``hosts``; print medians, peaks and the ratio; 0 when both targets are met."""
    import statistics

    baseline = [
        sys.executable,
        "-c",
        "import sys, pandas; pandas.read_csv(sys.argv[1], engine='pyarrow')",
        str(hosts),
    ]
    times: dict[str, list[float]] = {"tracker": [], "baseline": []}
    peaks: dict[str, list[int]] = {"tracker": [], "baseline": []}
    measure(baseline, env=env)  # warm the page cache so neither side pays the first read
    for _ in range(runs):
        for name, cmd in (("baseline", baseline), ("tracker", tracker)):
            wall, rss = measure(cmd, env=env)
            times[name].append(wall)
            peaks[name].append(rss)
    with open(out, encoding="utf-8") as f:
        rows = sum(1 for _ in f) - 1
    if rows != expected_rows:
        raise SystemExit(f"tracker wrote {rows} rows for {expected_rows} hosts")
    ratio = statistics.median(times["tracker"]) / statistics.median(times["baseline"])
    peak = max(peaks["tracker"])
    size = hosts.stat().st_size
    print(f"{label}: {expected_rows:,} hosts, {size / 2**20:.1f} MiB CSV, {runs} runs each")
    for name in ("baseline", "tracker"):
        shown = " ".join(f"{t:.2f}" for t in times[name])
        print(
            f"  {name:<9} median {statistics.median(times[name]):.2f} s  (runs: {shown})  "
            f"peak RSS {max(peaks[name]) / 2**20:.0f} MiB"
        )
    ok = ratio <= ratio_target and peak < memory_target
    print(
        f"  ratio {ratio:.2f} (target <= {ratio_target:g}), tracker peak "
        f"{peak / 2**30:.2f} GiB (target < {memory_target / 2**30:g} GiB): "
        f"{'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


def host_benchmark(
    label: str,
    command: str,
    generate: Callable[[Path, int], None],
    ratio_target: float,
    memory_target: int,
    description: str,
) -> int:
    """The command line of bench/inventory.py and bench/plan.py: generate ``--hosts`` hosts (kept in
    ``--keep DIR`` and reused from there), then ``compare_with_pyarrow_read`` on
    ``tracker COMMAND HOSTS --format csv -o OUT``."""
    import argparse
    import shutil
    import tempfile

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--hosts", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", metavar="DIR", help="use DIR and keep the files")
    args = ap.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix=f"tracker-bench-{label}-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        hosts, out = tmp / "hosts.csv", tmp / f"{label}-out.csv"
        if not hosts.exists() or not args.keep:
            generate(hosts, args.hosts)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        env["XDG_CONFIG_HOME"] = str(tmp / "config")  # no user config changes the run
        tracker = [sys.executable, "-m", "tracker", "--as-of", "2026-11-26", command, str(hosts)]
        tracker += ["--format", "csv", "-o", str(out)]
        return compare_with_pyarrow_read(
            label, tracker, hosts, out, args.hosts, args.runs, env, ratio_target, memory_target
        )
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
