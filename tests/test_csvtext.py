"""The one CSV row reader: record-start line numbers (multi-line records), errors, blank rows."""

from __future__ import annotations

import pytest

from tracker.csvtext import CsvTextError, csv_rows, is_blank, line_problems, read_header, row_values
from tracker.dataset import parse_dataset
from tracker.errors import DatasetError
from tracker.inventory.aliases import parse_aliases
from tracker.inventory.table import inventory_problems

MULTI = 'a,b\n1,"two\nlines"\n\n3,4\n'


def test_lines_are_where_each_record_starts() -> None:
    assert list(csv_rows(MULTI, "f.csv")) == [
        (1, ["a", "b"]),
        (2, ["1", "two\nlines"]),
        (4, []),
        (5, ["3", "4"]),
    ]


def test_malformed_csv_names_the_record_line() -> None:
    text = 'a,b\n1,"two\nlines"\n3,"bad"x\n'
    with pytest.raises(CsvTextError, match=r"^f\.csv:4: \(row\): not valid CSV"):
        list(csv_rows(text, "f.csv"))
    errors: list[str] = []
    assert [line for line, _ in csv_rows(text, "f.csv", errors)] == [1, 2]
    assert errors[0].startswith("f.csv:4: (row): not valid CSV")


def test_blank_rows() -> None:
    assert is_blank([]) and is_blank([" ", ""]) and not is_blank(["", "x"])


HEADER = "vendor,product,cycle,type,release,eol,source,confidence,notes\n"


def test_dataset_aliases_and_inventory_agree_on_lines_after_a_multi_line_record() -> None:
    dataset = (
        HEADER + 'Acme,HV,1,1,2020-01-01,2030-01-01,https://e.org,vendor,"two\nlines"\n'
        "Acme,HV,2,1,2020-01-01,2030-01-01,https://e.org,guess,\n"
    )
    _, problems = parse_dataset(dataset.encode(), "d.csv")
    assert problems == ["d.csv:4: confidence: must be one of vendor, secondary, estimated, not 'guess'"]

    aliases = 'kind,syntax,pattern,product,cycle,note\nproduct,exact,A,HV,,"two\nlines"\nversion,fuzzy,x,,,\n'
    with pytest.raises(DatasetError) as info:
        parse_aliases(aliases.encode(), "a.csv")
    assert info.value.messages == ["a.csv:4: syntax: 'fuzzy' is not one of exact, glob, regex"]

    hosts = 'hostname,product,version,note\nh1,ESXi,7.0,"two\nlines"\n,ESXi,7.0,x\n'
    assert inventory_problems(hosts.encode(), "h.csv") == [
        "h.csv:4: hostname: empty: every host needs a name"
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(b"", ["f.csv:1: (file): empty file: expected a CSV header row"], id="empty"),
        pytest.param(
            b"a,b\n\xff\n", ["f.csv:2: (file): not UTF-8 text (byte 0xff); save it as UTF-8"], id="bytes"
        ),
        pytest.param(b'a,"b\n', ["f.csv:1: (file): not valid CSV: unexpected end of data"], id="header"),
    ],
)
def test_read_header_says_why_there_is_no_header(raw: bytes, expected: list[str]) -> None:
    problems: list[str] = []
    assert read_header(raw, "f.csv", problems) is None
    assert problems == expected


def test_row_values_skip_blank_and_ragged_rows() -> None:
    problems, problem = line_problems("f.csv")
    read = read_header(b' a , b \n1, two \n\n3\n"x\ny",z\n', "f.csv", problems)
    assert read is not None
    header, rows = read
    assert header == ["a", "b"]
    assert list(row_values(header, rows, problem)) == [
        (2, {"a": "1", "b": "two"}),
        (5, {"a": "x\ny", "b": "z"}),
    ]
    assert problems == ["f.csv:4: (row): expected 2 fields, found 1"]


def test_dataset_and_planning_files_word_csv_problems_alike() -> None:
    from tracker.plan.data import parse_upgrades

    for raw in (b"", b"vendor\n\xff\n", b'vendor,"x\n'):
        problems = parse_dataset(raw, "f.csv")[1]
        assert problems, raw  # equal and empty would pass with neither reader noticing anything
        assert parse_upgrades(raw, "f.csv", [])[1] == parse_dataset(raw, "f.csv")[1]
