"""tracker.vocabulary: the one set of words for phases, milestones, days and urgency."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker import vocabulary as vocab
from tracker.status import Status
from tracker.vocabulary import Urgency


@pytest.mark.parametrize(
    ("days", "text"),
    [
        pytest.param(4, "EOL in 4 days", id="soon"),
        pytest.param(1, "EOL in 1 day", id="one-day"),
        pytest.param(0, "EOL today", id="today"),
        pytest.param(-1, "past EOL 1 day ago", id="yesterday"),
        pytest.param(-44, "past EOL 44 days ago", id="past"),
        pytest.param(99, "EOL in 99 days", id="days-up-to-99"),
        pytest.param(100, "EOL in 3 months", id="then-months"),
        pytest.param(730, "EOL in 23 months", id="months-below-two-years"),
        pytest.param(731, "EOL in 2 years", id="then-years"),
        pytest.param(None, "no EOL announced", id="none"),
    ],
)
def test_until_eol(days: int | None, text: str) -> None:
    assert vocab.until(days) == text


def test_until_other_milestones_and_day_counts() -> None:
    assert vocab.until(12, "support_end") == "end of full support in 12 days"
    assert vocab.until(-3, "extended_end") == "past end of paid support 3 days ago"
    assert vocab.days_left(1) == "1 day left"  # never "1 days left"
    assert vocab.days_left(2) == "2 days left"
    assert vocab.days_left(0) == "today"
    assert vocab.days_left(-1) == "1 day ago"
    assert vocab.when(1) == "tomorrow" and vocab.when(-1) == "yesterday" and vocab.when(5) == "in 5 days"
    assert vocab.hosts(1) == "1 host" and vocab.hosts(0) == "0 hosts"


def test_start_by_says_when_the_date_is_already_behind() -> None:
    as_of = date(2026, 11, 26)
    assert vocab.start_by(date(2027, 4, 11), as_of) == "start by 2027-04-11"
    assert vocab.start_by(as_of, as_of) == "start by 2026-11-26"
    assert vocab.start_by(date(2026, 11, 25), as_of) == "start by 2026-11-25 (1 day overdue)"
    assert vocab.start_by(date(2026, 7, 12), as_of) == "start by 2026-07-12 (4 months overdue)"


@pytest.mark.parametrize(
    ("days", "level"),
    [
        pytest.param(-1, Urgency.PAST, id="past"),
        pytest.param(0, Urgency.D30, id="today"),
        pytest.param(30, Urgency.D30, id="30"),
        pytest.param(31, Urgency.D90, id="31"),
        pytest.param(90, Urgency.D90, id="90"),
        pytest.param(91, Urgency.D365, id="91"),
        pytest.param(365, Urgency.D365, id="365"),
        pytest.param(366, Urgency.LATER, id="366"),
        pytest.param(None, Urgency.NONE, id="none"),
    ],
)
def test_urgency_scale_boundaries(days: int | None, level: Urgency) -> None:
    assert vocab.urgency(days) is level


@given(st.integers(-5000, 5000), st.integers(-5000, 5000))
def test_urgency_never_decreases_as_the_date_comes_closer(a: int, b: int) -> None:
    order = [Urgency.LATER, Urgency.D365, Urgency.D90, Urgency.D30, Urgency.PAST]
    sooner, later = sorted((a, b))
    assert order.index(vocab.urgency(sooner)) >= order.index(vocab.urgency(later))


def test_every_status_has_a_phase_name_and_css_for_every_urgency() -> None:
    assert [vocab.phase(s) for s in Status] == [
        "Unreleased",
        "Supported",
        "Security fixes only",
        "Paid extended support",
        "End of life",
    ]
    css = vocab.urgency_css()
    assert all(f".{u.value}{{" in css for u in Urgency)
