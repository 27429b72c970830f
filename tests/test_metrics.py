"""`tracker metrics` (README "Prometheus metrics"): Prometheus text format, read back by prometheus_client's parser
and, when Debian's prometheus-node-exporter is installed, scraped through its textfile collector."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import AS_OF, ROOT, SMALL, free_port
from tracker.dataset import load_dataset
from tracker.metrics import LastRun, collect, escape_label_value, render

HOSTS = ROOT / "examples" / "hosts.csv"
SPEC_NAMES = {
    "tracker_days_to_eol",
    "tracker_cycle_status",
    "tracker_hosts",
    "tracker_hosts_by_cycle",
    "tracker_dataset_rows",
    "tracker_dataset_stale_rows",
    "tracker_last_run_timestamp_seconds",
    "tracker_last_run_success",
}


def parse(text: str) -> dict[str, Any]:
    """name -> family, through prometheus_client's own parser (raises on malformed text)."""
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample(families: dict[str, Any], name: str, **labels: str) -> float:
    [value] = [
        s.value for s in families[name].samples if all(s.labels.get(k) == v for k, v in labels.items())
    ]
    return float(value)


def test_bundled_dataset_hyper_v_2016_reads_47_days(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, "metrics")
    assert result.returncode == 0, result.stderr
    families = parse(result.stdout)
    hv = {"vendor": "Microsoft", "product": "Hyper-V Server", "cycle": "2016"}
    assert sample(families, "tracker_days_to_eol", **hv) == 47
    assert sample(families, "tracker_days_to_eol", **hv, status="security-only") == 47
    assert sample(families, "tracker_cycle_status", **hv, status="security-only") == 1
    rows = sample(families, "tracker_dataset_rows")
    assert rows == len(load_dataset(ROOT / "datasets" / "hypervisors.csv"))
    assert len(families["tracker_cycle_status"].samples) == rows
    assert {s.value for s in families["tracker_cycle_status"].samples} == {1.0}
    assert sample(families, "tracker_dataset_stale_rows") >= 0
    # The exact count, by data.stale_after_days' default (180) counted here by hand.
    as_of = date.fromisoformat(AS_OF)
    records = load_dataset(ROOT / "datasets" / "hypervisors.csv")
    stale = [r for r in records if r.verified_on is None or (as_of - r.verified_on).days > 180]
    assert sample(families, "tracker_dataset_stale_rows") == len(stale)
    for family in families.values():
        assert family.type == "gauge" and family.documentation
    # Every family has HELP and TYPE lines before its samples.
    lines = result.stdout.splitlines()
    for name in families:
        at = lines.index(f"# TYPE {name} gauge")
        assert lines[at - 1].startswith(f"# HELP {name} ")
        assert lines[at + 1].startswith(name)
    # Neither an inventory nor a run: no host or run series (absent, not invented zeros).
    assert not {"tracker_hosts", "tracker_last_run_success"} & families.keys()


def test_days_to_eol_is_absent_when_eol_is_not_announced(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "d.csv"
    data.write_text(
        "vendor,product,cycle,type,release,eol,source,confidence\n"
        "Proxmox,Proxmox VE,9,1,2025-08-05,,https://pve.proxmox.com/wiki/FAQ,vendor\n"
        "Proxmox,Proxmox VE,8,1,2023-06-22,2026-08,https://pve.proxmox.com/wiki/FAQ,vendor\n"
    )
    result = tracker("--dataset", str(data), "--as-of", AS_OF, "metrics")
    families = parse(result.stdout)
    assert [s.labels["cycle"] for s in families["tracker_days_to_eol"].samples] == ["8"]
    # A month-only eol counts from the month's first day (SPEC section 2): 2026-08-01 is 117 days ago.
    assert sample(families, "tracker_days_to_eol", cycle="8", status="end-of-life") == -117
    assert sample(families, "tracker_cycle_status", cycle="9", status="supported") == 1


def test_label_values_with_quotes_backslashes_and_newlines_round_trip() -> None:
    nasty = 'Hyper-V "Core" C:\\Hyper-V\nline two'
    record = SimpleNamespace(vendor="Micro\\soft", product=nasty, cycle='20"16', key=("a", "b", "c"))
    assert escape_label_value(nasty) == 'Hyper-V \\"Core\\" C:\\\\Hyper-V\\nline two'
    from tracker.metrics import Metric

    m = Metric("tracker_days_to_eol", "help with a \\ backslash\nand a newline")
    m.add(47, vendor=record.vendor, product=record.product, cycle=record.cycle, status="supported")
    text = render([m])
    assert "\nline two" not in text  # one sample, one line
    [family] = text_string_to_metric_families(text)
    [s] = family.samples
    assert s.labels == {"vendor": "Micro\\soft", "product": nasty, "cycle": '20"16', "status": "supported"}
    assert family.documentation == "help with a \\ backslash\nand a newline"


def test_dataset_text_with_quotes_and_backslashes_through_the_cli(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "d.csv"
    data.write_text(
        "vendor,product,cycle,type,release,eol,source,confidence\n"
        'Acme\\Labs,"Hyper ""Visor""",1.0,1,2020-01-01,2027-01-12,https://example.org/x,vendor\n'
    )
    result = tracker("--dataset", str(data), "--as-of", AS_OF, "metrics")
    assert result.returncode == 0, result.stderr
    families = parse(result.stdout)
    assert sample(families, "tracker_days_to_eol", vendor="Acme\\Labs", product='Hyper "Visor"') == 47


def test_output_file_is_replaced_atomically(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "textfile" / "tracker.prom"
    result = tracker("--as-of", AS_OF, "metrics", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    first = out.read_text()
    with out.open() as reader:  # a collector in the middle of reading the old file
        result = tracker("--as-of", "2026-11-27", "metrics", "-o", str(out))
        assert result.returncode == 0
        assert reader.read() == first  # still the old, complete file: the new one was renamed over it
    assert sample(parse(out.read_text()), "tracker_days_to_eol", product="Hyper-V Server", cycle="2016") == 46
    assert sorted(p.name for p in out.parent.iterdir()) == ["tracker.prom"]  # no temp file left
    assert oct(out.stat().st_mode & 0o777) == "0o644"  # node_exporter runs as another user


def test_unwritable_output_is_a_sentence_naming_the_file(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "dir.prom").mkdir()
    target = tmp_path / "dir.prom" / "sub"
    target.write_text("a file where a directory is needed")
    result = tracker("--as-of", AS_OF, "metrics", "-o", str(target / "tracker.prom"))
    assert result.returncode == 1
    assert str(target / "tracker.prom") in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_invalid_dataset_writes_nothing(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text(SMALL.read_text().replace("2027-01-12", "2027-13-45", 1))
    out = tmp_path / "tracker.prom"
    result = tracker("--dataset", str(bad), "--as-of", AS_OF, "metrics", "-o", str(out))
    assert result.returncode == 1
    assert f"{bad}:2: eol: impossible date" in result.stderr
    assert not out.exists()


def test_inventory_adds_host_series(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text(f'state_dir = "state"\ninventory = "{HOSTS}"\n')
    result = tracker("--as-of", AS_OF, "metrics")
    assert result.returncode == 0, result.stderr
    families = parse(result.stdout)
    hosts = {s.labels["status"]: s.value for s in families["tracker_hosts"].samples}
    # Every status has a series, zero or not, so alert rules never see one vanish.
    assert set(hosts) == {"unreleased", "supported", "security-only", "extended", "end-of-life", "unmatched"}
    assert sum(hosts.values()) == 21  # examples/hosts.csv
    assert hosts["unreleased"] == 0
    assert sample(families, "tracker_hosts_by_cycle", product="Hyper-V Server", cycle="2016") == 2
    assert (
        sample(
            families, "tracker_hosts_by_cycle", product="Hyper-V Server", cycle="2016", status="security-only"
        )
        == 2
    )
    matched = sum(s.value for s in families["tracker_hosts_by_cycle"].samples)
    assert matched == 21 - hosts["unmatched"]
    quiet = parse(tracker("--as-of", AS_OF, "metrics", "--no-inventory").stdout)
    assert "tracker_hosts" not in quiet


def test_every_documented_series_with_help_and_type(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    """With an inventory and a recorded run, the file has exactly the eight families of the README's
    list (and contrib/prometheus/README.md), each introduced by its HELP and TYPE lines."""
    (tmp_path / "tracker.toml").write_text(f'state_dir = "state"\ninventory = "{HOSTS}"\n')
    assert tracker("--as-of", AS_OF, "run").returncode == 0
    text = tracker("--as-of", AS_OF, "metrics").stdout
    families = parse(text)
    assert set(families) == SPEC_NAMES
    helps = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP ")}
    types = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    assert helps == types == SPEC_NAMES
    documented = (ROOT / "contrib" / "prometheus" / "README.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in documented and f"`{name}" in readme for name in SPEC_NAMES)


def test_metrics_without_inventory_stays_light(tmp_path: Path, env: dict[str, str]) -> None:
    code = (
        "import sys, runpy; sys.argv = ['tracker', '--as-of', '2026-11-26', 'metrics', '-o', {!r}]\n"
        "try:\n    runpy.run_module('tracker', run_name='__main__')\n"
        "except SystemExit as exc:\n    print(exc.code)\n"
        "print([m for m in ('pandas', 'numpy', 'jinja2', 'apscheduler', 'sqlalchemy') if m in sys.modules])"
    ).format(str(tmp_path / "t.prom"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.stdout.split() == ["0", "[]"], out.stderr  # it ran, succeeded, and stayed light
    assert (tmp_path / "t.prom").read_text().startswith("# HELP tracker_days_to_eol")


def test_last_run_series_come_from_the_recorded_runs(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text('state_dir = "state"\n')
    before = time.time()
    assert tracker("--as-of", AS_OF, "run").returncode == 0
    families = parse(tracker("--as-of", AS_OF, "metrics").stdout)
    assert sample(families, "tracker_last_run_success") == 1
    assert before - 1 <= sample(families, "tracker_last_run_timestamp_seconds") <= time.time()
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,dataset\n")
    assert tracker("--dataset", str(bad), "--as-of", AS_OF, "run").returncode == 1
    families = parse(tracker("--as-of", AS_OF, "metrics").stdout)
    assert sample(families, "tracker_last_run_success") == 0


def test_stale_rows_follow_data_stale_after_days(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "d.csv"
    head = "vendor,product,cycle,type,release,eol,source,confidence,verified_on\n"
    row = "Proxmox,Proxmox VE,{},1,2023-06-22,2026-08,https://pve.proxmox.com/wiki/FAQ,vendor,{}\n"
    data.write_text(
        head
        + row.format("8", "2026-05-30")  # 180 days before as_of: not older than the limit
        + row.format("7", "2026-05-29")  # 181 days
        + row.format("6", "")  # never verified: stale, as `tracker validate` says
    )
    families = parse(tracker("--dataset", str(data), "--as-of", AS_OF, "metrics").stdout)
    assert sample(families, "tracker_dataset_stale_rows") == 2
    assert sample(families, "tracker_dataset_rows") == 3
    (tmp_path / "tracker.toml").write_text("[data]\nstale_after_days = 10000\n")
    families = parse(tracker("--dataset", str(data), "--as-of", AS_OF, "metrics").stdout)
    assert sample(families, "tracker_dataset_stale_rows") == 1
    assert "(10000)" in families["tracker_dataset_stale_rows"].documentation


def test_collect_without_dataset_keeps_the_run_series() -> None:
    """An invalid dataset still lets `tracker run` publish that the run failed."""
    run = LastRun(ended_at=datetime(2026, 11, 26, 6, 0, tzinfo=UTC), success=False)
    families = parse(render(collect(None, date(2026, 11, 26), run=run)))
    assert set(families) == {"tracker_last_run_timestamp_seconds", "tracker_last_run_success"}
    assert sample(families, "tracker_last_run_timestamp_seconds") == 1795672800


NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")


@pytest.mark.skipif(
    NODE_EXPORTER is None and not os.environ.get("CI"),
    reason="Debian's prometheus-node-exporter is not installed",
)
def test_node_exporter_textfile_collector_serves_the_file(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    textfile = tmp_path / "textfile"
    result = tracker("--as-of", AS_OF, "metrics", "-o", str(textfile / "tracker.prom"))
    assert result.returncode == 0, result.stderr
    port = free_port()
    assert NODE_EXPORTER is not None
    proc = subprocess.Popen(
        [
            NODE_EXPORTER,
            "--collector.disable-defaults",
            "--collector.textfile",
            f"--collector.textfile.directory={textfile}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={"PATH": os.environ.get("PATH", "")},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
                    body = resp.read().decode("utf-8")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    families = parse(body)
    assert sample(families, "node_textfile_scrape_error") == 0
    assert sample(families, "tracker_days_to_eol", product="Hyper-V Server", cycle="2016") == 47
    assert sample(families, "tracker_dataset_rows") > 100


def test_tracker_run_refreshes_report_metrics_file(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    prom = tmp_path / "textfile" / "tracker.prom"
    (tmp_path / "tracker.toml").write_text(f'state_dir = "state"\n[report]\nmetrics_file = "{prom}"\n')
    result = tracker("--as-of", AS_OF, "run")
    assert result.returncode == 0, result.stderr
    families = parse(prom.read_text())
    assert sample(families, "tracker_last_run_success") == 1  # this very run, recorded before the file
    assert sample(families, "tracker_days_to_eol", product="Hyper-V Server", cycle="2016") == 47
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,dataset\n")
    assert tracker("--dataset", str(bad), "--as-of", AS_OF, "run").returncode == 1
    families = parse(prom.read_text())
    assert sample(families, "tracker_last_run_success") == 0
    assert "tracker_days_to_eol" not in families  # no dataset, no dataset series


PROMTOOL = shutil.which("promtool")
RULES = ROOT / "contrib" / "prometheus" / "tracker-rules.yml"


@pytest.mark.skipif(
    PROMTOOL is None and not os.environ.get("CI"),
    reason="promtool (Debian package prometheus) is not installed",
)
def test_documented_alert_rules_fire_on_real_metrics(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    """contrib/prometheus/tracker-rules.yml evaluated by promtool over `tracker metrics` output."""
    import json

    assert PROMTOOL is not None
    assert subprocess.run([PROMTOOL, "check", "rules", str(RULES)], capture_output=True).returncode == 0
    (tmp_path / "tracker.toml").write_text(f'state_dir = "state"\ninventory = "{HOSTS}"\n')
    text = tracker("--as-of", AS_OF, "metrics").stdout
    families = parse(text)
    series = [line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")]
    near = [
        s.labels for s in families["tracker_days_to_eol"].samples if 0 <= s.value < 90
    ]  # the dataset's cycles within 90 days of end of life
    assert any(n["product"] == "Hyper-V Server" and n["cycle"] == "2016" for n in near)
    test = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": name, "values": f"{value}x10"} for name, value in series],
                "alert_rule_test": [
                    {
                        "eval_time": "5m",
                        "alertname": "TrackerHostsNearEndOfLife",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    "severity": "warning",
                                    "product": "Hyper-V Server",
                                    "cycle": "2016",
                                    "status": "security-only",
                                },
                                "exp_annotations": {
                                    "summary": "2 host(s) run Hyper-V Server 2016, end of life within 90 days",
                                    "description": "Hyper-V Server 2016 reaches end of life in less than 90 "
                                    "days (see tracker_days_to_eol). Start the upgrade now.",
                                },
                            },
                            {  # hv-file-01, the standalone Windows Server 2016 host
                                "exp_labels": {
                                    "severity": "warning",
                                    "product": "Windows Server",
                                    "cycle": "2016",
                                    "status": "security-only",
                                },
                                "exp_annotations": {
                                    "summary": "1 host(s) run Windows Server 2016, end of life within 90 days",
                                    "description": "Windows Server 2016 reaches end of life in less than 90 "
                                    "days (see tracker_days_to_eol). Start the upgrade now.",
                                },
                            },
                        ],
                    },
                    {
                        "eval_time": "5m",
                        "alertname": "TrackerCycleNearEndOfLife",
                        "exp_alerts": [
                            {
                                "exp_labels": {"severity": "info", **labels},
                                "exp_annotations": {
                                    "summary": f"{labels['product']} {labels['cycle']} reaches end of life in "
                                    f"{sample(families, 'tracker_days_to_eol', **labels):g} days",
                                    "description": f"{labels['vendor']} {labels['product']} {labels['cycle']} "
                                    f"({labels['status']}) reaches end of life in "
                                    f"{sample(families, 'tracker_days_to_eol', **labels):g} days.",
                                },
                            }
                            for labels in near
                        ],
                    },
                    {"eval_time": "5m", "alertname": "TrackerNightlyRunFailed", "exp_alerts": []},
                ],
            }
        ],
    }
    spec = tmp_path / "tracker-rules.test.yml"
    spec.write_text(json.dumps(test))
    result = subprocess.run([PROMTOOL, "test", "rules", str(spec)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hosts_by_cycle_has_one_series_per_label_set() -> None:
    """Two vendors' cycles with the same product and cycle names sum into one series."""
    records = load_dataset(SMALL)
    hv = records[0]
    from dataclasses import replace

    twin = replace(hv, vendor="Another vendor")
    counts = {hv.key: 2, twin.key: 3}
    text = render(collect([hv, twin], date(2026, 11, 26), hosts_by_status={}, host_counts=counts))
    families = parse(text)
    [s] = families["tracker_hosts_by_cycle"].samples
    assert s.value == 5 and s.labels == {
        "product": "Hyper-V Server",
        "cycle": "2016",
        "status": "security-only",
    }
