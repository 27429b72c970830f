"""Inventory: alias and version rules, the pandas join, every format, bad files."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import AS_OF, ROOT, SMALL

from tracker.dataset import bundled_dataset_path, load_dataset, parse_dataset
from tracker.errors import DatasetError
from tracker.formats import Format
from tracker.inventory import (
    Matcher,
    estate_summary,
    load_aliases,
    load_inventory,
    match_inventory,
    parse_aliases,
)
from tracker.inventory.aliases import bundled_aliases_path
from tracker.inventory.output import _large_text, render_bytes

EXAMPLE = ROOT / "examples" / "hosts.csv"
OUTPUT_HEAD = ["hostname", "product", "version", "matched_product", "cycle", "status", "days_to_eol"]


@pytest.fixture(scope="module")
def records():  # type: ignore[no-untyped-def]
    return load_dataset(bundled_dataset_path())


@pytest.fixture(scope="module")
def matcher(records) -> Matcher:  # type: ignore[no-untyped-def]
    return Matcher(records, load_aliases())


@pytest.mark.parametrize(
    ("product", "version", "expected"),
    [
        pytest.param("ESXi", "7.0.3", ("VMware ESXi", "7.0"), id="esxi-short-name-patch"),
        pytest.param("esxi", "8.0u2", ("VMware ESXi", "8.0"), id="esxi-lowercase-update-suffix"),
        pytest.param("VMware ESXi", "8.0 U3", ("VMware ESXi", "8.0"), id="esxi-update-word"),
        pytest.param(
            "VMware ESXi",
            "VMware ESXi 8.0.3 build-24022510",
            ("VMware ESXi", "8.0"),
            id="esxi-version-repeats-product",
        ),
        pytest.param(
            "VMware vSphere Hypervisor 7.0 U3",
            "",
            ("VMware ESXi", "7.0"),
            id="vsphere-hypervisor-version-in-product",
        ),
        pytest.param(
            "VMware vSphere Hypervisor",
            "7.0 U3",
            ("VMware ESXi", "7.0"),
            id="vsphere-hypervisor-version-column",
        ),
        pytest.param("ESXi 6.7.0", "", ("VMware ESXi", "6.7"), id="esxi-version-in-product"),
        pytest.param("vCenter Server Appliance", "8.0.3", ("VMware vCenter Server", "8.0"), id="vcsa"),
        pytest.param("Windows Server", "10.0.17763", ("Windows Server", "2019"), id="build-2019"),
        pytest.param(
            "Windows Server", "10.0.17763.5329", ("Windows Server", "2019"), id="build-2019-with-revision"
        ),
        pytest.param("Windows Server", "17763", ("Windows Server", "2019"), id="bare-build-2019"),
        pytest.param("Windows Server", "10.0.14393", ("Windows Server", "2016"), id="build-2016"),
        pytest.param("Windows Server", "10.0.20348", ("Windows Server", "2022"), id="build-2022"),
        pytest.param("Windows Server", "10.0.26100", ("Windows Server", "2025"), id="build-2025"),
        pytest.param("Windows Server", "6.3.9600", ("Windows Server", "2012 R2"), id="build-2012r2"),
        pytest.param("Windows Server", "6.1.7601", ("Windows Server", "2008 R2"), id="build-2008r2"),
        pytest.param("Windows Server", "2012 r2", ("Windows Server", "2012 R2"), id="cycle-name-as-version"),
        pytest.param(
            "Microsoft Windows Server 2022 Datacenter",
            "",
            ("Windows Server", "2022"),
            id="windows-edition-in-product",
        ),
        pytest.param(
            "Windows Server 2019 Standard",
            "",
            ("Windows Server", "2019"),
            id="product-name-prefix-rest-is-version",
        ),
        pytest.param(
            "Hyper-V Server", "10.0.17763", ("Hyper-V Server", "2019"), id="hyperv-build-decides-cycle"
        ),
        pytest.param("Hyper-V Server", "10.0.14393", ("Hyper-V Server", "2016"), id="hyperv-2016"),
        pytest.param(
            "Hyper-V Server",
            "10.0.20348",
            ("Windows Server", "2022"),
            id="hyperv-build-after-2019-is-windows-server",
        ),
        pytest.param(
            "Microsoft Hyper-V Server 2019", "", ("Hyper-V Server", "2019"), id="hyperv-cycle-in-product"
        ),
        pytest.param("Hyper-V", "10.0.14393", ("Hyper-V Server", "2016"), id="hyperv-role-name"),
        pytest.param("Proxmox VE", "pve-manager/8.2.4", ("Proxmox VE", "8"), id="pveversion"),
        pytest.param(
            "pve-manager/8.2.4/faa83925c9641325", "", ("Proxmox VE", "8"), id="pveversion-as-product"
        ),
        pytest.param("Proxmox VE", "7.4-3", ("Proxmox VE", "7"), id="proxmox-package-version"),
        pytest.param("PVE", "9.0.3", ("Proxmox VE", "9"), id="pve-abbreviation"),
        pytest.param("XCP-ng", "8.2.1", ("XCP-ng", "8.2"), id="xcpng"),
        pytest.param("Nutanix AOS", "5.10.1", ("AOS", "5.10"), id="two-digit-minor-not-5.1"),
        pytest.param("VirtualBox", "v7.1.4", ("VirtualBox", "7.1"), id="leading-v"),
        pytest.param("  ESXi ", " 7.0.3 ", ("VMware ESXi", "7.0"), id="surrounding-spaces"),
    ],
)
def test_alias_and_version_rules(
    matcher: Matcher, product: str, version: str, expected: tuple[str, str]
) -> None:
    m = matcher.match(product, version)
    assert (m.product, m.cycle) == expected


@pytest.mark.parametrize(
    ("product", "version", "expected"),
    [
        pytest.param("Harvester", "1.3.2", (None, None), id="unknown-product"),
        pytest.param("", "", (None, None), id="blank"),
        pytest.param("ESXi", "4.1", ("VMware ESXi", None), id="known-product-unknown-cycle"),
        pytest.param("Windows Server", "10.0.99999", ("Windows Server", None), id="unknown-build"),
        pytest.param("Windows Server", "", ("Windows Server", None), id="no-version"),
        pytest.param("ESXi", "70", ("VMware ESXi", None), id="no-dot-boundary"),
    ],
)
def test_unmatched_pairs(
    matcher: Matcher, product: str, version: str, expected: tuple[str | None, str | None]
) -> None:
    m = matcher.match(product, version)
    assert (m.product, m.cycle) == expected


def synthetic(*cycles: str):  # type: ignore[no-untyped-def]
    lines = ["vendor,product,cycle,type,release,eol,source,confidence"]
    lines += [f"Acme,Acme HV,{c},1,2020-01-01,2030-01-01,https://example.org,vendor" for c in cycles]
    recs, problems = parse_dataset("\n".join(lines).encode(), "acme.csv")
    assert not problems
    return recs


@pytest.mark.parametrize(
    ("version", "cycle"),
    [
        pytest.param("5.1", "5.1", id="exact"),
        pytest.param("5.1.3", "5.1", id="patch"),
        pytest.param("5.10.2", "5.10", id="longest-prefix"),
        pytest.param("5.11", None, id="not-a-prefix-across-digits"),
        pytest.param("5", None, id="shorter-than-cycle"),
    ],
)
def test_default_rule_prefers_longest_cycle_at_a_digit_boundary(version: str, cycle: str | None) -> None:
    matcher = Matcher(
        synthetic("5.1", "5.10"), parse_aliases(b"kind,syntax,pattern,product,cycle\n", "empty.csv")
    )
    assert matcher.match("acme hv", version).cycle == cycle


@pytest.mark.parametrize(
    ("cycles", "version", "cycle"),
    [
        pytest.param(("6.5", "7.0", "8.0"), "7", "7.0", id="a-spreadsheet-shortened-7.0"),
        pytest.param(("6.5", "6.7", "7.0"), "6", None, id="two-cycles-of-the-line-is-no-guess"),
        pytest.param(("7.0", "70.1"), "7", "7.0", id="a-whole-leading-part-only"),
        pytest.param(("2019", "2022"), "20", None, id="not-a-prefix-of-a-word"),
    ],
)
def test_a_major_version_names_the_one_cycle_of_its_line(
    cycles: tuple[str, ...], version: str, cycle: str | None
) -> None:
    """``ESXi, 7`` (Excel drops the ``.0`` of 7.0) is 7.0 when the line has that one cycle."""
    matcher = Matcher(synthetic(*cycles), parse_aliases(b"kind,syntax,pattern,product,cycle\n", "empty.csv"))
    m = matcher.match("acme hv", version)
    assert m.cycle == cycle
    if cycle:
        assert m.cycle_rule == f"version {version!r} names one cycle only"


def test_rules_are_data_a_new_row_adds_an_alias(tmp_path: Path) -> None:
    base = bundled_aliases_path().read_text(encoding="utf-8")
    extra = (
        base + "product,glob,Acme*Hypervisor*,,Acme HV,,\n"
        "version,regex,build-(?P<cycle>\\d+\\.\\d+)-.*,Acme HV,,,\n"
    )
    aliases = parse_aliases(extra.encode(), "custom.csv")
    matcher = Matcher(synthetic("5.1", "5.10"), aliases)
    assert (matcher.match("ACME Super Hypervisor", "5.10.1").cycle) == "5.10"
    assert matcher.match("Acme HV", "build-5.1-2024").cycle == "5.1"
    assert Matcher(synthetic("5.1"), load_aliases()).match("ACME Super Hypervisor", "5.1").product is None


def test_bundled_aliases_name_products_and_cycles_of_the_bundled_dataset(records) -> None:  # type: ignore[no-untyped-def]
    cycles = {(r.product, r.cycle) for r in records}
    products = {r.product for r in records}
    aliases = load_aliases()
    assert len(aliases.product_rules) >= 10 and len(aliases.version_rules) >= 10
    for rule in aliases.rules:
        present = [p for p in rule.products if p in products]
        target = present[0] if present else None
        if rule.product:
            assert target is not None, f"aliases.csv:{rule.line}: unknown product {rule.product}"
        for applies in rule.applies_to:
            assert applies in {p.casefold() for p in products}, f"line {rule.line}"
        if rule.cycle and (target or not rule.product):
            for product in [target] if target else [p for p in products if p.casefold() in rule.applies_to]:
                assert (product, rule.cycle) in cycles, f"aliases.csv:{rule.line}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "kind,syntax,pattern,product\n",
            ["bad.csv:1: cycle: required column is missing"],
            id="missing-column",
        ),
        pytest.param(
            "kind,syntax,pattern,product,cycle,colour\n",
            ["bad.csv:1: colour: unknown column"],
            id="unknown-column",
        ),
        pytest.param(
            "kind,syntax,pattern,product,cycle\nproduct,regex,(ESXi,VMware ESXi,\n",
            [
                "bad.csv:2: pattern: invalid regular expression: missing ), unterminated "
                "subpattern at position 0"
            ],
            id="bad-regex",
        ),
        pytest.param(
            "kind,syntax,pattern,product,cycle\nalias,exact,ESXi,VMware ESXi,\n"
            "product,fuzzy,ESXi,VMware ESXi,\n",
            [
                "bad.csv:2: kind: 'alias' is not one of product, version",
                "bad.csv:3: syntax: 'fuzzy' is not one of exact, glob, regex",
            ],
            id="bad-kind-and-syntax",
        ),
        pytest.param(
            "kind,syntax,pattern,product,cycle\nproduct,exact,ESXi,,\n",
            ["bad.csv:2: product: a product rule must name the dataset product"],
            id="product-rule-without-product",
        ),
        pytest.param(
            "kind,syntax,pattern,product,cycle\nversion,regex,(?P<build>\\d+),,\n",
            ["bad.csv:2: pattern: unknown named group(s) build (use cycle or version)"],
            id="unknown-group",
        ),
    ],
)
def test_bad_aliases_file(text: str, expected: list[str]) -> None:
    with pytest.raises(DatasetError) as info:
        parse_aliases(text.encode(), "bad.csv")
    assert info.value.messages == expected


# --- the command, through the real entry point -------------------------------------------------


def rows_of(stdout: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(stdout)))


def test_example_inventory_csv_names_each_hosts_cycle_and_status(tracker) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "inventory", str(EXAMPLE), "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = rows_of(r.stdout)
    assert list(rows[0]) == [*OUTPUT_HEAD, "cluster", "owner", "site", "hardware_end", "vcenter"]
    assert len(rows) == 21
    by_host = {row["hostname"]: row for row in rows}
    expect = {
        "esx-prod-01.corp.example": ("VMware ESXi", "7.0"),
        "esx-dmz-01.corp.example": ("VMware ESXi", "7.0"),
        "hv-prod-01.corp.example": ("Windows Server", "2019"),
        "hv-legacy-01.corp.example": ("Hyper-V Server", "2016"),
        "hv-legacy-03.corp.example": ("Hyper-V Server", "2019"),
        "hv-old-01.corp.example": ("Windows Server", "2012 R2"),
        "pve-01.lab.example": ("Proxmox VE", "8"),
    }
    for host, (product, cycle) in expect.items():
        assert (by_host[host]["matched_product"], by_host[host]["cycle"]) == (product, cycle)
    legacy = by_host["hv-legacy-01.corp.example"]
    assert (legacy["status"], legacy["days_to_eol"]) == ("security-only", "47")
    kvm = by_host["kvm-01.lab.example"]
    assert (kvm["matched_product"], kvm["cycle"], kvm["status"], kvm["days_to_eol"]) == (
        "",
        "",
        "unmatched",
        "",
    )
    assert kvm["site"] == "PAR2" and kvm["owner"] == "linux-team"
    assert r.stderr.startswith("tracker: 21 hosts: ") and "1 unmatched" in r.stderr


def test_json_items_have_typed_values_and_nulls(tracker) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "inventory", str(EXAMPLE), "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 1 and doc["as_of"] == AS_OF
    items = doc["items"]
    assert len(items) == 21 and list(items[0])[:7] == OUTPUT_HEAD
    pve = next(i for i in items if i["hostname"] == "pve-01.lab.example")
    assert pve["version"] == "pve-manager/8.2.4" and pve["days_to_eol"] == -117
    assert "\\/" not in r.stdout
    kvm = next(i for i in items if i["status"] == "unmatched")
    assert kvm["matched_product"] is None and kvm["cycle"] is None and kvm["days_to_eol"] is None
    esx = next(i for i in items if i["product"] == "VMware vSphere Hypervisor 7.0 U3")
    assert esx["version"] == ""


@pytest.mark.parametrize(
    ("fmt", "expected_start"),
    [
        pytest.param("table", "Hostname ", id="table"),
        pytest.param("markdown", "| Hostname | Product | Version | Matched product |", id="markdown"),
    ],
)
def test_text_formats(tracker, fmt: str, expected_start: str) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "inventory", str(EXAMPLE), "--format", fmt)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(expected_start)
    assert len(lines) == 23  # header, rule, 21 hosts
    kvm = next(line for line in lines if "kvm-01" in line)
    assert "unmatched" in kvm and "PAR2" in kvm
    assert "\x1b[" not in r.stdout


def test_output_file_and_env_format(tracker, tmp_path: Path, env) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "matched.json"
    r = tracker(
        "--as-of", AS_OF, "inventory", str(EXAMPLE), "-o", str(out), env={**env, "TRACKER_FORMAT": "json"}
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert len(json.loads(out.read_text(encoding="utf-8"))["items"]) == 21


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_output_file_goes_through_the_one_atomic_writer(tracker, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """Same file mode as every other output (0644 whatever the umask), no temp file left behind."""
    import os

    out = tmp_path / "sub" / f"matched.{fmt}"
    old = os.umask(0o077)  # inherited by the child: a writer that follows the umask would give 0600
    try:
        r = tracker("--as-of", AS_OF, "inventory", str(EXAMPLE), "--format", fmt, "-o", str(out))
    finally:
        os.umask(old)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_filters_keep_unmatched_hosts(tracker) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", AS_OF, "inventory", str(EXAMPLE), "--format", "csv", "--product", "hyper-v")
    assert r.returncode == 0, r.stderr
    rows = rows_of(r.stdout)
    assert {row["matched_product"] for row in rows} == {"Hyper-V Server", ""}
    assert [row["hostname"] for row in rows if row["status"] == "unmatched"] == ["kvm-01.lab.example"]
    assert len(rows) == 4
    r = tracker("--as-of", AS_OF, "inventory", str(EXAMPLE), "--format", "csv", "--vendor", "proxmox")
    assert {row["matched_product"] for row in rows_of(r.stdout)} == {"Proxmox VE", ""}


@pytest.mark.parametrize(
    "command",
    [("inventory", "--format", "csv"), ("inventory", "--format", "json"), ("plan", "--format", "csv")],
)
def test_the_filters_are_resolved_once_per_command(tracker, monkeypatch, command: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """The command's selection is what the join filters with: the terms are not resolved (nor
    aliases.csv read) a second time inside the join."""
    import tracker.resolve as resolve_module

    calls: list[tuple[str, ...]] = []
    real = resolve_module.select

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(tuple(kwargs.get("terms", ())))
        return real(*args, **kwargs)

    monkeypatch.setattr(resolve_module, "select", counting)
    r = tracker("--as-of", AS_OF, command[0], str(EXAMPLE), *command[1:], "--product", "hyper-v")
    assert r.returncode == 0, r.stderr
    assert calls == [("hyper-v",)]
    products = [
        row["product"] for row in (rows_of(r.stdout) if "csv" in command else json.loads(r.stdout)["items"])
    ]
    assert "Hyper-V Server" in products and len(products) == 4  # and the unmatched host


def test_passthrough_columns_are_kept_and_reserved_names_renamed(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hosts = tmp_path / "hosts.csv"
    hosts.write_text(
        "rack,hostname,status,product,version,notes\nR1,a,in production,ESXi,8.0.2,"
        '"needs, quoting"\nR2,b,spare,Acme,1,"say ""hi"""\n',
        encoding="utf-8",
    )
    r = tracker("--as-of", AS_OF, "inventory", str(hosts), "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = rows_of(r.stdout)
    assert list(rows[0]) == [*OUTPUT_HEAD, "rack", "input_status", "notes"]
    assert [(x["rack"], x["input_status"], x["notes"], x["status"]) for x in rows] == [
        ("R1", "in production", "needs, quoting", "supported"),
        ("R2", "spare", 'say "hi"', "unmatched"),
    ]


def test_bom_and_version_like_numbers_stay_text(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hosts = tmp_path / "hosts.csv"
    hosts.write_bytes("\ufeffhostname,product,version\nNA,ESXi,7.0\nh2,Proxmox VE,8\n".encode("utf-8"))
    r = tracker("--as-of", AS_OF, "inventory", str(hosts), "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert [(x["hostname"], x["version"], x["cycle"]) for x in rows_of(r.stdout)] == [
        ("NA", "7.0", "7.0"),
        ("h2", "8", "8"),
    ]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(
            b'hostname,product,version,notes\nh1,ESXi,7.0.3,"a, b"\nh2,Proxmox VE,8.2,\n', id="plain"
        ),
        pytest.param(
            b'\xef\xbb\xbfhostname,product,version,notes\r\nh1,ESXi,7.0.3,"a, b"\r\nh2,Proxmox VE,8.2,\r\n',
            id="bom-crlf",
        ),
        pytest.param(
            b"\xef\xbb\xbfhostname;product;version;notes\r\nh1;ESXi;7.0.3;a, b\r\nh2;Proxmox VE;8.2;\r\n",
            id="excel-semicolons",
        ),
        pytest.param(
            b"sep=;\r\nhostname;product;version;notes\r\nh1;ESXi;7.0.3;a, b\r\nh2;Proxmox VE;8.2;\r\n",
            id="excel-sep-hint-line",
        ),
        pytest.param(
            b"hostname\tproduct\tversion\tnotes\nh1\tESXi\t7.0.3\ta, b\nh2\tProxmox VE\t8.2\t\n", id="tsv"
        ),
        pytest.param(
            b'Hostname, Product ,VERSION,notes\nh1,ESXi,7.0.3,"a, b"\nh2,Proxmox VE,8.2,\n\n\n',
            id="header-case-spaces-trailing-blank-lines",
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "json"])  # the Arrow path and the pandas path
def test_inventory_files_as_spreadsheets_and_tools_write_them(
    tracker, tmp_path: Path, content: bytes, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    """A BOM, CRLF, Excel's semicolons (European locales), a TSV export, a header in another case or
    with spaces, blank lines at the end: the same hosts, the same answer."""
    hosts = tmp_path / "hosts.csv"
    hosts.write_bytes(content)
    r = tracker("--as-of", AS_OF, "inventory", str(hosts), "--format", fmt)
    assert r.returncode == 0, r.stderr
    rows = rows_of(r.stdout) if fmt == "csv" else json.loads(r.stdout)["items"]
    assert [(x["hostname"], x["version"], x["cycle"], x["status"], x["notes"] or "") for x in rows] == [
        ("h1", "7.0.3", "7.0", "extended", "a, b"),
        ("h2", "8.2", "8", "end-of-life", ""),
    ]
    assert r.stderr == "tracker: 2 hosts: 1 extended, 1 end-of-life\n"


def test_names_pasted_with_typographic_dashes_spaces_or_quotes_match(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A CMDB or spreadsheet cell with a non-breaking hyphen, a no-break space, doubled spaces or
    quotes kept as text names the same product; the output keeps the cell as it was."""
    hosts = tmp_path / "hosts.csv"
    hosts.write_text(
        "hostname,product,version\nh1,Hyper\u2011V Server,2016\nh2,VMware\u00a0ESXi,8.0\n"
        'h3,"""ESXi""",8.0\nh4,VMware  ESXi ,\u00a08.0\n',
        encoding="utf-8",
    )
    r = tracker("--as-of", AS_OF, "inventory", str(hosts), "--format", "json")
    assert r.returncode == 0, r.stderr
    items = json.loads(r.stdout)["items"]
    assert [(i["product"], i["matched_product"], i["cycle"]) for i in items] == [
        ("Hyper\u2011V Server", "Hyper-V Server", "2016"),
        ("VMware\u00a0ESXi", "VMware ESXi", "8.0"),
        ('"ESXi"', "VMware ESXi", "8.0"),
        ("VMware  ESXi ", "VMware ESXi", "8.0"),
    ]


def test_a_cell_longer_than_the_readers_blocks_is_still_a_cell(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A 2 MiB notes cell (a blob in a CMDB export) is longer than pyarrow's 1 MiB block and the csv
    module's 128 KiB field limit: read as a value, and a problem after it still named by line."""
    hosts = tmp_path / "hosts.csv"
    blob = "x" * (2 << 20)
    hosts.write_text(f"hostname,product,version,notes\nh1,ESXi,7.0.3,{blob}\nh2,ESXi,8.0,y\n")
    for fmt in ("csv", "json"):
        r = tracker("--as-of", AS_OF, "inventory", str(hosts), "--format", fmt)
        assert r.returncode == 0, r.stderr[:300]
        rows = rows_of(r.stdout) if fmt == "csv" else json.loads(r.stdout)["items"]
        assert [(x["cycle"], len(x["notes"])) for x in rows] == [("7.0", len(blob)), ("8.0", 1)]
    hosts.write_text(f"hostname,product,version,notes\nh1,ESXi,7.0.3,{blob}\nh2,ESXi\n")
    r = tracker("--as-of", AS_OF, "inventory", str(hosts))
    assert (r.returncode, r.stderr) == (1, f"{hosts}:3: (row): 2 fields, but the header has 4 columns\n")


def test_dash_reads_the_inventory_from_standard_input(tracker, env) -> None:  # type: ignore[no-untyped-def]
    """``cmdb-export | tracker inventory -``: every command that reads an inventory, problems named
    ``<stdin>:LINE``; the real entry point too (binary stdin, semicolons and a BOM)."""
    from conftest import run_tracker

    hosts = "hostname,product,version\nh1,ESXi,7.0.3\nh2,Proxmox VE,8.2\n"
    r = tracker("--as-of", AS_OF, "inventory", "-", "--format", "csv", input=hosts)
    assert r.returncode == 0, r.stderr
    assert [(x["hostname"], x["cycle"]) for x in rows_of(r.stdout)] == [("h1", "7.0"), ("h2", "8")]
    r = tracker("--as-of", AS_OF, "inventory", "-", "--explain", input=hosts)
    assert r.returncode == 0 and "dataset product name" in r.stdout, r.stderr
    r = tracker("--as-of", AS_OF, "plan", "-", "--format", "csv", input=hosts)
    assert r.returncode == 0 and len(rows_of(r.stdout)) == 2, r.stderr
    r = tracker("--as-of", AS_OF, "check", "--inventory", "-", input=hosts)
    assert r.returncode == 2 and "hosts=2 past=2" in r.stdout, r.stdout
    r = tracker("--as-of", AS_OF, "check", "--plan", "--inventory", "-", "--product", "hyper-v", input=hosts)
    assert r.returncode == 0 and "hosts=0" in r.stdout, r.stdout  # read twice: still the same hosts
    r = tracker("--as-of", AS_OF, "inventory", "-", input="hostname,product,version\nh1,ESXi\n")
    assert (r.returncode, r.stderr) == (1, "<stdin>:2: (row): 2 fields, but the header has 3 columns\n")
    real = run_tracker(
        "--as-of",
        AS_OF,
        "inventory",
        "-",
        "--format",
        "csv",
        input="\ufeffhostname;product;version\r\nh1;ESXi;8.0.2\r\n",
        env=env,
    )
    assert real.returncode == 0 and rows_of(real.stdout)[0]["cycle"] == "8.0", real.stderr


def test_a_pipe_is_read_like_a_file(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``tracker inventory <(cmdb-export)`` names a pipe, which cannot be read twice: copied once,
    problems named by the path given."""
    import os
    import threading

    def through_pipe(content: str, *args: str):  # type: ignore[no-untyped-def]
        fifo = tmp_path / f"fifo-{len(list(tmp_path.iterdir()))}"
        os.mkfifo(fifo)
        writer = threading.Thread(target=fifo.write_text, args=(content,), daemon=True)
        writer.start()
        try:
            return fifo, tracker("--as-of", AS_OF, *args, str(fifo))
        finally:
            writer.join(timeout=30)

    _, r = through_pipe("hostname;product;version\nh1;ESXi;7.0.3\n", "inventory", "--format", "csv", "--")
    assert r.returncode == 0 and rows_of(r.stdout)[0]["cycle"] == "7.0", r.stderr
    _, r = through_pipe(
        "hostname,product,version\nh1,ESXi,7.0.3\n", "check", "--plan", "--product", "pve", "--inventory"
    )
    assert r.returncode == 0 and "hosts=0" in r.stdout, r.stdout  # read twice (no host selected): one copy
    fifo, r = through_pipe("hostname,product,version\nh1,ESXi\n", "inventory")
    assert (r.returncode, r.stderr) == (1, f"{fifo}:2: (row): 2 fields, but the header has 3 columns\n")


def test_semicolon_inventory_problems_name_the_line_and_layer_columns_in_any_case(
    tracker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    hosts = tmp_path / "hosts.csv"
    hosts.write_bytes(b"Hostname;Product;Version\r\nh1;ESXi;7.0.3\r\nh2;ESXi\r\n")
    r = tracker("--as-of", AS_OF, "inventory", str(hosts))
    assert (r.returncode, r.stderr) == (1, f"{hosts}:3: (row): 2 fields, but the header has 3 columns\n")
    hosts.write_bytes(b"sep=;\r\nHost;Product;Version\r\nh1;ESXi;7.0.3\r\nh2;ESXi\r\n")  # header on line 2
    r = tracker("--as-of", AS_OF, "inventory", str(hosts))
    assert (r.returncode, r.stderr) == (1, f"{hosts}:2: hostname: required column is missing\n")
    hosts.write_bytes(b"sep=;\r\nHostname;Product;Version\r\nh1;ESXi;7.0.3\r\nh2;ESXi\r\n")
    r = tracker("--as-of", AS_OF, "inventory", str(hosts))
    assert (r.returncode, r.stderr) == (1, f"{hosts}:4: (row): 2 fields, but the header has 3 columns\n")
    hosts.write_text("\nhostname,product,version\nh1,ESXi,8.0\n")
    r = tracker("--as-of", AS_OF, "inventory", str(hosts))
    assert (
        r.stderr == f"{hosts}:1: (file): empty line where the header belongs (hostname, product, version)\n"
    )
    hosts.write_text(
        "HostName;Product;Version;VCenter;Hardware_End;Cluster\nh1;ESXi;8.0.2;7.0.3;2030-01-01;c1\n"
    )
    r = tracker("--as-of", AS_OF, "plan", str(hosts), "--format", "csv")
    assert r.returncode == 0, r.stderr
    (row,) = rows_of(r.stdout)  # the vCenter 7.0 the host names is the layer that ends first
    assert (row["vcenter"], row["binding"], row["effective_end"]) == (
        "7.0.3",
        "VMware vCenter Server 7.0",
        "2025-10-02",
    )
    assert row["cluster"] == "c1"  # the report groups hosts at risk by cluster (or owner)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            b"hostname,product\nh1,ESXi\n",
            ["{f}:1: version: required column is missing"],
            id="missing-column",
        ),
        pytest.param(
            b"host,product,version,product\n",
            [
                "{f}:1: hostname: required column is missing",
                "{f}:1: product: column appears twice in the header",
            ],
            id="bad-header",
        ),
        pytest.param(
            b"hostname,product,version\nh1,ESXi,7.0.3\nh2,caf\xe9,1\n",
            ["{f}:3: (file): not UTF-8 text (byte 0xe9); save it as UTF-8"],
            id="not-utf8",
        ),
        pytest.param(
            b"hostname,product,version\nh1,ESXi,7.0.3\nh2,ESXi\nh3,ESXi,8.0,extra\n",
            [
                "{f}:3: (row): 2 fields, but the header has 3 columns",
                "{f}:4: (row): 4 fields, but the header has 3 columns",
            ],
            id="field-count",
        ),
        pytest.param(
            b'hostname,product,version\nh1,"ESXi,7.0.3\nh2,ESXi,8.0\n',
            ["{f}:2: (row): not valid CSV: unexpected end of data"],
            id="unclosed-quote",
        ),
        pytest.param(
            b"hostname,product,version\nh1,ESXi,7.0.3\n\n ,ESXi,8.0\n",
            ["{f}:4: hostname: empty: every host needs a name"],
            id="empty-hostname",
        ),
        pytest.param(
            b"",
            ["{f}:1: (file): empty file: expected a header with hostname, product, version"],
            id="empty-file",
        ),
        pytest.param(
            b"hostname,product,version\nh1,ESXi\x00,7\n",
            ["{f}:2: (file): NUL byte: this is not a CSV text file"],
            id="nul-byte",
        ),
    ],
)
def test_malformed_inventory(
    tracker,
    tmp_path: Path,
    content: bytes,  # type: ignore[no-untyped-def]
    expected: list[str],
) -> None:
    hosts = tmp_path / "hosts.csv"
    hosts.write_bytes(content)
    out = tmp_path / "out.csv"
    r = tracker("--as-of", AS_OF, "inventory", str(hosts), "-o", str(out))
    assert r.returncode == 1
    assert r.stderr.splitlines() == [e.format(f=hosts) for e in expected]
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert not out.exists()


def test_missing_inventory_file(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = tracker("inventory", str(tmp_path / "nope.csv"))
    assert r.returncode == 1
    assert r.stderr.strip() == f"{tmp_path / 'nope.csv'}: cannot read inventory: No such file or directory"


def test_bad_custom_aliases_file_is_reported(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("kind,syntax,pattern,product,cycle\nproduct,regex,[x,Acme,\n")
    r = tracker("inventory", str(EXAMPLE), "--aliases", str(aliases))
    assert r.returncode == 1
    assert r.stderr.startswith(f"{aliases}:2: pattern: invalid regular expression")


# --- library API --------------------------------------------------------------------------------


def test_estate_summary_counts_statuses_groups_and_cycles(records) -> None:  # type: ignore[no-untyped-def]
    as_of = date.fromisoformat(AS_OF)
    matched = match_inventory(load_inventory(EXAMPLE), records, as_of, load_aliases())
    estate = estate_summary(matched, records, as_of, warning_days=365)
    assert estate.hosts_by_status == {
        "supported": 5,
        "security-only": 7,
        "extended": 3,
        "end-of-life": 5,
        "unmatched": 1,
    }
    assert list(estate.hosts_by_status) == [
        "supported",
        "security-only",
        "extended",
        "end-of-life",
        "unmatched",
    ]
    assert estate.at_risk_by == "cluster"
    # past eol or within 365 days: prod-vsphere has ESXi 7.0 x2, 8.0 x2 and vCenter 8.0 (319 d);
    # legacy-hyperv Hyper-V 2016 x2 and 2012 R2; pve-lab Proxmox VE 8 x2 (hv-file-01, Windows
    # Server 2016, has no cluster)
    assert estate.at_risk[:3] == [("prod-vsphere", 5), ("legacy-hyperv", 3), ("pve-lab", 2)]
    assert estate.host_counts[("Broadcom (VMware)", "VMware ESXi", "7.0")] == 3
    assert estate.host_counts[("Microsoft", "Hyper-V Server", "2016")] == 2
    assert estate.host_counts[("Proxmox", "Proxmox VE", "8")] == 2
    assert sum(estate.host_counts.values()) == 20
    assert estate.total == 21 and estate.unmatched == 1


def test_estate_summary_groups_by_owner_without_cluster() -> None:
    recs = load_dataset(SMALL)
    df = pd.DataFrame(
        {
            "hostname": ["a", "b", "c"],
            "product": ["ESXi", "ESXi", "ESXi"],
            "version": ["7.0.3", "8.0", "8.0"],
            "owner": ["x", "y", ""],
        }
    )
    as_of = date.fromisoformat(AS_OF)
    matched = match_inventory(df, recs, as_of, load_aliases())
    estate = estate_summary(matched, recs, as_of, warning_days=30)
    assert estate.at_risk_by == "owner" and estate.at_risk == [("x", 1)]
    assert estate_summary(matched, recs, as_of, warning_days=365).at_risk == [
        ("(none)", 1),
        ("x", 1),
        ("y", 1),
    ]


def test_large_layout_matches_the_shared_renderers(records) -> None:  # type: ignore[no-untyped-def]
    """Beyond LARGE hosts table/markdown are vectorized: the layout must be the same."""
    as_of = date.fromisoformat(AS_OF)
    matched = match_inventory(load_inventory(EXAMPLE), records, as_of, load_aliases())
    for fmt in (Format.TABLE, Format.MARKDOWN):
        shared = render_bytes(matched, fmt, AS_OF, "2026-11-26T06:00:00+00:00").decode()
        assert _large_text(matched, fmt) == shared


def test_match_does_not_reorder_or_drop_hosts(records) -> None:  # type: ignore[no-untyped-def]
    n = 5000
    df = pd.DataFrame(
        {
            "hostname": [f"h{i}" for i in range(n)],
            "product": ["ESXi", "Windows Server", "Acme", "Proxmox VE"] * (n // 4),
            "version": ["7.0.3", "10.0.17763", "1", "8.2.4"] * (n // 4),
        }
    )
    matched = match_inventory(df, records, date.fromisoformat(AS_OF), load_aliases())
    assert matched["hostname"].tolist() == df["hostname"].tolist()
    assert matched["cycle"].iloc[:4].tolist()[:2] == ["7.0", "2019"]
    assert matched["status"].value_counts()["unmatched"] == n // 4


@pytest.mark.parametrize("fmt", [pytest.param(f, id=f.value) for f in Format])
def test_chunked_output_equals_whole_output(records, monkeypatch, fmt: Format) -> None:  # type: ignore[no-untyped-def]
    """Output streams in CHUNK-host pieces; joined they must be the same document."""
    from tracker.inventory import output

    as_of = date.fromisoformat(AS_OF)
    matched = match_inventory(load_inventory(EXAMPLE), records, as_of, load_aliases())
    whole = output.render_bytes(matched, fmt, AS_OF, "t")
    monkeypatch.setattr(output, "CHUNK", 7)
    monkeypatch.setattr(output, "LARGE", 5)  # table and markdown take the vectorized path
    chunks = list(output.render_chunks(matched, fmt, AS_OF, "t"))
    assert len(chunks) >= 3
    assert b"".join(chunks) == whole
    if fmt is Format.JSON:
        assert len(json.loads(whole)["items"]) == 21


TRICKY = (
    "hostname,product,version,status,note\n"
    'h1,ESXi,7.0.3,old,"comma, inside"\n'
    'h2,"Windows Server",10.0.17763,x,"quote "" inside"\n'
    'h3,Acme,1.0,y,"line\nbreak"\n'
    "h4,PVE,8.2.4,z,=HYPERLINK()\n"
)


@pytest.mark.parametrize("filtered", [False, True])
@pytest.mark.parametrize("source", ["example", "tricky"])
def test_arrow_join_writes_what_the_pandas_join_writes(
    records, tmp_path: Path, source: str, filtered: bool
) -> None:  # type: ignore[no-untyped-def]
    """The CLI's csv path (Arrow, no pandas) and the frame the report uses agree byte for byte."""
    from tracker.inventory.table import csv_chunks, match_table, read_hosts_table
    from tracker.resolve import QueryFilters

    path = EXAMPLE
    if source == "tricky":
        path = tmp_path / "tricky.csv"
        path.write_text(TRICKY, encoding="utf-8")
    as_of = date.fromisoformat(AS_OF)
    filters = QueryFilters(terms=("esxi",)) if filtered else None
    arrow = b"".join(csv_chunks(match_table(read_hosts_table(path), records, as_of, load_aliases(), filters)))
    frame = match_inventory(load_inventory(path), records, as_of, load_aliases(), filters)
    assert arrow == render_bytes(frame, Format.CSV, AS_OF, "t")
    assert len(arrow.splitlines()) > 2


@pytest.mark.parametrize("chunk", [1, 2, 3, 100_000])
@pytest.mark.parametrize("source", ["example", "tricky", "empty"])
def test_csv_written_straight_to_the_file_is_the_streamed_csv(
    records, tmp_path: Path, source: str, chunk: int
) -> None:  # type: ignore[no-untyped-def]
    """``write_csv_file`` (pyarrow writing into the file) gives the bytes of ``csv_chunks`` (the
    stdout path), also when some chunks need quotes and others do not."""
    from tracker.inventory.table import csv_chunks, match_table, read_hosts_table, write_csv_file

    path = EXAMPLE
    if source != "example":
        path = tmp_path / "in.csv"
        path.write_text(TRICKY if source == "tricky" else "hostname,product,version\n", encoding="utf-8")
    table = match_table(read_hosts_table(path), records, date.fromisoformat(AS_OF), load_aliases())
    out = tmp_path / "out.csv"
    write_csv_file(table, out, chunk)
    streamed = b"".join(csv_chunks(table, chunk))
    assert out.read_bytes() == streamed
    if source == "tricky" and chunk == 1:  # only the rows that need quotes are quoted
        assert b'"h1","ESXi"' in streamed and b"\nh4,PVE," in streamed


def test_formula_escaping_finds_risky_cells_in_any_chunk_or_slice() -> None:
    """The first-byte pre-check never skips a column that ``csv_cell`` would change."""
    import pyarrow as pa

    from tracker.formats import csv_cell
    from tracker.inventory.table import _spreadsheet_safe

    values = ["ok", "", None, "é=x", "x=1", "-12", "-x", "@h", "=1+1", "\tx", "\rx", "+3.5", "+a", "ü"]
    for i in range(len(values)):
        for chunked in (False, True):
            first = ["ok"] * 3 + values[:i]
            col = pa.chunked_array([first, values[i:]]) if chunked else pa.chunked_array([first + values[i:]])
            for table in (pa.table({"c": col}), pa.table({"c": col}).slice(3)):
                got = _spreadsheet_safe(table).column("c").to_pylist()
                want = [None if v is None else csv_cell(v) for v in table.column("c").to_pylist()]
                assert got == want
    safe = pa.table({"c": pa.chunked_array([["ok", "é", None, ""], ["a-b"]])})
    assert _spreadsheet_safe(safe).column("c").to_pylist() == ["ok", "é", None, "", "a-b"]


def test_the_quote_check_sees_every_character_pyarrow_refuses_unquoted() -> None:
    import pyarrow as pa

    from tracker.inventory.table import _may_need_quotes

    plain = pa.table(
        {"a": ["x", None, ""], "n": [1, None, 2], "d": pa.array(["a", "b", "a"]).dictionary_encode()}
    )
    assert not _may_need_quotes(plain)
    for ch in [",", '"', "\r", "\n"]:
        bad = pa.array(["ok", f"a{ch}b", "ok"])
        assert _may_need_quotes(pa.table({"a": bad}))
        assert _may_need_quotes(pa.table({"a": bad.dictionary_encode()}))
        assert _may_need_quotes(pa.table({"a": bad.cast(pa.large_string())}))
        assert not _may_need_quotes(pa.table({"a": bad}).slice(2, 1))  # only the slice's own bytes
        assert not _may_need_quotes(pa.table({"a": bad}).slice(0, 1))
    assert _may_need_quotes(pa.table({"t": pa.array([b"x"], pa.binary())}))  # unknown type: try


def test_hostile_hostnames_are_inert_in_csv_and_markdown_at_any_size(records, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Hostnames come from the user's file: spreadsheet formulas get ``'``, Markdown is HTML-escaped,
    the same on the vectorized path (beyond LARGE hosts) as on the shared renderers."""
    import csv as csvmod

    from tracker.inventory import output

    df = pd.DataFrame(
        {
            "hostname": ['=HYPERLINK("https://evil.example")', "-44", "<script>x</script>|a", "@h", "ok"],
            "product": ["ESXi"] * 5,
            "version": ["7.0.3"] * 5,
            "=owner": ["+cmd", "", "a&b", "-1.5", "\tx"],
        }
    )
    matched = match_inventory(df, records, date.fromisoformat(AS_OF), load_aliases())
    text = output.render_bytes(matched, Format.CSV, AS_OF, "t").decode()
    rows = list(csvmod.reader(text.splitlines()))
    assert rows[0][-1] == "'=owner"
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("https://evil.example")',
        "-44",
        "<script>x</script>|a",
        "'@h",
        "ok",
    ]
    assert [r[-1] for r in rows[1:]] == ["'+cmd", "", "a&b", "-1.5", "'\tx"]
    shared = output.render_bytes(matched, Format.MARKDOWN, AS_OF, "t").decode()
    assert "&lt;script&gt;x&lt;/script&gt;\\|a" in shared and "<" not in shared
    assert _large_text(matched, Format.MARKDOWN) == shared


def test_arrow_pairs_numbers_each_distinct_pair_once_across_chunks() -> None:
    """``arrow_pairs`` (shared by ``match_table`` and ``tracker plan``): one number per distinct
    (product, version), the same across chunks whose dictionaries differ."""
    import pyarrow as pa

    from tracker.inventory.table import arrow_pairs

    first = pa.record_batch(
        [pa.array(["ESXi", "AHV"]), pa.array(["7.0.3", "6.5"])], names=["product", "version"]
    )
    second = pa.record_batch(
        [pa.array(["AHV", "ESXi"]), pa.array(["6.5", "8.0"])], names=["product", "version"]
    )
    codes, pairs = arrow_pairs(pa.Table.from_batches([first, second, first]))
    named = [pairs[c] for c in codes.tolist()]
    assert named == [
        ("ESXi", "7.0.3"),
        ("AHV", "6.5"),
        ("AHV", "6.5"),
        ("ESXi", "8.0"),
        ("ESXi", "7.0.3"),
        ("AHV", "6.5"),
    ]
    assert len(pairs) == len(set(pairs))
    assert arrow_pairs(pa.Table.from_batches([first.slice(0, 0)]))[1] == []
