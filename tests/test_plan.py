"""`tracker plan` end to end (real subprocesses), the estate API, start_by alerts and check --plan."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import AS_OF, FIXTURES, ROOT

from tracker.vocabulary import milestone_label

EXAMPLE = ROOT / "examples" / "hosts.csv"
PLAN = FIXTURES / "plan"
HEAD = [
    "hostname",
    "product",
    "cycle",
    "status",
    "effective_end",
    "binding",
    "target_product",
    "target_cycle",
    "path",
    "hops",
    "start_by",
    "days_to_start",
]


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def by_host(text: str) -> dict[str, dict[str, str]]:
    return {row["hostname"]: row for row in rows_of(text)}


def test_example_plan_answers_what_when_and_to_which_release(tracker) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE), "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = rows_of(r.stdout)
    assert list(rows[0])[:12] == HEAD
    assert list(rows[0])[12:] == ["version", "cluster", "owner", "site", "hardware_end", "vcenter"]
    hosts = {row["hostname"]: row for row in rows}
    assert len(hosts) == 21
    ws2016 = hosts["hv-file-01.corp.example"]
    assert {k: ws2016[k] for k in HEAD[1:]} == {
        "product": "Windows Server",
        "cycle": "2016",
        "status": "security-only",
        "effective_end": "2027-01-12",
        "binding": "Windows Server 2016",
        "target_product": "Windows Server",
        "target_cycle": "2025",
        "path": "2016 -> 2025",
        "hops": "1",
        "start_by": "2026-07-12",
        "days_to_start": "-137",
    }
    hv2019 = hosts["hv-legacy-03.corp.example"]
    assert (hv2019["product"], hv2019["target_product"], hv2019["path"]) == (
        "Hyper-V Server",
        "Windows Server",
        "2019 -> Windows Server 2025",
    )
    esx = hosts["esx-prod-03.corp.example"]
    assert (esx["cycle"], esx["binding"], esx["effective_end"], esx["start_by"]) == (
        "8.0",
        "hardware",
        "2027-03-31",
        "2026-09-30",
    )
    # Broadcom documents 8.0 -> 9.0 and no 7.0 -> 9.0 (7.x goes to 8.x first): datasets/upgrades.csv
    assert hosts["esx-prod-04.corp.example"]["path"] == "8.0 -> 9.0"
    assert (hosts["esx-prod-01.corp.example"]["path"], hosts["esx-prod-01.corp.example"]["hops"]) == (
        "7.0 -> 8.0 -> 9.0",
        "2",
    )
    kvm = hosts["kvm-01.lab.example"]
    assert kvm["status"] == "unmatched" and kvm["product"] == "Harvester"
    assert all(kvm[k] == "" for k in HEAD[4:]), kvm
    assert r.stderr == (
        "tracker: 12 hosts must start an upgrade within 90 days (12 already past their start-by date); "
        "1 unmatched\n"
    )


def test_json_items_are_typed(tracker) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE), "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 1 and doc["as_of"] == AS_OF
    items = {i["hostname"]: i for i in doc["items"]}
    ws = items["hv-file-01.corp.example"]
    assert ws["hops"] == 1 and ws["days_to_start"] == -137 and ws["start_by"] == "2026-07-12"
    pve9 = items["pve-03.lab.example"]
    # Proxmox VE 9 has no announced end, but it runs on Debian 13, which has one
    assert (pve9["effective_end"], pve9["binding"], pve9["path"]) == (
        "2028-08-09",
        "Debian 13",
        "9 (newest release)",
    )
    assert pve9["target_product"] == "Proxmox VE" and pve9["hops"] == 0
    assert items["kvm-01.lab.example"]["path"] is None and items["kvm-01.lab.example"]["hops"] is None


@pytest.mark.parametrize(
    ("fmt", "start"),
    [
        pytest.param("table", "Hostname ", id="table"),
        pytest.param("markdown", "| Hostname | Product | Cycle | Status | Effective end |", id="markdown"),
    ],
)
def test_text_formats(tracker, fmt: str, start: str) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE), "--format", fmt)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(start) and len(lines) == 23
    arrow = "2016 -&gt; 2025" if fmt == "markdown" else "2016 -> 2025"  # markdown escapes < > &
    assert any("hv-file-01" in line and arrow in line for line in lines)


def test_group_by_cluster(tracker) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE), "--group-by", "cluster", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = rows_of(r.stdout)
    groups = {row["cluster"]: row for row in rows}
    assert sum(int(row["hosts"]) for row in rows) == 21
    legacy = groups["legacy-hyperv"]
    assert legacy["hosts"] == "4"
    assert (legacy["start_by"], legacy["binding"]) == ("2023-04-10", "Windows Server 2012 R2")
    assert groups["(none)"]["hosts"] == "1" and groups["(none)"]["cycle"] == "2016"
    vsphere = groups["prod-vsphere"]
    assert (vsphere["hosts"], vsphere["start_by"], vsphere["no_path"]) == ("5", "2025-03-02", "0")
    starts = [row["start_by"] for row in rows if row["start_by"]]
    assert starts == sorted(starts)  # soonest first
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE), "--group-by", "owner", "--format", "json")
    doc = json.loads(r.stdout)
    assert {i["owner"]: i["hosts"] for i in doc["items"]} == {
        "vmware-team": 7,
        "windows-team": 9,
        "linux-team": 5,
    }
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE), "--group-by", "rack")
    assert r.returncode == 2 and "--group-by: no column 'rack'" in r.stderr and "cluster" in r.stderr
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE), "--group-by", "Owner", "--format", "json")
    assert r.returncode == 0, r.stderr  # a column name typed in another case names the same column
    assert {i["owner"]: i["hosts"] for i in json.loads(r.stdout)["items"]}["linux-team"] == 5


def test_layers_hardware_model_and_filters_with_fixture_data(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text(
        f'dataset = "{PLAN / "hypervisors.csv"}"\n[plan]\nhardware = "{PLAN / "hardware.csv"}"\n'
        '[[plan.leads]]\nmatch = "nutanix/*"\nlead = "1y"\n',
        encoding="utf-8",
    )
    r = tracker("--as-of", AS_OF, "plan", str(PLAN / "hosts.csv"), "--format", "csv")
    assert r.returncode == 0, r.stderr
    hosts = by_host(r.stdout)
    assert hosts["esx8-c"]["binding"] == "VMware vCenter Server 7.0"  # deployed vCenter 7.0
    assert hosts["esx8-b"]["binding"] == "VMware ESXi 8.0"  # no vcenter column value: vCenter 8.0
    assert hosts["esx8-a"]["binding"] == "hardware"
    assert (hosts["ws16-b"]["binding"], hosts["ws16-b"]["effective_end"]) == ("hardware", "2026-12-31")
    assert hosts["pve8-a"]["binding"] == "Debian 12"
    assert hosts["ws16-a"]["binding"] == "Windows Server 2016"  # SCVMM is optional: not named
    assert hosts["ws16-c"]["binding"] == "System Center Virtual Machine Manager 2016"
    assert (hosts["ahv-a"]["binding"], hosts["ahv-b"]["binding"]) == ("AOS 6.10", "AOS 7.3")
    assert hosts["ahv-b"]["start_by"] == "2025-09-30"  # [[plan.leads]] nutanix: one year
    r = tracker("--as-of", AS_OF, "plan", str(PLAN / "hosts.csv"), "--format", "csv", "--product", "ahv")
    assert sorted(by_host(r.stdout)) == ["ahv-a", "ahv-b", "odd-1"]  # unmatched hosts pass filters


def test_bad_hardware_end_is_named_with_its_line(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hosts = tmp_path / "hosts.csv"
    hosts.write_text(
        "hostname,product,version,hardware_end\nh0,Windows Server,2019,\nh1,ESXi,8.0,2027-02-30\n",
        encoding="utf-8",
    )
    r = tracker("--as-of", AS_OF, "plan", str(hosts))
    assert r.returncode == 1
    assert r.stderr == f"{hosts}:3: hardware_end: impossible date: '2027-02-30'\n"
    r = tracker("--as-of", AS_OF, "plan", str(hosts), "--product", "esxi")  # line numbers survive filters
    assert r.stderr == f"{hosts}:3: hardware_end: impossible date: '2027-02-30'\n"


def test_default_inventory_comes_from_the_config(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "plan")
    assert r.returncode == 2 and "give HOSTS.csv or set `inventory`" in r.stderr
    (tmp_path / "tracker.toml").write_text(f'inventory = "{EXAMPLE}"\n', encoding="utf-8")
    r = tracker("--as-of", AS_OF, "plan", "--format", "csv", "-o", str(tmp_path / "plan.csv"))
    assert r.returncode == 0 and r.stdout == ""
    assert len(rows_of((tmp_path / "plan.csv").read_text(encoding="utf-8"))) == 21


@pytest.mark.parametrize("value", ['"6 months"', '"-1m"', '"0"'])
@pytest.mark.parametrize(
    ("section", "key"),
    [
        pytest.param("[plan]\nlead", "plan.lead", id="lead"),
        pytest.param("[plan]\nper_hop", "plan.per_hop", id="per_hop"),
        pytest.param('[[plan.leads]]\nmatch = "microsoft/*"\nlead', "plan.leads[0].lead", id="leads"),
    ],
)
def test_bad_lead_time_is_a_configuration_error_naming_the_key(
    tracker, tmp_path: Path, value: str, section: str, key: str
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text(f"{section} = {value}\n", encoding="utf-8")
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith(f"tracker.toml: {key}: ") and value.strip('"') in r.stderr
    assert "Traceback" not in r.stderr


def test_lead_times_per_hop_and_leads_through_the_command(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Calendar months (31 March - 1 month = 28 February), the per-hop allowance for each hop after
    the first, and the first [[plan.leads]] glob that fits vendor/product."""
    hosts = tmp_path / "hosts.csv"
    hosts.write_text(
        "hostname,product,version,hardware_end\n"
        "ws19,Windows Server,2019,2027-03-31\n"  # hardware binds: 2027-03-31
        "pve7,Proxmox VE,7.4,\n"  # 7 -> 8 -> 9: two hops; Proxmox VE 7 ends 2024-07 (first day)
        "hv19,Hyper-V Server,2019,2027-03-31\n",
        encoding="utf-8",
    )
    (tmp_path / "tracker.toml").write_text(
        '[plan]\nlead = "1m"\nper_hop = "2m"\n'
        '[[plan.leads]]\nmatch = "microsoft/hyper-v*"\nlead = "90d"\n'
        '[[plan.leads]]\nmatch = "Microsoft/*"\nlead = "1y"\n',
        encoding="utf-8",
    )
    r = tracker("--as-of", AS_OF, "plan", str(hosts), "--format", "csv")
    assert r.returncode == 0, r.stderr
    got = {h: (row["effective_end"], row["hops"], row["start_by"]) for h, row in by_host(r.stdout).items()}
    assert got == {
        "ws19": ("2027-03-31", "1", "2026-03-31"),  # Microsoft/*: one year
        "pve7": ("2024-07-01", "2", "2024-04-01"),  # 1m lead + 2m for the second hop
        "hv19": ("2027-03-31", "1", "2026-12-31"),  # the first match wins: 90 days
    }
    (tmp_path / "tracker.toml").write_text('[plan]\nlead = "1m"\n', encoding="utf-8")
    r = tracker("--as-of", AS_OF, "plan", str(hosts), "--format", "csv")
    assert by_host(r.stdout)["ws19"]["start_by"] == "2027-02-28"  # month arithmetic, not 30 days


def test_query_filters_and_their_errors(tracker) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE), "--format", "csv", "--vendor", "vmware")
    assert r.returncode == 0, r.stderr
    assert {row["product"] for row in rows_of(r.stdout)} == {
        "VMware ESXi",
        "VMware vCenter Server",
        "Harvester",
    }
    # ESXi and vCenter 8.0 -> 9.0 are sourced hops (datasets/upgrades.csv): every VMware host has a path.
    assert r.stderr.endswith("(5 already past their start-by date); 1 unmatched\n")
    assert "no known upgrade path" not in r.stderr
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE), "--vendor", "microsoft", "--type", "2")
    assert r.returncode == 0 and "no release cycle matches --vendor microsoft and --type 2" in r.stderr
    r = tracker("--as-of", AS_OF, "plan", str(EXAMPLE), "--product", "nosuch")
    assert r.returncode == 1 and "no release cycle matches 'nosuch'" in r.stderr and r.stdout == ""


@pytest.mark.parametrize("extra", [(), ("--format", "csv"), ("--group-by", "hostname"), ("--format", "json")])
def test_filters_that_select_none_of_the_hosts_give_an_empty_plan(
    tracker, tmp_path: Path, extra: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    """Every host matched, none runs what the filters select (no unmatched host to keep): an empty
    plan, not an internal error in the per-pair counts."""
    hosts = tmp_path / "hosts.csv"
    hosts.write_text("hostname,product,version\nh1,ESXi,7.0.3\nh2,Proxmox VE,8.2\n", encoding="utf-8")
    r = tracker("--as-of", AS_OF, "plan", str(hosts), "--product", "hyper-v", *extra)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "tracker: 0 hosts must start an upgrade within 90 days\n"
    if not extra or extra[0] == "--group-by":
        assert r.stdout.endswith("\n(no hosts)\n")
    r = tracker("--as-of", AS_OF, "check", "--plan", "--inventory", str(hosts), "--product", "hyper-v")
    assert r.returncode == 0 and r.stdout.startswith("TRACKER OK - 0 of 0 hosts"), r.stdout


def test_plan_starts_without_pandas(env) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys\nfrom tracker.cli import build_parser\nbuild_parser('plan')\n"
        "import tracker.plan, tracker.plan.engine, tracker.commands.plan\n"
        "print([m for m in ('pandas', 'numpy', 'jinja2') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "[]", out.stderr


def test_large_output_path_matches_the_small_one(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tracker.config import Settings
    from tracker.dataset import load_dataset
    from tracker.formats import Format
    from tracker.inventory import output
    from tracker.plan.hosts import to_frame
    from tracker.plan.inventory import read_and_plan
    from tracker.plan.output import TABLE_COLUMNS

    dataset = ROOT / "datasets" / "hypervisors.csv"
    table, _ = read_and_plan(EXAMPLE, Settings(), load_dataset(dataset), dataset, date.fromisoformat(AS_OF))
    planned = to_frame(table)
    for fmt in (Format.TABLE, Format.MARKDOWN):
        small = b"".join(output.render_chunks(planned, fmt, AS_OF, "t", base=TABLE_COLUMNS))
        monkeypatch.setattr(output, "LARGE", 5)
        monkeypatch.setattr(output, "CHUNK", 4)
        large = b"".join(output.render_chunks(planned, fmt, AS_OF, "t", base=TABLE_COLUMNS))
        monkeypatch.undo()
        assert large.decode().splitlines()[0].split() == small.decode().splitlines()[0].split()
        assert len(large.splitlines()) == len(small.splitlines())


def test_plan_by_cycle_for_the_estate_section() -> None:
    from tracker.config import Settings
    from tracker.dataset import load_dataset
    from tracker.plan.hosts import plan_by_cycle, to_frame
    from tracker.plan.inventory import read_and_plan

    dataset = ROOT / "datasets" / "hypervisors.csv"
    records = load_dataset(dataset)
    table, _ = read_and_plan(EXAMPLE, Settings(), records, dataset, date.fromisoformat(AS_OF))
    planned = to_frame(table)
    cycles = plan_by_cycle(planned, records)
    hv = cycles[("Microsoft", "Hyper-V Server", "2016")]
    assert (hv.hosts, hv.target, hv.start_by, hv.hosts_past_start) == (
        2,
        "Windows Server 2025",
        date(2026, 7, 12),
        2,
    )
    esx = cycles[("Broadcom (VMware)", "VMware ESXi", "8.0")]
    assert (esx.hosts, esx.start_by, esx.target) == (2, date(2026, 9, 30), "VMware ESXi 9.0")  # earliest host
    assert sum(c.hosts for c in cycles.values()) == 20  # the unmatched host is left out


def test_start_by_alert_reaches_the_outbox_once(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text(
        f'state_dir = "state"\ninventory = "{EXAMPLE}"\n[alerts]\nmilestones = ["eol", "start_by"]\n'
        '[[routes]]\nmatch = "Microsoft/*"\nto = ["win@example.org"]\n',
        encoding="utf-8",
    )
    r = tracker("--as-of", "2026-05-01", "alert", "list")
    term = milestone_label("Microsoft", "start_by")  # the words live in tracker.vocabulary
    assert (
        f"Hyper-V Server 2016 (Microsoft): {term} 2026-07-12, 72 days left, threshold 90 -> route Microsoft/*"
        in r.stdout
    )
    r = tracker("--as-of", "2026-05-01", "alert")
    assert r.returncode == 0, r.stderr
    [eml] = (tmp_path / "state" / "outbox").glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["To"] == "win@example.org"
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert (
        "- start the upgrade of Hyper-V Server 2016 (2 hosts) by 2026-07-12 — target Windows Server 2025"
        in text
    )
    block = text[text.index("- start the upgrade of Hyper-V Server 2016") :].split("\n\n")[0]
    assert "upgrade to Windows Server 2025" in block and "2 hosts: hv-legacy-01" in block
    assert "--milestone start_by" in text
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Windows Server 2025" in html and "2026-07-12" in html
    r = tracker("--as-of", "2026-05-01", "alert")  # the ledger has it: not again
    assert r.returncode == 0 and "digest written" not in r.stderr, r.stderr
    assert len(list((tmp_path / "state" / "outbox").glob("*.eml"))) == 1
    # a silence by milestone works for start_by too
    r = tracker(
        "alert", "silence", "Hyper-V Server", "2016", "--milestone", "start_by", "--until", "2026-12-01",
        "--reason", "migration booked",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr


def test_check_plan(tracker) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "check", "--plan", "--inventory", str(EXAMPLE))
    assert r.returncode == 2
    assert r.stdout.startswith(
        "TRACKER CRITICAL - 12 of 21 hosts past their start-by date (VMware ESXi 6.7 on 1 host, start by "
        "2022-03-15)"
    )
    assert "past_start=12" in r.stdout and "no_path=0" in r.stdout
    r = tracker(
        "--as-of", "2020-01-01", "check", "--plan", "--inventory", str(EXAMPLE), "--product", "windows server"
    )
    assert r.returncode == 0 and r.stdout.startswith("TRACKER OK - 0 of 7 hosts past their start-by date")
    r = tracker(  # WARNING names what starts first, like CRITICAL
        "--as-of", "2028-04-01", "check", "--plan", "--inventory", str(EXAMPLE), "--product", "windows server 2019"
    )  # fmt: skip
    assert (r.returncode, r.stdout.split(" | ")[0]) == (
        1,
        "TRACKER WARNING - 0 of 3 hosts past their start-by date, 0 within 90 days, 2 within 365 days "
        "(Windows Server 2019 on 2 hosts, start by 2028-07-09), 0 with no known upgrade path",
    )
    r = tracker("--as-of", AS_OF, "check", "--plan")
    assert r.returncode == 3 and r.stdout.startswith("TRACKER UNKNOWN - --plan: needs an inventory")


def test_configured_plan_by_cycle_needs_an_inventory(tmp_path: Path) -> None:
    from tracker.config import Settings
    from tracker.dataset import load_dataset
    from tracker.plan.inventory import configured_plan_by_cycle

    dataset = ROOT / "datasets" / "hypervisors.csv"
    records = load_dataset(dataset)
    as_of = date.fromisoformat(AS_OF)
    assert configured_plan_by_cycle(Settings(), records, dataset, as_of) is None
    cycles = configured_plan_by_cycle(Settings(inventory=EXAMPLE), records, dataset, as_of)
    assert cycles is not None
    assert cycles[("Microsoft", "Windows Server", "2016")].target == "Windows Server 2025"


def test_the_nightly_run_sends_start_by_alerts_once(tmp_path: Path) -> None:
    from conftest import clean_env, run_tracker

    (tmp_path / "tracker.toml").write_text(
        f'state_dir = "state"\ninventory = "{EXAMPLE}"\n[report]\nout_dir = "reports"\n'
        '[alerts]\nmilestones = ["start_by"]\n',
        encoding="utf-8",
    )
    env = clean_env(tmp_path)
    first = run_tracker("--as-of", "2026-05-01", "run", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    [eml] = (tmp_path / "state" / "outbox").glob("*.eml")
    text = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default).get_body(("plain",))
    assert "start the upgrade of Hyper-V Server 2016 (2 hosts) by 2026-07-12" in text.get_content()  # type: ignore[union-attr]
    again = run_tracker("--as-of", "2026-05-01", "run", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert len(list((tmp_path / "state" / "outbox").glob("*.eml"))) == 1


def test_csv_fast_path_writes_what_the_frame_path_writes_without_pandas(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`tracker plan --format csv` stays in Arrow (no pandas import) and agrees with the frame."""
    from tracker.config import Settings
    from tracker.dataset import load_dataset
    from tracker.formats import Format
    from tracker.inventory.output import render_bytes
    from tracker.inventory.table import csv_chunks
    from tracker.plan.hosts import to_frame
    from tracker.plan.inventory import read_and_plan

    dataset = ROOT / "datasets" / "hypervisors.csv"
    records = load_dataset(dataset)
    table, counts = read_and_plan(EXAMPLE, Settings(), records, dataset, date.fromisoformat(AS_OF))
    fast = b"".join(csv_chunks(table))
    assert fast == render_bytes(to_frame(table), Format.CSV, AS_OF, "t")
    assert (counts.hosts, counts.urgent, counts.late, counts.no_path, counts.unmatched) == (21, 12, 12, 0, 1)
    code = (
        "import sys, runpy; sys.argv = ['tracker', '--as-of', {as_of!r}, 'plan', {hosts!r}, "
        "'--format', 'csv', '-o', {out!r}]\n"
        "try:\n    runpy.run_module('tracker', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('pandas' in sys.modules)"
    ).format(as_of=AS_OF, hosts=str(EXAMPLE), out=str(tmp_path / "plan.csv"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "False", out.stderr
    assert (tmp_path / "plan.csv").read_bytes() == fast


def test_the_report_shows_target_and_start_by_per_cycle(tmp_path: Path) -> None:
    from conftest import clean_env, run_tracker

    hosts = tmp_path / "hosts.csv"  # the example, plus a VirtualBox 6.0 host: no hop is sourced from 6.0
    hosts.write_text(EXAMPLE.read_text(encoding="utf-8") + "vbox-01,VirtualBox,6.0.24,lab,dev,PAR1,,\n")
    (tmp_path / "tracker.toml").write_text(f'state_dir = "state"\ninventory = "{hosts}"\n', encoding="utf-8")
    result = run_tracker("--as-of", AS_OF, "report", cwd=tmp_path, env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "reports" / f"lifecycle-{AS_OF}.html").read_text(encoding="utf-8")
    row = page[page.index('data-key="Microsoft/Hyper-V Server/2016"') :]
    row = row[: row.index("</tr>")]
    assert (
        '<td class="to">Windows Server 2025</td><td class="by"><time datetime="2026-07-12">2026-07-12</time>'
        '<span class="why late">4 months overdue</span></td>' in row
    )
    row = page[page.index('data-key="Broadcom (VMware)/VMware ESXi/8.0"') :]
    row = row[: row.index("</tr>")]  # 8.0 -> 9.0 in place (datasets/upgrades.csv)
    assert '<td class="to">VMware ESXi 9.0</td>' in row and "2026-09-30" in row
    row = page[page.index('data-key="Oracle/VirtualBox/6.0"') :]
    row = row[: row.index("</tr>")]  # no known path: said so, like `tracker plan`
    assert '<td class="to"><span class="na">none known</span></td>' in row
    row = page[page.index('data-key="Microsoft/Windows Server/2025"') :]
    row = row[: row.index("</tr>")]  # already the newest release: not "upgrade to" itself
    assert '<td class="to newest"><span class="na">Newest release: plan its replacement</span></td>' in row


def test_per_cycle_sums_in_arrow_equal_the_frame_ones() -> None:
    from tracker.config import Settings
    from tracker.dataset import load_dataset
    from tracker.plan.hosts import plan_by_cycle, to_frame
    from tracker.plan.inventory import read_and_plan, read_and_plan_cycles

    dataset = ROOT / "datasets" / "hypervisors.csv"
    records = load_dataset(dataset)
    as_of = date.fromisoformat(AS_OF)
    frame = plan_by_cycle(to_frame(read_and_plan(EXAMPLE, Settings(), records, dataset, as_of)[0]), records)
    assert read_and_plan_cycles(EXAMPLE, Settings(), records, dataset, as_of) == frame


def test_summary_leaves_out_a_zero_no_path_count() -> None:
    from tracker.plan.table import PlanCounts

    assert PlanCounts(hosts=3, urgent=1, late=0, no_path=0, unmatched=0).summary() == (
        "1 host must start an upgrade within 90 days"
    )


def _digest_texts(outbox: Path) -> dict[str, tuple[str, str]]:
    """Each digest of the outbox by its recipient: (plain text, HTML)."""
    out = {}
    for eml in outbox.glob("*.eml"):
        msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        out[str(msg["To"])] = (plain, html)
    return out


def _block(text: str, head: str) -> str:
    """One item of a digest's text part, from its ``- Name (Vendor)`` line to the blank line."""
    return text[text.index(head) :].split("\n\n")[0]


ROUTES = '[[routes]]\nmatch = "Microsoft/*"\nto = ["win@example.org"]\n[[routes]]\nmatch = "*"\nto = ["infra@example.org"]\n'


def test_end_of_life_digests_show_target_and_start_by(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """README "Planning upgrades": the digests show target and start-by for the cycles on your hosts, whatever
    milestone is due (not only for start_by items)."""
    (tmp_path / "tracker.toml").write_text(
        f'state_dir = "state"\ninventory = "{EXAMPLE}"\n[alerts]\nmilestones = ["eol"]\n{ROUTES}',
        encoding="utf-8",
    )
    r = tracker("--as-of", AS_OF, "alert", "--dry-run")  # the preview says it too
    assert "\n  upgrade to Windows Server 2025, start by 2026-07-12 (4 months overdue)\n" in r.stdout
    r = tracker("--as-of", AS_OF, "alert")
    assert r.returncode == 0, r.stderr
    digests = _digest_texts(tmp_path / "state" / "outbox")
    text, html = digests["win@example.org"]
    hv = _block(text, "- Hyper-V Server 2016 (Microsoft)")
    assert "\n  upgrade to Windows Server 2025, start by 2026-07-12 (4 months overdue)\n" in hv
    assert (
        '<p class="plan">Upgrade to <strong>Windows Server 2025</strong> · start by '
        '<time datetime="2026-07-12">2026-07-12</time> (4 months overdue)</p>'
    ) in html
    scvmm = _block(text, "- System Center Virtual Machine Manager 2016 (Microsoft)")  # on no host
    assert "start by" not in scvmm and "upgrade to" not in scvmm
    text, _ = digests["infra@example.org"]
    assert "\n  upgrade to VMware ESXi 9.0, start by 2026-09-30 (57 days overdue)\n" in _block(
        text, "- VMware ESXi 8.0 ("
    )


def test_a_bad_upgrades_file_costs_the_digests_their_plan_lines_not_the_alerts(
    tracker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    (data / "hypervisors.csv").write_bytes((ROOT / "datasets" / "hypervisors.csv").read_bytes())
    (data / "upgrades.csv").write_text(
        "vendor,product,from_cycle,to_product,to_cycle,kind,source,confidence,notes\n"
        "Microsoft,Windows Server,2016,Windows Server,2031,in-place,https://example.org/,vendor,\n",
        encoding="utf-8",
    )
    config = f'dataset = "{data / "hypervisors.csv"}"\nstate_dir = "state"\ninventory = "{EXAMPLE}"\n'
    (tmp_path / "tracker.toml").write_text(config + '[alerts]\nmilestones = ["eol"]\n', encoding="utf-8")
    r = tracker("--as-of", AS_OF, "alert")
    assert r.returncode == 0, r.stderr
    assert (
        "tracker: alert: warning: digests sent without upgrade plans: "
        f"{data / 'upgrades.csv'}:2: to_cycle: Windows Server 2031 is not a release cycle of the dataset"
    ) in r.stderr
    [(text, _)] = _digest_texts(tmp_path / "state" / "outbox").values()
    assert "- Hyper-V Server 2016 (Microsoft)" in text and "start by" not in text
    # watching start_by, the plan is what was asked for: the error is the command's
    (tmp_path / "tracker.toml").write_text(config + '[alerts]\nmilestones = ["start_by"]\n', encoding="utf-8")
    r = tracker("--as-of", AS_OF, "alert")
    assert r.returncode == 1 and "upgrades.csv:2: to_cycle:" in r.stderr and "Traceback" not in r.stderr


def test_the_nightly_run_plans_once_for_report_and_digests(tmp_path: Path) -> None:
    """`tracker run`: the report's estate and the digests show the same target and start-by; a bad
    upgrades.csv fails the plan step (no report without its plan) but the alerts still go out."""
    from conftest import clean_env, run_tracker

    config = f'state_dir = "state"\ninventory = "{EXAMPLE}"\n[report]\nout_dir = "reports"\n{ROUTES}'
    (tmp_path / "tracker.toml").write_text(config, encoding="utf-8")
    env = clean_env(tmp_path)
    r = run_tracker("--as-of", AS_OF, "run", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    text, _ = _digest_texts(tmp_path / "state" / "outbox")["win@example.org"]
    assert "upgrade to Windows Server 2025, start by 2026-07-12" in _block(text, "- Windows Server 2016 (")
    page = (tmp_path / "reports" / f"lifecycle-{AS_OF}.html").read_text(encoding="utf-8")
    assert '<time datetime="2026-07-12">2026-07-12</time>' in page

    data = tmp_path / "data"
    data.mkdir()
    (data / "hypervisors.csv").write_bytes((ROOT / "datasets" / "hypervisors.csv").read_bytes())
    (data / "stack.csv").write_text("vendor,product\n", encoding="utf-8")  # required columns missing
    (tmp_path / "tracker.toml").write_text(
        f'dataset = "{data / "hypervisors.csv"}"\n' + config.replace('"state"', '"state2"'), encoding="utf-8"
    )
    (tmp_path / "reports" / f"lifecycle-{AS_OF}.html").unlink()
    r = run_tracker("--as-of", AS_OF, "run", cwd=tmp_path, env=env)
    assert r.returncode == 1
    assert "upgrade plan failed: no report written; alerts sent without start-by dates" in r.stderr
    assert "stack.csv:1: relation: required column is missing" in r.stderr
    assert not (tmp_path / "reports" / f"lifecycle-{AS_OF}.html").exists()
    text, _ = _digest_texts(tmp_path / "state2" / "outbox")["win@example.org"]
    assert "- Windows Server 2016 (Microsoft)" in text and "start by" not in text


def test_a_dataset_without_planning_files_says_so(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A dataset of your own with no upgrades.csv / stack.csv beside it: every path is 'none known'
    and no layer counts, and stderr says why instead of leaving a new user guessing."""
    data = tmp_path / "mine"
    data.mkdir()
    (data / "hypervisors.csv").write_bytes((ROOT / "datasets" / "hypervisors.csv").read_bytes())
    r = tracker(
        "--as-of", AS_OF, "--dataset", str(data / "hypervisors.csv"), "plan", str(EXAMPLE), "--format", "csv"
    )
    assert r.returncode == 0, r.stderr
    assert {row["path"] for row in rows_of(r.stdout) if row["status"] != "unmatched"} == {
        "none known",
        "2025 (newest release)",  # Windows Server 2025
        "2019 (newest release)",  # Hyper-V Server 2019: nothing newer, and no successor is listed
        "9 (newest release)",
    }
    assert r.stderr.splitlines()[:2] == [
        f"tracker: no {data / 'upgrades.csv'} beside the dataset: no upgrade path is known (datasets/README-plan.md)",
        f"tracker: no {data / 'stack.csv'} beside the dataset: no management or base layer is counted",
    ]
    (data / "upgrades.csv").write_bytes((ROOT / "datasets" / "upgrades.csv").read_bytes())
    (data / "stack.csv").write_bytes((ROOT / "datasets" / "stack.csv").read_bytes())
    r = tracker("--as-of", AS_OF, "--dataset", str(data / "hypervisors.csv"), "plan", str(EXAMPLE))
    assert r.returncode == 0 and r.stderr.count("\n") == 1 and "beside the dataset" not in r.stderr


def test_webhook_items_on_your_hosts_carry_hosts_target_and_start_by(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The JSON webhook (README: `hosts` with an inventory, `target` and `start_by` when planning
    provides them) gets what the e-mail digest says, from a real HTTP receiver on 127.0.0.1."""
    import contextlib
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        (tmp_path / "tracker.toml").write_text(
            f'state_dir = "state"\ninventory = "{EXAMPLE}"\n[alerts]\nmilestones = ["eol"]\n'
            f'[[routes]]\nmatch = "*"\nwebhooks = [{{ kind = "json", url = "{url}" }}]\n',
            encoding="utf-8",
        )
        r = tracker("--as-of", AS_OF, "alert")
    finally:
        server.shutdown()
        server.server_close()
    assert r.returncode == 0, r.stderr
    [body] = bodies
    items = {(i["product"], i["cycle"]): i for i in json.loads(body)["items"]}
    hv = items[("Hyper-V Server", "2016")]
    assert (hv["hosts"], hv["target"], hv["start_by"]) == (2, "Windows Server 2025", "2026-07-12")
    esx = items[("VMware ESXi", "8.0")]
    assert (esx["hosts"], esx["start_by"], esx["target"]) == (2, "2026-09-30", "VMware ESXi 9.0")
    off = items[("System Center Virtual Machine Manager", "2016")]  # on none of your hosts
    assert off["hosts"] == 0 and "target" not in off and "start_by" not in off


def test_a_hardware_model_missing_from_the_list_is_named(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hosts = tmp_path / "hosts.csv"
    hosts.write_text(
        "hostname,product,version,hardware_model\n"
        "a,Windows Server,2019,r740\n"  # case-insensitive: found
        "b,Windows Server,2019,R750xa\n"
        "c,Windows Server,2019,\n",
        encoding="utf-8",
    )
    (tmp_path / "tracker.toml").write_text(
        f'[plan]\nhardware = "{PLAN / "hardware.csv"}"\n', encoding="utf-8"
    )
    r = tracker("--as-of", AS_OF, "plan", str(hosts), "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert [row["binding"] for row in rows_of(r.stdout)] == [
        "hardware",
        "Windows Server 2019",
        "Windows Server 2019",
    ]
    assert r.stderr.rstrip().endswith("; hardware_model not in plan.hardware: 'R750xa'")


def test_a_layer_column_value_naming_no_release_is_named(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A typo in a `vcenter` / `os` column would silently fall back to the oldest layer the stack
    allows: the summary names it."""
    hosts = tmp_path / "hosts.csv"
    hosts.write_text(
        "hostname,product,version,vcenter,os\n"
        "e1,ESXi,7.0.3,vcsa8,\n"  # not a release: the oldest allowed (vCenter 7.0) counts
        "e2,ESXi,7.0.3,8.0.3,\n"
        "p1,Proxmox VE,8.2,,12\n"  # the os column must name the product
        "p2,Proxmox VE,8.2,,Debian 12\n",
        encoding="utf-8",
    )
    r = tracker("--as-of", AS_OF, "plan", str(hosts), "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert [row["binding"] for row in rows_of(r.stdout)] == ["VMware ESXi 7.0"] * 2 + ["Debian 12"] * 2
    assert r.stderr.rstrip().endswith("; no known release in vcenter 'vcsa8', os '12'")
