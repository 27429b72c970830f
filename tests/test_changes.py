"""tracker/changes.py: the one change detector (moved / added / removed / refined / passed)."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.changes import Change, compare_dates, diff_records, passed_milestones, summary
from tracker.dataset import COLUMNS, LifecycleRecord, parse_dataset

SRC = "https://example.org/lifecycle"


def records(*rows: str) -> list[LifecycleRecord]:
    """Rows as ``vendor,product,cycle,release,support_end,eol,extended_end`` (type 1, vendor)."""
    lines = [",".join(c for c in COLUMNS if c != "verified_on")]
    for row in rows:
        v, p, c, rel, se, eol, ext = row.split(",")
        lines.append(f"{v},{p},{c},1,{rel},{se},{eol},{ext},{SRC},vendor,")
    parsed, problems = parse_dataset(("\n".join(lines) + "\n").encode(), "t.csv")
    assert not problems
    return parsed


@pytest.mark.parametrize(
    ("old", "new", "api", "expected"),
    [
        pytest.param("2026-08", "2026-08-31", True, "same", id="api-month-end-is-same"),
        pytest.param("2026-08", "2026-08-31", False, "refined", id="csv-last-day-is-refinement"),
        pytest.param("2026-08", "2026-08-15", True, "refined", id="day-inside-month"),
        pytest.param("2026-08", "2026-08-01", True, "refined", id="first-day-inside-month"),
        pytest.param("2026-08", "2026-09-30", True, "moved", id="api-other-month"),
        pytest.param("2026-08", "2026-09", False, "moved", id="month-to-month"),
        pytest.param("2026-08-31", "2026-08", False, "moved", id="day-to-month-shifts-alerts"),
        pytest.param("2026-08-31", "2026-08-31", True, "same", id="same-day"),
        pytest.param("2026-08-30", "2026-08-31", True, "moved", id="day-to-day"),
        pytest.param("2026-02", "2026-02-28", True, "same", id="february"),
        pytest.param("2028-02", "2028-02-28", True, "refined", id="leap-february-not-last-day"),
    ],
)
def test_compare_dates(old: str, new: str, api: bool, expected: str) -> None:
    assert compare_dates(old, new, api_month_end=api) == expected


def test_compare_dates_rejects_non_dates() -> None:
    with pytest.raises(ValueError, match="not an ISO date"):
        compare_dates("2026-08", "Aug 2026")


def test_diff_records_kinds_and_order() -> None:
    old = records(
        "Proxmox,Proxmox VE,8,2023-06,,2026-08,",
        "Proxmox,Proxmox VE,7,2021-07,,2024-07,",
        "Vates,XCP-ng,8.2,2020-11-18,,2025-06-25,",
        "Oracle,VirtualBox,6.1,2019-12-10,,2023-12-31,",
    )
    new = records(
        "Proxmox,Proxmox VE,9,2025-08,,,",
        "Proxmox,Proxmox VE,8,2023-06,,2026-08-31,",
        "proxmox,proxmox ve,7,2021-07,,2024-07-15,",
        "Vates,XCP-ng,8.2,2020-11-18,2024-10-01,2025-09-16,",
    )
    changes = diff_records(old, new, api_month_end=True)
    assert changes == [
        Change("added", "Proxmox", "Proxmox VE", "9", None, None, None),
        Change("refined", "proxmox", "proxmox ve", "7", "eol", "2024-07", "2024-07-15"),
        Change("moved", "Vates", "XCP-ng", "8.2", "support_end", None, "2024-10-01"),
        Change("moved", "Vates", "XCP-ng", "8.2", "eol", "2025-06-25", "2025-09-16"),
        Change("removed", "Oracle", "VirtualBox", "6.1", None, None, None),
    ]
    assert summary(changes) == "2 moved, 1 added, 1 removed, 1 refined"
    assert changes[3].describe() == "XCP-ng 8.2: eol 2025-06-25 -> 2025-09-16 (moved)"
    assert changes[2].describe() == "XCP-ng 8.2: support_end (blank) -> 2024-10-01 (moved)"
    assert changes[0].describe() == "Proxmox VE 9: added"


def test_diff_records_without_api_flag_reports_last_day_as_refinement() -> None:
    old = records("Proxmox,Proxmox VE,8,2023-06,,2026-08,")
    new = records("Proxmox,Proxmox VE,8,2023-06,,2026-08-31,")
    assert [c.kind for c in diff_records(old, new)] == ["refined"]


def test_date_cleared_is_a_move_to_blank() -> None:
    old = records("Red Hat,RHV,4.4,2020-08-04,,2024-08-31,2026-08-31")
    new = records("Red Hat,RHV,4.4,2020-08-04,,2024-08-31,")
    assert diff_records(old, new) == [
        Change("moved", "Red Hat", "RHV", "4.4", "extended_end", "2026-08-31", None)
    ]


def test_identical_datasets_have_no_changes() -> None:
    rows = records("Proxmox,Proxmox VE,8,2023-06,,2026-08,", "Vates,XCP-ng,8.3,2024-10-07,,,")
    assert diff_records(rows, rows) == []
    assert summary([]) == "no changes"


def test_passed_milestones_window_bounds() -> None:
    rows = records(
        "A,P,1,2020-01-01,2026-11-19,2026-11-25,2026-11-26",
        "A,P,2,2020-01-01,,2026-11-01,",
        "A,P,3,2020-01-01,,2026-11,",
    )
    changes = passed_milestones(rows, after=date(2026, 11, 19), as_of=date(2026, 11, 26))
    # after <= d < as_of: 2026-11-19 and 2026-11-25 passed; 2026-11-26 is still the phase's last day.
    # Month-only 2026-11 counts as 2026-11-01, before the window.
    assert changes == [
        Change("passed", "A", "P", "1", "support_end", "2026-11-19", "2026-11-19"),
        Change("passed", "A", "P", "1", "eol", "2026-11-25", "2026-11-25"),
    ]
    assert changes[1].describe() == "P 1: eol 2026-11-25 passed"
    wider = passed_milestones(rows, after=date(2026, 10, 31), as_of=date(2026, 11, 27))
    assert [(c.cycle, c.milestone, c.new) for c in wider] == [
        ("2", "eol", "2026-11-01"),
        ("3", "eol", "2026-11"),
        ("1", "support_end", "2026-11-19"),
        ("1", "eol", "2026-11-25"),
        ("1", "extended_end", "2026-11-26"),
    ]


# --- tracker diff OLD.csv NEW.csv --------------------------------------------------------------------

OLD_CSV = (
    "vendor,product,cycle,type,release,support_end,eol,extended_end,source,confidence,notes,verified_on\n"
    "Vates,XCP-ng,8.2,1,2020-11-18,,2025-06-25,,https://docs.xcp-ng.org/releases/,secondary,,2026-01-01\n"
    "Proxmox,Proxmox VE,8,1,2023-06,,2026-08,,https://pve.proxmox.com/wiki/FAQ,vendor,,2026-01-01\n"
    "Oracle,VirtualBox,6.0,2,2018-12-18,,2020-07,,https://www.virtualbox.org/wiki/Download_Old_Builds,vendor,,\n"
)
NEW_CSV = (
    "vendor,product,cycle,type,release,support_end,eol,extended_end,source,confidence,notes\n"
    "Vates,XCP-ng,8.2,1,2020-11-18,,2025-09-16,,https://docs.xcp-ng.org/releases/,vendor,\n"
    "Proxmox,Proxmox VE,8,1,2023-06,,2026-08-31,,https://pve.proxmox.com/wiki/FAQ,vendor,\n"
    "Debian,Debian,13,1,2025-08-09,,,,https://www.debian.org/releases/,vendor,\n"
)


def test_cli_diff_table_and_json(tmp_path, env) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.conftest import run_in_process

    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text(OLD_CSV)
    new.write_text(NEW_CSV)
    result = run_in_process("diff", str(old), str(new), "--format", "csv", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "kind,vendor,product,cycle,milestone,old,new",
        "moved,Vates,XCP-ng,8.2,eol,2025-06-25,2025-09-16",
        "refined,Proxmox,Proxmox VE,8,eol,2026-08,2026-08-31",
        "added,Debian,Debian,13,,,",
        "removed,Oracle,VirtualBox,6.0,,,",
    ]
    assert result.stderr == f"tracker: {old} -> {new}: 1 moved, 1 added, 1 removed, 1 refined\n"
    api = run_in_process("diff", str(old), str(new), "--api-month-end", "--format", "json", env=env)
    assert api.returncode == 0, api.stderr
    items = json.loads(api.stdout)["items"]
    assert [(i["kind"], i["cycle"]) for i in items] == [("moved", "8.2"), ("added", "13"), ("removed", "6.0")]
    assert items[0] == {
        "kind": "moved",
        "vendor": "Vates",
        "product": "XCP-ng",
        "cycle": "8.2",
        "milestone": "eol",
        "old": "2025-06-25",
        "new": "2025-09-16",
    }
    same = run_in_process("diff", str(old), str(old), env=env)
    assert same.returncode == 0 and same.stderr.endswith(": no changes\n")
    assert run_in_process("diff", str(old), str(old), env=env).stdout.endswith("\n(no changes)\n")


def test_cli_diff_invalid_dataset_is_an_error(tmp_path, env) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import run_in_process

    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text(OLD_CSV)
    new.write_text(NEW_CSV.replace(",1,2025-08-09", ",3,2025-08-09"))
    result = run_in_process("diff", str(old), str(new), env=env)
    assert result.returncode == 1
    assert result.stderr == f"{new}:4: type: must be 1 (bare metal) or 2 (hosted), not '3'\n"
    assert result.stdout == ""
    missing = run_in_process("diff", str(old), env=env)
    assert missing.returncode == 2
