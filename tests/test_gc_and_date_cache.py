"""Two speed devices of the 10,000-cycle report (bench/report.py) must not change behaviour: the
pause of the cyclic collector is undone afterwards, and the cache of parsed dates never caches an
error."""

from __future__ import annotations

import gc

import pytest

from tracker.dates import parse_milestone
from tracker.gcutil import gc_paused


def test_gc_paused_restores_the_previous_state_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_parsed_dates_are_shared_and_errors_are_raised_every_time() -> None:
    assert parse_milestone("2027-01-12") is parse_milestone("2027-01-12")
    assert parse_milestone("2026-08").month_only
    for _ in range(2):
        with pytest.raises(ValueError, match="impossible date: '2029-02-30'"):
            parse_milestone("2029-02-30")
