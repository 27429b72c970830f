"""Start-up benchmark: whole-process wall time of a query command, against baselines in the same run.

    python bench/startup.py [--runs N]

Times `tracker --as-of 2026-11-26 expiring --year 2027` (the query path), `tracker status "esxi 7"`
(the same with the resolver and the aliases table), `python -c "import pandas"`
(what the query path must never pay) and, when norwegianblue is installed, `eol windows-server` (our
nearest peer; its cache is primed offline from ../shared/reference with
../shared/tools/prime-norwegianblue-cache). Runs alternate so that machine noise hits all alike.
Prints the medians and the ratios. Target: tracker's median at or below norwegianblue's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRIMER = next(
    (
        p / "shared" / "tools" / "prime-norwegianblue-cache"
        for p in ROOT.parents
        if (p / "shared" / "tools" / "prime-norwegianblue-cache").exists()
    ),
    ROOT.parent / "shared" / "tools" / "prime-norwegianblue-cache",
)


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


# An installed package has its bytecode compiled (pip does it; so does the warm-up run below when
# writing is allowed): with PYTHONDONTWRITEBYTECODE set, as on some CI machines, every run would
# compile tracker's sources again while the peer's installed package is compiled already.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (>= 10)")
    args = parser.parse_args()
    py = sys.executable
    commands = {
        "tracker expiring": [py, "-m", "tracker", "--as-of", "2026-11-26", "expiring", "--year", "2027"],
        "tracker status 'esxi 7'": [py, "-m", "tracker", "--as-of", "2026-11-26", "status", "esxi 7"],
        "import pandas": [py, "-c", "import pandas"],
    }
    eol = shutil.which("eol") or shutil.which("eol", path=str(Path(py).parent))
    if eol and PRIMER.exists():
        subprocess.run([py, str(PRIMER), "windows-server"], check=True, stdout=subprocess.DEVNULL)
        commands["eol windows-server"] = [eol, "windows-server"]
    else:
        print("norwegianblue not installed (pip install norwegianblue): peer comparison skipped")
    for cmd in commands.values():  # warm the file cache once
        timed(cmd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(max(args.runs, 10)):
        for name, cmd in commands.items():
            samples[name].append(timed(cmd))
    medians = {name: statistics.median(s) for name, s in samples.items()}
    print(
        f"{'command':<26} {'median ms':>10} {'min ms':>8} {'max ms':>8}  (runs: {len(samples['import pandas'])})"
    )
    for name, s in samples.items():
        print(f"{name:<26} {medians[name] * 1000:>10.1f} {min(s) * 1000:>8.1f} {max(s) * 1000:>8.1f}")
    ours = medians["tracker expiring"]
    print(f"ratio tracker / import pandas      = {ours / medians['import pandas']:.2f}")
    if "eol windows-server" in medians:
        for name in ("tracker expiring", "tracker status 'esxi 7'"):
            ratio = medians[name] / medians["eol windows-server"]
            verdict = "meets" if ratio <= 1.0 else "MISSES"
            print(f"ratio {name} / eol windows-server = {ratio:.2f}  ({verdict} target <= 1.00)")


if __name__ == "__main__":
    main()
