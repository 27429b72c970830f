"""upgrades.csv and stack.csv: the bundled files are valid; every problem is FILE:LINE: column: msg."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import AS_OF, FIXTURES, ROOT

from tracker.dataset import load_dataset
from tracker.errors import DatasetError
from tracker.plan import load_hardware, load_plan_data, parse_stack, parse_upgrades

PLAN = FIXTURES / "plan"
UP_HEAD = "vendor,product,from_cycle,to_product,to_cycle,kind,source,confidence,notes\n"
ST_HEAD = "vendor,product,cycle,relation,requires_product,requires_cycle,optional,source,confidence,notes\n"
SRC = "https://example.org/x,vendor"
OPT = ",https://example.org/x,vendor"  # blank optional, then source and confidence


@pytest.fixture(scope="module")
def records():  # type: ignore[no-untyped-def]
    return load_dataset(PLAN / "hypervisors.csv")


def test_bundled_upgrades_and_stack_are_valid_against_the_bundled_dataset() -> None:
    dataset = ROOT / "datasets" / "hypervisors.csv"
    hops, reqs = load_plan_data(dataset, load_dataset(dataset))
    assert len(hops) >= 30 and reqs
    pairs = {(h.product, h.from_cycle, h.to_product, h.to_cycle, h.kind) for h in hops}
    assert ("Windows Server", "2016", "Windows Server", "2025", "in-place") in pairs
    assert ("Windows Server", "2012 R2", "Windows Server", "2025", "in-place") in pairs
    assert not any(h[:4] == ("Windows Server", "2012 R2", "Windows Server", "2022") for h in pairs)
    assert ("Hyper-V Server", "2019", "Windows Server", "2025", "migrate") in pairs
    assert ("Proxmox VE", "8", "Proxmox VE", "9", "in-place") in pairs
    for h in hops:
        assert h.source.startswith("https://") and h.confidence and h.notes, h


def test_tracker_validate_checks_the_files_beside_the_dataset(tracker) -> None:  # type: ignore[no-untyped-def]
    r = tracker("validate")
    assert r.returncode == 0, r.stderr
    assert "upgrades.csv: valid," in r.stdout and "stack.csv: valid," in r.stdout
    r = tracker("validate", str(ROOT / "datasets" / "upgrades.csv"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("upgrade hops")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        pytest.param(
            f"Microsoft,Windows Serv,2016,Windows Server,2019,in-place,{SRC},\n",
            "x/upgrades.csv:2: product: product 'Windows Serv' is not in the dataset",
            id="unknown-product",
        ),
        pytest.param(
            f"Microsoft,Windows Server,2017,Windows Server,2019,in-place,{SRC},\n",
            "x/upgrades.csv:2: from_cycle: Windows Server 2017 is not a release cycle of the dataset",
            id="unknown-cycle",
        ),
        pytest.param(
            f"Microsoft,Windows Server,2022,Windows Server,2016,in-place,{SRC},\n",
            "x/upgrades.csv:2: to_cycle: hop backwards in time: Windows Server 2016 (released 2016-10-15) "
            "is older than Windows Server 2022 (released 2021-08-18)",
            id="backwards",
        ),
        pytest.param(
            f"Microsoft,Windows Server,2022,Windows Server,2022,in-place,{SRC},\n",
            "x/upgrades.csv:2: to_cycle: a hop from Windows Server 2022 to itself",
            id="self-hop",
        ),
        pytest.param(
            f"Microsoft,Windows Server,2019,Windows Server,2022,upgrade,{SRC},\n",
            "x/upgrades.csv:2: kind: must be one of in-place, migrate, reinstall, not 'upgrade'",
            id="kind",
        ),
        pytest.param(
            "Microsoft,Windows Server,2019,Windows Server,2022,in-place,ftp://x,vendor,\n",
            "x/upgrades.csv:2: source: not an http(s):// URL: 'ftp://x'",
            id="source",
        ),
        pytest.param(
            "Microsoft,Windows Server,2019,Windows Server,2022,in-place,https://x.org,guess,\n",
            "x/upgrades.csv:2: confidence: must be one of vendor, secondary, estimated, not 'guess'",
            id="confidence",
        ),
        pytest.param(
            "Microsoft,Windows Server,2019,Windows Server,2022,in-place,https://x.org,vendor\n",
            "x/upgrades.csv:2: (row): expected 9 fields, found 8",
            id="short-row",
        ),
    ],
)
def test_upgrade_problems(records, row: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    hops, problems = parse_upgrades((UP_HEAD + row).encode(), "x/upgrades.csv", records)
    assert hops == []
    assert problems == [expected]


def test_every_problem_at_once_with_editor_line_numbers(records) -> None:  # type: ignore[no-untyped-def]
    text = (
        UP_HEAD
        + f"Microsoft,Windows Server,2016,Windows Server,2019,in-place,{SRC},ok\n"
        + f'Microsoft,Windows Server,2019,Windows Server,2099,in-place,{SRC},"two\nlines"\n'
        + f"Microsoft,Windows Server,2016,Windows Server,2019,in-place,{SRC},again\n"
    )
    hops, problems = parse_upgrades(text.encode(), "u.csv", records)
    assert len(hops) == 1
    assert problems == [
        "u.csv:3: to_cycle: Windows Server 2099 is not a release cycle of the dataset",
        "u.csv:5: to_cycle: duplicate of line 2",
    ]


def test_header_problems(records) -> None:  # type: ignore[no-untyped-def]
    _, problems = parse_upgrades(b"vendor,product,from,to_product\n", "u.csv", records)
    assert "u.csv:1: from: unknown column" in problems
    assert "u.csv:1: from_cycle: required column is missing" in problems
    _, problems = parse_upgrades(b"\xff\xfe", "u.csv", records)
    assert problems and problems[0].startswith("u.csv:1: (file): not UTF-8")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            f"Proxmox,Proxmox VE,8,runs-on,Proxmox VE,7,{OPT},\n",
            "s.csv:2: requires_product: Proxmox VE 8 cannot require its own product (Proxmox VE 7): "
            "a cycle requiring itself",
            id="requires-itself",
        ),
        pytest.param(
            f"Proxmox,Proxmox VE,8,runs-on,Debian,12,{OPT},\nDebian,Debian,12,runs-on,Proxmox VE,8,{OPT},\n",
            "s.csv:3: requires_product: Debian ends up requiring itself through the stack (a cycle of "
            "requirements)",
            id="loop",
        ),
        pytest.param(
            f"Proxmox,Proxmox VE,8,depends-on,Debian,12,{OPT},\n",
            "s.csv:2: relation: must be one of managed-by, runs-on, bundled-with, not 'depends-on'",
            id="relation",
        ),
        pytest.param(
            f"Proxmox,Proxmox VE,8,runs-on,Debian,14,{OPT},\n",
            "s.csv:2: requires_cycle: Debian 14 is not a release cycle of the dataset",
            id="unknown-cycle",
        ),
        pytest.param(
            "Proxmox,Proxmox VE,8,runs-on,Debian,12,maybe,https://example.org/x,vendor,\n",
            "s.csv:2: optional: must be yes, no or blank, not 'maybe'",
            id="optional",
        ),
        pytest.param(
            f"Vates,Proxmox VE,8,runs-on,Debian,12,{OPT},\n",
            "s.csv:2: vendor: Proxmox VE 8 belongs to 'Proxmox' in the dataset",
            id="vendor",
        ),
    ],
)
def test_stack_problems(records, rows: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    _, problems = parse_stack((ST_HEAD + rows).encode(), "s.csv", records)
    assert expected in problems


def test_validate_reports_plan_file_problems_and_fails(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for name in ("hypervisors.csv", "stack.csv"):
        shutil.copy(PLAN / name, tmp_path / name)
    (tmp_path / "upgrades.csv").write_text(
        UP_HEAD + f"Microsoft,Windows Server,2022,Windows Server,2016,in-place,{SRC},\n", encoding="utf-8"
    )
    r = tracker("validate", str(tmp_path / "hypervisors.csv"))
    assert r.returncode == 1
    assert f"{tmp_path / 'upgrades.csv'}:2: to_cycle: hop backwards in time" in r.stderr
    assert "Traceback" not in r.stderr
    # and `tracker plan` refuses to plan from it
    r = tracker(
        "--dataset", str(tmp_path / "hypervisors.csv"), "--as-of", AS_OF, "plan", str(PLAN / "hosts.csv")
    )
    assert r.returncode == 1 and "hop backwards in time" in r.stderr and r.stdout == ""


def test_hardware_list(tmp_path: Path) -> None:
    assert load_hardware(PLAN / "hardware.csv") == {"r740": __import__("datetime").date(2026, 12, 31)}
    bad = tmp_path / "hw.csv"
    bad.write_text("hardware_model,hardware_end\nR740,2026-13-01\nR740,2026-12-01\n", encoding="utf-8")
    with pytest.raises(DatasetError) as exc:
        load_hardware(bad)
    assert exc.value.messages == [f"{bad}:2: hardware_end: impossible date: '2026-13-01'"]
    with pytest.raises(DatasetError, match="no such file"):
        load_hardware(tmp_path / "missing.csv")
