"""AHV hosts take their AOS cycle from the inventory's ``aos`` column (aliases.csv ``cycle_column``).

AHV ships with AOS and follows its support policy; an AHV build (20230302.103003) names no AOS
release, the cluster's AOS version does. Each case goes through both joins (Arrow: ``tracker
inventory --format csv`` and ``tracker plan``; pandas: the other formats, the report, alerts,
metrics and check) and ``--explain``; then the commands themselves, on the bundled dataset."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import AS_OF

import tracker.inventory.keys as keys_module
from tracker.dataset import bundled_dataset_path, load_dataset
from tracker.errors import DatasetError
from tracker.inventory import explain_inventory, load_aliases, match_inventory, parse_aliases
from tracker.inventory.table import match_table, read_hosts_table

RECORDS = load_dataset(bundled_dataset_path())
ALIASES = load_aliases()
DAY = date.fromisoformat(AS_OF)
NO_COLUMN = None
BUILD = "20230302.103003"

CASES = [
    pytest.param("AHV", BUILD, "6.10.1.6", ("AOS", "6.10"), "cycle from the aos column: version '6.10.1.6' starts with the cycle", id="ahv-aos"),
    pytest.param("Nutanix 20230302.103003", "", "7.3", ("AOS", "7.3"), "cycle from the aos column: version '7.3' is the cycle", id="prism-full-name"),
    pytest.param("Nutanix AHV", BUILD, "Nutanix AOS 7.3.0.5", ("AOS", "7.3"), "cycle from the aos column: version '7.3.0.5' starts", id="aos-value-names-product"),
    pytest.param("AHV", "", "6.10", ("AOS", "6.10"), "cycle from the aos column: version '6.10' is the cycle", id="no-version"),
    pytest.param("AHV", BUILD, NO_COLUMN, ("AOS", None), "no aos column in the inventory to take the cycle from", id="no-aos-column"),
    pytest.param("AHV", BUILD, "", ("AOS", None), "the aos column is empty", id="aos-blank"),
    pytest.param("AHV", BUILD, "9.9", ("AOS", None), "the aos column's '9.9' names no cycle of AOS either", id="aos-names-no-cycle"),
    pytest.param("AHV", "6.10.1", "7.3", ("AOS", "6.10"), "version '6.10.1' starts with the cycle; the version column wins over the aos column's '7.3' (7.3)", id="version-wins"),
    pytest.param("AHV", "7.3.1", "7.3.0", ("AOS", "7.3"), "version '7.3.1' starts with the cycle", id="version-and-aos-agree"),
    pytest.param("Nutanix AOS", "", "7.3", ("AOS", None), "no version given", id="aos-host-not-an-ahv-name"),
    pytest.param("ESXi", "8.0.2", "7.3", ("VMware ESXi", "8.0"), "version '8.0.2' starts with the cycle", id="other-products-ignore-it"),
]  # fmt: skip


def write_hosts(path: Path, rows: list[tuple[str, str, str | None]]) -> Path:
    """One host per (product, version, aos); no aos column when every aos is None."""
    with_aos = any(aos is not None for _, _, aos in rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["hostname", "product", "version", *(["aos"] if with_aos else [])])
        for i, (product, version, aos) in enumerate(rows):
            w.writerow([f"h{i}", product, version, *([aos or ""] if with_aos else [])])
    return path


@pytest.mark.parametrize(("product", "version", "aos", "expected", "rule"), CASES)
def test_each_join_and_explain_agree(tmp_path: Path, product, version, aos, expected, rule) -> None:  # type: ignore[no-untyped-def]
    path = write_hosts(tmp_path / "hosts.csv", [(product, version, aos)])
    arrow = match_table(read_hosts_table(path), RECORDS, DAY, ALIASES).to_pylist()[0]
    frame = match_inventory(read_hosts_table(path).to_pandas(), RECORDS, DAY, ALIASES).iloc[0]
    for row in (arrow, frame):
        got = (row["matched_product"], row["cycle"] if isinstance(row["cycle"], str) else None)
        assert got == expected
        assert (row["status"] == "unmatched") == (expected[1] is None)
    [item] = explain_inventory(read_hosts_table(path).to_pandas(), RECORDS, ALIASES, DAY, "now").items
    assert (item["matched_product"], item["cycle"]) == expected
    assert rule in str(item["cycle_rule"])
    ahv = product != "ESXi" and product != "Nutanix AOS"
    assert str(item["product_rule"]).startswith("alias aliases.csv:" if ahv else ("alias", "dataset"))
    assert item["cycle_column"] == (f"aos={aos}" if ahv and aos is not None else None)
    if expected[1] is None and ahv:  # the alias's note says what to do
        assert "give the cluster's AOS version" in str(item["cycle_rule"])


def test_each_distinct_product_version_aos_is_resolved_once(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A thousand hosts, resolved per distinct key: 4 pairs, then 3 (AHV pair, aos) keys; the
    ESXi hosts' aos values are never read, and every host gets its own key's answer."""
    shapes = [
        ("AHV", BUILD, "6.10.1"),
        ("AHV", BUILD, "7.3.0.5"),
        ("AHV", BUILD, ""),
        ("ESXi", "8.0.2", "6.10"),
        ("ESXi", "8.0.2", "7.3"),
        ("Nutanix AOS", "6.5.6", "6.5.6"),
        ("Harvester", "1.3", "7.3"),
    ]
    rows = [shapes[(i * 7919) % len(shapes)] for i in range(1000)]
    path = write_hosts(tmp_path / "hosts.csv", rows)
    calls: list[int] = []
    real = keys_module.resolve_pairs

    def counting(pairs, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(pairs))
        return real(pairs, *args, **kwargs)

    monkeypatch.setattr(keys_module, "resolve_pairs", counting)
    out = match_table(read_hosts_table(path), RECORDS, DAY, ALIASES).to_pylist()
    assert calls == [4, 3]
    expected = {"6.10.1": "6.10", "7.3.0.5": "7.3", "": None}
    for (product, _, aos), row in zip(rows, out, strict=True):
        if product == "AHV":
            assert row["cycle"] == expected[aos], row
        elif product == "ESXi":
            assert row["cycle"] == "8.0"
    calls.clear()
    frame = match_inventory(read_hosts_table(path).to_pandas(), RECORDS, DAY, ALIASES)
    assert calls == [4, 3]
    assert list(frame["cycle"].fillna("-")) == [r["cycle"] or "-" for r in out]


def test_no_aos_column_costs_no_second_pass(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = write_hosts(tmp_path / "hosts.csv", [("AHV", BUILD, None), ("ESXi", "8.0.2", None)] * 50)
    calls: list[int] = []
    real = keys_module.resolve_pairs
    monkeypatch.setattr(
        keys_module, "resolve_pairs", lambda pairs, *a, **k: calls.append(len(pairs)) or real(pairs, *a, **k)
    )
    out = match_table(read_hosts_table(path), RECORDS, DAY, ALIASES)
    assert calls == [2]
    assert out.column("status").to_pylist()[:2] == ["unmatched", "supported"]


def test_the_filters_are_applied_once_also_when_ahv_hosts_are_split(tmp_path: Path) -> None:
    """The (pair, aos) keys are filtered with the selection of the first pass, not a second one
    (a QueryFilters ``apply`` resolves the terms and reads aliases.csv again)."""
    rows = [("AHV", BUILD, "6.10.1"), ("AHV", BUILD, "7.3"), ("ESXi", "8.0.2", "7.3")]
    path = write_hosts(tmp_path / "hosts.csv", rows)
    applied: list[int] = []

    class OnlyAos610:
        def apply(self, records: list) -> list:  # type: ignore[type-arg]
            applied.append(len(records))
            return [r for r in records if (r.product, r.cycle) == ("AOS", "6.10")]

    for join in (match_table, match_inventory):
        applied.clear()
        hosts = read_hosts_table(path)
        out = join(hosts if join is match_table else hosts.to_pandas(), RECORDS, DAY, ALIASES, OnlyAos610())
        assert applied == [len(RECORDS)]
        got = out.to_pylist() if join is match_table else out.to_dict("records")
        assert [(r["hostname"], r["cycle"]) for r in got] == [("h0", "6.10")]


def run_json(tracker, *args: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout)["items"])


def test_inventory_command_both_formats_and_filters(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    path = write_hosts(
        tmp_path / "hosts.csv", [("AHV", BUILD, "6.10.1"), ("AHV", BUILD, "7.3"), ("AHV", BUILD, "")]
    )
    result = tracker("--as-of", AS_OF, "inventory", str(path), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["cycle"], r["status"], r["aos"]) for r in rows] == [
        ("6.10", "end-of-life", "6.10.1"),
        ("7.3", "extended", "7.3"),
        ("", "unmatched", ""),
    ]
    assert "3 hosts: 1 extended, 1 end-of-life, 1 unmatched" in result.stderr
    items = run_json(tracker, "inventory", str(path))
    assert [(i["cycle"], i["status"]) for i in items] == [(r["cycle"] or None, r["status"]) for r in rows]
    # The filters see the cycle the aos column gave: AOS 7.3 selects one AHV host (unmatched stay).
    picked = run_json(tracker, "inventory", str(path), "--product", "aos 7.3")
    assert [(i["hostname"], i["cycle"]) for i in picked] == [("h1", "7.3"), ("h2", None)]
    result = tracker("--as-of", AS_OF, "inventory", str(path), "--product", "aos 7.3", "--format", "csv")
    assert [r["hostname"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["h1", "h2"]


def test_explain_says_the_cycle_came_from_the_aos_column(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    path = write_hosts(
        tmp_path / "hosts.csv",
        [("AHV", BUILD, "6.10.1"), ("AHV", BUILD, "6.10.1"), ("AHV", BUILD, "9.9"), ("AHV", "6.10.2", "7.3")],
    )
    items = run_json(tracker, "inventory", str(path), "--explain")
    by_column = {i["cycle_column"]: i for i in items}
    assert [i["cycle_column"] for i in items] == ["aos=9.9", "aos=6.10.1", "aos=7.3"]  # unmatched first
    assert by_column["aos=6.10.1"]["hosts"] == 2 and by_column["aos=6.10.1"]["cycle"] == "6.10"
    assert str(by_column["aos=6.10.1"]["cycle_rule"]).startswith("cycle from the aos column: ")
    assert "names no cycle of AOS either" in str(by_column["aos=9.9"]["cycle_rule"])
    assert "the version column wins over the aos column's '7.3'" in str(by_column["aos=7.3"]["cycle_rule"])
    table = tracker("--as-of", AS_OF, "inventory", str(path), "--explain").stdout
    assert "Cycle column" in table.splitlines()[1] and "aos=6.10.1" in table
    # Without the column the reason says so, and the column is not shown.
    bare = write_hosts(tmp_path / "bare.csv", [("AHV", BUILD, None)])
    [item] = run_json(tracker, "inventory", str(bare), "--explain")
    assert item["cycle"] is None and "no aos column in the inventory" in str(item["cycle_rule"])
    assert "Cycle column" not in tracker("--as-of", AS_OF, "inventory", str(bare), "--explain").stdout


def test_plan_gives_ahv_hosts_the_aos_end_and_binding(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    path = write_hosts(
        tmp_path / "hosts.csv",
        [("AHV", BUILD, "7.3"), ("Nutanix 20230302.103003", "", "6.10.1"), ("AHV", BUILD, "")],
    )
    result = tracker("--as-of", AS_OF, "plan", str(path), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = {r["hostname"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    # AOS 7.3: End of Maintenance 2026-09-30 (hypervisors.csv); no AOS hop is sourced yet.
    assert {
        k: rows["h0"][k] for k in ("product", "cycle", "effective_end", "binding", "path", "start_by")
    } == {
        "product": "AOS",
        "cycle": "7.3",
        "effective_end": "2026-09-30",
        "binding": "AOS 7.3",
        "path": "none known",
        "start_by": "2026-03-30",
    }
    assert (rows["h1"]["cycle"], rows["h1"]["effective_end"], rows["h1"]["binding"]) == (
        "6.10",
        "2026-01-31",
        "AOS 6.10",
    )
    assert (rows["h2"]["status"], rows["h2"]["effective_end"], rows["h2"]["product"]) == (
        "unmatched",
        "",
        "AHV",
    )
    assert "1 unmatched" in result.stderr
    items = run_json(tracker, "plan", str(path))
    assert [i["binding"] for i in items] == ["AOS 7.3", "AOS 6.10", None]


def test_report_metrics_and_alert_host_counts_see_it(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    """``configured_estate`` keeps the aos column when it trims the inventory to what it reads."""
    path = write_hosts(tmp_path / "hosts.csv", [("AHV", BUILD, "7.3")] * 3 + [("AHV", BUILD, "")])
    (tmp_path / "tracker.toml").write_text(f'state_dir = "state"\ninventory = "{path}"\n')
    result = tracker("--as-of", AS_OF, "metrics")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert 'tracker_hosts_by_cycle{product="AOS",cycle="7.3",status="extended"} 3' in lines
    assert 'tracker_hosts{status="unmatched"} 1' in lines


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("version,regex,x,,,,,aos", "cycle_column: only product rules have cycle_column"),
        ("product,exact,x,,AOS,,,version", "cycle_column: 'version' cannot name the cycle"),
        ("product,exact,x,,AOS,,,aos cluster", "cycle_column: 'aos cluster' is not a column name"),
    ],
)
def test_bad_cycle_column_is_named_with_its_line(row: str, message: str) -> None:
    header = "kind,syntax,pattern,applies_to,product,cycle,note,cycle_column\n"
    with pytest.raises(DatasetError) as exc:
        parse_aliases((header + row + "\n").encode(), "mine.csv")
    assert f"mine.csv:2: {message}" in str(exc.value)


def test_a_users_own_rule_can_name_another_column(tmp_path: Path, tracker) -> None:  # type: ignore[no-untyped-def]
    """The column is data: a CMDB's own AHV spelling and its own column name."""
    mine = tmp_path / "mine.csv"
    mine.write_text(
        "kind,syntax,pattern,applies_to,product,cycle,note,cycle_column\n"
        "product,exact,NX hypervisor,,AOS,,our CMDB class,cluster_aos\n",
        encoding="utf-8",
    )
    hosts = tmp_path / "hosts.csv"
    hosts.write_text("hostname,product,version,cluster_aos\nn1,NX hypervisor,el8.nutanix.20230302,7.3.1\n")
    [item] = run_json(tracker, "inventory", str(hosts), "--aliases", str(mine))
    assert (item["matched_product"], item["cycle"]) == ("AOS", "7.3")
    frame = pd.DataFrame({"hostname": ["n1"], "product": ["NX hypervisor"], "version": ["x"], "aos": ["7.3"]})
    assert match_inventory(frame, RECORDS, DAY, ALIASES)["status"].iloc[0] == "unmatched"  # not an alias here
