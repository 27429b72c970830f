"""Status rules: table-driven cases and hypothesis properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.dataset import LifecycleRecord
from tracker.dates import parse_duration, parse_milestone
from tracker.status import (
    STATUS_ORDER,
    Status,
    days_to_eol,
    expiring,
    is_approaching,
    status_of,
)


def rec(
    release: str = "2020-01-01",
    support_end: str | None = "2022-01-01",
    eol: str | None = "2024-01-01",
    extended_end: str | None = None,
    **kw,
) -> LifecycleRecord:  # type: ignore[no-untyped-def]
    def d(t: str | None):  # type: ignore[no-untyped-def]
        return parse_milestone(t) if t else None

    fields = {
        "vendor": "V",
        "product": "P",
        "cycle": "1",
        "type": 1,
        "source": "https://x.org",
        "confidence": "vendor",
    }
    fields.update(kw)
    return LifecycleRecord(
        release=parse_milestone(release),
        support_end=d(support_end),
        eol=d(eol),
        extended_end=d(extended_end),
        **fields,
    )


D = date.fromisoformat

CASES = [
    pytest.param(rec(), "2019-12-31", Status.UNRELEASED, id="day-before-release"),
    pytest.param(rec(), "2020-01-01", Status.SUPPORTED, id="release-day"),
    pytest.param(rec(), "2022-01-01", Status.SUPPORTED, id="support_end-day-still-supported"),
    pytest.param(rec(), "2022-01-02", Status.SECURITY_ONLY, id="day-after-support_end"),
    pytest.param(rec(), "2024-01-01", Status.SECURITY_ONLY, id="eol-day-still-security"),
    pytest.param(rec(), "2024-01-02", Status.END_OF_LIFE, id="day-after-eol"),
    pytest.param(rec(extended_end="2025-01-01"), "2024-01-02", Status.EXTENDED, id="extended"),
    pytest.param(rec(extended_end="2025-01-01"), "2025-01-01", Status.EXTENDED, id="extended_end-day"),
    pytest.param(rec(extended_end="2025-01-01"), "2025-01-02", Status.END_OF_LIFE, id="after-extended"),
    pytest.param(
        rec(support_end=None), "2023-12-31", Status.SUPPORTED, id="no-support_end-supported-until-eol"
    ),
    pytest.param(rec(support_end=None), "2024-01-02", Status.END_OF_LIFE, id="no-support_end-after-eol"),
    pytest.param(rec(support_end=None, eol=None), "2099-01-01", Status.SUPPORTED, id="nothing-announced"),
    pytest.param(rec(eol=None), "2030-01-01", Status.SECURITY_ONLY, id="eol-not-announced"),
    pytest.param(
        rec(release="2023-06", support_end=None, eol="2026-08"),
        "2026-08-01",
        Status.SUPPORTED,
        id="month-eol-first-day",
    ),
    pytest.param(
        rec(release="2023-06", support_end=None, eol="2026-08"),
        "2026-08-02",
        Status.END_OF_LIFE,
        id="month-eol-counts-as-first-day",
    ),
    pytest.param(
        rec(release="2023-06", support_end=None, eol="2026-08"),
        "2023-06-01",
        Status.SUPPORTED,
        id="month-release",
    ),
]


@pytest.mark.parametrize(("record", "as_of", "expected"), CASES)
def test_status_rules(record: LifecycleRecord, as_of: str, expected: Status) -> None:
    assert status_of(record, D(as_of)) is expected


def test_days_to_eol() -> None:
    assert days_to_eol(rec(eol="2027-01-12"), D("2026-11-26")) == 47
    assert days_to_eol(rec(eol="2027-01-12"), D("2027-01-13")) == -1
    assert days_to_eol(rec(eol=None), D("2026-11-26")) is None
    assert days_to_eol(rec(release="2023-06", support_end=None, eol="2026-08"), D("2026-07-31")) == 1


def test_approaching_window_is_inclusive() -> None:
    r = rec(eol="2027-01-12")
    assert is_approaching(r, D("2026-11-26"), 47)
    assert not is_approaching(r, D("2026-11-26"), 46)
    assert is_approaching(r, D("2027-01-12"), 0)
    assert not is_approaching(r, D("2027-01-13"), 365)


days = st.integers(min_value=0, max_value=8000)


@st.composite
def records(draw):  # type: ignore[no-untyped-def]
    base = date(2000, 1, 1) + timedelta(days=draw(days))
    gaps = [draw(st.one_of(st.none(), st.integers(0, 3000))) for _ in range(3)]
    dates: list[date | None] = []
    cursor = base
    for gap in gaps:
        if gap is None:
            dates.append(None)
        else:
            cursor = cursor + timedelta(days=gap)
            dates.append(cursor)
    as_text = [d.isoformat() if d else None for d in dates]
    return rec(
        release=base.isoformat(),
        support_end=as_text[0],
        eol=as_text[1],
        extended_end=as_text[2] if as_text[1] else None,
    )


@given(records(), st.integers(-400, 12000), st.integers(1, 3000))
def test_status_never_goes_back(record: LifecycleRecord, offset: int, step: int) -> None:
    """As as_of grows, a cycle only moves forward (e.g. never end-of-life -> supported)."""
    start = date(2000, 1, 1) + timedelta(days=offset)
    before = status_of(record, start)
    after = status_of(record, start + timedelta(days=step))
    assert STATUS_ORDER.index(after) >= STATUS_ORDER.index(before)


@given(records(), st.integers(0, 12000))
def test_days_to_eol_falls_by_one_per_day(record: LifecycleRecord, offset: int) -> None:
    day = date(2000, 1, 1) + timedelta(days=offset)
    today, tomorrow = days_to_eol(record, day), days_to_eol(record, day + timedelta(days=1))
    if record.eol is None:
        assert today is None and tomorrow is None
    else:
        assert today is not None and tomorrow is not None
        assert tomorrow == today - 1


@given(records(), st.integers(0, 12000))
def test_end_of_life_exactly_when_past_eol_and_extended(record: LifecycleRecord, offset: int) -> None:
    day = date(2000, 1, 1) + timedelta(days=offset)
    past_eol = record.eol is not None and day > record.eol.first_day
    past_ext = record.extended_end is None or day > record.extended_end.first_day
    assert (status_of(record, day) is Status.END_OF_LIFE) == (past_eol and past_ext)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 1, 1)), st.integers(-50, 50))
def test_month_durations_land_in_the_right_month(day: date, months: int) -> None:
    step = parse_duration(f"{abs(months)}m")
    moved = day + step if months >= 0 else day - step
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day


def test_expiring_sorted_and_inclusive() -> None:
    a = rec(cycle="a", support_end="2027-03-01", eol="2027-12-31")
    b = rec(cycle="b", support_end="2027-01-01", eol="2028-01-01")
    found = expiring([a, b], D("2027-01-01"), D("2027-12-31"))
    assert [(m.record.cycle, m.milestone, m.when.text) for m in found] == [
        ("b", "support_end", "2027-01-01"),
        ("a", "support_end", "2027-03-01"),
        ("a", "eol", "2027-12-31"),
    ]
    assert [m.milestone for m in expiring([a, b], D("2027-01-01"), D("2027-12-31"), ["eol"])] == ["eol"]
