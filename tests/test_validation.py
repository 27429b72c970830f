"""Every validation rule of the dataset (datasets/README.md) has a failing file here, with its exact message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_in_process, run_tracker
from tracker.dataset import parse_dataset

HEADER = "vendor,product,cycle,type,release,support_end,eol,extended_end,source,confidence,notes\n"
GOOD = "Microsoft,Hyper-V Server,2019,1,2018-11-13,2024-01-09,2029-01-09,,https://learn.microsoft.com/x,vendor,\n"


def problems_of(text: str | bytes) -> list[str]:
    raw = text.encode() if isinstance(text, str) else text
    return parse_dataset(raw, "data.csv")[1]


CASES = [
    pytest.param(
        HEADER.replace("notes", "notes,colour") + GOOD.rstrip("\n") + ",red\n",
        ["data.csv:1: colour: unknown column"],
        id="unknown-column",
    ),
    pytest.param(
        HEADER.replace("vendor,", "") + GOOD.split(",", 1)[1],
        ["data.csv:1: vendor: required column is missing"],
        id="missing-column",
    ),
    pytest.param(
        HEADER + GOOD.replace("2029-01-09", "2029-02-30"),
        ["data.csv:2: eol: impossible date: '2029-02-30'"],
        id="impossible-date",
    ),
    pytest.param(
        HEADER + GOOD.replace("2029-01-09", "09/01/2029"),
        ["data.csv:2: eol: not an ISO date (YYYY-MM-DD or YYYY-MM): '09/01/2029'"],
        id="not-iso-date",
    ),
    pytest.param(
        HEADER + GOOD.replace("2029-01-09", "2029-1-9"),
        ["data.csv:2: eol: not an ISO date (YYYY-MM-DD or YYYY-MM): '2029-1-9'"],
        id="unpadded-date",
    ),
    pytest.param(
        HEADER + GOOD.replace(",1,2018", ",3,2018"),
        ["data.csv:2: type: must be 1 (bare metal) or 2 (hosted), not '3'"],
        id="type-3",
    ),
    pytest.param(
        HEADER + GOOD + GOOD.replace("Hyper-V Server", "hyper-v server"),
        [
            "data.csv:3: cycle: duplicate of line 2 (same vendor, product and cycle: "
            "Microsoft / hyper-v server / 2019)"
        ],
        id="duplicate",
    ),
    pytest.param(
        HEADER + GOOD.replace("2024-01-09,2029-01-09", "2030-01-09,2029-01-09"),
        [
            "data.csv:2: eol: 2029-01-09 is before support_end 2030-01-09 "
            "(expected release <= support_end <= eol <= extended_end)"
        ],
        id="order",
    ),
    pytest.param(
        HEADER + GOOD.replace("2029-01-09,", "2029-01-09,2028-12-31"),
        [
            "data.csv:2: extended_end: 2028-12-31 is before eol 2029-01-09 "
            "(expected release <= support_end <= eol <= extended_end)"
        ],
        id="order-extended",
    ),
    pytest.param(
        HEADER + GOOD.replace("2018-11-13", "2024-02"),
        [
            "data.csv:2: support_end: 2024-01-09 is before release 2024-02 "
            "(expected release <= support_end <= eol <= extended_end)"
        ],
        id="order-month",
    ),
    pytest.param(
        HEADER + GOOD.replace("https://learn.microsoft.com/x", "javascript:alert(1)"),
        ["data.csv:2: source: not an http(s):// URL: 'javascript:alert(1)'"],
        id="javascript-source",
    ),
    pytest.param(
        HEADER + GOOD.replace("https://learn.microsoft.com/x", "https://a.example/x ; ftp://b.example/y"),
        ["data.csv:2: source: not an http(s):// URL: 'ftp://b.example/y'"],
        id="second-source-bad",
    ),
    pytest.param(
        HEADER + GOOD.replace(",vendor,", ",guess,"),
        ["data.csv:2: confidence: must be one of vendor, secondary, estimated, not 'guess'"],
        id="confidence",
    ),
    pytest.param(
        HEADER + GOOD.replace("Microsoft", ""),
        ["data.csv:2: vendor: required value is empty"],
        id="empty-required",
    ),
    pytest.param(
        HEADER + GOOD.replace("2018-11-13", ""),
        ["data.csv:2: release: required value is empty"],
        id="empty-release",
    ),
    pytest.param(
        HEADER + GOOD.rstrip("\n") + ",extra\n",
        ["data.csv:2: (row): expected 11 fields, found 12"],
        id="field-count",
    ),
    pytest.param(
        HEADER.encode() + GOOD.replace("Microsoft", "Micr\xf6soft").encode("latin-1"),
        ["data.csv:2: (file): not UTF-8 text (byte 0xf6); save it as UTF-8"],
        id="not-utf8",
    ),
    pytest.param(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        ["data.csv:1: (file): not UTF-8 text (byte 0x89); save it as UTF-8"],
        id="binary-file",
    ),
    pytest.param(
        HEADER + 'Microsoft,"Hyper-V Server,2019,1\n',
        ["data.csv:2: (row): not valid CSV: unexpected end of data"],
        id="not-csv",
    ),
    pytest.param("", ["data.csv:1: (file): empty file: expected a CSV header row"], id="empty"),
    pytest.param(
        HEADER + GOOD.replace("Hyper-V Server", '"Hyper-V\r\nBcc: x@evil.example"'),
        ["data.csv:2: product: line break or control character in value (only notes may span lines)"],
        id="crlf-in-product",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_each_rule_reports_file_line_column(text: str | bytes, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_valid_file_has_no_problems() -> None:
    records, problems = parse_dataset((HEADER + GOOD).encode(), "data.csv")
    assert problems == []
    assert [r.name for r in records] == ["Hyper-V Server 2019"]
    assert records[0].line == 2


def test_column_order_is_free_and_optional_columns_may_be_absent() -> None:
    text = (
        "product,vendor,cycle,type,release,source,confidence\n"
        "VMware ESXi,Broadcom (VMware),8.0,1,2022-10-11,https://example.org,secondary\n"
    )
    records, problems = parse_dataset(text.encode(), "data.csv")
    assert problems == []
    assert records[0].vendor == "Broadcom (VMware)"
    assert records[0].eol is None


def test_all_problems_are_reported_at_once() -> None:
    text = (
        HEADER
        + GOOD.replace("2029-01-09", "2029-13-01")
        + GOOD.replace("2019", "2016").replace(",1,2018", ",3,2018")
    )
    assert problems_of(text) == [
        "data.csv:2: eol: impossible date: '2029-13-01'",
        "data.csv:3: type: must be 1 (bare metal) or 2 (hosted), not '3'",
    ]


def test_lines_count_like_an_editor_with_multiline_quoted_fields() -> None:
    text = (
        HEADER
        + GOOD.replace(",vendor,", ',vendor,"two\nlines"').rstrip("\n")
        + "\n"
        + GOOD.replace("2019", "2016").replace(",1,2018", ",9,2018")
    )
    assert problems_of(text) == ["data.csv:4: type: must be 1 (bare metal) or 2 (hosted), not '9'"]


def test_cli_validate_bad_date_and_type_3(tmp_path: Path, env: dict[str, str]) -> None:
    """The issue's example: a bad date on one line and type 3 on another: two lines, exit 1."""
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + GOOD.replace("2029-01-09", "2029-02-30")
        + GOOD.replace("2019", "2016").replace(",1,2018", ",3,2018")
    )
    result = run_tracker("validate", str(bad), env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{bad}:2: eol: impossible date: '2029-02-30'",
        f"{bad}:3: type: must be 1 (bare metal) or 2 (hosted), not '3'",
    ]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_every_command_that_reads_the_dataset_refuses_an_invalid_one(
    tmp_path: Path, env: dict[str, str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + GOOD.replace(",1,2018", ",3,2018"))
    out = tmp_path / "out.json"
    for args in (["status"], ["expiring"], ["status", "--format", "json", "-o", str(out)]):
        result = run_in_process("--dataset", str(bad), *args, env=env)
        assert result.returncode == 1, args
        assert f"{bad}:2: type:" in result.stderr
        assert "Traceback" not in result.stderr
    assert not out.exists()


def test_cli_validate_several_files(tmp_path: Path, env: dict[str, str]) -> None:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + GOOD.replace(",vendor,", ",maybe,"))
    result = run_in_process("validate", str(good), str(bad), env=env)
    assert result.returncode == 1
    assert f"{good}: valid, 1 release cycle\n" in result.stdout
    assert f"{bad}:2: confidence:" in result.stderr


def test_cli_validate_checks_an_aliases_file_as_one(tmp_path: Path, env: dict[str, str]) -> None:
    """The bundled aliases.csv and a --aliases file of your own are validated by their own rules
    (regular expressions compiled), not as a dataset with every dataset column missing."""
    bundled = Path(__file__).resolve().parents[1] / "datasets" / "aliases.csv"
    result = run_in_process("validate", str(bundled), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{bundled}: valid, ") and result.stdout.endswith(" alias rules\n")
    mine = tmp_path / "my-aliases.csv"
    mine.write_bytes(
        b"\xef\xbb\xbfkind,syntax,pattern,applies_to,product,cycle,note\r\n"
        b"product,regex,esx(,,VMware ESXi,,\r\nproduct,glob,*esx-cluster*,,VMware ESXi,,\r\n"
    )
    result = run_in_process("validate", str(mine), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{mine}:2: pattern: invalid regular expression: missing )")
    assert "required column is missing" not in result.stderr
    mine.write_text(
        "kind,syntax,pattern,applies_to,product,cycle,note\nproduct,glob,*esx-cluster*,,VMware ESXi,,\n"
    )
    result = run_in_process("validate", str(mine), env=env)
    assert (result.returncode, result.stdout) == (0, f"{mine}: valid, 1 alias rule\n")


def test_cli_validate_reads_an_inventory_as_tracker_inventory_does(
    tmp_path: Path, env: dict[str, str]
) -> None:
    good = tmp_path / "hosts.csv"
    good.write_bytes(b"\xef\xbb\xbfsep=;\r\nHostname;Product;Version\r\nh1;ESXi;8.0\r\nh2;Proxmox VE;8\r\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("hostname,product,version\nh1,ESXi,8.0\nh2,ESXi\n")
    result = run_in_process("validate", str(good), str(bad), env=env)
    assert result.returncode == 1
    assert result.stdout == f"{good}: valid inventory, 2 hosts\n"
    assert result.stderr == f"{bad}:3: (row): 2 fields, but the header has 3 columns\n"


def test_missing_file(tmp_path: Path, env: dict[str, str]) -> None:
    result = run_in_process("validate", str(tmp_path / "nope.csv"), env=env)
    assert result.returncode == 1
    assert "cannot read dataset" in result.stderr


def test_shipped_dataset_validates(env: dict[str, str]) -> None:
    result = run_in_process("validate", env=env)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


# --- verified_on (datasets/README.md) --------------------------------------------------------------

AGED_HEADER = HEADER.rstrip("\n") + ",verified_on\n"


def aged(verified_on: str, cycle: str = "2019") -> str:
    return GOOD.replace("2019,1,2018", f"{cycle},1,2018").rstrip("\n") + f",{verified_on}\n"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("2026-11", "not an ISO date (YYYY-MM-DD): '2026-11'", id="month-only"),
        pytest.param("26/11/2026", "not an ISO date (YYYY-MM-DD): '26/11/2026'", id="not-iso"),
        pytest.param("2026-02-30", "impossible date: '2026-02-30'", id="impossible"),
    ],
)
def test_verified_on_must_be_a_full_iso_day(value: str, message: str) -> None:
    assert problems_of(AGED_HEADER + aged(value)) == [f"data.csv:2: verified_on: {message}"]


def test_verified_on_is_read_and_written_back(tmp_path: Path) -> None:
    from datetime import date

    from tracker.dataset import load_dataset, write_dataset

    src = tmp_path / "a.csv"
    src.write_text(AGED_HEADER + aged("2026-11-26") + aged("", cycle="2016"))
    records = load_dataset(src)
    assert [r.verified_on for r in records] == [date(2026, 11, 26), None]
    out = tmp_path / "b.csv"
    write_dataset(records, out)
    lines = out.read_text().splitlines()
    assert lines[0].endswith(",notes,verified_on")
    assert lines[1].endswith(",2026-11-26") and lines[2].endswith(",")


def test_dataset_age_finds_oldest_and_stale_rows() -> None:
    from datetime import date

    from tracker.dataset import dataset_age

    text = (
        AGED_HEADER
        + aged("2026-11-26")
        + aged("2026-05-29", "2016")
        + aged("2026-05-30", "2012")
        + aged("", "2008")
    )
    records, problems = parse_dataset(text.encode(), "data.csv")
    assert problems == []
    age = dataset_age(records, date(2026, 11, 26), stale_after_days=180)
    # 2026-05-29 is 181 days before 2026-11-26: stale; 2026-05-30 is exactly 180: not yet.
    assert age.oldest == date(2026, 5, 29)
    assert age.oldest_days == 181
    assert [r.cycle for r in age.stale] == ["2008", "2016"]
    assert age.unverified == 1
    assert (
        age.describe()
        == "oldest check 2026-05-29 (181 days ago); 1 row older than 180 days, 1 row without verified_on"
    )
    assert dataset_age(records, date(2026, 11, 26), stale_after_days=181).stale[1:] == ()


def test_cli_validate_warns_about_stale_rows_and_exits_0(tmp_path: Path, env: dict[str, str]) -> None:
    data = tmp_path / "data.csv"
    data.write_text(AGED_HEADER + aged("2026-11-01") + aged("2025-01-15", "2016"))
    result = run_in_process("--as-of", "2026-11-26", "validate", str(data), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{data}: valid, 2 release cycles",
        f"{data}: data age: oldest check 2025-01-15 (680 days ago); 1 row older than 180 days",
    ]
    assert result.stderr.splitlines() == [
        f"{data}:3: verified_on: warning: Hyper-V Server 2016: last verified 2025-01-15, 680 days ago "
        "(more than 180): check its dates against the source"
    ]
    # The threshold comes from data.stale_after_days, and --stale-after-days overrides it.
    (tmp_path / "tracker.toml").write_text("[data]\nstale_after_days = 1000\n")
    quiet = run_in_process("--as-of", "2026-11-26", "validate", str(data), env=env, cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert "0 rows older than 1000 days" in quiet.stdout
    strict = run_in_process(
        "--as-of", "2026-11-26", "validate", "--stale-after-days", "10", str(data), env=env, cwd=tmp_path
    )
    assert strict.returncode == 0
    assert len(strict.stderr.splitlines()) == 2


def test_check_data_turns_warning_when_rows_are_stale(tmp_path: Path, env: dict[str, str]) -> None:
    data = tmp_path / "data.csv"
    data.write_text(AGED_HEADER + aged("2026-11-01") + aged("2025-01-15", "2016"))
    base = ("--dataset", str(data), "--as-of", "2026-11-26", "check", "--warning", "30")
    plain = run_in_process(*base, env=env)
    assert plain.returncode == 0
    assert (
        plain.stdout == "TRACKER OK - 0 approaching end of life, 0 past | approaching=0 critical=0 past=0\n"
    )
    stale = run_in_process(*base, "--data", env=env)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert stale.stdout == (
        "TRACKER WARNING - 0 approaching end of life, 0 past; 1 dataset row not verified in 180 days "
        "| approaching=0 critical=0 past=0 stale_rows=1\n"
    )
    # A CRITICAL state stays CRITICAL, with the stale rows said too.
    crit = run_in_process(*base, "--data", "--critical", "1000", env=env)
    assert crit.returncode == 2
    assert "; 1 dataset row not verified in 180 days |" in crit.stdout
    data.write_text(AGED_HEADER + aged("2026-11-01"))
    fresh = run_in_process(*base, "--data", env=env)
    assert fresh.returncode == 0
    assert fresh.stdout.endswith("past=0 stale_rows=0\n")


def test_shipped_dataset_is_fully_verified(env: dict[str, str]) -> None:
    from datetime import date

    from tracker.dataset import bundled_dataset_path, dataset_age, load_dataset

    records = load_dataset(bundled_dataset_path())
    missing = [r.name for r in records if r.verified_on is None]
    assert missing == []
    age = dataset_age(records, date(2026, 11, 26))
    assert age.stale == ()
    result = run_in_process("--as-of", "2026-11-26", "validate", env=env)
    assert result.returncode == 0
    assert "data age: oldest check" in result.stdout
    assert result.stderr == ""
